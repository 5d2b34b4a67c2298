"""The ``[docker]`` settings: where the stack lives, which engine, ports, data directory, image versions.

Every value comes from ``open_finops.config.Config``, so ``OPEN_FINOPS_DOCKER_<KEY>`` overrides the file
and a command-line flag overrides both. The pinned versions below are the defaults written into a new
stack's ``.env``; the Dockerfile templates carry the same pins as their ``ARG`` defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from open_finops.api import Config, ConfigError
from open_finops_docker import __version__

SECTION = "docker"
ENGINES = ("docker", "podman")
DEFAULT_STACK_DIR = "finops-stack"
DEFAULT_METABASE_PORT = 3000
# Only this machine can reach Metabase unless the user opens it up on purpose.
DEFAULT_BIND_ADDRESS = "127.0.0.1"
# A pair released together: the driver release 1.5.5.0 was built and tested against Metabase 0.62 and 0.63
# (its metabase_versions.json: 0.62.19, 0.63.17).
METABASE_VERSION = "0.62.19"
DUCKDB_DRIVER_VERSION = "1.5.5.0"
# The DuckDB inside that driver (its release "bump to duckdb 1.5.5"), and the storage format numbers that
# DuckDB reads: a database file outside them is refused by Metabase ("can only read versions between 64
# and 68"). New files are created readable by it (open_finops.database.STORAGE_VERSION, v1.5.0).
DRIVER_DUCKDB_VERSION = "1.5.5"
DRIVER_READABLE_STORAGE = range(64, 69)
POSTGRES_VERSION = "16.9-bookworm"
# A container user owned by root would write root-owned files into the data directory.
FALLBACK_UID = 1000


@dataclass(frozen=True)
class StackSettings:
    """What ``finops docker init`` writes into a stack and what the other commands need to find it."""

    stack_dir: Path
    engine: str | None
    data_dir: Path
    config_file: Path | None
    metabase_port: int
    bind_address: str
    metabase_version: str
    duckdb_driver_version: str
    postgres_version: str
    open_finops_version: str
    pipeline_image: str
    postgres_password: str | None

    @property
    def metabase_image(self) -> str:
        return f"open-finops-metabase:{self.metabase_version}-duckdb-{self.duckdb_driver_version}"


def check_engine(value: str | None, where: str) -> str | None:
    if value is None or value == "":
        return None
    name = str(value).strip().lower()
    if name not in ENGINES:
        raise ConfigError(f"{where} must be docker or podman, not {value!r}")
    return name


def host_ids() -> tuple[int, int]:
    """The uid and gid the pipeline container runs as, so files it writes belong to the user."""
    getuid = getattr(os, "getuid", None)
    getgid = getattr(os, "getgid", None)
    if getuid is None or getgid is None or getuid() == 0:
        return FALLBACK_UID, FALLBACK_UID
    return getuid(), getgid()


def load(
    config: Config,
    *,
    stack_dir: Path | None = None,
    engine: str | None = None,
    data_dir: Path | None = None,
) -> StackSettings:
    """Resolve the ``[docker]`` settings; the keyword arguments are command-line flags."""
    version = str(config.get(SECTION, "open_finops_version", default=__version__))
    project_data = config.data_dir()
    return StackSettings(
        stack_dir=Path(config.get_path(SECTION, "stack_dir", stack_dir, DEFAULT_STACK_DIR)),
        engine=check_engine(config.get(SECTION, "engine", engine), "--engine / [docker] engine"),
        data_dir=Path(config.get_path(SECTION, "data_dir", data_dir, str(project_data))),
        config_file=config.path,
        metabase_port=config.get_int(SECTION, "metabase_port", None, DEFAULT_METABASE_PORT, minimum=1,
                                     maximum=65535),
        bind_address=str(config.get(SECTION, "bind_address", default=DEFAULT_BIND_ADDRESS)),
        metabase_version=str(config.get(SECTION, "metabase_version", default=METABASE_VERSION)),
        duckdb_driver_version=str(config.get(SECTION, "duckdb_driver_version", default=DUCKDB_DRIVER_VERSION)),
        postgres_version=str(config.get(SECTION, "postgres_version", default=POSTGRES_VERSION)),
        open_finops_version=version,
        pipeline_image=str(config.get(SECTION, "pipeline_image", default=f"open-finops-pipeline:{version}")),
        postgres_password=config.get(SECTION, "postgres_password") or None,
    )
