"""The local DuckDB file: where data lands by default and where load state always lives.

Opening it read-write takes DuckDB's file lock, which is also what keeps two imports from running into
the same file at once: a second one waits a bounded time, then names the process that holds the file.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from open_finops.config import check_data_dir

# The defaults are declared with [project]'s settings; the import engine reads them from here.
from open_finops.core_settings import (  # noqa: F401
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_STORAGE_VERSION,
    MAX_LOCK_TIMEOUT,
    MIN_MEMORY_LIMIT,
    PROJECT,
    STORAGE_VERSION_FORM,
    physical_memory,
)
from open_finops.errors import DestinationError, UsageError
from open_finops.naming import quote_identifier as q
from open_finops.settings import format_size, parse_size

if TYPE_CHECKING:
    import duckdb

    from open_finops.config import Config

DATABASE_FILE = "finops.duckdb"
# Rows in each row group DuckDB writes. Its default, 122,880, is about 130 MB of CUR before compression,
# and an INSERT on two cores stages one on each thread: more than the default memory limit (224MB), so
# staged columns went to finops.duckdb.tmp and were read back before they were compressed (a tenth of
# the import's CPU in a perf profile). Half of that fits; the file of 2 x 1M rows is 2% larger
# (benchmarks/README.md). A DuckDB session of DuckDB's size that writes to the file merges them into its own
# size at its checkpoint, once (docs/configuration.md).
ROW_GROUP_ROWS = 61_440
# Memory DuckDB's block allocator keeps for the buffer pool's blocks, once touched, for as long as the
# connection is open. Without it every block an import fills and writes out is handed back to the system
# and faulted in again for the next row group: 2 x 1M CUR rows took 710-740k page faults, 3 CPU seconds
# in the kernel, and 6% more CPU in all than with it (400-470k faults, peak RSS 7-15 MiB higher;
# benchmarks/README.md). Blocks come from the pool only as the buffer pool needs them, so its pages
# are bounded by the memory limit too. DuckDB refuses to make it smaller on an open database, hence one
# value for every connection.
BLOCK_ALLOCATOR_MEMORY = "128MB"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DATABASE_FILE


def lock_timeout(config: Config) -> float:
    """``[project] lock_timeout``: how long to wait while another process holds the file."""
    return config.value("project", PROJECT.setting("lock_timeout"))[0]


def memory_limit(config: Config) -> str:
    """``[project] duckdb_memory_limit``: DuckDB's buffer pool, between 64MB and this machine's memory."""
    return config.value("project", PROJECT.setting("duckdb_memory_limit"))[0]


def storage_version(config: Config) -> str:
    """``[project] duckdb_storage_version``: the storage format a new database file is created in."""
    return config.value("project", PROJECT.setting("duckdb_storage_version"))[0]


def check_memory_limit(value: str) -> str:
    """A memory limit handed to :func:`connect` directly: a size from 64MB to this machine's memory."""
    size = parse_size(value)
    most = physical_memory()
    if size is None or size < MIN_MEMORY_LIMIT or (most is not None and size > most):
        upto = f" to {format_size(most)}" if most is not None else ""
        raise UsageError(f"DuckDB memory limit {value!r} is not a size from {format_size(MIN_MEMORY_LIMIT)}{upto}, "
                         f"such as 512MB or 2GB")
    return value.strip()


def lock_holder(message: str) -> str:
    """What DuckDB says about the process holding the file's lock (its program and PID), if it says."""
    match = _LOCK_HOLDER.search(message)
    if match is None:
        return "another process"
    return f"process {match['pid']} ({Path(match['program']).name})"


def connect_configured(path: Path, config: Config, *, read_only: bool = False):
    """:func:`connect` with the lock timeout and memory limit that ``[project]`` sets."""
    return connect(path, read_only=read_only, lock_timeout=lock_timeout(config), memory_limit=memory_limit(config),
                   storage_version=storage_version(config))


def open_database(config: Config, data_dir: Path | None = None, *, read_only: bool = False,
                  must_exist: bool | None = None):
    """The data directory's DuckDB file, with the ``[project]`` lock timeout and memory limit.

    A file that does not exist yet (nothing imported there) is a UsageError when ``must_exist``, which
    read-only opening implies.
    """
    path = database_path(config.data_dir(data_dir))
    if (read_only if must_exist is None else must_exist) and not path.exists():
        raise UsageError(f"database {path} does not exist yet; import billing data first")
    return connect_configured(path, config, read_only=read_only)


