"""Entry point of the docker plugin: imports only the open_finops plugin API.

The Typer app is imported when the command line is built; the engine and stack modules only when a
command runs.
"""

from __future__ import annotations

from open_finops import CommandGroup, Pipeline, hookimpl

VENDOR = "docker"
# The plugin API versions this plugin works with (see open_finops.api_version).
OPEN_FINOPS_API = ">=1.0,<2"


@hookimpl
def register_commands():
    from open_finops_docker.cli import HELP, app

    return [CommandGroup(name="docker", help=HELP, app=app)]


@hookimpl
def register_pipelines():
    return [
        Pipeline(
            name="docker-pipeline",
            vendor=VENDOR,
            kind="service",
            description=(
                "Run the stack's pipeline service once in Docker/Podman (default command: finops aws import-cur), "
                "writing into the data directory Metabase reads."
            ),
            runner="open_finops_docker.service:run_pipeline",
        )
    ]


@hookimpl
def register_settings():
    from open_finops_docker.settings import DOCKER

    return [DOCKER]
