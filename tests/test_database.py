"""The local DuckDB file: created on demand, and a clear error while another process holds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from open_finops.database import connect, database_path, table_exists
from open_finops.errors import DestinationError

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
"""


def test_database_lives_in_the_data_dir_and_is_created_with_its_folder(tmp_path: Path) -> None:
    path = database_path(tmp_path / "new" / "data")
    assert path == tmp_path / "new" / "data" / "finops.duckdb"
    con = connect(path)
    con.execute("CREATE SCHEMA s; CREATE TABLE s.t (x INTEGER)")
    assert table_exists(con, "s", "t") and not table_exists(con, "s", "missing")
    con.close()
    assert path.is_file()


def test_reading_a_database_that_does_not_exist_says_to_import_first(tmp_path: Path) -> None:
    with pytest.raises(DestinationError, match="does not exist yet; run an import first"):
        connect(tmp_path / "finops.duckdb", read_only=True)


def test_a_database_held_by_another_process_is_reported_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "finops.duckdb"
    connect(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DestinationError, match="in use by another process .* waited 1s"):
            connect(path, lock_timeout=1.0)
    finally:
        holder.communicate("")
    connect(path).close()  # free again once the other process has gone
