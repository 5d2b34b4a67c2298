"""``finops config``: show the configuration in force, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.cli.output import print_json

app = typer.Typer(help="Show the configuration in force.", no_args_is_help=True)


@app.command("show")
def show(
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Print every setting from the file and OPEN_FINOPS_* variables, with secrets masked."""
    settings = load_settings(config)
    shown = settings.masked()
    if as_json:
        print_json({"config_file": str(settings.path) if settings.path else None, "settings": shown})
        return
    typer.echo(f"# config file: {settings.path or '(none: defaults and environment only)'}")
    for section, values in shown.items():
        typer.echo(f"[{section}]")
        for key, value in values.items():
            typer.echo(f"{key} = {json.dumps(value, default=str)}")
