"""The ``finops azure`` command group.

Imports only typer and the open_finops plugin API at the top: the Azure SDK, pyarrow, dlt and duckdb are
imported inside the commands, so ``finops azure --help`` stays fast.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from open_finops.api import ConfigOption, DataDirOption, JsonOption, QuietOption, load_settings
from open_finops_azure import VENDOR

app = typer.Typer(help="Import Azure Cost Management exports (actual, amortized and FOCUS cost).",
                  no_args_is_help=True)

StateDestinationOption = typer.Option(
    None, "--destination", "-d",
    help="Whose load state: duckdb (the data directory's file) or postgres (its server's); "
         "default: setting destination.")

SOURCE = "Source"
RANGE = "Billing periods"

ContainerOption = typer.Option(None, "--container", "-C", help="Blob container holding the exports.",
                               rich_help_panel=SOURCE)
PrefixOption = typer.Option(None, "--prefix", "-p", help="Root folder path under which the export folders live.",
                            rich_help_panel=SOURCE)
ExportOption = typer.Option(None, "--export-name", "-n", help="Export name; default: every export found.",
                            rich_help_panel=SOURCE)
AccountUrlOption = typer.Option(None, "--account-url", help="Blob endpoint, https://<account>.blob.core.windows.net "
                                "(a SAS in its query, else DefaultAzureCredential).", rich_help_panel=SOURCE)
ConnectionOption = typer.Option(None, "--connection-string", help="Storage connection string (also "
                                "AZURE_STORAGE_CONNECTION_STRING).", rich_help_panel=SOURCE)
FromDirOption = typer.Option(None, "--from-dir", help="Read a local copy of the container (what azcopy leaves).",
                             rich_help_panel=SOURCE)
StartOption = typer.Option(None, "--start-date", "-s", help="First billing period, YYYY-MM.", rich_help_panel=RANGE)
EndOption = typer.Option(None, "--end-date", "-e", help="Last billing period, YYYY-MM.", rich_help_panel=RANGE)
DatasetTypeOption = typer.Option(None, "--dataset-type", help="ActualCost, AmortizedCost or FocusCost: what exports "
                                 "of the older layout (no manifest) hold, so FOCUS is built from them.",
                                 rich_help_panel=SOURCE)


def _parsers(dataset_type: str | None = None):
    """The manifest parsers registered with this process's plugin registry (built once, at start-up), bound to
    the declared dataset type, if any."""
    from open_finops.api import current_registry
    from open_finops_azure.manifests import declared_parsers

    return declared_parsers(current_registry().parsers_for_vendor(VENDOR), dataset_type)


@app.command("import-exports")
def import_exports(
    container: str | None = ContainerOption,
    prefix: str | None = PrefixOption,
    export_name: str | None = ExportOption,
    account_url: str | None = AccountUrlOption,
    connection_string: str | None = ConnectionOption,
    from_dir: Path | None = FromDirOption,
    start_date: str | None = StartOption,
    end_date: str | None = EndOption,
    dataset_type: str | None = DatasetTypeOption,
    reset: bool = typer.Option(False, "--reset", "-r", help="Reload every period in range, even if loaded."),
    table_strategy: str | None = typer.Option(
        None, "--table-strategy", "-t", help="separate: a table per period plus <export>_unified; single: one table."
    ),
    destination: str | None = typer.Option(
        None, "--destination", "-d", help="duckdb (default) or postgres."
    ),
    dataset: str | None = typer.Option(None, "--dataset", help="Schema the tables go into (default azure_costs)."),
    data_dir: Path | None = DataDirOption,
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """Import Cost Management export months into the database; months loaded at their current run are skipped."""
    from open_finops.api import import_and_report
    from open_finops_azure import settings

    cfg = load_settings(config)
    src = settings.source_settings(cfg, container=container, prefix=prefix, export_name=export_name,
                                   account_url=account_url, connection_string=connection_string,
                                   from_dir=from_dir, start=start_date, end=end_date)
    options = settings.import_options(cfg, src, reset=reset or None, table_strategy=table_strategy,
                                      destination_name=destination, dataset=dataset, data_dir=data_dir)
    parsers = _parsers(settings.dataset_type(cfg, dataset_type))
    import_and_report(options, settings.TERMS, settings.open_source(src), parsers, quiet=quiet, as_json=as_json)


@app.command("list-manifests")
def list_manifests(
    container: str | None = ContainerOption,
    prefix: str | None = PrefixOption,
    export_name: str | None = ExportOption,
    account_url: str | None = AccountUrlOption,
    connection_string: str | None = ConnectionOption,
    from_dir: Path | None = FromDirOption,
    start_date: str | None = StartOption,
    end_date: str | None = EndOption,
    dataset_type: str | None = DatasetTypeOption,
    destination: str | None = typer.Option(None, "--destination", "-d", help="Destination to compare with."),
    dataset: str | None = typer.Option(None, "--dataset", help="Schema to compare with (default azure_costs)."),
    data_dir: Path | None = DataDirOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """List the months each export has: the current run, its type, files and size, and whether it is loaded."""
    from open_finops.api import console, find_versions, human_bytes, loaded_versions, print_json
    from open_finops_azure import settings

    cfg = load_settings(config)
    src = settings.source_settings(cfg, container=container, prefix=prefix, export_name=export_name,
                                   account_url=account_url, connection_string=connection_string,
                                   from_dir=from_dir, start=start_date, end=end_date)
    options = settings.import_options(cfg, src, destination_name=destination, dataset=dataset, data_dir=data_dir)
    source = settings.open_source(src)
    versions = find_versions(options, settings.TERMS, source, _parsers(settings.dataset_type(cfg, dataset_type)))
    current = loaded_versions(cfg, options, VENDOR)
    rows = []
    for v in versions:
        loaded_version = current.get((v.export_name, v.billing_period))
        rows.append({
            "export_name": v.export_name,
            "billing_period": v.billing_period,
            "type": v.format_version,
            "run_id": v.version_id,
            "files": len(v.data_files),
            "bytes": sum(f.size or 0 for f in v.data_files),
            "rows": sum(f.rows for f in v.data_files) if all(f.rows is not None for f in v.data_files) else None,
            "format": v.data_files[0].format if v.data_files else None,
            "manifest_key": v.manifest_key,
            "superseded": list(v.superseded),
            "loaded": loaded_version == v.version_id,
            "loaded_run_id": loaded_version,
        })
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"No Cost Management exports found in {source.description} under prefix {src.prefix!r}.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table()
    for header in ("Export", "Period", "Type", "Run", "Files", "Size", "Loaded"):
        table.add_column(header)
    for r in rows:
        state = "yes" if r["loaded"] else ("older run" if r["loaded_run_id"] else "no")
        table.add_row(*(escape(c) for c in (r["export_name"], r["billing_period"], r["type"], r["run_id"],
                                            str(r["files"]), human_bytes(r["bytes"]), state)))
    console().print(table)


@app.command("show-state")
def show_state(
    export_name: str | None = ExportOption,
    billing_period: str | None = typer.Option(
        None, "--billing-period", "-B", help="One period (YYYY-MM): show its whole run history."
    ),
    destination: str | None = StateDestinationOption,
    data_dir: Path | None = DataDirOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """Show the current run of each month, or one month's history (the same as 'finops state show --vendor azure')."""
    from open_finops.api import show_state as show
    from open_finops_azure import settings

    cfg = load_settings(config)
    show(cfg, vendor=VENDOR, export_name=export_name, billing_period=billing_period, data_dir=data_dir,
         as_json=as_json, destination=settings.destination(cfg, name=destination).name)


