"""Import CUR billing periods: discover manifests, skip what is loaded, load the rest, swap atomically.

Data moves as Arrow: each data file is streamed into record batches (``readers``) that dlt writes as
Parquet load files into a staging table; the swap then makes the staged version the period's data in
one transaction (``swap``). The DuckDB file holds the load state and, opened read-write for the whole
import, is also the lock that keeps two imports apart.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from open_finops.database import DEFAULT_LOCK_TIMEOUT, DEFAULT_MEMORY_LIMIT
from open_finops.errors import OpenFinopsError, SourceError, UsageError
from open_finops.manifest import ExportVersion
from open_finops.naming import export_table, period_table, staging_table, unified_view
from open_finops_aws import VENDOR

STRATEGIES = ("separate", "single")
DEFAULT_DATASET = "aws_cur"
DUCKDB_ROW_GROUP = 122_880
ITEM_ROWS = 32_768


@dataclass(frozen=True)
class ImportOptions:
    """Everything one import needs, resolved from flags, environment and config."""

    data_dir: Path
    prefix: str = ""
    export_name: str | None = None
    cur_version: str | None = None
    export_format: str | None = None
    start: str | None = None
    end: str | None = None
    reset: bool = False
    strategy: str = "separate"
    destination: str = "duckdb"
    dataset: str = DEFAULT_DATASET
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    read_workers: int = 2
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT


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


def destination_key(options: ImportOptions) -> str:
    """How the state tells destinations apart: a period loaded into DuckDB is not loaded into Postgres."""
    return f"{options.destination}:{options.dataset}"


def _normalizer() -> Callable[[str], str]:
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    naming = NamingConvention()
    return naming.normalize_identifier


def _pipeline_name(load_id: str) -> str:
    return f"finops_aws_{load_id[:16]}"


def _scratch_dir(data_dir: Path, load_id: str) -> Path:
    """Where a load keeps the downloaded copies of its data files."""
    return data_dir / ".tmp" / load_id


def _batches(version: ExportVersion, source, plan, normalize, scratch: Path, counters: dict[str, int],
             advance: Callable[[int], None], workers: int) -> Iterator[Any]:
    """Every data file of a version as Arrow tables, several files read at once."""
    import pyarrow as pa

    from open_finops_aws import readers
    from open_finops_aws.prefetch import parallel_batches
    from open_finops_aws.sources import key_from_uri

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
                batches = readers.iter_parquet(path, key, plan, normalize)
            else:
                batches = readers.iter_csv(path, key, data_file.compression, plan, normalize,
                                           use_threads=parser_threads)
            for batch in batches:
                count("rows", batch.num_rows)
                yield batch
        finally:
            if temporary:
                path.unlink(missing_ok=True)
        count("files", 1)

    # dlt does some work per item it is handed: give it tables of a useful size, not every small batch.
    pending: list[Any] = []
    rows = 0
    for batch in parallel_batches(version.data_files, read, workers=workers):
        pending.append(batch)
        rows += batch.num_rows
        if rows >= ITEM_ROWS:
            yield pa.Table.from_batches(pending)
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


_URL_SECRET = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def _describe(exc: BaseException, destination: str) -> OpenFinopsError:
    """Our error for what went wrong in dlt: one line, no credentials.

    A destination that is not configured or not installed is a ConfigError: every period would fail
    the same way, so the import stops at the first.
    """
    from open_finops.errors import ConfigError, DestinationError

    name = type(exc).__name__
    text = " ".join(str(exc).split())
    if name == "ConfigFieldMissingException":
        example = " (e.g. postgresql://user:password@host:5432/db)" if destination == "postgres" else ""
        return ConfigError(
            f"destination {destination!r} has no credentials configured; set "
            f"DESTINATION__{destination.upper()}__CREDENTIALS{example} "
            f"or add [destination.{destination}] credentials to .dlt/secrets.toml"
        )
    if name == "MissingDependencyException":
        return ConfigError(
            f"destination {destination!r} needs packages that are not installed; "
            f"install them with: pip install 'dlt[{destination}]'"
        )
    text = _URL_SECRET.sub(r"\1********@", text)
    return DestinationError(f"loading into {destination!r} failed: {name}: {text[:400]}")


def _unwrap(exc: BaseException) -> BaseException:
    """dlt wraps what our generator raised in its own step exceptions; find ours, else the innermost."""
    seen: set[int] = set()
    current: BaseException | None = exc
    innermost = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OpenFinopsError):
            return current
        innermost = current
        inner = getattr(current, "exception", None)
        current = inner if isinstance(inner, BaseException) else (current.__cause__ or current.__context__)
    return innermost


class Importer:
    """Runs an import against one destination with one open state database."""

    def __init__(self, options: ImportOptions, con, normalize: Callable[[str], str] | None = None) -> None:
        from open_finops import runner
        from open_finops.state import LoadStateStore

        if options.strategy not in STRATEGIES:
            raise UsageError(f"--table-strategy must be one of {', '.join(STRATEGIES)}, not {options.strategy!r}")
        self.options = options
        self.con = con
        self.state = LoadStateStore(con)
        self.normalize = normalize or _normalizer()
        self.destination_ref = runner.destination(
            options.destination, options.data_dir, duckdb_connection=con if options.destination == "duckdb" else None
        )

    def recover_interrupted(self) -> None:
        """Loads still ``running`` belong to an import that died (we hold the lock, so none is live):
        drop what they staged and record them as interrupted. Their periods keep the previous version."""
        from open_finops import runner
        from open_finops_aws import swap

        sql = swap.duckdb_sql(self.con, self.options.dataset) if self.options.destination == "duckdb" else None
        for record in self.state.history(VENDOR):
            if record.status != "running":
                continue
            # A killed load leaves its scratch copies and dlt's load files behind: a month's worth of data.
            shutil.rmtree(_scratch_dir(self.options.data_dir, record.load_id), ignore_errors=True)
            shutil.rmtree(runner.dlt_dir(self.options.data_dir) / "pipelines" / _pipeline_name(record.load_id),
                          ignore_errors=True)
            if sql is not None and record.table_name and record.destination == destination_key(self.options):
                swap.drop_table(sql, staging_table(record.table_name, record.load_id))
        self.state.mark_interrupted(VENDOR)

    def is_loaded(self, version: ExportVersion) -> bool:
        current = self.state.current(VENDOR, version.export_name, version.billing_period, destination_key(self.options))
        return current is not None and current.version_id == version.version_id

    def final_table(self, version: ExportVersion) -> str:
        if self.options.strategy == "single":
            return export_table(version.export_name)
        return period_table(version.export_name, version.billing_period)

    def load(self, version: ExportVersion, source, sizes: dict[str, int], progress) -> PeriodResult:
        """Load one period version into a staging table and swap it in; record success or failure."""
        from open_finops_aws.readers import plan_columns

        options = self.options
        final = self.final_table(version)
        result = PeriodResult(version.export_name, version.billing_period, version.version_id, "failed", final)
        if options.export_format and any(f.format != options.export_format for f in version.data_files):
            raise UsageError(
                f"export {version.export_name!r} {version.billing_period} holds "
                f"{version.data_files[0].format} files, not {options.export_format}; fix --export-format/-f"
            )
        load_id = self.state.start(
            vendor=VENDOR, export_name=version.export_name, billing_period=version.billing_period,
            version_id=version.version_id, format_version=version.format_version,
            destination=destination_key(options), table_name=final, manifest_key=version.manifest_key,
        )
        staging = staging_table(final, load_id)
        total = sum(sizes.get(k, 0) for k in (f.uri for f in version.data_files)) or None
        task = progress.add_task(f"{version.export_name} {version.billing_period}", total=total)
        counters = {"rows": 0, "files": 0, "bytes": 0}
        started = time.monotonic()
        pipeline = None
        try:
            if not version.data_files:
                raise SourceError(
                    f"billing period {version.billing_period} of export {version.export_name!r} lists no data "
                    "files; AWS may still be writing it: try again later"
                )
            plan = plan_columns(version, self.normalize)
            pipeline = self._pipeline(load_id)
            batches = _batches(version, source, plan, self.normalize, _scratch_dir(options.data_dir, load_id),
                               counters, lambda n: progress.advance(task, n), options.read_workers)
            self._run(pipeline, batches, staging)
            if counters["rows"] == 0:
                raise SourceError(
                    f"billing period {version.billing_period} of export {version.export_name!r} has no rows; "
                    "AWS may still be writing it: try again later"
                )
            self._swap(version, staging, final, load_id, counters, pipeline)
        except BaseException as exc:
            error = _unwrap(exc)
            if isinstance(exc, Exception) and not isinstance(error, OpenFinopsError):
                error = _describe(error, options.destination)
            message = error.message if isinstance(error, OpenFinopsError) else f"{type(error).__name__}: {error}"
            self._cleanup_failed(staging, pipeline)
            self.state.fail(load_id, message, status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
            if not isinstance(exc, Exception):
                raise
            if isinstance(error, OpenFinopsError):
                raise error from None
            raise
        finally:
            shutil.rmtree(_scratch_dir(options.data_dir, load_id), ignore_errors=True)
            if pipeline is not None:
                from open_finops.runner import drop_working_dir

                drop_working_dir(pipeline)
            progress.remove_task(task)
        result.status = "loaded"
        result.rows, result.files, result.bytes = counters["rows"], counters["files"], counters["bytes"]
        result.seconds = round(time.monotonic() - started, 3)
        return result

    def _pipeline(self, load_id: str):
        from open_finops import runner

        # One throwaway pipeline per load: its dlt schema holds only this load's staging table.
        return runner.new_pipeline(_pipeline_name(load_id), self.destination_ref, self.options.dataset,
                                   self.options.data_dir)

    def _run(self, pipeline, batches: Iterator[Any], staging: str) -> None:
        import dlt

        # dlt flushes its buffer as one Parquet row group; DuckDB loads row groups of its own size
        # (122,880 rows) in parallel, and small ones one at a time.
        os.environ.setdefault("DATA_WRITER__BUFFER_MAX_ITEMS", str(DUCKDB_ROW_GROUP))

        resource = dlt.resource(batches, name=staging, write_disposition="replace")
        # DuckDB reads Parquet load files natively; for other destinations dlt picks the format they load
        # best (e.g. CSV for PostgreSQL's COPY) instead of converting Parquet with a warning.
        file_format = "parquet" if self.options.destination == "duckdb" else None
        pipeline.run(resource, loader_file_format=file_format)

    def _sql(self, pipeline):
        from open_finops_aws import swap

        if self.options.destination == "duckdb":
            return swap.duckdb_sql(self.con, self.options.dataset), None
        client = pipeline.sql_client()
        client.open_connection()
        return swap.dlt_sql(client, self.options.dataset), client

    def _swap(self, version: ExportVersion, staging: str, final: str, load_id: str, counters: dict[str, int],
              pipeline) -> None:
        from open_finops.state import transaction
        from open_finops_aws import swap

        sql, client = self._sql(pipeline)
        try:
            with sql.transaction():
                if self.options.strategy == "single":
                    swap.replace_period_rows(sql, staging, final, version.billing_period)
                else:
                    view = unified_view(version.export_name)
                    # PostgreSQL refuses to drop a table a view reads; the view is rebuilt just below.
                    swap.drop_view(sql, view)
                    swap.replace_period_table(sql, staging, final)
                    tables = self._period_tables(version) | {final}
                    swap.create_unified_view(sql, view, sorted(tables))
                self._forget_pipeline(sql, pipeline)
                if client is None:  # DuckDB: state in the same transaction as the data
                    self.state.complete(load_id, **counters)
            if client is not None:
                with transaction(self.con):
                    self.state.complete(load_id, **counters)
        finally:
            if client is not None:
                client.close_connection()

    def _period_tables(self, version: ExportVersion) -> set[str]:
        return {
            r.table_name
            for r in self.state.current_versions(VENDOR, version.export_name)
            if r.table_name and r.destination == destination_key(self.options)
        }

    def _forget_pipeline(self, sql, pipeline) -> None:
        """Remove dlt's bookkeeping rows for the throwaway pipeline, so they do not pile up per load."""
        schema_name = pipeline.default_schema_name
        for table, column in (("_dlt_version", "schema_name"), ("_dlt_loads", "schema_name"),
                              ("_dlt_pipeline_state", "pipeline_name")):
            if sql.exists(table):
                value = pipeline.pipeline_name if column == "pipeline_name" else schema_name
                sql.execute(f"DELETE FROM {sql.table(table)} WHERE {column} = {sql.placeholder}", value)

    def _cleanup_failed(self, staging: str, pipeline) -> None:
        from open_finops_aws import swap

        try:
            if self.options.destination == "duckdb":
                swap.drop_table(swap.duckdb_sql(self.con, self.options.dataset), staging)
            elif pipeline is not None:
                with pipeline.sql_client() as client:
                    swap.drop_table(swap.dlt_sql(client, self.options.dataset), staging)
        except Exception:  # the staging table is named per load; a leftover is harmless
            pass


