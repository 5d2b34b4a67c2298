"""The dlt pipeline runner that plugins call to move Arrow data into a destination.

dlt is imported only here, inside functions, and only after its environment is set: working files under
``<data_dir>/.dlt`` (never ``/var/dlt`` or the home directory) and telemetry off unless the user turned it
on. A supported destination (:data:`open_finops.destination.SUPPORTED`) is configured the way dlt
configures it (``.dlt/secrets.toml`` or ``DESTINATION__<NAME>__CREDENTIALS``); ``duckdb`` defaults to
``<data_dir>/finops.duckdb``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from open_finops.errors import ConfigError, DestinationError, DestinationUnreachable, OpenFinopsError
from open_finops.secrets import mask_secrets

if TYPE_CHECKING:
    import dlt

    from open_finops.destination import Destination

DEFAULT_DESTINATION = "duckdb"
DLT_DIR = ".dlt"
# What libpq (and the drivers of other servers) say when no connection could be made at all.
_CONNECTION_FAILED = re.compile(
    r"connection to server .* failed|could not connect to server|connection refused|timeout expired|"
    r"could not translate host name|name or service not known|no route to host|network is unreachable",
    re.IGNORECASE)
# dlt flushes its buffer as one Parquet row group; DuckDB loads row groups of its own size (122,880 rows)
# in parallel, and small ones one at a time.
DUCKDB_ROW_GROUP = 122_880


def dlt_dir(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / DLT_DIR


def prepare_environment(data_dir: Path) -> None:
    """Point dlt at the data directory and keep it quiet and offline. Call before importing dlt."""
    os.environ["DLT_DATA_DIR"] = str(dlt_dir(data_dir))
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    # dlt logs every retry of a failing job with its traceback, hundreds of lines on a full disk; our
    # error line says what failed. RUNTIME__LOG_LEVEL=WARNING shows dlt's logs again.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "CRITICAL")
    # dlt gzips the load files it writes for a database (PostgreSQL's CSV/insert files), only to read them
    # back on the same machine a moment later: a third of a PostgreSQL import's time. Parquet is unaffected.
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")


def destination(name: str, data_dir: Path, *, duckdb_connection: Any = None) -> Any:
    """Resolve a supported dlt destination by name; ``duckdb`` shares ``duckdb_connection`` when given."""
    from open_finops.destination import check_supported

    support = check_supported(name)
    prepare_environment(data_dir)
    import dlt
    from dlt.common.destination import Destination
    from dlt.common.exceptions import MissingDependencyException

    if name == DEFAULT_DESTINATION:
        from open_finops.database import database_path

        credentials = duckdb_connection if duckdb_connection is not None else str(database_path(data_dir))
        return dlt.destinations.duckdb(credentials=credentials)
    try:
        return Destination.from_reference(name)
    except MissingDependencyException:
        raise DestinationError(
            f"destination {name!r} needs packages that are not installed; install them with: "
            f"pip install '{support.extra}'"
        ) from None


def locate(destination: Destination, reference: Any) -> Destination:
    """``destination`` with the place its configured credentials point at (``host:port/database``), so
    the load state tells two databases apart; DuckDB as it is (the data directory's own file)."""
    if destination.is_duckdb:
        return destination
    try:
        spec = reference.spec()
        spec.dataset_name = destination.dataset
        credentials = reference.configuration(spec).credentials
    except Exception as exc:
        raise describe_error(unwrap_error(exc), destination.name) from None
    return destination.at(f"{credentials.host}:{credentials.port}/{credentials.database}")


def located(where: Destination, data_dir: Path) -> Destination:
    """``where`` resolved to the place its configured credentials point at: what the load state keys
    its loads by (:attr:`Destination.key`). DuckDB needs no resolving, nor dlt."""
    if where.is_duckdb:
        return where
    return locate(where, destination(where.name, data_dir))


def pipelines_dir(data_dir: Path) -> Path:
    return dlt_dir(data_dir) / "pipelines"


def drop_pipeline_dir(data_dir: Path, pipeline_name: str) -> None:
    """Remove what a pipeline of that name left under the data directory (a killed load's load files)."""
    shutil.rmtree(pipelines_dir(data_dir) / pipeline_name, ignore_errors=True)


def new_pipeline(pipeline_name: str, destination_ref: Any, dataset_name: str, data_dir: Path) -> dlt.Pipeline:
    """A dlt pipeline whose working directory lives under the data directory."""
    prepare_environment(data_dir)
    import dlt

    where = pipelines_dir(data_dir)
    where.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=destination_ref,
        dataset_name=dataset_name,
        pipelines_dir=str(where),
        progress=None,
    )


def load_table(pipeline: dlt.Pipeline, items: Iterable[Any], table: str, *, destination_name: str) -> None:
    """Write Arrow tables into ``table``, replacing it; the pipeline's destination gets the load format
    it loads best (Parquet for DuckDB; dlt's choice, e.g. CSV for PostgreSQL's COPY, elsewhere)."""
    import dlt

    os.environ.setdefault("DATA_WRITER__BUFFER_MAX_ITEMS", str(DUCKDB_ROW_GROUP))
    resource = dlt.resource(items, name=table, write_disposition="replace")
    file_format = "parquet" if destination_name == DEFAULT_DESTINATION else None
    pipeline.run(resource, loader_file_format=file_format)


def bookkeeping_rows(pipeline: dlt.Pipeline) -> list[tuple[str, str, str]]:
    """dlt's ``_dlt_*`` rows a throwaway pipeline leaves in the dataset, as (table, column, value):
    delete them with the swap, so they do not pile up one set per load."""
    schema = pipeline.default_schema_name
    return [
        ("_dlt_version", "schema_name", schema),
        ("_dlt_loads", "schema_name", schema),
        ("_dlt_pipeline_state", "pipeline_name", pipeline.pipeline_name),
    ]


def unwrap_error(exc: BaseException) -> BaseException:
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


def describe_error(exc: BaseException, destination_name: str) -> OpenFinopsError:
    """Our error for what went wrong in dlt: one line, no credentials.

    A destination that is not configured or not installed is a ConfigError: every period would fail
    the same way, so an import stops at the first.
    """
    name = type(exc).__name__
    text = " ".join(str(exc).split())
    if name == "ConfigFieldMissingException":
        # Described, not shown: every URL with user info in an error line is masked.
        example = (" (a postgresql:// URL with the user, password, host, port and database)"
                   if destination_name == "postgres" else "")
        return ConfigError(
            f"destination {destination_name!r} has no credentials configured; set "
            f"DESTINATION__{destination_name.upper()}__CREDENTIALS{example} "
            f"or add [destination.{destination_name}] credentials to .dlt/secrets.toml"
        )
    if name == "MissingDependencyException":
        return ConfigError(
            f"destination {destination_name!r} needs packages that are not installed; "
            f"install them with: pip install 'dlt[{destination_name}]'"
        )
    text = mask_secrets(text)
    if _CONNECTION_FAILED.search(text):
        return DestinationUnreachable(
            f"cannot connect to destination {destination_name!r}: {text[:300]}; check its host, port and "
            f"credentials (DESTINATION__{destination_name.upper()}__CREDENTIALS or .dlt/secrets.toml)")
    return DestinationError(f"loading into {destination_name!r} failed: {name}: {text[:400]}")


def drop_working_dir(pipeline: dlt.Pipeline) -> None:
    """Remove a finished pipeline's working files; the destination keeps the data."""
    shutil.rmtree(pipeline.working_dir, ignore_errors=True)
