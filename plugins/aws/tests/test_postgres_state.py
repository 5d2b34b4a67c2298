"""The load state of a PostgreSQL destination lives in PostgreSQL (schema `billing_state`), keyed by the
destination's identity: a second data directory (a fresh container, a second runner, a lost
`finops.duckdb`) sees what the first loaded, skips it, lists it, and recovers its killed loads. No DSN,
user or password is ever stored there."""

from __future__ import annotations

from pathlib import Path

import pytest
from iamserver import free_port
from open_finops_aws.sample import generate_sample, restate
from pgdata import forget_dataset

from open_finops.naming import period_table, staging_table

DATASET = "state_ds"
SECRET = "state-pw-never-stored"


def with_password(postgres_url: str) -> str:
    # The test cluster trusts local connections: any password works, and none may be stored.
    return postgres_url.replace("finops:finops@", f"finops:{SECRET}@")


def pg_key(postgres_url: str) -> str:
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    return f"postgres@127.0.0.1:{port}/postgres:{DATASET}"


def pg_rows(postgres_url: str, sql: str, *params) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(postgres_url) as pg, pg.cursor() as cur:
        cur.execute(sql, params or None)
        return cur.fetchall() if cur.description else []


@pytest.fixture
def sample(tmp_path: Path):
    return generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=("2024-01", "2024-02"),
                           rows_per_period=120)


@pytest.fixture
def clean_state(postgres_url: str):
    forget_dataset(postgres_url, DATASET)
    forget_dataset(postgres_url, "other_ds")


def args(sample, data_dir: str, *extra: str) -> list[str]:
    return ["aws", "import-cur", "--from-dir", str(sample.root), "-p", "cur", "-n", "cur", "-d", "postgres",
            "--dataset", DATASET, "--data-dir", data_dir, "--json", *extra]


@pytest.mark.postgres
def test_a_second_data_directory_sees_the_state_the_first_one_recorded_in_postgres(
        sample, tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, clean_state) -> None:
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", with_password(postgres_url))
    assert finops(*args(sample, "first")).code == 0

    listed = finops("aws", "list-manifests", "--from-dir", str(sample.root), "-p", "cur", "-d", "postgres",
                    "--dataset", DATASET, "--data-dir", "second", "--json")
    again = finops(*args(sample, "second"))
    shown = finops("state", "show", "-d", "postgres", "--data-dir", "second", "--json")
    mine = [r for r in shown.json() if r["destination"] == pg_key(postgres_url)]  # the server holds others too

    assert [(m["billing_period"], m["loaded"]) for m in listed.json()] == [("2024-01", True), ("2024-02", True)]
    assert again.code == 0, again.err
    assert [p["status"] for p in again.json()["periods"]] == ["skipped", "skipped"]
    assert [(r["billing_period"], r["status"], r["is_current"], r["destination"], r["rows"])
            for r in mine] == [("2024-01", "completed", True, pg_key(postgres_url), 120),
                                       ("2024-02", "completed", True, pg_key(postgres_url), 120)]
    # The data directories hold no record of these loads: the server's state is the one home.
    assert finops("state", "show", "--data-dir", "first", "--json").json() == []
    assert finops("aws", "show-state", "-d", "postgres", "--data-dir", "first", "--json").json() == [
        r for r in shown.json() if r["vendor"] == "aws"]

    # A restatement loaded from the second directory is what the first one then sees as current.
    restated = restate(sample, "2024-02", seed=3).periods["2024-02"]
    assert [p["status"] for p in finops(*args(sample, "second")).json()["periods"]] == ["skipped", "loaded"]
    third = finops(*args(sample, "first"))
    assert [p["status"] for p in third.json()["periods"]] == ["skipped", "skipped"]
    history = finops("state", "show", "-d", "postgres", "-B", "2024-02", "-n", "cur", "--data-dir", "first",
                     "--json").json()
    history = [r for r in history if r["destination"] == pg_key(postgres_url)]
    assert [(r["status"], r["is_current"]) for r in history] == [("completed", False), ("completed", True)]
    assert history[1]["version_id"] == restated.version_id


