"""Whether Metabase's DuckDB can read the database file, and rewriting one it cannot.

DuckDB writes a storage format number into every file's header; the driver's DuckDB reads only the
numbers in ``settings.DRIVER_READABLE_STORAGE``. A file created by an older open-finops (DuckDB 2's own
default format) is copied into a new file of the readable format, checked table by table, and swapped in;
the old file stays beside it until the user deletes it.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from open_finops.api import Config, OpenFinopsError, UsageError, database_path, open_database, quote_identifier
from open_finops_docker.settings import (
    DRIVER_DUCKDB_VERSION,
    DRIVER_READABLE_STORAGE,
    DUCKDB_DRIVER_VERSION,
    driver_storage_version,
)

_HEADER = struct.Struct("<8x4sQ")


@dataclass(frozen=True)
class Migration:
    path: Path
    before: int
    after: int
    backup: Path | None
    tables: int


def storage_number(path: Path) -> int:
    with open(path, "rb") as fh:
        magic, number = _HEADER.unpack(fh.read(_HEADER.size).ljust(_HEADER.size, b"\0"))
    if magic != b"DUCK":
        raise UsageError(f"{path} is not a DuckDB database file")
    return number


def unreadable(path: Path) -> str | None:
    """Why Metabase cannot read ``path``, or None when it can (or there is no file yet)."""
    if not path.is_file():
        return None
    number = storage_number(path)
    if number in DRIVER_READABLE_STORAGE:
        return None
    return (
        f"{path} is in DuckDB storage format {number}, which Metabase's DuckDB driver {DUCKDB_DRIVER_VERSION} "
        f"(DuckDB {DRIVER_DUCKDB_VERSION}) cannot read; convert it with 'finops docker migrate-database'"
    )


def _tables(con, catalog: str) -> dict[tuple[str, str], int]:
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY ALL", [catalog]
    ).fetchall()
    counts = {}
    for schema, table in rows:
        name = f"{quote_identifier(catalog)}.{quote_identifier(schema)}.{quote_identifier(table)}"
        counts[(schema, table)] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    return counts


def migrate(config: Config, data_dir: Path | None = None,
            storage_version: str = driver_storage_version(DUCKDB_DRIVER_VERSION)) -> Migration:
    """Rewrite the data directory's database in the format the driver reads; a readable file is left alone."""
    path = database_path(config.data_dir(data_dir))
    if not path.is_file():
        raise UsageError(f"database {path} does not exist yet; import billing data first")
    before = storage_number(path)
    if before in DRIVER_READABLE_STORAGE:
        return Migration(path=path, before=before, after=before, backup=None, tables=0)
    target = path.with_name(f".{path.name}.migrate-{os.getpid()}")
    target.unlink(missing_ok=True)
    # Read-write: no import may change the file while it is copied.
    con = open_database(config, data_dir, must_exist=True)
    try:
        (catalog,) = con.execute("SELECT current_database()").fetchone()
        # Nothing left in the write-ahead log: closing this connection after the swap writes nothing.
        con.execute("CHECKPOINT")
        con.execute(f"ATTACH ? AS migrated (STORAGE_VERSION '{storage_version}')", [str(target)])
        con.execute(f"COPY FROM DATABASE {quote_identifier(catalog)} TO migrated")
        source, copied = _tables(con, catalog), _tables(con, "migrated")
        con.execute("DETACH migrated")
        if source != copied:
            raise OpenFinopsError(f"the copy of {path} does not hold the same tables and rows; the file is unchanged")
        backup = path.with_name(f"{path.name}.storage-{before}")
        os.link(path, backup)
        os.replace(target, path)
    finally:
        con.close()
        target.unlink(missing_ok=True)
    return Migration(path=path, before=before, after=storage_number(path), backup=backup, tables=len(source))
