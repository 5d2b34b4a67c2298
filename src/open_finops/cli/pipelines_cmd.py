"""``finops pipelines``: list the pipelines installed plugins provide, and run one."""

from __future__ import annotations

from pathlib import Path

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.cli.output import console, print_json
from open_finops.errors import PluginError, UsageError
from open_finops.plugins import Registry
from open_finops.runners import check_summary


def make_app(registry: Registry) -> typer.Typer:
    app = typer.Typer(help="List the pipelines plugins provide, and run one.", no_args_is_help=True)

    @app.command("list")
    def list_pipelines(
        as_json: bool = typer.Option(False, "--json", help="Print a JSON array for scripts."),
    ) -> None:
        """List registered pipelines: name, kind, vendor, plugin and what each does."""
        rows = [
            {"name": p.name, "kind": p.kind, "vendor": p.vendor, "plugin": plugin,
             "description": p.description, "runner": p.runner, "reads": list(p.reads)}
            for p, plugin in sorted(registry.pipelines.values(), key=lambda item: item[0].name)
        ]
        if as_json:
            print_json(rows)
            return
        if not rows:
            typer.echo("No pipelines registered. Install a plugin with: pip install 'open-finops[all]'")
            return
        from rich.markup import escape
        from rich.table import Table

        table = Table()
        for header in ("Pipeline", "Kind", "Vendor", "Plugin", "Description"):
            table.add_column(header)
        for row in rows:
            # Plugin-supplied text is never markup: "as configured in [aws]" must keep its "[aws]".
            table.add_row(*(escape(row[k]) for k in ("name", "kind", "vendor", "plugin", "description")))
        console().print(table)

    @app.command("run")
    def run_pipeline(
        name: str = typer.Argument(..., help="Pipeline name, as 'finops pipelines list' shows it."),
        config: Path | None = ConfigOption,
        as_json: bool = typer.Option(False, "--json", help="Print the runner's summary as JSON."),
    ) -> None:
        """Run an import or service pipeline with the settings in force (config file and environment)."""
        if name not in registry.pipelines:
            known = ", ".join(sorted(registry.pipelines)) or "none"
            raise UsageError(f"no pipeline named {name!r}; installed pipelines: {known}")
        pipeline, _plugin = registry.pipelines[name]
        if pipeline.kind == "focus":
            raise UsageError(f"pipeline {name!r} is a FOCUS transform; run it with 'finops focus build'")
        try:
            runner = pipeline.load_runner()
        except (ImportError, AttributeError, ValueError) as exc:
            raise PluginError(f"pipeline {name!r}: its runner {pipeline.runner} cannot be loaded: {exc}") from None
        summary = check_summary(name, runner(load_settings(config)))
        if as_json:
            print_json(dict(summary))
        else:
            typer.echo(f"pipeline {name} finished")

    return app
