"""FOCUS through dbt: the packages the repository holds are the mapping's, and dbt builds the same rows and
money as the native DuckDB build, on DuckDB and on PostgreSQL (``finops focus build`` on a PostgreSQL
destination). dbt is the optional extra ``open-finops[dbt]``: the tests that run dbt need it, and one
test checks what ``focus build`` says where it is not installed (tox's aws environment has no dbt, dev has)."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from open_finops_aws.focus import mapping
from open_finops_aws.sample import generate_sample, restate

from open_finops.errors import OpenFinopsError, UsageError
from open_finops.focus.build import ensure_tables
from open_finops.focus.overlap import OverlapRule
from open_finops.focus.warehouse import Connection, build_in_warehouse, missing_dbt, sources_of
from open_finops.state import LoadStateStore

REPOSITORY = Path(__file__).resolve().parents[3]
PERIODS = ("2024-01", "2024-02")
HAS_DBT = missing_dbt("postgres") is None and missing_dbt("duckdb") is None
needs_dbt = pytest.mark.skipif(not HAS_DBT, reason="open-finops[dbt] is not installed in this environment")
DATASET = "dbt_ds"


def test_the_repository_holds_the_packages_the_mappings_generate(tmp_path: Path, finops) -> None:
    result = finops("focus", "dbt-package", "--out", tmp_path / "out", "--json")
    assert result.code == 0, result.err
    generated = {p.relative_to(tmp_path / "out"): p.read_text() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    held = {p.relative_to(REPOSITORY / "dbt"): p.read_text() for p in (REPOSITORY / "dbt").rglob("*")
            if p.is_file() and p.name != "README.md"}
    assert sorted(held) == sorted(generated), "run: finops focus dbt-package --out dbt"
    stale = [str(path) for path in generated if held[path] != generated[path]]
    assert stale == [], f"dbt/ differs from the mappings in {stale}; run: finops focus dbt-package --out dbt"
    assert result.json()["packages"] == ["finops_aws", "finops_focus"]


def test_a_focus_export_in_a_warehouse_is_refused_rather_than_mapped_as_cur() -> None:
    """The dbt model maps CUR: AWS's own FOCUS export would give rows with money 0. Refused, naming it."""
    from types import SimpleNamespace

    def record(format_version: str) -> SimpleNamespace:
        return SimpleNamespace(vendor="aws", export_name="focus-export", billing_period="2024-01", version_id="v1",
                               format_version=format_version, destination="postgres@db:5432/billing:ds",
                               table_name="focus_export", load_id="l1")

    assert [s.source_format for s in sources_of([record("v2")], {"aws": mapping()})] == ["CUR 2.0"]
    with pytest.raises(UsageError, match="aws focus-export 2024-01 in postgres@db:5432/billing:ds is a focus-1.2 "
                                         "export, which FOCUS with dbt does not read"):
        sources_of([record("focus-1.2")], {"aws": mapping()})


def _imported(root: Path, *, destination: tuple[str, ...] = ()) -> Path:
    """CUR v1 and CUR 2.0 exports of the same payer (CUR 2.0 is counted), imported and built natively."""
    from open_finops.cli.app import main

    for version in ("v1", "v2"):
        generate_sample(root / "bucket", cur_version=version, export_name=f"cur-{version}", data_format="csv",
                        periods=PERIODS, rows_per_period=400, seed=11, drift_columns_from="2024-02")
        args = ["aws", "import-cur", "--from-dir", str(root / "bucket"), "--prefix", "cur", "--export-name",
                f"cur-{version}", "--data-dir", str(root / "data"), "--quiet", *destination]
        assert main(args) == 0
    return root / "data"


def _native(root: Path) -> Path:
    from open_finops.cli.app import main

    data = _imported(root)
    assert main(["focus", "build", "--data-dir", str(data), "--quiet"]) == 0
    return data / "finops.duckdb"


def _focus_columns(con) -> list[str]:
    return [name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'native' AND schema_name = 'focus' "
        "AND table_name = 'costs' ORDER BY column_index").fetchall()]


def _comparable(row: tuple) -> tuple:
    """Timestamps as UTC instants (DuckDB and psycopg2 give them in different time zones)."""
    return tuple(v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v for v in row)


def _money(rows) -> dict[str, tuple]:
    return {period: (billed, effective, n) for period, billed, effective, n in rows}


# The sample's tags: resourceTags/user:Team, user:Env and user:CostCenter in CUR v1; team, env and cost_center
# (AWS's snake_case) in CUR 2.0.
TAG_KEYS = {"cur-v1": {"Team", "Env", "CostCenter"}, "cur-v2": {"team", "env", "cost_center"}}
DUCKDB_TAG_KEYS = ('SELECT DISTINCT "x_ExportName", unnest(json_keys("Tags")) FROM focus.aws_focus '
                   'WHERE "Tags" IS NOT NULL')
