"""A restatement into PostgreSQL while a BI session reads the data: the swap waits `lock_timeout`, then
fails with one line naming the lock, cleans up its staging table, and keeps the previous version.

Without a bound the swap's DROP/RENAME waits for the session's lock for ever, with no output, and a
kill then leaves a staging table and a `running` record.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from open_finops_aws.sample import generate_sample, restate
from pgdata import forget_dataset

from open_finops.naming import period_table, unified_view

DATASET = "locked_ds"


def pg_tables(cur) -> set[str]:
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [DATASET])
    return {r[0] for r in cur.fetchall()}


@pytest.mark.postgres
@pytest.mark.parametrize("reads", ["view", "period table"])
def test_a_swap_blocked_by_a_reading_session_gives_up_after_lock_timeout_and_keeps_the_old_version(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, reads: str) -> None:
    import psycopg2

    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=("2024-01",),
                             rows_per_period=300)
    forget_dataset(postgres_url, DATASET)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_LOCK_TIMEOUT", "2")
    args = ["aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "-d", "postgres",
            "--dataset", DATASET, "--data-dir", "data", "--json"]
    assert finops(*args).code == 0
    table = period_table("cur", "2024-01")
    read = unified_view("cur") if reads == "view" else table
    restated = restate(sample, "2024-01", seed=7).periods["2024-01"]  # AWS writes a new version

    bi = psycopg2.connect(postgres_url)
    try:
        cur = bi.cursor()
        cur.execute(f'SELECT count(*), sum(line_item_unblended_cost) FROM {DATASET}."{read}"')  # holds its lock
        before = cur.fetchone()
        started = time.monotonic()
        result = finops(*args)
        waited = time.monotonic() - started
    finally:
        bi.rollback()
        bi.close()

    assert result.code == 1
    period = result.json()["periods"][0]
    assert period["status"] == "failed"
    assert period["error"] == (
        f"a session holds a lock on {DATASET}.{unified_view('cur')} or {DATASET}.{table} (a query or an open "
        "transaction reading it); waited 2s: retry when it has ended, or end it (pg_stat_activity), or raise "
        "[project] lock_timeout; billing period 2024-01 keeps its previous version")
    assert waited < 60
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        assert pg_tables(cur) == {table, unified_view("cur")} | {t for t in pg_tables(cur) if t.startswith("_dlt")}
        cur.execute(f'SELECT count(*), sum(line_item_unblended_cost) FROM {DATASET}."{read}"')
        assert cur.fetchone() == before
    history = finops("state", "show", "-d", "postgres", "-B", "2024-01", "--data-dir", "data", "--json").json()
    history = [r for r in history if r["destination"].endswith(f":{DATASET}")]
    assert sorted(r["status"] for r in history) == ["completed", "failed"]

    # Once the session has ended, the same import swaps in the new version.
    again = finops(*args)
    assert again.code == 0, again.err
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute(f'SELECT count(*), sum(line_item_unblended_cost) FROM {DATASET}."{table}"')
        rows, cost = cur.fetchone()
        assert rows == restated.rows and abs(cost - restated.unblended_cost) <= Decimal("0.000001")


@pytest.mark.postgres
def test_a_statement_timeout_in_the_credentials_url_bounds_the_importers_sessions(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/scaling-out.md: dlt passes the URL's `options` to every session the import opens."""
    forget_dataset(postgres_url, "timed_ds")
    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=("2024-01",),
                             rows_per_period=2000)
    args = ["aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "-d", "postgres",
            "--dataset", "timed_ds", "--data-dir", "data"]
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS",
                       f"{postgres_url}?options=-c%20statement_timeout%3D1")  # 1 ms: nothing finishes

    timed_out = finops(*args)

    assert timed_out.code == 1
    assert "canceling statement due to statement timeout" in timed_out.err
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", f"{postgres_url}?options=-c%20statement_timeout%3D600000")
    assert finops(*args).code == 0
