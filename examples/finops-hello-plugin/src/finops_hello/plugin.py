"""Entry point of the hello plugin (``hello = "finops_hello.plugin"`` in the ``open_finops`` group).

Like every plugin's entry-point module it imports only typer and the open_finops plugin API, so that
``finops --help`` stays fast; dlt, DuckDB and pyarrow are imported when a command or pipeline runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from open_finops import CommandGroup, Pipeline, hookimpl
from open_finops.api import ConfigOption, load_settings

VENDOR = "hello"
# The plugin-API versions this plugin is written against (see docs/plugins.md).
OPEN_FINOPS_API = ">=1.0,<2"

app = typer.Typer(help="The example third-party plugin.", no_args_is_help=True)


@app.command("greet")
def greet(
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
    return [CommandGroup(name="hello", help="The example third-party plugin: say hello.", app=app)]


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

