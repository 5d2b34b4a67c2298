"""Entry point of the hello plugin (``hello = "finops_hello.plugin"`` in the ``open_finops`` group).

Like every plugin's entry-point module it imports only typer and the open_finops plugin API, so that
``finops --help`` stays fast; the pipeline's runner, and dlt with it, is imported when it runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from open_finops import Command, Pipeline, hookimpl
from open_finops.cli.context import ConfigOption, load_settings

# The plugin API versions this plugin works with: core refuses to load it outside this range.
OPEN_FINOPS_API = ">=1.0,<2"
VENDOR = "hello"


def hello(
    name: str = typer.Argument("world", help="Who to greet."),
    save: bool = typer.Option(
        False, "--save", help="Also load the greeting into the database with the hello-greetings pipeline."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Print a greeting; with --save, also load it into <data_dir>/finops.duckdb."""
    typer.echo(f"Hello, {name}!")
    if save:
        from finops_hello.pipeline import run

        summary = run(load_settings(config), names=[name])
        typer.echo(f"Loaded {summary['rows']} greeting(s) into {summary['table']} ({summary['destination']}).")


@hookimpl
def register_commands():
    return [Command(name="hello", help="Say hello (the example third-party plugin).", callback=hello)]


@hookimpl
def register_pipelines():
    return [
        Pipeline(
            name="hello-greetings",
            vendor=VENDOR,
            description="Load greetings into the hello.greetings table.",
            runner="finops_hello.pipeline:run",
        )
    ]