def run_import(
    options: ImportOptions, source, parsers, progress, on_period: Callable[[PeriodResult], None] | None = None
) -> ImportSummary:
    """Import every period in range from ``source``; skip the ones already current."""
    from open_finops.database import connect, database_path
    from open_finops_aws.discovery import find_versions

    db_path = database_path(options.data_dir)
    con = connect(db_path, lock_timeout=options.lock_timeout, memory_limit=options.memory_limit)
    # Row order within a billing period carries no meaning; without it DuckDB inserts the staged load
    # files on every core instead of one.
    con.execute("SET preserve_insertion_order = false")
    try:
        importer = Importer(options, con)
        importer.recover_interrupted()
        listing = find_versions(
            source, parsers, prefix=options.prefix, export_name=options.export_name,
            cur_version=options.cur_version, start=options.start, end=options.end,
        )
        summary = ImportSummary(source.description, options.destination, options.dataset, str(db_path),
                                options.strategy)
        if not listing.versions:
            where = f"under prefix {options.prefix!r} in {source.description}"
            what = f"export {options.export_name!r}" if options.export_name else "any CUR export"
            raise SourceError(f"no manifest of {what} found {where}; check --prefix and --export-name")
        for version in listing.versions:
            if not options.reset and importer.is_loaded(version):
                result = PeriodResult(version.export_name, version.billing_period, version.version_id, "skipped",
                                      importer.final_table(version))
            else:
                try:
                    result = importer.load(version, source, _sizes_by_uri(listing, version), progress)
                except UsageError:
                    raise  # a wrong flag is wrong for every period: stop and say so
                except OpenFinopsError as exc:
                    result = PeriodResult(version.export_name, version.billing_period, version.version_id,
                                          "failed", importer.final_table(version), error=exc.message)
            summary.periods.append(result)
            if on_period:
                on_period(result)
        return summary
    finally:
        con.close()


def _sizes_by_uri(listing, version: ExportVersion) -> dict[str, int]:
    return {f.uri: listing.size_of(f.uri) or 0 for f in version.data_files}


def run_pipeline(config) -> dict[str, Any]:
    """The ``aws-cur`` pipeline: an import configured entirely by ``[aws]`` / ``OPEN_FINOPS_AWS_*``.

    Runner convention: the Config in force in, a JSON-friendly summary out. A failed period raises.
    """
    from open_finops.cli.output import NoProgress
    from open_finops.plugins import discover
    from open_finops_aws import settings

    src = settings.source_settings(config)
    options = settings.import_options(config, src)
    summary = run_import(options, settings.open_source(src), discover().parsers_for_vendor(VENDOR), NoProgress())
    summary.raise_for_failures()
    return summary.as_dict()