def connect(
    path: Path,
    *,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    memory_limit: str | None = None,
    storage_version: str = DEFAULT_STORAGE_VERSION,
):
    """Open the DuckDB file, waiting up to ``lock_timeout`` seconds while another process holds it.

    ``memory_limit`` (e.g. ``"512MB"``) caps DuckDB's buffer pool; beyond it DuckDB spills to disk.
    ``storage_version`` is the format a file created here is written in (DuckDB's release names).
    """
    import duckdb

    if not re.fullmatch(STORAGE_VERSION_FORM, storage_version):
        raise UsageError(f"DuckDB storage version {storage_version!r} is not a DuckDB release such as v1.5.0, "
                         f"or latest; set [project] duckdb_storage_version")
    if memory_limit is not None:
        memory_limit = check_memory_limit(memory_limit)
    if not (isinstance(lock_timeout, int | float) and 0 <= lock_timeout <= MAX_LOCK_TIMEOUT):  # also nan
        raise UsageError(f"lock timeout {lock_timeout!r} is not a number of seconds from 0 to {MAX_LOCK_TIMEOUT:g}")
    path = Path(path)
    check_data_dir(path.parent)
    if read_only and not path.exists():
        raise DestinationError(f"database {path} does not exist yet; run an import first")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout
    delay = 0.1
    while True:
        try:
            try:
                con = duckdb.connect(str(path), read_only=True) if read_only else _attached(path, storage_version)
            except duckdb.InvalidInputException as exc:
                if "not a known DuckDB version" not in str(exc):
                    raise
                raise UsageError(f"DuckDB storage version {storage_version!r} is not one this DuckDB "
                                 f"{duckdb.__version__} knows; set [project] duckdb_storage_version to a "
                                 f"release such as v1.5.0, or latest") from None
            if memory_limit is not None:
                con.execute(f"SET memory_limit = '{memory_limit}'")  # validated above
            con.execute(f"SET block_allocator_memory = '{BLOCK_ALLOCATOR_MEMORY}'")  # a constant of ours
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise DestinationError(f"database {path} cannot be opened: {exc}") from None
            if time.monotonic() >= deadline:
                # DuckDB names the holder's program and PID, not what it is doing: an import, a FOCUS
                # build, a read-only command, Metabase or a DuckDB shell all hold the same lock.
                raise DestinationError(
                    f"database {path} is locked by {lock_holder(str(exc))}, which may be an import, a FOCUS "
                    f"build, a read-only finops command or another program such as Metabase or a DuckDB shell; "
                    f"waited {lock_timeout:g}s: try again when it has finished, or raise [project] lock_timeout"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _attached(path: Path, storage_version: str):
    """A read-write connection to the file, writing row groups of ``ROW_GROUP_ROWS``.

    The row group size is an option of ATTACH only, so the file is attached to an in-memory DuckDB and
    made the default catalog, under the name DuckDB gives it when it opens the file itself; its spill goes
    where DuckDB puts a file database's, next to it. A file created here is in ``storage_version``.
    """
    import duckdb

    con = duckdb.connect(config={"temp_directory": f"{path}.tmp"})
    try:
        created = "" if path.exists() else f", STORAGE_VERSION '{storage_version}'"  # validated by connect
        con.execute(f"ATTACH ? AS {q(path.stem)} (ROW_GROUP_SIZE {ROW_GROUP_ROWS}{created})", [str(path)])
        con.execute(f"USE {q(path.stem)}")
    except BaseException:
        con.close()
        raise
    return con


def arrow_reader(relation, batch_rows: int):
    """A DuckDB relation as a pyarrow RecordBatchReader of ``batch_rows`` rows a batch."""
    return relation.to_arrow_reader(batch_rows)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    from open_finops.sql import duckdb_sql

    return duckdb_sql(con, schema).exists(table)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """A table's columns and their types, in table order; empty when the table does not exist."""
    from open_finops.sql import duckdb_sql

    return dict(duckdb_sql(con, schema).columns(table))
