"""Import billing periods: find manifests, skip what is loaded, load the rest, swap atomically.

One billing period's load is a small state machine (``open_finops.state``): it starts ``running``, and
ends ``completed`` (and current), ``failed``, or ``interrupted`` (Ctrl-C here, or a kill found by the
next import). Data moves as Arrow: each data file is streamed into record batches (``readers``) that fill
a staging table, straight from Arrow on the DuckDB file (``duckdb_insert``) or through dlt for other
destinations; the swap then makes the staged version the period's data in one
transaction (``swap``), the same transaction that records it as current. The load state lives where the
data does (``open_finops.state``). The data directory's DuckDB file, opened read-write for the whole
import, keeps two imports of one data directory apart; a server dataset's import lock
(``server_lock``) keeps imports from several machines apart, and its session reads and writes the
server's load state.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from open_finops.contributions import ManifestParser
from open_finops.database import DEFAULT_LOCK_TIMEOUT, DEFAULT_MEMORY_LIMIT, DEFAULT_STORAGE_VERSION
from open_finops.destination import Destination
from open_finops.errors import (
    DestinationError,
    DestinationUnreachable,
    DiskFullError,
    OpenFinopsError,
    SourceError,
    UsageError,
    disk_full,
)
from open_finops.exports import ExportVersion
from open_finops.ingest import server_lock
from open_finops.ingest.sources import BillingSource
from open_finops.ingest.terms import VendorTerms
from open_finops.naming import (
    STRATEGIES,
    ExportNames,
    column_identifier,
    export_identifier,
    hashed_identifier,
    staging_table,
)
from open_finops.secrets import mask_secrets

# dlt is handed Arrow tables of about this many rows: it does some work per item, so not every small batch.
ITEM_ROWS = 32_768
# PostgreSQL's words when a statement gave up waiting for a lock (SQLSTATE 55P03).
_LOCK_TIMEOUT = re.compile(r"lock timeout|could not obtain lock", re.IGNORECASE)


@dataclass(frozen=True)
class ImportOptions:
    """Everything one import needs, resolved from flags, environment and config."""

    data_dir: Path
    destination: Destination
    prefix: str = ""
    export_name: str | None = None
    format_version: str | None = None
    export_format: str | None = None
    start: str | None = None
    end: str | None = None
    reset: bool = False
    strategy: str = "separate"
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    read_workers: int = 2
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT
    storage_version: str = DEFAULT_STORAGE_VERSION

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise UsageError(f"--table-strategy must be one of {', '.join(STRATEGIES)}, not {self.strategy!r}")

    @classmethod
    def configured(cls, config: Any, **fields: Any) -> ImportOptions:
        """Options with the ``[project]`` lock timeout, DuckDB memory limit and storage version of ``config``."""
        from open_finops import database

        return cls(lock_timeout=database.lock_timeout(config), memory_limit=database.memory_limit(config),
                   storage_version=database.storage_version(config), **fields)


@dataclass
class PeriodResult:
    export_name: str
    billing_period: str
    version_id: str
    status: str  # loaded | skipped | failed
    table: str | None = None
    rows: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    error: str | None = None
    view: str | None = None  # the export's unified view (separate strategy)
    # Loaded, but worth a look: an empty data file, a column whose declared type drifted, a name taken.
    warnings: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # older manifests of the period, not read


@dataclass
class ImportSummary:
    source: str
    destination: str
    dataset: str
    database: str
    strategy: str
    periods: list[PeriodResult] = field(default_factory=list)

    @property
    def failed(self) -> list[PeriodResult]:
        return [p for p in self.periods if p.status == "failed"]

    def raise_for_failures(self) -> None:
        """One error line for the run, naming every failed period; the other periods are still loaded."""
        if self.failed:
            each = "; ".join(f"{p.export_name} {p.billing_period}: {p.error}" for p in self.failed)
            raise OpenFinopsError(f"{len(self.failed)} of {len(self.periods)} billing periods failed; {each}")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["loaded"] = sum(1 for p in self.periods if p.status == "loaded")
        data["skipped"] = sum(1 for p in self.periods if p.status == "skipped")
        data["failed"] = len(self.failed)
        data["rows"] = sum(p.rows for p in self.periods if p.status == "loaded")
        return data


class _NoProgress:
    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        return 0

    def advance(self, task_id: int, advance: float = 1) -> None:
        pass

    def remove_task(self, task_id: int) -> None:
        pass


def _pipeline_name(terms: VendorTerms, load_id: str) -> str:
    return f"finops_{terms.vendor.replace('-', '_')}_{load_id[:16]}"


def scratch_dir(data_dir: Path, load_id: str) -> Path:
    """Where a load keeps the downloaded copies of its data files."""
    return Path(data_dir) / ".tmp" / load_id


def period_batches(version: ExportVersion, source: BillingSource, plan, normalize: Callable[[str], str],
                   scratch: Path, counters: dict[str, int], advance: Callable[[int], None],
                   workers: int, warnings: list[str] | None = None, item_rows: int = ITEM_ROWS,
                   nested_as_json: bool = True) -> Iterator[Any]:
    """Every data file of a version as Arrow tables of about ``item_rows`` rows (each record batch as it
    is read when 0), several files read at once; nested Parquet columns as JSON text, or as they are for
    the DuckDB insert when not ``nested_as_json``.

    A file holding another number of rows than its manifest declares is refused; an empty file the
    manifest gives no row count for is reported in ``warnings``.
    """
    import pyarrow as pa

    from open_finops.ingest import readers
    from open_finops.ingest.listing import check_file_rows
    from open_finops.ingest.prefetch import parallel_batches
    from open_finops.ingest.sources import key_from_uri

    lock = threading.Lock()
    # Several files are parsed at once on our threads; a lone file uses the parser's threads instead.
    parser_threads = len(version.data_files) < workers

    def count(name: str, n: int) -> None:
        with lock:
            counters[name] += n

    def read(data_file) -> Iterator[Any]:
        key = key_from_uri(data_file.uri)
        path, temporary = source.local_copy(key, scratch, on_bytes=advance)
        try:
            count("bytes", path.stat().st_size)
            if data_file.format == "parquet":
                batches = readers.iter_parquet(path, key, plan, normalize, nested_as_json=nested_as_json)
            else:
                batches = readers.iter_csv(path, key, data_file.compression, plan, normalize,
                                           use_threads=parser_threads)
            rows = 0
            for batch in batches:
                rows += batch.num_rows
                count("rows", batch.num_rows)
                yield batch
        finally:
            if temporary:
                path.unlink(missing_ok=True)
        warning = check_file_rows(data_file, key, rows)
        if warning and warnings is not None:
            with lock:
                warnings.append(warning)
        count("files", 1)

    pending: list[Any] = []
    rows = 0
    for batch in parallel_batches(version.data_files, read, workers=workers):
        if not item_rows:
            yield batch
            continue
        pending.append(batch)
        rows += batch.num_rows
        if rows >= item_rows:
            yield pa.Table.from_batches(pending)
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


class Importer:
    """Runs one vendor's import against one destination with one open state database."""

    def __init__(self, options: ImportOptions, terms: VendorTerms, con,
                 normalize: Callable[[str], str] | None = None) -> None:
        from open_finops.state import LoadStateStore

        self.options = options
        self.terms = terms
        self.destination = options.destination
        self.con = con
        # The data directory's own state: DuckDB loads, and loads into a server recorded by an earlier
        # open-finops (recovered after a kill as before). A server destination's state is its own, once
        # its import lock is held (:meth:`keep_state_in`).
        self.local = LoadStateStore(con)
        self.state = self.local
        self.normalize = normalize or column_identifier
        if not self.destination.is_duckdb:  # a server: where its credentials point is part of the state's key
            from open_finops import runner

            self.destination = runner.locate(self.destination, self.destination_ref)

    @cached_property
    def destination_ref(self) -> Any:
        """dlt's destination, resolved when a load or a recovery first needs dlt (DuckDB loads do not)."""
        from open_finops import runner

        return runner.destination(self.destination.name, self.options.data_dir,
                                  duckdb_connection=self.con if self.destination.is_duckdb else None)

    def keep_state_in(self, store) -> None:
        """Read and write the load state in the server destination (``store``, on the session holding
        its import lock) rather than in the data directory."""
        self.state = store

    def recover_interrupted(self) -> None:
        """Loads still ``running`` belong to an import that died (we hold the lock, so none is live):
        drop what they staged, in the destination each one was loading into, and record them as
        interrupted. Their periods keep the previous version.

        Every running load of the data directory's state is dead (we hold its file); in a server's state
        only those into this import's dataset are (we hold its lock; another dataset's may be live)."""
        from open_finops import runner

        stores = [(self.local, None)]
        if self.state is not self.local:
            stores.append((self.state, self.destination.key))
        for store, destination in stores:
            for record in store.running(destination):
                # A killed load leaves its scratch copies and dlt's load files behind: a month's worth of data.
                shutil.rmtree(scratch_dir(self.options.data_dir, record.load_id), ignore_errors=True)
                runner.drop_pipeline_dir(self.options.data_dir,
                                         _pipeline_name(VendorTerms(record.vendor), record.load_id))
                left = self._drop_leftover_staging(record) if record.table_name else None
                if left is not None:
                    store.fail(record.load_id, f"the import stopped before this load finished; {left}",
                               status="interrupted")
            store.mark_interrupted(destination=destination)

    def _drop_leftover_staging(self, record) -> str | None:
        """Drop a killed load's staging table from its own destination and dataset (not necessarily this
        import's); what is left behind, for the record, when that destination cannot be reached."""
        from open_finops import runner
        from open_finops.ingest import swap

        destination = Destination.from_key(record.destination)
        staging = staging_table(record.table_name, record.load_id)
        if destination is None:
            return f"its staging table {staging} may be left in {record.destination!r}; drop it by hand"
        if destination.is_duckdb:  # the file we hold
            swap.drop_table(swap.duckdb_sql(self.con, destination.dataset), staging)
            return None

        # Another database: through dlt, with the credentials configured for it, as the load itself did.
        pipeline = None
        try:
            reference = (self.destination_ref if destination.name == self.destination.name
                         else runner.destination(destination.name, self.options.data_dir))
            configured = runner.locate(Destination(destination.name, destination.dataset), reference).location
            if destination.location and configured != destination.location:
                return (f"its staging table {destination.dataset}.{staging} may be left in {destination.name} at "
                        f"{destination.location}, which this import is not configured for; drop it by hand")
            pipeline = runner.new_pipeline(f"finops_recover_{record.load_id[:16]}", reference,
                                           destination.dataset, self.options.data_dir)
            with pipeline.sql_client() as client:
                swap.drop_table(swap.dlt_sql(client, destination.dataset), staging)
            return None
        except Exception as exc:  # unreachable or not configured now: say so, and do not block this import
            error = runner.unwrap_error(exc)
            text = " ".join(str(error).split())[:200]
            reason = error.message if isinstance(error, OpenFinopsError) else f"{type(error).__name__}: {text}"
            return mask_secrets(f"its staging table {destination.dataset}.{staging} could not be dropped from "
                                f"{destination.name} ({reason}); drop it by hand")
        finally:
            if pipeline is not None:
                runner.drop_working_dir(pipeline)

    def is_loaded(self, version: ExportVersion) -> bool:
        current = self.state.current(self.terms.vendor, version.export_name, version.billing_period,
                                     self.destination.key)
        return current is not None and current.version_id == version.version_id

    def names(self, export_name: str) -> tuple[ExportNames, str | None]:
        """The export's table names in this destination, and a note when they are not the readable ones.

        An export keeps the names its loads were recorded under (databases made before names became
        readable keep their hashed ones). A new export gets its readable stem unless another export of the
        destination already uses it; then it gets the hashed stem, and the note says why.
        """
        records = [r for r in self.state.history() if r.destination == self.destination.key and r.table_name]
        own = [r for r in records if (r.vendor, r.export_name) == (self.terms.vendor, export_name)]
        if own:
            return ExportNames.of_table(own[-1].table_name, own[-1].billing_period), None
        readable = ExportNames(export_identifier(export_name))
        users = {ExportNames.of_table(r.table_name, r.billing_period).stem: r.export_name for r in records}
        if readable.stem not in users:
            return readable, None
        hashed = ExportNames(hashed_identifier(export_name))
        return hashed, (
            f"export {export_name!r} would be named {readable.stem}, which export {users[readable.stem]!r} "
            f"already uses in {self.destination.dataset}; its tables are named {hashed.stem}_* instead"
        )

    def final_table(self, version: ExportVersion) -> str:
        names, _ = self.names(version.export_name)
        if self.options.strategy == "single":
            return names.table
        return names.period_table(version.billing_period)

    def view(self, version: ExportVersion) -> str | None:
        return None if self.options.strategy == "single" else self.names(version.export_name)[0].view

    def _check_format(self, version: ExportVersion) -> None:
        wanted = self.options.export_format
        if wanted and any(f.format != wanted for f in version.data_files):
            raise UsageError(
                f"export {version.export_name!r} {version.billing_period} holds "
                f"{version.data_files[0].format} files, not {wanted}; fix {self.terms.file_format_flag}"
            )

    def load(self, version: ExportVersion, source: BillingSource, progress) -> PeriodResult:
        """Load one period version into a staging table and swap it in; record success or failure."""
        from open_finops import runner
        from open_finops.ingest import duckdb_insert
        from open_finops.ingest.listing import check_data_files
        from open_finops.ingest.readers import plan_columns

        options = self.options
        _, note = self.names(version.export_name)
        final = self.final_table(version)
        self._check_format(version)
        load_id = self.state.start(
            vendor=self.terms.vendor, export_name=version.export_name, billing_period=version.billing_period,
            version_id=version.version_id, format_version=version.format_version,
            destination=self.destination.key, table_name=final, manifest_key=version.manifest_key,
        )
        staging = staging_table(final, load_id)
        total = sum(f.size or 0 for f in version.data_files) or None
        task = progress.add_task(f"{version.export_name} {version.billing_period}", total=total)
        counters = {"rows": 0, "files": 0, "bytes": 0}
        warnings: list[str] = []
        started = time.monotonic()
        pipeline = None
        try:
            if not version.data_files:
                raise SourceError(
                    f"billing period {version.billing_period} of export {version.export_name!r} lists no data "
                    f"files; {self.terms.publisher} may still be writing it: try again later"
                )
            version = check_data_files(version, source)
            if not self.destination.is_duckdb:
                # One throwaway pipeline per load: its dlt schema holds only this load's staging table.
                pipeline = runner.new_pipeline(_pipeline_name(self.terms, load_id), self.destination_ref,
                                               self.destination.dataset, options.data_dir)
            plan = self._reconcile(plan_columns(version, self.normalize), version, final, pipeline, warnings)
            # The manifest's own spelling of each column, for what the table's names lose (tag key case).
            self.state.record_columns(load_id, zip(plan.names, plan.source_names, strict=True))
            scratch = scratch_dir(options.data_dir, load_id)

            def advance(n: int) -> None:
                progress.advance(task, n)

            if self.destination.is_duckdb and all(f.format == "parquet" for f in version.data_files):
                # DuckDB reads Parquet itself, converting in SQL where readers' rules are pinned for it.
                self._load_parquet(version, source, plan, staging, scratch, counters, advance, warnings)
            else:
                batches = period_batches(version, source, plan, self.normalize, scratch, counters, advance,
                                         options.read_workers, warnings,
                                         # dlt works per item, so it gets fewer, bigger ones; DuckDB takes
                                         # each batch as it comes, so that few are held in memory at once.
                                         item_rows=0 if self.destination.is_duckdb else ITEM_ROWS,
                                         nested_as_json=not self.destination.is_duckdb)
                if self.destination.is_duckdb:
                    # Straight from Arrow into the file we hold: no load files, DuckDB inserting on every core.
                    duckdb_insert.load_table(self.con, self.destination.dataset, staging, batches)
                else:
                    runner.load_table(pipeline, batches, staging, destination_name=self.destination.name)
            if counters["rows"] == 0:
                raise SourceError(
                    f"billing period {version.billing_period} of export {version.export_name!r} has no rows; "
                    f"{self.terms.publisher} may still be writing it: try again later"
                )
            self._swap(version, staging, final, load_id, counters, pipeline)
        except BaseException as exc:
            # DuckDB's temp files (beside the database) are what a full disk stops when its message names none.
            from open_finops.database import database_path

            temp = f"{database_path(options.data_dir)}.tmp" if self.destination.is_duckdb else None
            error = disk_full(exc, temp) or runner.unwrap_error(exc)
            if isinstance(exc, Exception) and not isinstance(error, OpenFinopsError):
                error = runner.describe_error(error, self.destination.name)
            message = error.message if isinstance(error, OpenFinopsError) else f"{type(error).__name__}: {error}"
            message = mask_secrets(message)  # it goes to the state table, --json and the error line
            self._drop_staging(staging, pipeline)
            try:
                self.state.fail(load_id, message,
                                status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
            except Exception as state_exc:  # a full disk, or a server gone, may refuse this write too: the
                # next import finds the load running and records it interrupted; the first error is the one
                if disk_full(state_exc) is None and self.state is self.local:
                    raise
            if not isinstance(exc, Exception):
                raise
            if isinstance(error, OpenFinopsError):
                raise error from None
            raise
        finally:
            shutil.rmtree(scratch_dir(options.data_dir, load_id), ignore_errors=True)
            if pipeline is not None:
                runner.drop_working_dir(pipeline)
            progress.remove_task(task)
        return PeriodResult(version.export_name, version.billing_period, version.version_id, "loaded", final,
                            rows=counters["rows"], files=counters["files"], bytes=counters["bytes"],
                            seconds=round(time.monotonic() - started, 3), view=self.view(version),
                            warnings=([note] if note else []) + warnings, superseded=list(version.superseded))

    def _load_parquet(self, version: ExportVersion, source: BillingSource, plan, staging: str, scratch: Path,
                      counters: dict[str, int], advance: Callable[[int], None], warnings: list[str]) -> None:
        from open_finops.ingest import duckdb_parquet
        from open_finops.ingest.sources import key_from_uri

        copies: list[tuple[Any, str, Path, bool]] = []
        try:
            for data_file in version.data_files:
                key = key_from_uri(data_file.uri)
                path, temporary = source.local_copy(key, scratch, on_bytes=advance)
                copies.append((data_file, key, path, temporary))
                counters["bytes"] += path.stat().st_size
            loaded = duckdb_parquet.load_files(self.con, self.destination.dataset, staging,
                                               [(d, k, p) for d, k, p, _ in copies], plan, self.normalize, warnings)
            counters["rows"] += loaded["rows"]
            counters["files"] += loaded["files"]
        finally:
            for _, _, path, temporary in copies:
                if temporary:
                    path.unlink(missing_ok=True)

    def _reconcile(self, plan, version: ExportVersion, final: str, pipeline, warnings: list[str]):
        """The plan, with each column typed as the export's other periods already hold it.

        A manifest that declares a column with another type than earlier periods (a cost as text) would
        make the unified view and every SUM over it fail. The column is loaded with the established type
        instead, through the same exact-or-refused conversion as any value, and the drift is reported.
        """
        from dataclasses import replace

        from open_finops.ingest.readers import type_name, type_of_sql

        others = sorted(self._period_tables(version) - {final})
        tables = [final] if self.options.strategy == "single" else others
        established: dict[str, Any] = {}
        with self._sql(pipeline) as sql:
            for table in tables:
                if sql.exists(table):
                    for name, data_type in sql.columns(table):
                        established.setdefault(name, type_of_sql(data_type))
        types = list(plan.types)
        for i, (name, source, declared) in enumerate(zip(plan.names, plan.source_names, plan.types, strict=True)):
            known = established.get(name)
            if known is not None and known != declared:
                types[i] = known
                warnings.append(
                    f"column {source!r} is declared {type_name(declared)} in this version but the export's other "
                    f"billing periods hold it as {type_name(known)}: loaded as {type_name(known)}, every value "
                    "checked to convert exactly"
                )
        return replace(plan, types=tuple(types)) if types != list(plan.types) else plan

    @contextmanager
    def _sql(self, pipeline) -> Iterator[Any]:
        """The destination's SQL, chosen once per load: DuckDB shares our connection, others use dlt's."""
        from open_finops.ingest import swap

        if self.destination.is_duckdb:
            yield swap.duckdb_sql(self.con, self.destination.dataset)
            return
        client = pipeline.sql_client()
        client.open_connection()
        try:
            yield swap.dlt_sql(client, self.destination.dataset)
        finally:
            client.close_connection()

    def _swap(self, version: ExportVersion, staging: str, final: str, load_id: str, counters: dict[str, int],
              pipeline) -> None:
        from open_finops import runner
        from open_finops.ingest import swap
        from open_finops.state import LoadStateStore

        with self._sql(pipeline) as sql, sql.transaction(), self._lock_waits_bounded(sql, final, version):
            swap.replace_period(sql, staging, final, version.billing_period, self.names(version.export_name)[0],
                                single=self.options.strategy == "single", known=self._period_tables(version))
            for table, column, value in runner.bookkeeping_rows(pipeline) if pipeline is not None else ():
                swap.delete_rows(sql, table, column, value)
            # The state in the same transaction as the data: on a server, through the swap's own session.
            state = self.state if self.destination.is_duckdb else LoadStateStore(sql, create=False)
            state.complete(load_id, **counters)

    @contextmanager
    def _lock_waits_bounded(self, sql, final: str, version: ExportVersion) -> Iterator[None]:
        """Inside the swap's transaction: wait ``lock_timeout`` for another session's lock, then fail."""
        if sql.bound_lock_waits is None:
            yield
            return
        sql.bound_lock_waits(self.options.lock_timeout)
        try:
            yield
        except Exception as exc:
            from open_finops import runner

            if not _LOCK_TIMEOUT.search(str(runner.unwrap_error(exc))):
                raise
            view = self.names(version.export_name)[0].view
            raise DestinationError(
                f"a session holds a lock on {self.destination.dataset}.{view} or {self.destination.dataset}.{final} "
                f"(a query or an open transaction reading it); waited {self.options.lock_timeout:g}s: retry when it "
                f"has ended, or end it (pg_stat_activity), or raise [project] lock_timeout; billing period "
                f"{version.billing_period} keeps its previous version") from None

    def _period_tables(self, version: ExportVersion) -> set[str]:
        return {
            r.table_name
            for r in self.state.current_versions(self.terms.vendor, version.export_name)
            if r.table_name and r.destination == self.destination.key
        }

    def _drop_staging(self, staging: str, pipeline) -> None:
        """After a failed load: its staging table and the bookkeeping rows dlt wrote for it."""
        from open_finops import runner
        from open_finops.ingest import swap

        def drop(sql) -> None:
            swap.drop_table(sql, staging)
            for table, column, value in runner.bookkeeping_rows(pipeline) if pipeline is not None else ():
                swap.delete_rows(sql, table, column, value)

        try:
            if self.destination.is_duckdb:
                drop(swap.duckdb_sql(self.con, self.destination.dataset))
            elif pipeline is not None:
                with pipeline.sql_client() as client:
                    drop(swap.dlt_sql(client, self.destination.dataset))
        except Exception:  # the staging table is named per load; a leftover is harmless
            pass


def find_versions(options: ImportOptions, terms: VendorTerms, source: BillingSource,
                  parsers: Iterable[ManifestParser]) -> list[ExportVersion]:
    """The versions an import with ``options`` would consider, newest per period."""
    from open_finops.ingest.listing import find_versions as listing

    return listing(source, [p for p in parsers if p.vendor == terms.vendor], prefix=options.prefix,
                   export_name=options.export_name, format_version=options.format_version,
                   start=options.start, end=options.end, format_flag=terms.format_flag)


def run_import(
    options: ImportOptions,
    terms: VendorTerms,
    source: BillingSource,
    parsers: Iterable[ManifestParser],
    progress: Any = None,
    on_period: Callable[[PeriodResult], None] | None = None,
) -> ImportSummary:
    """Import every period in range from ``source``; skip the ones already current.

    ``parsers`` are the registered manifest parsers (those of ``terms.vendor`` are used); ``progress``
    is a rich ``Progress`` or anything with its ``add_task``/``advance``/``remove_task``.
    """
    from open_finops.arrow_memory import use_compact_pool
    from open_finops.database import connect, database_path

    progress = progress if progress is not None else _NoProgress()
    use_compact_pool()
    db_path = database_path(options.data_dir)
    con = connect(db_path, lock_timeout=options.lock_timeout, memory_limit=options.memory_limit,
                  storage_version=options.storage_version)
    # Row order within a billing period carries no meaning; without it DuckDB inserts the staged load
    # files on every core instead of one.
    con.execute("SET preserve_insertion_order = false")
    try:
        importer = Importer(options, terms, con)
        with server_lock.holding(importer.destination, lambda: importer.destination_ref, options.data_dir,
                                 options.lock_timeout) as session:
            if session is not None:
                importer.keep_state_in(_server_state(session, importer.destination))
            return _import_versions(importer, options, terms, source, parsers, progress, on_period, db_path)
    finally:
        con.close()


def _server_state(session: Any, where: Destination) -> Any:
    """The load state in the server, on the session that holds the dataset's import lock."""
    from open_finops import runner
    from open_finops.sql import dlt_sql
    from open_finops.state import SCHEMA, LoadStateStore

    try:
        return LoadStateStore(dlt_sql(session, SCHEMA))
    except OpenFinopsError:
        raise
    except Exception as exc:  # e.g. a role that may not create the billing_state schema
        raise runner.describe_error(runner.unwrap_error(exc), where.name) from None


def _import_versions(importer: Importer, options: ImportOptions, terms: VendorTerms, source: BillingSource,
                     parsers: Iterable[ManifestParser], progress: Any,
                     on_period: Callable[[PeriodResult], None] | None, db_path: Path) -> ImportSummary:
    """The body of :func:`run_import`, with the database open and the destination's import lock held."""
    importer.recover_interrupted()
    versions = find_versions(options, terms, source, parsers)
    summary = ImportSummary(mask_secrets(source.description), options.destination.name, options.destination.dataset,
                            str(db_path), options.strategy)
    if not versions:
        where = f"under prefix {options.prefix!r} in {summary.source}"
        what = f"export {options.export_name!r}" if options.export_name else f"any {terms.export_noun}"
        flags = f"{terms.prefix_flag} and {terms.export_flag}"
        raise SourceError(f"no manifest of {what} found {where}; check {flags}")
    for version in versions:
        if not options.reset and importer.is_loaded(version):
            result = PeriodResult(version.export_name, version.billing_period, version.version_id, "skipped",
                                  importer.final_table(version), view=importer.view(version),
                                  superseded=list(version.superseded))
        else:
            try:
                result = importer.load(version, source, progress)
            except (UsageError, DiskFullError, DestinationUnreachable):
                raise  # a wrong flag, a full disk or no connection fails every period alike: stop, say so
            except OpenFinopsError as exc:
                result = PeriodResult(version.export_name, version.billing_period, version.version_id,
                                      "failed", importer.final_table(version), error=mask_secrets(exc.message))
        summary.periods.append(result)
        if on_period:
            on_period(result)
    return summary
