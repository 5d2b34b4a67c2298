"""Copy the billing data of the data directory's DuckDB file into a server destination (PostgreSQL),
with its load state, so that imports into the server go on from there.

Each export's current period versions are read from DuckDB as Arrow batches, loaded into a staging
table through dlt (the path an import takes, with the same column types) and swapped in, with the
period's load record, in one transaction, as an import does. The server's state then names the same
versions as loaded: the next import into it skips them. A period the server already holds at that
version is skipped, so a copy that stopped half way is run again to finish it; a period it holds at
another version (imported there directly) is kept as it is.

This is for the data the exports no longer hold (an S3 lifecycle rule expires old CUR files, Azure
keeps exports as long as the storage account does). Where the exports are all still there, importing
them again into the server is as exact, and checks every value on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from open_finops.database import arrow_reader
from open_finops.destination import Destination
from open_finops.errors import DestinationError, OpenFinopsError, UsageError
from open_finops.naming import ExportNames, staging_table
from open_finops.naming import quote_identifier as q
from open_finops.secrets import mask_secrets

# Arrow tables of about this many rows go to dlt (it does some work per item), as in an import.
ITEM_ROWS = 32_768


@dataclass(frozen=True)
class CopiedPeriod:
    vendor: str
    export_name: str
    billing_period: str
    version_id: str
    dataset: str
    table: str
    status: str  # copied | skipped (there at this version) | kept (the server holds another version)
    rows: int


def copy_database(data_dir: Path, to: str, *, lock_timeout: float, memory_limit: str | None,
                  on_period: Callable[[CopiedPeriod], None] | None = None, progress: Any = None) -> list[CopiedPeriod]:
    """Copy every current period version loaded into ``data_dir``'s DuckDB file to destination ``to``,
    each dataset into the same-named dataset there. ``progress``: a rich ``Progress`` (rows per period)."""
    from open_finops import runner
    from open_finops.database import connect, database_path
    from open_finops.destination import check_supported
    from open_finops.ingest import server_lock
    from open_finops.sql import dlt_sql
    from open_finops.state import SCHEMA, LoadStateStore

    check_supported(to)
    if Destination(to).is_duckdb:
        raise UsageError("--to names the destination to copy the DuckDB file's billing data into: postgres")
    path = database_path(data_dir)
    if not path.exists():
        raise UsageError(f"there is no database in {data_dir} to copy; check --data-dir")
    # Read-write: the file is the lock that keeps an import of this data directory out meanwhile.
    con = connect(path, lock_timeout=lock_timeout, memory_limit=memory_limit)
    try:
        local = LoadStateStore(con, create=False)
        records = [r for r in local.current_versions()
                   if (d := Destination.from_key(r.destination)) is not None and d.is_duckdb and r.table_name]
        if not records:
            raise UsageError(f"no billing data is loaded into the DuckDB file of {data_dir}; nothing to copy")
        reference = runner.destination(to, data_dir)
        copied: list[CopiedPeriod] = []
        for dataset in sorted({Destination.from_key(r.destination).dataset for r in records}):
            target = runner.locate(Destination(to, dataset), reference)
            with server_lock.holding(target, lambda: reference, data_dir, lock_timeout) as session:
                server = LoadStateStore(dlt_sql(session, SCHEMA))
                for record in records:
                    if Destination.from_key(record.destination).dataset != dataset:
                        continue
                    result = _copy_period(con, record, target, reference, server, data_dir, lock_timeout,
                                          progress)
                    copied.append(result)
                    if on_period is not None:
                        on_period(result)
        return copied
    finally:
        con.close()


def _batches(con: Any, dataset: str, table: str, period: str | None, counted: dict[str, int],
             advance: Callable[[int], None]) -> Iterator[Any]:
    import pyarrow as pa

    where = " WHERE billing_period = ?" if period is not None else ""
    relation = con.sql(f"SELECT * FROM {q(dataset)}.{q(table)}{where}",
                       params=[period] if period is not None else None)
    reader = arrow_reader(relation, ITEM_ROWS)
    for batch in reader:
        counted["rows"] += batch.num_rows
        advance(batch.num_rows)
        yield pa.Table.from_batches([batch])


def _copy_period(con: Any, record: Any, target: Destination, reference: Any, server: Any, data_dir: Path,
                 lock_timeout: float, progress: Any) -> CopiedPeriod:
    from open_finops import runner
    from open_finops.ingest import swap
    from open_finops.state import LoadStateStore

    period = record.billing_period
    names = ExportNames.of_table(record.table_name, period)
    single = record.table_name == names.table  # one table for the whole export, not one per period
    done = server.current(record.vendor, record.export_name, period, target.key)
    if done is not None:
        # Another version there was imported into the server directly: which is newer is the exports'
        # to say, so a copy never overwrites it (an import does, when the export's version is new).
        return CopiedPeriod(record.vendor, record.export_name, period, record.version_id, target.dataset,
                            record.table_name, "skipped" if done.version_id == record.version_id else "kept",
                            done.rows or 0)
    load_id = server.start(vendor=record.vendor, export_name=record.export_name, billing_period=period,
                           version_id=record.version_id, format_version=record.format_version,
                           destination=target.key, table_name=record.table_name, manifest_key=record.manifest_key)
    staging = staging_table(record.table_name, load_id)
    pipeline = runner.new_pipeline(f"finops_copy_{load_id[:16]}", reference, target.dataset, data_dir)
    counted = {"rows": 0}
    task = progress.add_task(f"{record.export_name} {period}", total=record.rows) if progress is not None else None

    def advance(rows: int) -> None:
        if task is not None:
            progress.advance(task, rows)

    try:
        runner.load_table(pipeline, _batches(con, Destination.from_key(record.destination).dataset,
                                             record.table_name, period if single else None, counted,
                                             advance),
                          staging, destination_name=target.name)
        with pipeline.sql_client() as client:
            sql = swap.dlt_sql(client, target.dataset)
            with sql.transaction():
                sql.bound_lock_waits(lock_timeout)
                staged = sql.fetchall(f"SELECT count(*) FROM {sql.table(staging)}")[0][0]
                if staged != counted["rows"] or (record.rows is not None and staged != record.rows):
                    raise DestinationError(
                        f"{record.export_name} {period}: {staged:,} rows arrived in {target.name} but "
                        f"{counted['rows']:,} were read ({record.rows:,} loaded); the period is not copied")
                swap.replace_period(sql, staging, record.table_name, period, names, single=single)
                for table, column, value in runner.bookkeeping_rows(pipeline):
                    swap.delete_rows(sql, table, column, value)
                LoadStateStore(sql, create=False).complete(load_id, rows=staged, files=record.files or 0,
                                                           bytes=record.bytes or 0)
    except BaseException as exc:
        error = runner.unwrap_error(exc)
        if isinstance(exc, Exception) and not isinstance(error, OpenFinopsError):
            error = runner.describe_error(error, target.name)
        message = mask_secrets(error.message if isinstance(error, OpenFinopsError) else str(error))
        try:
            with pipeline.sql_client() as client:
                swap.drop_table(swap.dlt_sql(client, target.dataset), staging)
        except Exception:  # named per load: a leftover is harmless, and dropped by hand
            pass
        server.fail(load_id, message, status="failed" if isinstance(exc, Exception) else "interrupted")
        if isinstance(error, OpenFinopsError):
            raise error from None
        raise
    finally:
        runner.drop_working_dir(pipeline)
        if task is not None:
            progress.remove_task(task)
    return CopiedPeriod(record.vendor, record.export_name, period, record.version_id, target.dataset,
                        record.table_name, "copied", counted["rows"])
