"""``finops plugins``: what is installed, what it contributes, and what failed to load."""

from __future__ import annotations

import typer

from open_finops import __version__
from open_finops.api_version import PLUGIN_API_VERSION
from open_finops.cli.output import plain_table, print_json
from open_finops.plugins import Registry


def make_app(registry: Registry) -> typer.Typer:
    app = typer.Typer(help="Inspect installed plugins.", no_args_is_help=True)

    @app.command("list")
    def list_plugins(
        as_json: bool = typer.Option(False, "--json", help="Print a JSON array for scripts."),
    ) -> None:
        """List every plugin with its distribution, version, plugin API range, hooks, contributions and errors.

        The table's title names core's plugin API version; in JSON each row carries it as ``core_api``,
        beside the plugin's own declared range (``api``).
        """
        rows = [{**p.as_dict(), "core_api": PLUGIN_API_VERSION} for p in registry.plugins]
        if as_json:
            print_json(rows)
            return
        if not rows:
            typer.echo("No plugins installed. Install some with: pip install 'open-finops[all]'")
            return
        table = []
        for row in rows:
            contributes = []
            for key, label in (("commands", "commands"), ("pipelines", "pipelines"),
                               ("manifest_parsers", "manifest parsers")):
                if row[key]:
                    contributes.append(f"{label}: {', '.join(row[key])}")
            table.append((
                row["name"], row["distribution"] or "-", row["version"] or "-", row["api"] or "unspecified",
                row["status"],
                "\n".join(row["hooks"]) or "-", "\n".join(contributes) or "-", "\n".join(row["errors"]) or "-",
            ))
        headers = ("Plugin", "Distribution", "Version", "API", "Status", "Hooks", "Contributes", "Errors")
        typer.echo(plain_table(f"open-finops {__version__}, plugin API {PLUGIN_API_VERSION}", headers, table), nl=False)

    return app
