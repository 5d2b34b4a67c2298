"""``finops docker run``: one finops command in the pipeline image, with the data and config mounted.

Credentials pass by name only (``--env AWS_SECRET_ACCESS_KEY``): the client copies the value from its own
environment, so no secret ever appears in the process list or a shell history.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from open_finops.api import UsageError
from open_finops_docker.engine import Engine
from open_finops_docker.process import probe

CONTAINER_DATA = "/data"
CONTAINER_CONFIG = "/config"
CONTAINER_HOME = "/home/finops"
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)
# Set explicitly to container paths, or meaningful only on the host (the image has its own plugins).
_NOT_PASSED = ("OPEN_FINOPS_CONFIG", "OPEN_FINOPS_PROJECT_DATA_DIR", "OPEN_FINOPS_DOCKER_", "OPEN_FINOPS_PLUGINS")


def passed_variables(environ: Mapping[str, str]) -> list[str]:
    """Names of the variables the container gets from the user's environment: AWS ones and our settings."""
    aws = [name for name in AWS_VARIABLES if name in environ]
    ours = sorted(
        name for name in environ
        if name.startswith("OPEN_FINOPS_") and not name.startswith(_NOT_PASSED)
    )
    return aws + ours


def run_argv(
    engine: Engine,
    image: str,
    args: Sequence[str],
    *,
    data_dir: Path,
    config_file: Path | None,
    environ: Mapping[str, str],
    home: Path,
    interactive: bool = False,
    tty: bool = False,
) -> list[str]:
    command = [engine.client, "run", "--rm"]
    command += ["--interactive"] if interactive else []
    command += ["--tty"] if tty else []
    command += ["--volume", f"{data_dir.resolve()}:{CONTAINER_DATA}"]
    command += ["--env", f"OPEN_FINOPS_PROJECT_DATA_DIR={CONTAINER_DATA}"]
    if config_file is not None:
        config_file = config_file.resolve()
        command += ["--volume", f"{config_file.parent}:{CONTAINER_CONFIG}:ro"]
        command += ["--env", f"OPEN_FINOPS_CONFIG={CONTAINER_CONFIG}/{config_file.name}"]
    aws_dir = home / ".aws"
    if aws_dir.is_dir():
        # Profiles and SSO caches, for AWS_PROFILE; read-only, the container has no business changing them.
        command += ["--volume", f"{aws_dir.resolve()}:{CONTAINER_HOME}/.aws:ro"]
    for name in passed_variables(environ):
        command += ["--env", name]
    return [*command, image, *args]


def require_image(engine: Engine, image: str) -> None:
    if not probe([engine.client, "image", "inspect", image]).ok:
        raise UsageError(
            f"pipeline image {image} is not built yet in {engine.name}; build it with 'finops docker build' "
            f"(in a stack made by 'finops docker init') and run again"
        )


def terminal() -> tuple[bool, bool]:
    """Whether to keep stdin open and allocate a TTY, as ``docker run -it`` would on a terminal."""
    interactive = sys.stdin is not None and sys.stdin.isatty()
    return interactive, interactive and sys.stdout.isatty()


def home_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("HOME") or Path.home())
