"""``finops focus``: build FOCUS from what plugins imported, export it, summarise it.

DuckDB and pyarrow are imported inside the commands, so ``finops --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path

import typer

from open_finops.cli.context import ConfigOption, load_settings
from open_finops.errors import UsageError
from open_finops.plugins import Registry

NO_TRANSFORM = "no installed plugin provides FOCUS data; install one with: pip install 'open-finops[aws]'"

DataDirOption = typer.Option(
    None, "--data-dir", help="Data directory (default: setting project.data_dir, else ./data)."
)
StartOption = typer.Option(None, "--start-date", "-s", help="First billing period, YYYY-MM.")
EndOption = typer.Option(None, "--end-date", "-e", help="Last billing period, YYYY-MM.")
JsonOption = typer.Option(False, "--json", help="Print JSON for scripts.")
VersionOption = typer.Option(
    None, "--focus-version", help="FOCUS version to follow: 1.2 or 1.0 (default: setting focus.version, else 1.2)."
)


def _range(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    from open_finops.periods import month_range

    return month_range(start, end)


def _open(cfg, data_dir: Path | None, *, read_only: bool):
    from open_finops.database import open_database

    return open_database(cfg, data_dir, read_only=read_only, must_exist=True)


def installed_mappings(registry: Registry) -> list:
    """The FocusMapping of every installed FOCUS pipeline that declares one."""
    return [m for p in sorted(registry.pipelines_of_kind("focus"), key=lambda p: p.name)
            if (m := p.load_mapping()) is not None]


ServerOption = typer.Option(
    None, "--destination", "-d",
    help="Also the billing data this server destination holds (postgres), as its own load state lists it; "
    "default: the destination the vendors' settings import into ([aws] destination).", show_default=False)


def _server_in_force(registry: Registry, cfg, pipelines, destination: str | None) -> str | None:
    """``-d``, else the server the FOCUS vendors' own settings import into (``[aws] destination =
    "postgres"``): their load state is in that server, and a build or export that did not look there would
    report no data, or leave it out."""
    if destination is not None:
        return destination
    vendors = {p.vendor for p in pipelines}
    servers = set()
    for section in registry.settings_sections():
        setting = next((s for s in section.settings if s.name == "destination"), None)
        if section.name in vendors and setting is not None:
            value = cfg.value(section.name, setting)[0]
            if value and value != "duckdb":
                servers.add(value)
    if len(servers) > 1:
        raise UsageError(f"the vendors' settings import into {', '.join(sorted(servers))}; say which with -d")
    return servers.pop() if servers else None


def _warehouse_loads(con, pipelines, cfg, data_dir: Path | None,
                     destination: str | None) -> tuple[dict[str, list], dict[str, dict[str, str]]]:
    """The current loads of these pipelines' vendors in another destination than the DuckDB file, by location
    (``name@host:port/db``): those the data directory's own state lists (recorded by an earlier open-finops)
    and, with ``destination``, those of that server's load state (where a server's imports keep it); and
    each load's column names as its manifest spelled them, by load id."""
    from open_finops.focus.warehouse import warehouse_loads
    from open_finops.state import LoadStateStore

    vendors = sorted({p.vendor for p in pipelines})
    records: dict[str, object] = {}
    names: dict[str, dict[str, str]] = {}

    def read(store) -> None:
        for vendor in vendors:
            for record in store.current_versions(vendor):
                records.setdefault(record.load_id, record)
                names.setdefault(record.load_id, store.source_columns(record.load_id))

    store = LoadStateStore(con, create=False)
    if store.exists:
        read(store)
    if destination is not None and destination != "duckdb":
        from open_finops.destination import Destination, check_supported
        from open_finops.state import in_server

        check_supported(destination)
        with in_server(Destination(destination), cfg.data_dir(data_dir)) as server:
            read(server)
    return warehouse_loads(records.values()), names


def _refuse_warehouse_loads(con, registry: Registry, cfg, data_dir: Path | None, destination: str | None) -> None:
    """``focus export`` reads this DuckDB file's focus.costs: refuse, rather than leave out, data held elsewhere."""
    elsewhere, _ = _warehouse_loads(con, registry.pipelines_of_kind("focus"), cfg, data_dir, destination)
    if elsewhere:
        where = ", ".join(sorted(elsewhere))
        raise UsageError(f"the billing data is in {where}, whose FOCUS table is focus.costs in that database "
                         "(finops focus build builds it there); export it from there: focus export reads "
                         "this data directory's DuckDB file only")


