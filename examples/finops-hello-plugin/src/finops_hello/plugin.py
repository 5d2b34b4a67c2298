"""Entry point of the hello plugin (``hello = "finops_hello.plugin"`` in the ``open_finops`` group).

Like every plugin's entry-point module it imports only typer and the open_finops plugin API, so that
``finops --help`` stays fast; dlt, DuckDB and pyarrow are imported when a command or pipeline runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from finops_hello import importer, sample
from open_finops import CommandGroup, ManifestParser, Pipeline, hookimpl
from open_finops.api import ConfigOption, load_settings

VENDOR = "hello"
# The plugin-API versions this plugin is written against (see docs/plugins.md).
OPEN_FINOPS_API = ">=1.0,<2"

app = typer.Typer(help="The example third-party plugin: greetings, and an importer for hello CSV exports.",
                  no_args_is_help=True)


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


app.command("import")(importer.import_command)
app.command("generate-sample")(sample.generate_sample)


@hookimpl
def register_commands():
    return [CommandGroup(name="hello", help="The example third-party plugin: greet, import hello exports.", app=app)]


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


# The settings the plugin reads, as data: core converts and checks them and lists them in `finops config show`.
@hookimpl
def register_settings():
    from finops_hello.pipeline import HELLO

    return [HELLO]


@hookimpl
def register_manifest_parsers():
    return [
        ManifestParser(
            name="hello-v1",
            vendor=VENDOR,
            format_version="v1",
            description="Hello exports: <export>/<YYYY-MM>/hello-manifest.json beside plain CSV files.",
            key_pattern=importer.KEY_PATTERN,
            parse="finops_hello.importer:parse",
        )
    ]
