"""Entry point of the report plugin: imports only the open_finops plugin API.

The command's module is light (typer only); DuckDB and plotly are imported when the report is made.
"""

from __future__ import annotations

from open_finops import Command, hookimpl

# The plugin API versions this plugin works with (see open_finops.api_version).
OPEN_FINOPS_API = ">=1.0,<2"


@hookimpl
def register_commands():
    from open_finops_report.cli import HELP, report

    return [Command(name="report", help=HELP, callback=report)]
