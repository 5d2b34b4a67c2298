"""The local DuckDB file: a bounded buffer pool, and a clear error while another process holds it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from open_finops.database import connect
from open_finops.errors import DestinationError, UsageError


def test_the_memory_limit_is_applied_to_the_connection(tmp_path: Path) -> None:
    con = connect(tmp_path / "finops.duckdb", memory_limit="256MB")
    try:
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert limit == "244.1 MiB"  # DuckDB reads MB as 10^6 bytes and shows MiB


@pytest.mark.parametrize("bad", ["lots", "512MB'; DROP TABLE x; --", "-1GB"])
def test_a_memory_limit_that_is_not_a_size_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UsageError, match="is not a size"):
        connect(tmp_path / "finops.duckdb", memory_limit=bad)


def test_a_database_held_by_another_process_is_reported_after_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "finops.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        started = time.monotonic()
        with pytest.raises(DestinationError, match="another import is running"):
            connect(path, lock_timeout=1.0)
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_reading_a_database_that_does_not_exist_says_to_import_first(tmp_path: Path) -> None:
    with pytest.raises(DestinationError, match="run an import first"):
        connect(tmp_path / "missing.duckdb", read_only=True)
