"""The dlt pipeline runner that plugins call to move Arrow data into a destination.

dlt is imported only here, inside functions, and only after its environment is set: working files under
``<data_dir>/.dlt`` (never ``/var/dlt`` or the home directory) and telemetry off unless the user turned it
on. Any dlt destination works by name, configured the way dlt configures it (``.dlt/secrets.toml`` or
``DESTINATION__<NAME>__CREDENTIALS``); ``duckdb`` defaults to ``<data_dir>/finops.duckdb``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from open_finops.errors import DestinationError, UsageError

if TYPE_CHECKING:
    import dlt

DEFAULT_DESTINATION = "duckdb"
DLT_DIR = ".dlt"


def dlt_dir(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / DLT_DIR


def prepare_environment(data_dir: Path) -> None:
    """Point dlt at the data directory and keep it quiet and offline. Call before importing dlt."""
    os.environ["DLT_DATA_DIR"] = str(dlt_dir(data_dir))
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")


def destination(name: str, data_dir: Path, *, duckdb_connection: Any = None) -> Any:
    """Resolve a dlt destination by name; ``duckdb`` shares ``duckdb_connection`` when given."""
    prepare_environment(data_dir)
    import dlt
    from dlt.common.destination import Destination
    from dlt.common.destination.exceptions import UnknownDestinationModule
    from dlt.common.exceptions import MissingDependencyException

    if name == DEFAULT_DESTINATION:
        from open_finops.database import database_path

        credentials = duckdb_connection if duckdb_connection is not None else str(database_path(data_dir))
        return dlt.destinations.duckdb(credentials=credentials)
    try:
        return Destination.from_reference(name)
    except UnknownDestinationModule:
        raise UsageError(
            f"unknown destination {name!r}; use duckdb or a dlt destination name such as postgres"
        ) from None
    except MissingDependencyException as exc:
        raise DestinationError(
            f"destination {name!r} needs packages that are not installed: {exc.dependencies}; "
            f"install them with pip"
        ) from None


def new_pipeline(pipeline_name: str, destination_ref: Any, dataset_name: str, data_dir: Path) -> dlt.Pipeline:
    """A dlt pipeline whose working directory lives under the data directory."""
    prepare_environment(data_dir)
    import dlt

    pipelines_dir = dlt_dir(data_dir) / "pipelines"
    pipelines_dir.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=destination_ref,
        dataset_name=dataset_name,
        pipelines_dir=str(pipelines_dir),
        progress=None,
    )


def drop_working_dir(pipeline: dlt.Pipeline) -> None:
    """Remove a finished pipeline's working files; the destination keeps the data."""
    shutil.rmtree(pipeline.working_dir, ignore_errors=True)
