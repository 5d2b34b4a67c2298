"""``finops state show`` and ``finops exports list``: what every vendor's imports loaded, from the load state.

Both read the data directory's DuckDB file read-only, or, with ``--destination postgres``, the load state
that server holds (every data directory's loads into it). A vendor plugin mounts the same views filtered
to itself (``finops aws show-state``) by calling :func:`show_state` and :func:`list_exports`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.cli.imports import DataDirOption, human_bytes

JsonOption = typer.Option(False, "--json", help="Print JSON for scripts.")
VendorOption = typer.Option(None, "--vendor", help="Only this vendor's loads (e.g. aws).")
ExportOption = typer.Option(None, "--export-name", "-n", help="Only this export.")
PeriodOption = typer.Option(
    None, "--billing-period", "-B", help="One period (YYYY-MM): show its whole version history."
)
DestinationOption = typer.Option(
    None, "--destination", "-d",
    help="Read the load state this destination holds: postgres (its server's, whoever imported); "
         "default: the data directory's DuckDB file.")


def _records(cfg, data_dir: Path | None, read, destination: str | None = None) -> list[Any]:
    """What ``read(store)`` returns from the state, read-only; nothing when nothing was ever imported.

    The file opens read-only only while no import holds it, so a load still marked ``running`` belongs to
    an import that died: it is shown as ``interrupted``, as the next import will record it. A server's
    state is shown as it is: a ``running`` load there may be another machine's live import.
    """
    from open_finops.database import database_path, open_database
    from open_finops.state import LoadStateStore

    if destination is not None and destination != "duckdb":
        from open_finops.destination import Destination
        from open_finops.state import in_server

        with in_server(Destination(destination), cfg.data_dir(data_dir)) as store:
            return read(store)
    if not database_path(cfg.data_dir(data_dir)).exists():
        return []
    con = open_database(cfg, data_dir, read_only=True)
    try:
        records = read(LoadStateStore(con, create=False))
    finally:
        con.close()
    return [dataclasses.replace(r, status="interrupted") if r.status == "running" else r for r in records]


def loaded_versions(cfg, options, vendor: str) -> dict[tuple[str, str], str]:
    """The version current in ``options``' destination of each (export, billing period) of ``vendor``:
    what a plugin's ``list-manifests`` compares the versions it finds with. A server destination's own
    state says, located first, so another database's loads do not count as loaded here."""
    from open_finops.database import database_path
    from open_finops.runner import located

    where = located(options.destination, options.data_dir)
    if where.is_duckdb and not database_path(options.data_dir).exists():
        return {}
    records = _records(cfg, options.data_dir, lambda store: store.current_versions(vendor), where.name)
    return {(r.export_name, r.billing_period): r.version_id for r in records if r.destination == where.key}


def show_state(cfg, *, vendor: str | None, export_name: str | None, billing_period: str | None,
               data_dir: Path | None, as_json: bool, destination: str | None = None) -> None:
    """Each period's current version, plus the last attempt at periods that have none (a first import that
    failed or was killed); with a period, that period's whole history."""
    from rich.markup import escape

    from open_finops.cli.output import console, print_json
    from open_finops.periods import month

    period = month(billing_period, "--billing-period")
    if period:
        records = _records(cfg, data_dir, lambda s: s.history(vendor, export_name, period), destination)
    else:
        records = _records(cfg, data_dir, lambda s: s.latest(vendor, export_name), destination)
    if as_json:
        print_json([r.as_dict() for r in records])
        return
    if not records:
        typer.echo("No loads recorded yet." if not period else f"No loads recorded for {period}.")
        return
    from rich.table import Table

    table = Table()
    headers = ("Vendor", "Export", "Period", "Version", "Status", "Current", "Rows", "Files", "Size", "Started",
               "Seconds", "Destination", "Error")
    for header in headers:
        table.add_column(header)
    for r in records:
        cells = (
            r.vendor, r.export_name, r.billing_period, r.version_id, r.status, "yes" if r.is_current else "",
            f"{r.rows:,}" if r.rows is not None else "", str(r.files or ""), human_bytes(r.bytes or 0),
            r.started_at.strftime("%Y-%m-%d %H:%M:%S"), f"{r.seconds:.1f}" if r.seconds is not None else "",
            r.destination or "", r.error or "",
        )
        table.add_row(*(escape(c) for c in cells))
    console().print(table)


def _focus_feeds(cfg, data_dir: Path | None) -> list[Any]:
    """What ``focus build`` made of each export's periods; nothing before the first build."""
    from open_finops.database import database_path, open_database, table_columns
    from open_finops.focus.summary import period_feeds

    if not database_path(cfg.data_dir(data_dir)).exists():
        return []
    con = open_database(cfg, data_dir, read_only=True)
    try:
        if "dropped_accounts" not in table_columns(con, "focus", "build_state"):
            return []
        return period_feeds(con)
    finally:
        con.close()


