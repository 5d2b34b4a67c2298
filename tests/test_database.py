"""The local DuckDB file: a bounded buffer pool, a data directory that is a folder, and a clear error
naming the process that holds the file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from open_finops.database import BLOCK_ALLOCATOR_MEMORY, ROW_GROUP_ROWS, connect, physical_memory
from open_finops.errors import ConfigError, DestinationError, UsageError


def test_the_memory_limit_is_applied_to_the_connection(tmp_path: Path) -> None:
    con = connect(tmp_path / "finops.duckdb", memory_limit="256MB")
    try:
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert limit == "244.1 MiB"  # DuckDB reads MB as 10^6 bytes and shows MiB


@pytest.mark.parametrize("read_only", [False, True])
def test_the_buffer_pools_blocks_come_from_memory_duckdb_keeps_for_the_connection(tmp_path: Path,
                                                                                read_only: bool) -> None:
    import duckdb

    path = tmp_path / "finops.duckdb"
    connect(path).close()
    con = connect(path, read_only=read_only)
    try:
        (kept,) = con.execute("SELECT current_setting('block_allocator_memory')").fetchone()
        # DuckDB refuses to lower it on an open database: opening the same file again, which reuses the
        # DuckDB instance this process holds, must ask for the same amount.
        again = connect(path, read_only=True) if read_only else None
        if again is not None:
            again.close()
    finally:
        con.close()
    with duckdb.connect() as plain:
        plain.execute(f"SET block_allocator_memory = '{BLOCK_ALLOCATOR_MEMORY}'")
        (expected,) = plain.execute("SELECT current_setting('block_allocator_memory')").fetchone()
    assert kept == expected != "0 bytes"


def row_groups(con, table: str) -> list[int]:
    return [rows for (rows,) in con.execute(
        f"SELECT sum(count) FROM pragma_storage_info('{table}') WHERE column_id = 0 AND segment_type <> 'VALIDITY' "
        "GROUP BY row_group_id ORDER BY row_group_id").fetchall()]


def test_rows_are_written_in_row_groups_small_enough_for_two_threads_within_the_default_limit(
        tmp_path: Path) -> None:
    path = tmp_path / "finops.duckdb"
    con = connect(path)
    try:
        con.execute("CREATE TABLE t AS SELECT range AS i, range::VARCHAR AS s FROM range(150000)")
        sizes = row_groups(con, "t")
        where = con.execute("SELECT current_database(), current_setting('temp_directory')").fetchone()
    finally:
        con.close()
    assert sizes == [ROW_GROUP_ROWS, ROW_GROUP_ROWS, 150000 - 2 * ROW_GROUP_ROWS]
    assert ROW_GROUP_ROWS < 122_880  # DuckDB's own size, which spilled
    # Named and spilling as when DuckDB opens the file itself.
    assert where == ("finops", f"{path}.tmp")
    con = connect(path, read_only=True)
    try:
        assert con.execute("SELECT count(*), sum(i) FROM t").fetchone() == (150000, 150000 * 149999 // 2)
    finally:
        con.close()


@pytest.mark.parametrize("session, merged", [
    ("finops writes", False), ("duckdb reads", False), ("duckdb writes with max_vacuum_tasks = 0", False),
    ("duckdb writes", True),
])
def test_what_merges_the_row_groups_into_duckdbs_own_size_is_a_duckdb_session_that_writes(
        tmp_path: Path, session: str, merged: bool) -> None:
    """What docs/configuration.md tells users about opening the file outside finops."""
    import duckdb

    path = tmp_path / "finops.duckdb"
    con = connect(path)
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(4 * 61440)")
    con.close()
    if session == "finops writes":
        con = connect(path)
    else:
        con = duckdb.connect(str(path))
        if "max_vacuum_tasks" in session:
            con.execute("SET max_vacuum_tasks = 0")
    if "writes" in session:
        con.execute("CREATE VIEW v AS SELECT * FROM t")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (4 * 61440,)
    con.close()

    con = duckdb.connect(str(path), read_only=True)
    try:
        assert row_groups(con, "t") == ([122_880, 122_880] if merged else [ROW_GROUP_ROWS] * 4)
    finally:
        con.close()


@pytest.mark.parametrize("bad", ["lots", "512MB'; DROP TABLE x; --", "-1GB", "0MB", "0", "10MB", "63MB",
                                 "100000TB", "1e3MB", ""])
def test_a_memory_limit_that_is_not_a_sensible_size_is_refused_before_anything_is_written(
        tmp_path: Path, bad: str) -> None:
    with pytest.raises(UsageError, match=r"is not a size from 64MB to [\d.]+[KMGT]B, such as 512MB"):
        connect(tmp_path / "finops.duckdb", memory_limit=bad)
    assert not (tmp_path / "finops.duckdb").exists()


def test_a_memory_limit_up_to_the_machines_memory_is_accepted(tmp_path: Path) -> None:
    most = physical_memory()
    assert most is not None
    con = connect(tmp_path / "finops.duckdb", memory_limit=f"{most // 2**30}GiB")
    con.close()


@pytest.mark.parametrize("layout", ["is a file", "lies under a file"])
def test_a_data_directory_that_is_a_file_or_lies_under_one_is_a_config_error(tmp_path: Path, layout: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    data_dir = blocker if layout == "is a file" else blocker / "data"

    with pytest.raises(ConfigError) as caught:
        connect(data_dir / "finops.duckdb")

    where = "is a file" if layout == "is a file" else f"lies under {blocker}, which is a file"
    assert caught.value.message == (f"data directory {data_dir} {where}, not a folder; "
                                    "point --data-dir or [project] data_dir at a folder")
    assert caught.value.exit_code == 2
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("holder_mode", ["read-write", "read-only"])
def test_a_database_held_by_another_process_is_reported_after_the_wait_naming_that_process(
        tmp_path: Path, holder_mode: str) -> None:
    path = tmp_path / "finops.duckdb"
    connect(path).close()
    read_only = holder_mode == "read-only"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only={read_only}); "
         "print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        started = time.monotonic()
        # Nothing says what the holder is doing: the message names it and lists what it may be, no more.
        with pytest.raises(DestinationError) as caught:
            connect(path, lock_timeout=1.0)
        assert time.monotonic() - started < 10
        # DuckDB names the program the kernel runs (a venv's `python` resolves to `python3.11`).
        program = Path(os.readlink(f"/proc/{holder.pid}/exe")).name
        assert caught.value.message == (
            f"database {path} is locked by process {holder.pid} ({program}), which may be an "
            "import, a FOCUS build, a read-only finops command or another program such as Metabase or a DuckDB "
            "shell; waited 1s: try again when it has finished, or raise [project] lock_timeout")
    finally:
        holder.kill()
        holder.wait()


def test_reading_a_database_that_does_not_exist_says_to_import_first(tmp_path: Path) -> None:
    with pytest.raises(DestinationError, match="run an import first"):
        connect(tmp_path / "missing.duckdb", read_only=True)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1, 86_401, "30"])
def test_a_lock_timeout_handed_to_connect_that_is_not_finite_seconds_in_range_is_refused(
        tmp_path: Path, bad) -> None:
    # ImportOptions(lock_timeout=...) reaches connect without the config; nan used to wait forever.
    with pytest.raises(UsageError, match=r"is not a number of seconds from 0 to 86400$"):
        connect(tmp_path / "finops.duckdb", lock_timeout=bad)
    assert not (tmp_path / "finops.duckdb").exists()


def test_a_new_file_is_created_in_the_pinned_storage_format_and_keeps_it_when_written_again(tmp_path: Path) -> None:
    import struct

    import duckdb

    from open_finops.database import DEFAULT_STORAGE_VERSION as STORAGE_VERSION

    path = tmp_path / "finops.duckdb"
    con = connect(path)
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    con = connect(path)
    con.execute("INSERT INTO t VALUES (2)")
    ((tags,),) = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'finops'").fetchall()
    con.close()
    assert tags["storage_version"] == f"{STORAGE_VERSION}+"
    # The header's storage number: 64 to 68 is what DuckDB 1.5 reads; DuckDB 2's own default is 69.
    magic, number = struct.Struct("<8x4sQ").unpack(path.read_bytes()[:20])
    assert magic == b"DUCK" and number <= 68
    plain = tmp_path / "plain.duckdb"
    duckdb.connect(str(plain)).close()
    assert struct.Struct("<8x4sQ").unpack(plain.read_bytes()[:20])[1] > number, "the pin changes something"


@pytest.mark.parametrize("version", ["v1.0.0", "v1.4.0", "latest"])
def test_the_storage_version_of_a_new_file_is_the_configured_one(tmp_path: Path, version: str) -> None:
    import struct

    from open_finops.config import load_config
    from open_finops.database import open_database

    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[project]\nduckdb_storage_version = "{version}"\n', encoding="utf-8")
    config = load_config(config_file)
    con = open_database(config, tmp_path / "data")
    ((tags,),) = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'finops'").fetchall()
    con.close()
    number = struct.Struct("<8x4sQ").unpack((tmp_path / "data" / "finops.duckdb").read_bytes()[:20])[1]
    if version == "latest":
        assert number > 68, "DuckDB's newest format, beyond what DuckDB 1.5 reads"
    else:
        assert tags["storage_version"] == f"{version}+" and number <= 68


@pytest.mark.parametrize("version", ["v9.9.9", "banana", "1.5.0", "v1.5", "", "v1.5.0; DROP TABLE x"])
def test_a_storage_version_duckdb_does_not_know_is_one_line_naming_the_setting(tmp_path: Path, version: str) -> None:
    with pytest.raises(UsageError, match=r"duckdb_storage_version") as caught:
        connect(tmp_path / "finops.duckdb", storage_version=version)
    assert "\n" not in str(caught.value) and repr(version) in str(caught.value)
    assert not (tmp_path / "finops.duckdb").exists()
