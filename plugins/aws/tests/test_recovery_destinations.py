"""A killed import's staging table is dropped from the destination that load was writing to, by the next
import whatever its own destination: DuckDB (the file we hold) or PostgreSQL (through dlt, with the
credentials configured for it). When that destination cannot be reached, the next import still runs and
the interrupted load's record says what is left and where."""

from __future__ import annotations

from pathlib import Path

import pytest
from iamserver import free_port
from open_finops_aws.sample import generate_sample

from open_finops.database import connect, database_path
from open_finops.naming import period_table, staging_table
from open_finops.state import LoadStateStore

PASSWORD = "recovery-pw-never-shown"


@pytest.fixture
def sample(tmp_path: Path):
    return generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=("2024-01",),
                           rows_per_period=200)


def kill_a_postgres_load(data: Path, postgres_url: str) -> tuple[str, str]:
    """What a SIGKILL during 'import-cur -d postgres --dataset killed_ds' leaves: a running record in
    the local state and a staging table in PostgreSQL."""
    import psycopg2

    con = connect(database_path(data))
    final = period_table("cur", "2024-01")
    load_id = LoadStateStore(con).start(vendor="aws", export_name="cur", billing_period="2024-01",
                                        version_id="killed", destination="postgres:killed_ds", table_name=final)
    con.close()
    staged = staging_table(final, load_id)
    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute(f'CREATE SCHEMA IF NOT EXISTS killed_ds; CREATE TABLE killed_ds."{staged}" AS SELECT 1 AS x')
    return load_id, staged


def pg_tables(postgres_url: str) -> set[str]:
    import psycopg2

    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'killed_ds'")
        return {r[0] for r in cur.fetchall()}


def record(data: Path, load_id: str):
    con = connect(database_path(data), read_only=True)
    try:
        return LoadStateStore(con, create=False).get(load_id)
    finally:
        con.close()


@pytest.mark.postgres
def test_a_duckdb_import_drops_the_staging_table_a_killed_postgres_load_left(
        sample, tmp_path: Path, finops, monkeypatch, postgres_url):
    data = tmp_path / "data"
    data.mkdir()
    load_id, staged = kill_a_postgres_load(data, postgres_url)
    assert staged in pg_tables(postgres_url)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)

    result = finops("aws", "import-cur", "--from-dir", sample.root, "-p", "cur", "--data-dir", data, "--quiet")

    assert result.code == 0, result.err
    assert staged not in pg_tables(postgres_url)
    assert (record(data, load_id).status, record(data, load_id).error) == (
        "interrupted", "the import stopped before this load finished")


@pytest.mark.postgres
def test_an_unreachable_postgres_does_not_stop_the_next_import_and_the_record_says_what_is_left(
        sample, tmp_path: Path, finops, monkeypatch, postgres_url, query):
    data = tmp_path / "data"
    data.mkdir()
    load_id, staged = kill_a_postgres_load(data, postgres_url)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS",
                       f"postgresql://finops:{PASSWORD}@127.0.0.1:{free_port()}/postgres")

    result = finops("aws", "import-cur", "--from-dir", sample.root, "-p", "cur", "--data-dir", data, "--json")

    assert result.code == 0, result.err
    assert [p["status"] for p in result.json()["periods"]] == ["loaded"]
    left = record(data, load_id)
    assert left.status == "interrupted"
    assert left.error.startswith(f"the import stopped before this load finished; its staging table "
                                 f"killed_ds.{staged} could not be dropped from postgres (")
    assert left.error.endswith("); drop it by hand")
    assert PASSWORD not in left.error and PASSWORD not in result.out + result.err
    assert staged in pg_tables(postgres_url)  # still there, as the record says