@app.command("list-exports")
def list_exports(
    destination: str | None = StateDestinationOption,
    data_dir: Path | None = DataDirOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """List every Azure export in the database with its tables, periods and row counts."""
    from open_finops.api import list_exports as show
    from open_finops_azure import settings

    cfg = load_settings(config)
    show(cfg, vendor=VENDOR, data_dir=data_dir, as_json=as_json, hint="Run 'finops azure import-exports' first.",
         destination=settings.destination(cfg, name=destination).name)


@app.command("generate-sample")
def generate_sample_cmd(
    out: Path = typer.Argument(..., help="Folder to write into, laid out as the container's contents."),
    dataset_type: str = typer.Option("actual", "--dataset-type", help="actual, amortized or focus."),
    agreement: str = typer.Option("ea", "--agreement", help="ea or mca (the actual/amortized column set)."),
    export_format: str = typer.Option("csv", "--export-format", "-f", help="csv, csv.gz or parquet."),
    layout: str = typer.Option("manifest", "--layout", help="manifest, or legacy (<export>_<guid>.csv files)."),
    export_name: str = typer.Option("sample-actual", "--export-name", "-n", help="Export name."),
    prefix: str = typer.Option("exports", "--prefix", "-p", help="Root folder the export folder goes under."),
    start_date: str = typer.Option("2024-01", "--start-date", "-s", help="First billing period, YYYY-MM."),
    months: int = typer.Option(2, "--months", "-m", min=1, max=120, help="How many billing periods."),
    rows_per_month: int = typer.Option(1_000, "--rows-per-month", min=1, help="Charges per period."),
    files_per_month: int = typer.Option(2, "--files-per-month", min=1, help="Data files per run."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same data."),
    as_json: bool = JsonOption,
) -> None:
    """Write a realistic sample Cost Management export to a folder, with known totals.

    The same --seed writes the actual, amortized and FOCUS datasets of the same charges.
    """
    from open_finops.api import month, months_from, print_json
    from open_finops_azure.sample import generate_sample

    start = month(start_date, "--start-date")
    sample = generate_sample(out, export_name=export_name, prefix=prefix, dataset=dataset_type, agreement=agreement,
                             data_format=export_format, layout=layout, periods=months_from(start, months),
                             rows_per_period=rows_per_month, files_per_period=files_per_month, seed=seed)
    rows = [{"billing_period": p, "run_id": t.run_id, "rows": t.rows, "files": len(t.data_keys),
             "actual_cost": str(t.actual_cost), "amortized_cost": str(t.amortized_cost),
             "manifest_key": t.manifest_key} for p, t in sample.periods.items()]
    if as_json:
        print_json({"root": str(out), "export_name": export_name, "type": sample.dataset, "format": export_format,
                    "layout": layout, "periods": rows})
        return
    for r in rows:
        typer.echo(f"{export_name} {r['billing_period']}: {r['rows']:,} rows in {r['files']} files, "
                   f"actual cost {r['actual_cost']}, amortized cost {r['amortized_cost']}")
    # The older layout does not say which dataset it holds: the line declares it, for focus build.
    declare = (f" --dataset-type {dataset_type.capitalize()}Cost" if layout == "legacy" else "")
    typer.echo(f"Import it with: finops azure import-exports --from-dir {out} --prefix {prefix} "
               f"--export-name {export_name}{declare}")


DEMO_EXPORTS = (("demo-actual", "actual", "csv.gz"), ("demo-amortized", "amortized", "csv"),
                ("demo-focus", "focus", "parquet"))
DEMO_MONTHS = ("2024-01", 3)


def run_demo(target: Path, cfg, rows_per_month: int, quiet: bool, out) -> tuple[list[tuple[str, str]], int]:
    """Generate (once) and import the demo exports; return (export name, unified view) of each and the rows
    loaded. ``out`` is a rich console, or None for no lines."""
    from rich.markup import escape

    def say(text: str) -> None:
        if out is not None:
            out.print(escape(text))

    from open_finops.api import Destination, ImportOptions, LocalSource, months_from, run_import
    from open_finops.api import progress as progress_bars
    from open_finops_azure.sample import generate_sample
    from open_finops_azure.settings import DEFAULT_DATASET, TERMS

    root = target / "sample-azure-container"
    marker = root / ".demo-rows"
    if not marker.exists() or marker.read_text().strip() != str(rows_per_month):
        if root.exists():
            shutil.rmtree(root)
        say(f"Generating sample Azure exports in {root} ...")
        for name, kind, fmt in DEMO_EXPORTS:
            generate_sample(root, export_name=name, prefix="exports", dataset=kind, data_format=fmt,
                            periods=months_from(*DEMO_MONTHS), rows_per_period=rows_per_month, files_per_period=2)
        marker.write_text(str(rows_per_month))
    views = []
    loaded = 0
    for name, _kind, _fmt in DEMO_EXPORTS:
        options = ImportOptions.configured(cfg, data_dir=target, destination=Destination("duckdb", DEFAULT_DATASET),
                                           prefix="exports", export_name=name)
        with progress_bars(quiet) as bar:
            summary = run_import(options, TERMS, LocalSource(root), _parsers(), bar)
        for p in summary.periods:
            loaded += p.rows if p.status == "loaded" else 0
            what = (f"loaded {p.rows:,} rows into {DEFAULT_DATASET}.{p.table}" if p.status == "loaded"
                    else "up to date" if p.status == "skipped" else f"failed: {p.error}")
            say(f"{name} {p.billing_period}: {what}")
        summary.raise_for_failures()
        views.append((name, summary.periods[0].view))
    return views, loaded


def demo_runner(config) -> dict:
    """The ``azure-demo`` pipeline (``finops demo``): the demo exports imported quietly into the data directory."""
    views, loaded = run_demo(config.data_dir(), config, 1_000, True, None)
    return {"rows": loaded, "views": [view for _name, view in views]}


@app.command("demo")
def demo(
    data_dir: Path | None = DataDirOption,
    rows_per_month: int = typer.Option(1_000, "--rows-per-month", min=1, help="Charges per sample period."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    config: Path | None = ConfigOption,
) -> None:
    """Generate sample actual (CSV.gz), amortized (CSV) and FOCUS (Parquet) exports, import them into the data
    directory's DuckDB file, and show what was loaded. Run it again: nothing new, nothing is read."""
    from rich.markup import escape
    from rich.table import Table

    from open_finops.api import console, open_database
    from open_finops_azure.settings import DEFAULT_DATASET

    cfg = load_settings(config)
    target = cfg.data_dir(data_dir)
    out = console(stderr=False)
    views, _loaded = run_demo(target, cfg, rows_per_month, quiet, out)
    cost = {"demo-actual": "cost_in_billing_currency", "demo-amortized": "cost_in_billing_currency",
            "demo-focus": "billed_cost"}
    con = open_database(cfg, target, read_only=True)
    try:
        table = Table(title="Azure cost by billing period (USD)")
        for header in ("Export", "Period", "Charges", "Cost"):
            table.add_column(header)
        for name, view in views:
            for period, count, total in con.execute(
                f'SELECT billing_period, count(*), sum("{cost[name]}") FROM {DEFAULT_DATASET}."{view}" '
                "GROUP BY 1 ORDER BY 1"
            ).fetchall():
                table.add_row(escape(name), period, f"{count:,}", f"{total:,.2f}")
        out.print(table)
    finally:
        con.close()
