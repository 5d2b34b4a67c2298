"""Entry point of the docker plugin: imports only typer and the open_finops plugin API."""

from __future__ import annotations

import typer

from open_finops import CommandGroup, hookimpl

app = typer.Typer(help="Run the open-finops visualization stack and pipeline in containers.", no_args_is_help=True)


@hookimpl
def register_commands():
    return [CommandGroup(name="docker", help="Run the visualization stack and pipeline in containers.", app=app)]