def _build_in_warehouse(registry: Registry, cfg, database: Path, location: str, records, *, reset: bool,
                        focus_version: str, on_period, source_names: dict[str, dict[str, str]]):
    from open_finops.focus.overlap import OverlapRule
    from open_finops.focus.warehouse import PROJECT_DIR, build_in_warehouse, postgres_connection

    mappings = installed_mappings(registry)
    from open_finops.destination import Destination

    connection = postgres_connection(database, location, Destination.from_key(records[0].destination).dataset)
    return build_in_warehouse(database / PROJECT_DIR, connection, records, mappings, rule=OverlapRule.from_config(cfg),
                              reset=reset, focus_version=focus_version, on_period=on_period,
                              source_names=source_names)


def make_app(registry: Registry) -> typer.Typer:
    app = typer.Typer(help="Build, export and summarise FOCUS cost data.", no_args_is_help=True)

    @app.command("build")
    def build_cmd(
        reset: bool = typer.Option(False, "--reset", "-r", help="Rebuild every billing period, even unchanged ones."),
        data_dir: Path | None = DataDirOption,
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no line per period."),
        as_json: bool = JsonOption,
        focus_version: str | None = VersionOption,
        destination: str | None = ServerOption,
        config: Path | None = ConfigOption,
    ) -> None:
        """Build or refresh focus.costs from every plugin's FOCUS transform; unchanged periods are skipped."""
        from open_finops.cli.output import print_json, progress
        from open_finops.errors import OpenFinopsError
        from open_finops.focus.build import build
        from open_finops.focus.export import database_dir
        from open_finops.focus.versions import focus_version as version_in_force
        from open_finops.focus.warehouse import require_dbt

        pipelines = sorted(registry.pipelines_of_kind("focus"), key=lambda p: p.name)
        if not pipelines:
            raise UsageError(NO_TRANSFORM)
        cfg = load_settings(config)
        version = version_in_force(cfg, focus_version)
        destination = _server_in_force(registry, cfg, pipelines, destination)
        con = _open(cfg, data_dir, read_only=False)
        try:
            elsewhere, source_names = _warehouse_loads(con, pipelines, cfg, data_dir, destination)
            for location in elsewhere:
                require_dbt(location.partition("@")[0])  # before anything is built
            with progress(quiet or as_json, transfer=False) as bar:
                task = bar.add_task("Building FOCUS", total=None)

                def show(result) -> None:
                    bar.advance(task)
                    if quiet or as_json:
                        return
                    what = {
                        "built": f"built {result.rows:,} rows" if result.rows is not None else "built",
                        "skipped": "up to date",
                        "superseded": "not counted",
                        "excluded": "left out (setting focus.exclude)",
                        "removed": "removed (no longer imported)",
                        "failed": f"failed: {result.error}",
                    }[result.status]
                    notes = "".join(f"; {note}" for note in result.overlap_notes())
                    typer.echo(f"{result.vendor} {result.export_name} {result.billing_period}: {what}{notes}")

                report = build(con, pipelines, config=cfg, reset=reset, on_period=show, focus_version=version)
                database = database_dir(con)
        finally:
            con.close()
        for location, records in elsewhere.items():
            report.periods += _build_in_warehouse(registry, cfg, database, location, records, reset=reset,
                                                  focus_version=version, on_period=show,
                                                  source_names=source_names).periods
        if as_json:
            print_json({
                "periods": [p.as_dict() for p in report.periods],
                "built": report.count("built"), "skipped": report.count("skipped"),
                "superseded": report.count("superseded"), "excluded": report.count("excluded"),
                "removed": report.count("removed"), "failed": report.count("failed"),
            })
        elif not quiet and not report.periods:
            typer.echo("Nothing to build: no billing data imported yet.")
        if report.failed:
            raise OpenFinopsError(f"{len(report.failed)} FOCUS period(s) failed to build; see the lines above")

    @app.command("export")
    def export_cmd(
        out: Path = typer.Option(..., "--out", "-o", help="File to write (.parquet or .csv)."),
        fmt: str | None = typer.Option(
            None, "--format", "-f", help="parquet or csv (default: from the file name, else parquet)."
        ),
        start: str | None = StartOption,
        end: str | None = EndOption,
        exact_decimals: bool = typer.Option(
            False, "--exact-decimals", help="Write costs as DECIMAL(38,18) instead of DOUBLE (Parquet)."
        ),
        validator_aliases: bool = typer.Option(
            False, "--validator-aliases",
            help="Also write InvoiceIssuer, Provider, Publisher, ResourceID and ChargeType, the draft column names "
                 "focus-validator 1.0.0 checks (not FOCUS 1.0 columns).",
        ),
        data_dir: Path | None = DataDirOption,
        as_json: bool = JsonOption,
        focus_version: str | None = VersionOption,
        destination: str | None = ServerOption,
        config: Path | None = ConfigOption,
    ) -> None:
        """Write the FOCUS data (focus.costs) to a Parquet or CSV file, streamed in batches."""
        from open_finops.cli.output import print_json
        from open_finops.focus.export import check_out, database_dir, export, format_for
        from open_finops.focus.versions import focus_version as version_in_force

        start, end = _range(start, end)
        if fmt is not None:
            format_for(out, fmt)  # a wrong --format is refused before the database is opened
        cfg = load_settings(config)
        version = version_in_force(cfg, focus_version)
        destination = _server_in_force(registry, cfg, registry.pipelines_of_kind("focus"), destination)
        con = _open(cfg, data_dir, read_only=True)
        try:
            _refuse_warehouse_loads(con, registry, cfg, data_dir, destination)
            check_out(out, database_dir(con))  # where it goes matters more than what its name promises
            chosen = format_for(out, fmt)
            result = export(con, out, fmt=chosen, start=start, end=end, exact_decimals=exact_decimals,
                            validator_aliases=validator_aliases, focus_version=version)
        finally:
            con.close()
        if as_json:
            print_json({"path": str(result.path), "format": result.format, "rows": result.rows,
                        "columns": result.columns})
        else:
            typer.echo(f"Wrote {result.rows:,} rows ({result.columns} columns) to {result.path} ({result.format}).")

    @app.command("dbt-package")
    def dbt_package_cmd(
        out: Path = typer.Option(..., "--out", "-o", help="Folder to write the packages into (created if missing)."),
        as_json: bool = JsonOption,
    ) -> None:
        """Write the FOCUS mappings as dbt packages: finops_focus (the union and the FOCUS rules as tests) and
        one per installed vendor (finops_aws, ...)."""
        from open_finops.cli.output import print_json
        from open_finops.focus.dbt_package import write_packages

        mappings = installed_mappings(registry)
        if not mappings:
            raise UsageError(NO_TRANSFORM)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} is a file; give a folder")
        written = write_packages(mappings, out)
        packages = sorted({p.relative_to(out).parts[0] for p in written})
        if as_json:
            print_json({"out": str(out), "packages": packages, "files": len(written)})
        else:
            typer.echo(f"Wrote dbt packages {', '.join(packages)} ({len(written)} files) to {out}.")

    @app.command("summary")
    def summary_cmd(
        start: str | None = StartOption,
        end: str | None = EndOption,
        data_dir: Path | None = DataDirOption,
        as_json: bool = JsonOption,
        config: Path | None = ConfigOption,
    ) -> None:
        """Billed and effective cost by billing period and service."""
        from open_finops.cli.output import console, print_json
        from open_finops.focus.summary import period_feeds, summarise

        start, end = _range(start, end)
        cfg = load_settings(config)
        con = _open(cfg, data_dir, read_only=True)
        try:
            rows = summarise(con, start=start, end=end)
            feeds = period_feeds(con, start=start, end=end)
        finally:
            con.close()
        if as_json:
            print_json([r.as_dict() for r in rows])
            return
        if not rows:
            typer.echo("No FOCUS rows in that range.")
            return
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="FOCUS cost by billing period and service")
        for header, justify in (("Period", "left"), ("Service", "left"), ("Currency", "left"), ("Rows", "right"),
                                ("Billed cost", "right"), ("Effective cost", "right")):
            table.add_column(header, justify=justify)
        for r in rows:
            table.add_row(escape(r.billing_period), escape(r.service_name or ""), escape(r.billing_currency or ""),
                          f"{r.rows:,}", f"{r.billed_cost:,.2f}", f"{r.effective_cost:,.2f}")
        console().print(table)
        console().print(_periods_table(rows, feeds))

    return app