@pytest.mark.postgres
def test_a_load_killed_on_one_machine_is_recovered_by_an_import_from_another(
        sample, tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, clean_state) -> None:
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    assert finops(*args(sample, "first", "-s", "2024-01", "-e", "2024-01")).code == 0
    # What a SIGKILL of the first machine during 2024-02 leaves: a running record and a staging table.
    final = period_table("cur", "2024-02")
    killed = "0123456789abcdef0123456789abcdef"
    staged = staging_table(final, killed)
    pg_rows(postgres_url, "INSERT INTO billing_state.load_state (load_id, vendor, export_name, billing_period,"
            " version_id, destination, table_name, is_current, status, started_at) VALUES"
            " (%s, 'aws', 'cur', '2024-02', 'killed', %s, %s, FALSE, 'running', now())",
            killed, pg_key(postgres_url), final)
    pg_rows(postgres_url, f'CREATE TABLE {DATASET}."{staged}" AS SELECT 1 AS x')

    result = finops(*args(sample, "second"))

    assert result.code == 0, result.err
    assert [p["status"] for p in result.json()["periods"]] == ["skipped", "loaded"]
    tables = {r[0] for r in pg_rows(postgres_url, "SELECT table_name FROM information_schema.tables"
                                    " WHERE table_schema = %s", DATASET)}
    assert staged not in tables and final in tables
    assert pg_rows(postgres_url, "SELECT status, error FROM billing_state.load_state WHERE load_id = %s",
                   killed) == [("interrupted", "the import stopped before this load finished")]


@pytest.mark.postgres
def test_a_running_load_of_another_dataset_is_left_alone(
        sample, tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, clean_state) -> None:
    """Its import may be live on another machine: this import holds only its own dataset's lock."""
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    assert finops(*args(sample, "first", "-s", "2024-01", "-e", "2024-01")).code == 0
    other = pg_key(postgres_url).replace(f":{DATASET}", ":other_ds")
    pg_rows(postgres_url, "INSERT INTO billing_state.load_state (load_id, vendor, export_name, billing_period,"
            " version_id, destination, table_name, is_current, status, started_at) VALUES"
            " ('live', 'aws', 'cur', '2024-02', 'v', %s, 'cur_2024_02', FALSE, 'running', now())", other)

    assert finops(*args(sample, "second")).code == 0

    assert pg_rows(postgres_url, "SELECT status FROM billing_state.load_state WHERE load_id = 'live'") == [
        ("running",)]


@pytest.mark.postgres
def test_the_state_in_postgres_holds_no_credentials(
        sample, tmp_path: Path, finops, postgres_url: str, monkeypatch: pytest.MonkeyPatch, clean_state) -> None:
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", with_password(postgres_url))
    assert finops(*args(sample, "first", "-s", "2024-01", "-e", "2024-01")).code == 0

    dumped = pg_rows(postgres_url, "SELECT load_state::text FROM billing_state.load_state AS load_state")

    assert dumped
    text = "\n".join(r[0] for r in dumped)
    assert SECRET not in text and "finops:" not in text and "postgresql://" not in text
    assert pg_key(postgres_url) in text


def test_reading_the_state_of_an_unconfigured_or_unreachable_postgres_is_one_line(
        tmp_path: Path, finops, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESTINATION__POSTGRES__CREDENTIALS", raising=False)
    missing = finops("state", "show", "-d", "postgres", "--data-dir", str(tmp_path))
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS",
                       f"postgresql://finops:{SECRET}@127.0.0.1:{free_port()}/postgres?connect_timeout=2")
    down = finops("aws", "show-state", "-d", "postgres", "--data-dir", str(tmp_path))

    assert missing.code == 2  # a configuration to fix
    assert missing.err.startswith("Error: destination 'postgres' has no credentials configured; set "
                                  "DESTINATION__POSTGRES__CREDENTIALS")
    assert down.code == 1
    assert down.err.startswith("Error: cannot connect to destination 'postgres': ")
    for result in (missing, down):
        assert result.err.count("\n") == 1 and SECRET not in result.err