POSTGRES_TAG_KEYS = ('SELECT DISTINCT "x_ExportName", jsonb_object_keys(CAST("Tags" AS jsonb)) FROM focus.aws_focus '
                     'WHERE "Tags" IS NOT NULL')


def _tag_keys(cursor, sql: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    cursor.execute(sql)
    for export_name, key in cursor.fetchall():
        found.setdefault(export_name, set()).add(key)
    return found


MONEY_SQL = ('SELECT "x_BillingPeriod", sum("BilledCost"), sum("EffectiveCost"), count(*) FROM {} '
             "GROUP BY 1 ORDER BY 1")


@needs_dbt
def test_dbt_on_duckdb_builds_the_native_rows_and_money(tmp_path: Path) -> None:
    native = _native(tmp_path)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(native, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("DROP SCHEMA focus CASCADE")  # dbt builds it anew, from the imported tables
        store = LoadStateStore(con, create=False)
        records = store.current_versions("aws")
        names = {r.load_id: store.source_columns(r.load_id) for r in records}

    report = build_in_warehouse(tmp_path / "project", Connection("duckdb", path=str(copy)), records, [mapping()],
                                rule=OverlapRule(), focus_version="1.2", source_names=names)

    assert sorted((p.export_name, p.billing_period, p.status) for p in report.periods) == [
        ("cur-v1", period, "superseded") for period in PERIODS] + [("cur-v2", period, "built") for period in PERIODS]
    with duckdb.connect(str(copy)) as con:  # dbt-duckdb keeps the file open in this process: share it
        con.execute(f"ATTACH '{native}' AS native (READ_ONLY)")
        columns = ", ".join(f'"{c}"' for c in _focus_columns(con))
        native_rows = con.execute(f"SELECT {columns} FROM native.focus.costs ORDER BY ALL").fetchall()
        dbt_rows = con.execute(f"SELECT {columns} FROM focus.costs ORDER BY ALL").fetchall()
        assert len(native_rows) == 2 * 400  # CUR v1 is not counted: the same payer's CUR 2.0 is
        assert dbt_rows == native_rows
        assert _money(con.execute(MONEY_SQL.format("focus.costs")).fetchall()) == \
            _money(con.execute(MONEY_SQL.format("native.focus.costs")).fetchall())
        # Tag keys as the native build gives them: CUR v1's from its headers, CUR 2.0's from its map keys.
        assert _tag_keys(con, DUCKDB_TAG_KEYS) == TAG_KEYS
        con.execute("DETACH native")

    # Nothing changed: no period is built again; a restated period is the only one rebuilt.
    again = build_in_warehouse(tmp_path / "project", Connection("duckdb", path=str(copy)), records, [mapping()],
                               rule=OverlapRule(), focus_version="1.2")
    assert {p.status for p in again.periods} == {"skipped"}

    # The FOCUS rules run as dbt tests: a row that breaks one fails the build, naming the rule.
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE focus.aws_focus SET \"ChargeCategory\" = 'Discount' WHERE \"x_LineItemId\" = "
                    "(SELECT min(\"x_LineItemId\") FROM focus.costs)")
    broken = "FOCUS rule 'ChargeCategory is not one of its allowed values' broken: Got 1 result"
    with pytest.raises(OpenFinopsError, match=broken):
        build_in_warehouse(tmp_path / "project", Connection("duckdb", path=str(copy)), records, [mapping()],
                           rule=OverlapRule(), focus_version="1.2")


def _own_database(server_url: str, name: str) -> str:
    """A database of its own on the tests' server: focus build -d postgres builds every load the server's
    state lists, and other tests load into the shared one."""
    import psycopg2

    admin = psycopg2.connect(server_url)
    admin.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
            cur.execute(f"CREATE DATABASE {name}")
    finally:
        admin.close()
    return server_url.rpartition("/")[0] + "/" + name


@needs_dbt
@pytest.mark.postgres
def test_focus_build_on_postgres_runs_dbt_and_matches_the_native_build(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2

    postgres_url = _own_database(postgres_url, "focus_dbt_db")
    native = _native(tmp_path / "native")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    data = _imported(tmp_path / "pg", destination=("-d", "postgres", "--dataset", DATASET))

    built = finops("focus", "build", "--data-dir", data, "-d", "postgres", "--json")

    assert built.code == 0, built.out + built.err
    periods = built.json()["periods"]
    assert sorted((p["export_name"], p["billing_period"], p["status"]) for p in periods) == [
        ("cur-v1", period, "superseded") for period in PERIODS] + [("cur-v2", period, "built") for period in PERIODS]
    with duckdb.connect(str(native), read_only=True) as con:
        columns = [name for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'focus' AND table_name = 'costs' "
            "AND column_name NOT IN ('x_SourceVersionId') ORDER BY column_index").fetchall()]
        listed = ", ".join(f'"{c}"' for c in columns)
        native_rows = con.execute(f"SELECT {listed} FROM focus.costs").fetchall()
        native_money = _money(con.execute(MONEY_SQL.format("focus.costs")).fetchall())
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute(f"SELECT {listed} FROM focus.costs")
        pg_rows = cur.fetchall()
        cur.execute(MONEY_SQL.format("focus.costs"))
        pg_money = _money(cur.fetchall())
        # CUR v1's tag keys from the headers its import recorded in the server's load state
        assert _tag_keys(cur, POSTGRES_TAG_KEYS) == TAG_KEYS
    assert len(pg_rows) == len(native_rows) == 2 * 400
    assert Counter(map(_comparable, pg_rows)) == Counter(map(_comparable, native_rows))
    assert pg_money == native_money  # exact decimals, per billing period

    # A restated period is the only one rebuilt; the others are up to date.
    sample = generate_sample(tmp_path / "pg" / "bucket", cur_version="v2", export_name="cur-v2", data_format="csv",
                             periods=PERIODS, rows_per_period=400, seed=11, drift_columns_from="2024-02")
    restated = restate(sample, "2024-02", seed=3)
    assert finops("aws", "import-cur", "--from-dir", sample.root, "--prefix", "cur", "--export-name", "cur-v2",
                  "--data-dir", data, "--quiet", "-d", "postgres", "--dataset", DATASET).code == 0
    again = finops("focus", "build", "--data-dir", data, "-d", "postgres", "--json")
    assert again.code == 0, again.out + again.err
    statuses = {(p["export_name"], p["billing_period"]): p["status"] for p in again.json()["periods"]}
    assert statuses == {("cur-v1", "2024-01"): "skipped", ("cur-v1", "2024-02"): "skipped",
                        ("cur-v2", "2024-01"): "skipped", ("cur-v2", "2024-02"): "built"}
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute('SELECT count(*) FROM focus.costs WHERE "x_BillingPeriod" = %s', ("2024-02",))
        assert cur.fetchone()[0] == restated.periods["2024-02"].rows

    # --reset rebuilds every period (dbt's full refresh, under the focus.costs view that reads the table).
    reset = finops("focus", "build", "--data-dir", data, "-d", "postgres", "--reset", "--json")
    assert reset.code == 0, reset.out + reset.err
    assert {p["status"] for p in reset.json()["periods"]} == {"built", "superseded"}
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute('SELECT count(*) FROM focus.costs')
        assert cur.fetchone()[0] == 400 + restated.periods["2024-02"].rows


@pytest.mark.skipif(HAS_DBT, reason="checks what happens where open-finops[dbt] is not installed (tox env aws)")
@pytest.mark.postgres
@pytest.mark.parametrize("where", ["flag", "aws settings"])
def test_focus_build_on_postgres_without_dbt_names_the_extra(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    data = _imported(tmp_path, destination=("-d", "postgres", "--dataset", f"nodbt_{where[0]}"))
    if where == "aws settings":  # [aws] destination = "postgres": the server holds the state, no -d needed
        monkeypatch.setenv("OPEN_FINOPS_AWS_DESTINATION", "postgres")

    built = finops("focus", "build", "--data-dir", data, *(("-d", "postgres") if where == "flag" else ()))

    assert built.code == 2
    assert "install it with: pip install 'open-finops[dbt]'" in built.err
    assert len(built.err.strip().splitlines()) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("where", ["flag", "aws settings"])
def test_focus_export_refuses_rather_than_leave_out_the_billing_data_in_postgres(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    data = _imported(tmp_path, destination=("-d", "postgres", "--dataset", f"export_{where[0]}"))
    with duckdb.connect(str(data / "finops.duckdb")) as con:
        ensure_tables(con)  # an empty focus.costs, as a build that saw no DuckDB data leaves it
    if where == "aws settings":
        monkeypatch.setenv("OPEN_FINOPS_AWS_DESTINATION", "postgres")

    exported = finops("focus", "export", "--data-dir", data, *(("-d", "postgres") if where == "flag" else ()),
                      "--out", tmp_path / "focus.parquet")

    assert exported.code == 2
    assert "the billing data is in postgres@" in exported.err
    assert len(exported.err.strip().splitlines()) == 1
    assert not (tmp_path / "focus.parquet").exists()
