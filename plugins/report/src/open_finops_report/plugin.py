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


@hookimpl
def register_settings():
    from open_finops.api import Setting, SettingsSection

    return [SettingsSection(
        name="report",
        help="finops report: the offline HTML cost report.",
        settings=(Setting("tag_keys", "list", help="Tag keys whose coverage the report shows (--tag-key).",
                          example='["team", "env"]'),),
    )]