def exports(records, feeds=()) -> list[dict[str, Any]]:
    """One entry per export and destination: its tables, view, periods and rows, and which of its periods
    ``focus.costs`` counts (``focus``: periods counted, and periods not counted because another export
    holds the same billing account)."""
    from open_finops.destination import Destination
    from open_finops.naming import ExportNames

    found: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for r in records:
        entry = found.setdefault((r.vendor, r.export_name, r.destination), {
            "vendor": r.vendor, "export_name": r.export_name, "destination": r.destination,
            "dataset": getattr(Destination.from_key(r.destination), "dataset", None),
            "tables": [], "periods": [], "rows": 0,
        })
        if r.table_name not in entry["tables"]:
            entry["tables"].append(r.table_name)
        entry["periods"].append(r.billing_period)
        entry["rows"] += r.rows or 0
    for entry in found.values():
        names = ExportNames.of_table(entry["tables"][0], entry["periods"][0]) if entry["tables"] else None
        if names is not None and entry["tables"][0] != names.table:  # one table per period: there is a view
            entry["view"] = names.view
    for entry in found.values():
        mine = [f for f in feeds if (f.vendor, f.export_name) == (entry["vendor"], entry["export_name"])]
        if mine:
            entry["focus"] = {"counted": [f.billing_period for f in mine if not f.superseded],
                              "not_counted": [f.billing_period for f in mine if f.superseded]}
    return list(found.values())


def list_exports(cfg, *, vendor: str | None, data_dir: Path | None, as_json: bool, hint: str,
                 destination: str | None = None) -> None:
    from rich.markup import escape

    from open_finops.cli.output import console, print_json

    records = _records(cfg, data_dir, lambda s: s.current_versions(vendor), destination)
    # FOCUS is built in the DuckDB file, from the DuckDB loads.
    feeds = _focus_feeds(cfg, data_dir) if destination in (None, "duckdb") else []
    rows = exports(records, feeds)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"No exports loaded yet. {hint}")
        return
    from rich.table import Table

    table = Table()
    for header in ("Vendor", "Export", "Destination", "Periods", "Rows", "Tables", "View", "In FOCUS"):
        table.add_column(header)
    for e in rows:
        periods = f"{e['periods'][0]} .. {e['periods'][-1]} ({len(e['periods'])})"
        cells = (e["vendor"], e["export_name"], e["destination"] or "", periods, f"{e['rows']:,}",
                 "\n".join(e["tables"]), e.get("view", ""), _in_focus(e.get("focus")))
        table.add_row(*(escape(c) for c in cells))
    console().print(table)


def _in_focus(focus: dict[str, list[str]] | None) -> str:
    if not focus:
        return ""
    parts = []
    if focus["counted"]:
        parts.append(f"counted: {', '.join(focus['counted'])}")
    if focus["not_counted"]:
        parts.append(f"not counted (another export holds its billing account): {', '.join(focus['not_counted'])}")
    return "\n".join(parts)


def _checked(destination: str | None) -> str | None:
    """A supported destination's name; a usage error listing the supported ones otherwise."""
    if destination is not None:
        from open_finops.destination import check_supported

        check_supported(destination)
    return destination


def state_app() -> typer.Typer:
    app = typer.Typer(help="What the imports loaded: versions, history, failures.", no_args_is_help=True)

    @app.command("show")
    def show(
        vendor: str | None = VendorOption,
        export_name: str | None = ExportOption,
        billing_period: str | None = PeriodOption,
        destination: str | None = DestinationOption,
        data_dir: Path | None = DataDirOption,
        as_json: bool = JsonOption,
        config: Path | None = ConfigOption,
    ) -> None:
        """Show each period's current version (or last attempt), or one period's history including failures."""
        show_state(load_settings(config), vendor=vendor, export_name=export_name, billing_period=billing_period,
                   data_dir=data_dir, as_json=as_json, destination=_checked(destination))

    return app


def exports_app() -> typer.Typer:
    app = typer.Typer(help="The exports loaded into the database.", no_args_is_help=True)

    @app.command("list")
    def list_cmd(
        vendor: str | None = VendorOption,
        destination: str | None = DestinationOption,
        data_dir: Path | None = DataDirOption,
        as_json: bool = JsonOption,
        config: Path | None = ConfigOption,
    ) -> None:
        """List every export of every vendor with its tables, periods and row counts."""
        list_exports(load_settings(config), vendor=vendor, data_dir=data_dir, as_json=as_json,
                     hint="Import some with a vendor's import command (see 'finops --help').",
                     destination=_checked(destination))

    return app
