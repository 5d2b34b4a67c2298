"""`finops database copy --to postgres`: the DuckDB file's billing data moves to PostgreSQL exactly (rows
and money per period), with its load state, so that the next import into PostgreSQL skips what was
copied; a second copy finds everything there."""

from __future__ import annotations

from pathlib import Path

import pytest
from open_finops_aws.sample import generate_sample, restate
from pgdata import forget_dataset

from open_finops.naming import export_table, unified_view

PERIODS = ("2024-01", "2024-02", "2024-03")


def per_period_duckdb(query, data: Path, dataset: str, relation: str) -> list[tuple]:
    return [tuple(r) for r in query(
        f'SELECT billing_period, count(*), sum(line_item_unblended_cost), sum(line_item_blended_cost)'
        f' FROM {dataset}."{relation}" GROUP BY 1 ORDER BY 1', data_dir=data)]


def per_period_postgres(postgres_url: str, dataset: str, relation: str) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute(f'SELECT billing_period, count(*), sum(line_item_unblended_cost), sum(line_item_blended_cost)'
                    f' FROM {dataset}."{relation}" GROUP BY 1 ORDER BY 1')
        return cur.fetchall()


@pytest.mark.postgres
@pytest.mark.parametrize("strategy", ["separate", "single"])
def test_copy_moves_every_period_exactly_and_the_next_import_skips_them(
        tmp_path: Path, finops, query, postgres_url: str, monkeypatch: pytest.MonkeyPatch, strategy: str) -> None:
    dataset = f"copied_{strategy}"
    forget_dataset(postgres_url, dataset)
    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=PERIODS,
                             rows_per_period=400)
    data = tmp_path / "data"
    imported = finops("aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "--dataset",
                      dataset, "-t", strategy, "--data-dir", str(data), "--quiet")
    assert imported.code == 0, imported.err
    relation = unified_view("cur") if strategy == "separate" else export_table("cur")
    in_duckdb = per_period_duckdb(query, data, dataset, relation)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)

    copied = finops("database", "copy", "--to", "postgres", "--data-dir", str(data), "--json")

    assert copied.code == 0, copied.err
    assert [(p["billing_period"], p["status"], p["rows"]) for p in copied.json()] == [
        (p, "copied", 400) for p in PERIODS]
    in_postgres = per_period_postgres(postgres_url, dataset, relation)
    assert in_postgres == in_duckdb  # Decimal == Decimal: every digit of every period's money
    assert [r[0] for r in in_postgres] == list(PERIODS)
    assert [r[1] for r in in_postgres] == [400, 400, 400]
    for period, _, cost, _ in in_postgres:
        assert cost == sample.periods[period].unblended_cost

    # The state came along: an import into PostgreSQL, even from a fresh data directory, skips them all.
    again = finops("aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "-d", "postgres",
                   "--dataset", dataset, "-t", strategy, "--data-dir", str(tmp_path / "fresh"), "--json")
    assert again.code == 0, again.err
    assert [p["status"] for p in again.json()["periods"]] == ["skipped"] * 3
    # And a second copy finds every period there.
    twice = finops("database", "copy", "--to", "postgres", "--data-dir", str(data), "--json")
    assert [p["status"] for p in twice.json()] == ["skipped"] * 3


@pytest.mark.postgres
def test_copy_keeps_a_period_the_server_holds_at_another_version(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = "copied_kept"
    forget_dataset(postgres_url, dataset)
    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=PERIODS[:2],
                             rows_per_period=100)
    args = ["aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "--dataset", dataset,
            "--quiet"]
    assert finops(*args, "--data-dir", str(tmp_path / "data")).code == 0
    restated = restate(sample, "2024-02", seed=5).periods["2024-02"]  # imported into PostgreSQL only
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    assert finops(*args, "-d", "postgres", "-s", "2024-02", "--data-dir", str(tmp_path / "other")).code == 0

    copied = finops("database", "copy", "--to", "postgres", "--data-dir", str(tmp_path / "data"), "--json")

    assert [(p["billing_period"], p["status"]) for p in copied.json()] == [("2024-01", "copied"), ("2024-02", "kept")]
    in_postgres = per_period_postgres(postgres_url, dataset, unified_view("cur"))
    assert [(r[0], r[1], r[2]) for r in in_postgres] == [
        ("2024-01", 100, sample.periods["2024-01"].unblended_cost), ("2024-02", restated.rows, restated.unblended_cost)]


def test_copy_refuses_duckdb_and_unsupported_destinations_and_an_empty_data_directory(
        tmp_path: Path, finops) -> None:
    to_duckdb = finops("database", "copy", "--to", "duckdb", "--data-dir", str(tmp_path))
    to_snowflake = finops("database", "copy", "--to", "snowflake", "--data-dir", str(tmp_path))
    nothing = finops("database", "copy", "--to", "postgres", "--data-dir", str(tmp_path / "none"))

    assert to_duckdb.code == 2 and "--to names the destination" in to_duckdb.err
    assert to_snowflake.code == 2 and "the supported destinations are duckdb, postgres" in to_snowflake.err
    assert nothing.code == 2
    assert nothing.err == f"Error: there is no database in {tmp_path / 'none'} to copy; check --data-dir\n"


@pytest.mark.postgres
def test_copy_shows_each_periods_rows_as_they_go(tmp_path: Path, finops, postgres_url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from open_finops.database_copy import copy_database

    forget_dataset(postgres_url, "copied_progress")
    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=PERIODS[:2],
                             rows_per_period=70)
    assert finops("aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "--dataset", "copied_progress",
                  "--data-dir", str(tmp_path / "data"), "--quiet").code == 0
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)

    class Recorder:
        def __init__(self) -> None:
            self.tasks: dict[int, list] = {}

        def add_task(self, description: str, total: float | None = None, **fields) -> int:
            self.tasks[len(self.tasks)] = [description, total, 0, False]
            return len(self.tasks) - 1

        def advance(self, task_id: int, advance: float = 1) -> None:
            self.tasks[task_id][2] += advance

        def remove_task(self, task_id: int) -> None:
            self.tasks[task_id][3] = True

    bar = Recorder()
    copy_database(tmp_path / "data", "postgres", lock_timeout=5, memory_limit=None, progress=bar)

    assert list(bar.tasks.values()) == [["cur 2024-01", 70, 70, True], ["cur 2024-02", 70, 70, True]]
