"""``finops query``: SQL over the data directory's database, read-only, exact money, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from finops_fakes import registry_of

from open_finops.database import database_path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    con = duckdb.connect(str(database_path(folder)))
    con.execute("CREATE SCHEMA aws_cur; CREATE TABLE aws_cur.costs (period VARCHAR, service VARCHAR, "
                "cost DECIMAL(38,18), seen TIMESTAMPTZ)")
    con.execute("INSERT INTO aws_cur.costs VALUES ('2024-01', 'AmazonEC2', 0.000000000000000001, "
                "'2024-01-01 00:00:00+00'), ('2024-01', '[bold]S3[/bold]', 12345678901234567890.123456789012345678, "
                "NULL), ('2024-02', 'AmazonEC2', 2.5, NULL)")
    con.close()
    return folder


def run(cli, data: Path, *argv: str):
    return cli(registry_of(), "query", *argv, "--data-dir", str(data))


def test_a_query_prints_a_table_with_every_value_as_stored(cli, data: Path) -> None:
    result = run(cli, data, "SELECT service, cost FROM aws_cur.costs ORDER BY cost")
    assert result.exit_code == 0, result.stderr
    assert "0.000000000000000001" in result.stdout
    assert "12345678901234567890.123456789012345678" in result.stdout
    assert "[bold]S3[/bold]" in result.stdout  # data is not read as markup
    assert result.stderr == "3 rows\n"


def test_json_keeps_money_exact_as_strings_and_dates_as_iso(cli, data: Path) -> None:
    result = run(cli, data, "SELECT period, sum(cost) AS cost, min(seen) AS seen FROM aws_cur.costs "
                            "GROUP BY 1 ORDER BY 1", "--json")
    assert json.loads(result.stdout) == [
        {"period": "2024-01", "cost": "12345678901234567890.123456789012345679", "seen": "2024-01-01T00:00:00+00:00"},
        {"period": "2024-02", "cost": "2.500000000000000000", "seen": None},
    ]


def test_csv_has_a_header_and_empty_cells_for_null(cli, data: Path) -> None:
    result = run(cli, data, "SELECT period, seen FROM aws_cur.costs ORDER BY period, seen NULLS LAST", "--csv")
    assert result.stdout.splitlines() == ["period,seen", "2024-01,2024-01-01T00:00:00+00:00", "2024-01,", "2024-02,"]


def test_an_empty_result_as_json_is_an_empty_array(cli, data: Path) -> None:
    assert json.loads(run(cli, data, "SELECT * FROM aws_cur.costs WHERE false", "--json").stdout) == []


def test_sql_can_come_from_stdin(cli, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT count(*) AS n FROM aws_cur.costs"))
    assert json.loads(run(cli, data, "--json").stdout) == [{"n": 3}]


@pytest.mark.parametrize(("sql", "message"), [
    ("SELEC 1", "the query failed: Parser Error"),
    ("SELECT nope FROM aws_cur.costs", "the query failed: Binder Error"),
    ("DELETE FROM aws_cur.costs", "the query failed: Invalid Input Error"),
    ("   ", "the SQL is empty"),
])
def test_a_bad_or_writing_query_is_one_line_with_exit_2_and_changes_nothing(cli, data: Path, sql: str,
                                                                            message: str) -> None:
    result = run(cli, data, sql)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {message}") and len(result.stderr.splitlines()) == 1
    assert json.loads(run(cli, data, "SELECT count(*) AS n FROM aws_cur.costs", "--json").stdout) == [{"n": 3}]


def test_without_a_database_it_says_to_import_first(cli, tmp_path: Path) -> None:
    result = run(cli, tmp_path / "empty", "SELECT 1")
    assert result.exit_code == 2 and "does not exist yet; import billing data first" in result.stderr


def test_json_and_csv_together_is_a_usage_error(cli, data: Path) -> None:
    assert run(cli, data, "SELECT 1", "--json", "--csv").exit_code == 2
