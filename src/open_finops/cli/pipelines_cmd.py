"""``finops pipelines``: the pipelines installed plugins can run."""

from __future__ import annotations

import typer

from open_finops.cli.output import console, print_json
from open_finops.plugins import Registry


def make_app(registry: Registry) -> typer.Typer:
    app = typer.Typer(help="Inspect the pipelines plugins provide.", no_args_is_help=True)

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
        from rich.table import Table

        table = Table()
        for header in ("Pipeline", "Kind", "Vendor", "Plugin", "Description"):
            table.add_column(header)
        for row in rows:
            table.add_row(row["name"], row["kind"], row["vendor"], row["plugin"], row["description"])
        console().print(table)

    return app
