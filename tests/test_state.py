"""Load state in ``billing_state.load_state``: transitions, the current flag, history, transactions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from open_finops.database import connect, database_path
from open_finops.errors import StateError
from open_finops.state import LoadStateStore, transaction

PERIOD = {"vendor": "aws", "export_name": "cur", "billing_period": "2024-03"}


@pytest.fixture
def con(tmp_path: Path) -> Iterator[object]:
    connection = connect(database_path(tmp_path / "data"))
    yield connection
    connection.close()


@pytest.fixture
def store(con: object) -> LoadStateStore:
    return LoadStateStore(con)


def start(store: LoadStateStore, version: str, **overrides: str) -> str:
    return store.start(**{**PERIOD, **overrides}, version_id=version, format_version="v2", destination="duckdb")


def test_start_records_a_running_load_that_is_not_current(store: LoadStateStore) -> None:
    load_id = start(store, "v1")
    record = store.get(load_id)
    assert (record.status, record.is_current, record.version_id) == ("running", False, "v1")
    assert record.finished_at is None and record.seconds is None
    assert store.current(**PERIOD) is None


def test_complete_makes_the_load_current_with_its_counts(store: LoadStateStore) -> None:
    load_id = start(store, "v1")
    store.complete(load_id, rows=10, files=2, bytes=2048)
    record = store.current(**PERIOD)
    assert record is not None and record.load_id == load_id
    assert (record.status, record.rows, record.files, record.bytes) == ("completed", 10, 2, 2048)
    assert record.finished_at is not None and record.seconds is not None and record.seconds >= 0


def test_completing_a_new_version_moves_the_current_flag_and_keeps_the_history(store: LoadStateStore) -> None:
    first = start(store, "v1")
    store.complete(first, rows=10, files=1, bytes=1)
    second = start(store, "v2")
    store.complete(second, rows=12, files=1, bytes=1)

    current = store.current(**PERIOD)
    assert current is not None and current.version_id == "v2"
    history = store.history("aws", "cur", "2024-03")
    assert [(r.version_id, r.status, r.is_current) for r in history] == [
        ("v1", "completed", False),
        ("v2", "completed", True),
    ]


def test_one_period_has_one_current_version_per_destination(store: LoadStateStore) -> None:
    local = start(store, "v1")
    store.complete(local, rows=1, files=1, bytes=1)
    remote = store.start(**PERIOD, version_id="v1", destination="postgres")
    store.complete(remote, rows=1, files=1, bytes=1)

    assert store.current(**PERIOD, destination="duckdb").load_id == local
    assert store.current(**PERIOD, destination="postgres").load_id == remote


def test_other_periods_keep_their_current_version(store: LoadStateStore) -> None:
    march = start(store, "v1")
    store.complete(march, rows=1, files=1, bytes=1)
    april = start(store, "v1", billing_period="2024-04")
    store.complete(april, rows=1, files=1, bytes=1)
    assert [r.billing_period for r in store.current_versions("aws")] == ["2024-03", "2024-04"]


def test_fail_records_the_error_and_leaves_the_previous_version_current(store: LoadStateStore) -> None:
    good = start(store, "v1")
    store.complete(good, rows=5, files=1, bytes=1)
    bad = start(store, "v2")
    store.fail(bad, "S3 said AccessDenied")

    record = store.get(bad)
    assert (record.status, record.is_current, record.error) == ("failed", False, "S3 said AccessDenied")
    assert store.current(**PERIOD).load_id == good


def test_fail_does_not_touch_a_load_that_already_finished(store: LoadStateStore) -> None:
    load_id = start(store, "v1")
    store.complete(load_id, rows=5, files=1, bytes=1)
    store.fail(load_id, "late failure")
    record = store.get(load_id)
    assert (record.status, record.is_current, record.error) == ("completed", True, None)


def test_only_a_running_load_can_be_completed(store: LoadStateStore) -> None:
    load_id = start(store, "v1")
    store.fail(load_id, "broken")
    with pytest.raises(StateError, match=f"load {load_id} is failed, not running"):
        store.complete(load_id, rows=1, files=1, bytes=1)


def test_an_unknown_load_id_is_a_state_error(store: LoadStateStore) -> None:
    with pytest.raises(StateError, match="no load with id nope"):
        store.get("nope")


def test_mark_interrupted_closes_loads_left_running_and_counts_them(store: LoadStateStore) -> None:
    done = start(store, "v1")
    store.complete(done, rows=1, files=1, bytes=1)
    died = start(store, "v2")
    other_export = start(store, "v1", export_name="other")

    assert store.mark_interrupted("aws", "cur") == 1
    record = store.get(died)
    assert (record.status, record.is_current) == ("interrupted", False)
    assert "stopped before this load finished" in record.error
    assert store.get(other_export).status == "running"
    assert store.current(**PERIOD).load_id == done

    assert store.mark_interrupted("aws") == 1
    assert store.mark_interrupted("aws") == 0


def test_complete_inside_a_failed_transaction_rolls_back_with_the_data(con, store: LoadStateStore) -> None:
    con.execute("CREATE TABLE cur_2024_03 AS SELECT 1 AS v")
    old = start(store, "v1")
    store.complete(old, rows=1, files=1, bytes=1)
    new = start(store, "v2")

    with pytest.raises(RuntimeError, match="swap failed"), transaction(con):
        con.execute("DROP TABLE cur_2024_03")
        con.execute("CREATE TABLE cur_2024_03 AS SELECT 2 AS v")
        store.complete(new, rows=1, files=1, bytes=1)
        raise RuntimeError("swap failed")

    assert con.execute("SELECT v FROM cur_2024_03").fetchall() == [(1,)]
    assert store.current(**PERIOD).load_id == old
    assert store.get(new).status == "running"


def test_complete_inside_a_transaction_commits_with_the_data(con, store: LoadStateStore) -> None:
    new = start(store, "v1")
    with transaction(con):
        con.execute("CREATE TABLE cur_2024_03 AS SELECT 2 AS v")
        store.complete(new, rows=1, files=1, bytes=1)
    assert con.execute("SELECT v FROM cur_2024_03").fetchall() == [(2,)]
    assert store.current(**PERIOD).load_id == new


def test_state_survives_reopening_the_database(tmp_path: Path) -> None:
    path = database_path(tmp_path / "data")
    first = connect(path)
    load_id = start(LoadStateStore(first), "v1")
    LoadStateStore(first).complete(load_id, rows=3, files=1, bytes=9)
    first.close()

    reopened = connect(path, read_only=True)
    try:
        record = LoadStateStore(reopened, create=False).current(**PERIOD)
        assert record is not None and record.rows == 3
    finally:
        reopened.close()


def test_a_read_only_store_over_an_empty_database_reports_nothing_loaded(tmp_path: Path) -> None:
    path = database_path(tmp_path / "data")
    connect(path).close()
    reopened = connect(path, read_only=True)
    try:
        store = LoadStateStore(reopened, create=False)
        assert (store.exports("aws"), store.history("aws"), store.current(**PERIOD)) == ([], [], None)
    finally:
        reopened.close()


def test_as_dict_is_json_friendly(store: LoadStateStore) -> None:
    load_id = start(store, "v1")
    store.complete(load_id, rows=1, files=1, bytes=1)
    data = store.get(load_id).as_dict()
    assert isinstance(data["started_at"], str) and isinstance(data["finished_at"], str)
    assert data["status"] == "completed"


def test_a_state_table_of_the_monolithic_open_finops_is_a_state_error_saying_what_to_do(con) -> None:
    con.execute("CREATE SCHEMA billing_state")
    con.execute(
        "CREATE TABLE billing_state.load_state (vendor VARCHAR, export_name VARCHAR, billing_period VARCHAR,"
        " version_id VARCHAR, data_format_version VARCHAR, current_version BOOLEAN, load_timestamp TIMESTAMP,"
        " load_completed BOOLEAN, row_count BIGINT, file_count INTEGER, error_message VARCHAR)"
    )
    message = (
        "billing_state.load_state was written by an older open-finops (it has no load_id, format_version, "
        "destination column); import into a new data directory, or drop schema billing_state to start its "
        "history afresh"
    )
    with pytest.raises(StateError) as caught:
        LoadStateStore(con)
    assert caught.value.message == message
    with pytest.raises(StateError):
        LoadStateStore(con, create=False)


def test_an_interrupted_load_has_no_duration_since_its_end_is_when_it_was_noticed(store: LoadStateStore) -> None:
    load_id = store.start(vendor="aws", export_name="cur", billing_period="2024-01", version_id="v1")
    store.mark_interrupted("aws")
    record = store.get(load_id)
    assert (record.status, record.finished_at is not None, record.seconds) == ("interrupted", True, None)
