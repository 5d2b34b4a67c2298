"""The ``[docker]`` settings: where the stack lives, which engine, ports, data directory, image versions.

The settings are declared in :data:`DOCKER`; core resolves and checks them, so ``OPEN_FINOPS_DOCKER_<KEY>``
overrides the file and a command-line flag overrides both. The pinned versions below are the defaults written into a new
stack's ``.env``; the Dockerfile templates carry the same pins as their ``ARG`` defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from open_finops.api import Config, Setting, SettingsSection, UsageError
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
# The storage format numbers the pinned driver's DuckDB (1.5.5) reads: a database file outside them is
# refused by Metabase ("can only read versions between 64 and 68"). The stack's pipeline creates new files
# readable by it (driver_storage_version, passed as [project] duckdb_storage_version).
DRIVER_READABLE_STORAGE = range(64, 69)
# Base images by digest (the multi-platform index), so a rebuild gets the same bytes; docs/docker.md says
# how to refresh them. The tag stays beside the digest for people, the digest is what is pulled.
PYTHON_IMAGE = ("docker.io/library/python:3.11.13-slim-bookworm"
                "@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1")
JAVA_IMAGE = ("docker.io/library/eclipse-temurin:21.0.7_6-jre-jammy"
              "@sha256:c4e6542e774de504da9b4729ff8d761287c965c1d788528ca78da30024efdb23")
POSTGRES_VERSION = "16.9-bookworm"
POSTGRES_DIGEST = "sha256:253815cf7579ffa05e1673d92e78d37273e61be0e4414e9a1449337d7925be94"


def driver_duckdb_version(driver_version: str) -> str:
    """The DuckDB a Metabase DuckDB driver bundles: its releases are numbered after it (1.5.5.0: DuckDB 1.5.5)."""
    parts = driver_version.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise UsageError(f"[docker] duckdb_driver_version {driver_version!r} is not a driver release such as "
                         f"{DUCKDB_DRIVER_VERSION}")
    return ".".join(parts[:3])


def driver_storage_version(driver_version: str) -> str:
    """The storage format a new database file needs for that driver's DuckDB to read it: its minor release."""
    major, minor = driver_duckdb_version(driver_version).split(".")[:2]
    return f"v{major}.{minor}.0"


DRIVER_DUCKDB_VERSION = driver_duckdb_version(DUCKDB_DRIVER_VERSION)
# A container user owned by root would write root-owned files into the data directory.
FALLBACK_UID = 1000


DOCKER = SettingsSection(
    name=SECTION,
    help="The container stack (finops docker ...): where it lives, which engine, ports and image versions.",
    settings=(
        Setting("stack_dir", "path", DEFAULT_STACK_DIR, flag="--dir",
                help="Folder of the stack's compose file and .env."),
        Setting("engine", choices=ENGINES, flag="--engine", help="docker or podman; not set: whichever is on PATH.",
                example="podman"),
        Setting("data_dir", "path", flag="--data-dir", default_help="[project] data_dir",
                help="Data directory mounted into the containers.", example="/srv/finops/data"),
        Setting("metabase_port", "int", DEFAULT_METABASE_PORT, minimum=1, maximum=65535,
                help="Port Metabase listens on, on the host."),
        Setting("bind_address", default=DEFAULT_BIND_ADDRESS,
                help="Host address Metabase's port is bound to; 0.0.0.0 opens it to the network."),
        Setting("metabase_version", default=METABASE_VERSION, help="Metabase image version."),
        Setting("duckdb_driver_version", default=DUCKDB_DRIVER_VERSION, help="Metabase's DuckDB driver version."),
        Setting("postgres_version", default=POSTGRES_VERSION,
                help="PostgreSQL image version; pulled by digest while it is the pinned one."),
        Setting("python_image", default=PYTHON_IMAGE, help="Base image of the pipeline image, by digest."),
        Setting("java_image", default=JAVA_IMAGE, help="Base image of the Metabase image (a glibc JRE), by digest."),
        Setting("open_finops_version", default=__version__,
                help="open-finops version installed in the pipeline image."),
        Setting("pipeline_image", default_help="open-finops-pipeline:<open_finops_version>",
                help="Name of the pipeline image.", example="open-finops-pipeline:custom"),
        Setting("postgres_password", secret=True, help="Password of the stack's PostgreSQL; not set: generated."),
    ),
)


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
    python_image: str = PYTHON_IMAGE
    java_image: str = JAVA_IMAGE

    @property
    def metabase_image(self) -> str:
        return f"open-finops-metabase:{self.metabase_version}-duckdb-{self.duckdb_driver_version}"

    @property
    def postgres_image(self) -> str:
        """By digest while the version is the pinned one; another version is pulled by its tag."""
        image = f"docker.io/library/postgres:{self.postgres_version}"
        return f"{image}@{POSTGRES_DIGEST}" if self.postgres_version == POSTGRES_VERSION else image

    @property
    def storage_version(self) -> str:
        """The DuckDB storage format the stack's pipeline creates new database files in."""
        return driver_storage_version(self.duckdb_driver_version)


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
    docker = config.resolve(DOCKER, stack_dir=stack_dir, engine=engine, data_dir=data_dir)
    version = docker["open_finops_version"]
    return StackSettings(
        stack_dir=docker["stack_dir"],
        engine=docker["engine"],
        data_dir=docker["data_dir"] or config.data_dir(),
        config_file=config.path,
        metabase_port=docker["metabase_port"],
        bind_address=docker["bind_address"],
        metabase_version=docker["metabase_version"],
        duckdb_driver_version=docker["duckdb_driver_version"],
        postgres_version=docker["postgres_version"],
        open_finops_version=version,
        pipeline_image=docker["pipeline_image"] or f"open-finops-pipeline:{version}",
        postgres_password=docker["postgres_password"],
        python_image=docker["python_image"],
        java_image=docker["java_image"],
    )
