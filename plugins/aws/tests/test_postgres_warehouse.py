"""PostgreSQL shared by imports run from different data directories (a fresh container, a second runner,
a lost `finops.duckdb`): the unified view is rebuilt from what the warehouse holds, so no month drops
out of it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from open_finops_aws.sample import generate_sample, restate
from pgdata import forget_dataset

from open_finops.naming import unified_view

DATASET = "shared_ds"


@pytest.mark.postgres
@pytest.mark.parametrize("first_recorded", ["in the database", "in its own data directory"])
def test_a_restatement_from_a_second_data_directory_keeps_every_month_in_the_view(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, first_recorded: str) -> None:
    """The months the first import loaded stay in the view, whether the database's state knows them or
    not: an earlier open-finops recorded its loads in the data directory's finops.duckdb."""
    import psycopg2

    periods = ("2024-01", "2024-02", "2024-03")
    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=periods,
                             rows_per_period=150)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    forget_dataset(postgres_url, DATASET)

    def run(data_dir: str, *extra: str):
        return finops("aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "-d", "postgres",
                      "--dataset", DATASET, "--data-dir", data_dir, "--json", *extra)

    assert run("first").code == 0
    if first_recorded == "in its own data directory":
        with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
            cur.execute("DELETE FROM billing_state.load_state WHERE destination LIKE %s", [f"%:{DATASET}"])
    restated = restate(sample, "2024-02", seed=9).periods["2024-02"]
    second = run("second", "-s", "2024-02", "-e", "2024-02")
    assert second.code == 0, second.err

    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute("SELECT billing_period, count(*), sum(line_item_unblended_cost)"
                    f' FROM {DATASET}."{unified_view("cur")}" GROUP BY 1 ORDER BY 1')
        found = cur.fetchall()
    expected = {**{p: sample.periods[p] for p in periods}, "2024-02": restated}
    assert [p for p, _, _ in found] == list(periods)
    for period, rows, cost in found:
        assert rows == expected[period].rows
        assert abs(cost - expected[period].unblended_cost) <= Decimal("0.000001")


@pytest.mark.postgres
def test_pointing_the_credentials_at_another_database_loads_everything_there(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2

    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=("2024-01", "2024-02"),
                             rows_per_period=120)
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        with admin.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS second_db")
            cur.execute("CREATE DATABASE second_db")
    finally:
        admin.close()
    second_url = postgres_url.rsplit("/", 1)[0] + "/second_db"
    forget_dataset(postgres_url, DATASET)
    args = ["aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "-d", "postgres",
            "--dataset", DATASET, "--data-dir", "data", "--json"]

    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    assert finops(*args).code == 0
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", second_url)
    listed = finops("aws", "list-manifests", "--from-dir", str(sample.root), "-p", "cur", "-d", "postgres",
                    "--dataset", DATASET, "--data-dir", "data", "--json")
    second = finops(*args)

    assert [m["loaded"] for m in listed.json()] == [False, False]
    assert second.code == 0, second.err
    assert [p["status"] for p in second.json()["periods"]] == ["loaded", "loaded"]
    with psycopg2.connect(second_url) as pg, pg.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM {DATASET}."{unified_view("cur")}"')
        assert cur.fetchone()[0] == 240
    # Each database holds its own state, naming it by host, port and name, never by user or password.
    keys = set()
    for url in (postgres_url, second_url):
        monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", url)
        shown = finops("state", "show", "-d", "postgres", "--data-dir", "data", "--json").json()
        keys |= {r["destination"] for r in shown if r["destination"].endswith(f":{DATASET}")}
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    assert keys == {f"postgres@127.0.0.1:{port}/postgres:{DATASET}", f"postgres@127.0.0.1:{port}/second_db:{DATASET}"}


@pytest.mark.postgres
def test_imports_from_two_machines_into_one_dataset_take_turns(
        tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2

    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=("2024-01",),
                             rows_per_period=100)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_LOCK_TIMEOUT", "2")
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    where = f"postgres@127.0.0.1:{port}/postgres:{DATASET}"
    args = ["aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "-d", "postgres",
            "--dataset", DATASET, "--data-dir", "other-machine"]

    # Another machine's import holds the dataset's lock (its own data directory, its own DuckDB file).
    other = psycopg2.connect(postgres_url)
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"open-finops import {where}"])
        blocked = finops(*args)
    finally:
        other.close()
    after = finops(*args)

    assert blocked.code == 1
    assert blocked.err == (
        f"Error: another import into postgres at 127.0.0.1:{port}/postgres, dataset {DATASET}, is running (it holds "
        "the dataset's import lock); waited 2s: try again when it has finished, or raise [project] lock_timeout\n")
    assert after.code == 0, after.err