def _periods_table(rows, feeds):
    """Each period's total once per currency, and the exports it comes from (and those left out)."""
    from rich.markup import escape
    from rich.table import Table

    totals: dict[tuple[str, str], list] = {}
    for r in rows:
        total = totals.setdefault((r.billing_period, r.billing_currency or ""), [0, 0, 0])
        total[0] += r.rows
        total[1] += r.billed_cost
        total[2] += r.effective_cost
    sources: dict[str, list[str]] = {}
    for f in sorted(feeds, key=lambda f: f.superseded):  # the exports counted first
        if f.superseded:
            what = f"{f.export_name} not counted (same billing account)"
        elif f.dropped_accounts:
            what = f"{f.export_name} (less account(s) {', '.join(f.dropped_accounts)})"
        else:
            what = f.export_name
        sources.setdefault(f.billing_period, []).append(what)
    table = Table(title="FOCUS cost by billing period")
    for header, justify in (("Period", "left"), ("Currency", "left"), ("Rows", "right"), ("Billed cost", "right"),
                            ("Effective cost", "right"), ("From exports", "left")):
        table.add_column(header, justify=justify)
    for (period, currency), (count, billed, effective) in sorted(totals.items()):
        table.add_row(escape(period), escape(currency), f"{count:,}", f"{billed:,.2f}", f"{effective:,.2f}",
                      escape("; ".join(sources.get(period, []))))
    return table
