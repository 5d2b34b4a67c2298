"""The ``finops aws`` command group.

Imports only typer and open_finops's light modules at the top: boto3, pyarrow, dlt and duckdb are imported
inside the commands, so ``finops aws --help`` stays fast.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer

from open_finops.api import ConfigOption, DataDirOption, JsonOption, QuietOption, load_settings
from open_finops_aws import VENDOR

app = typer.Typer(help="Import AWS Cost and Usage Reports (CUR v1, CUR 2.0) and FOCUS exports.",
                  no_args_is_help=True)

StateDestinationOption = typer.Option(
    None, "--destination", "-d",
    help="Whose load state: duckdb (the data directory's file) or postgres (its server's); "
         "default: setting destination.")

SOURCE = "Source"
RANGE = "Billing periods"

BucketOption = typer.Option(None, "--bucket", "-b", help="S3 bucket holding the CUR export.", rich_help_panel=SOURCE)
PrefixOption = typer.Option(None, "--prefix", "-p", help="Prefix (folder) under which the export folders live.",
                            rich_help_panel=SOURCE)
ExportOption = typer.Option(None, "--export-name", "-n", help="Export (report) name; default: every export found.",
                            rich_help_panel=SOURCE)
VersionOption = typer.Option(None, "--cur-version", "-v", help="v1 (legacy CUR) or v2 (CUR 2.0); default: both.",
                             rich_help_panel=SOURCE)
EndpointOption = typer.Option(None, "--endpoint-url", help="S3-compatible endpoint (also AWS_ENDPOINT_URL).",
                              rich_help_panel=SOURCE)
ProfileOption = typer.Option(None, "--profile", help="AWS profile from ~/.aws/config.", rich_help_panel=SOURCE)
RegionOption = typer.Option(None, "--region", help="AWS region of the bucket.", rich_help_panel=SOURCE)
FromDirOption = typer.Option(None, "--from-dir", help="Read a local copy of the bucket (what 'aws s3 sync' leaves).",
                             rich_help_panel=SOURCE)
StartOption = typer.Option(None, "--start-date", "-s", help="First billing period, YYYY-MM.", rich_help_panel=RANGE)
EndOption = typer.Option(None, "--end-date", "-e", help="Last billing period, YYYY-MM.", rich_help_panel=RANGE)


def _parsers():
    """The manifest parsers registered with this process's plugin registry (built once, at start-up)."""
    from open_finops.api import current_registry

    return current_registry().parsers_for_vendor(VENDOR)


@app.command("import-cur")
def import_cur(
    bucket: str | None = BucketOption,
    prefix: str | None = PrefixOption,
    export_name: str | None = ExportOption,
    cur_version: str | None = VersionOption,
    export_format: str | None = typer.Option(
        None, "--export-format", "-f", help="csv or parquet; default: detect from the data files."
    ),
    start_date: str | None = StartOption,
    end_date: str | None = EndOption,
    reset: bool = typer.Option(False, "--reset", "-r", help="Reload every period in range, even if loaded."),
    table_strategy: str | None = typer.Option(
        None, "--table-strategy", "-t", help="separate: a table per period plus <export>_unified; single: one table."
    ),
    destination: str | None = typer.Option(
        None, "--destination", "-d", help="duckdb (default) or postgres."
    ),
    dataset: str | None = typer.Option(None, "--dataset", help="Schema the tables go into (default aws_cur)."),
    endpoint_url: str | None = EndpointOption,
    profile: str | None = ProfileOption,
    region: str | None = RegionOption,
    from_dir: Path | None = FromDirOption,
    data_dir: Path | None = DataDirOption,
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """Import CUR billing periods into the database; periods already loaded at their current version are skipped."""
    from open_finops.api import import_and_report
    from open_finops_aws import settings

    cfg = load_settings(config)
    src = settings.source_settings(
        cfg, bucket=bucket, prefix=prefix, export_name=export_name, cur_version=cur_version,
        endpoint_url=endpoint_url, profile=profile, region=region, from_dir=from_dir,
        start=start_date, end=end_date,
    )
    options = settings.import_options(
        cfg, src, export_format=export_format, reset=reset or None, table_strategy=table_strategy,
        destination_name=destination, dataset=dataset, data_dir=data_dir,
    )
    import_and_report(options, settings.TERMS, settings.open_source(src), _parsers(), quiet=quiet, as_json=as_json)


@app.command("list-manifests")
def list_manifests(
    bucket: str | None = BucketOption,
    prefix: str | None = PrefixOption,
    export_name: str | None = ExportOption,
    cur_version: str | None = VersionOption,
    start_date: str | None = StartOption,
    end_date: str | None = EndOption,
    endpoint_url: str | None = EndpointOption,
    profile: str | None = ProfileOption,
    region: str | None = RegionOption,
    from_dir: Path | None = FromDirOption,
    destination: str | None = typer.Option(None, "--destination", "-d", help="Destination to compare with."),
    dataset: str | None = typer.Option(None, "--dataset", help="Schema to compare with (default aws_cur)."),
    data_dir: Path | None = DataDirOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """List the billing periods an export has: version, files, bytes, and whether each is loaded."""
    from open_finops.api import console, find_versions, human_bytes, loaded_versions, print_json
    from open_finops_aws import settings

    cfg = load_settings(config)
    src = settings.source_settings(
        cfg, bucket=bucket, prefix=prefix, export_name=export_name, cur_version=cur_version,
        endpoint_url=endpoint_url, profile=profile, region=region, from_dir=from_dir,
        start=start_date, end=end_date,
    )
    options = settings.import_options(cfg, src, destination_name=destination, dataset=dataset, data_dir=data_dir)
    source = settings.open_source(src)
    versions = find_versions(options, settings.TERMS, source, _parsers())
    current = loaded_versions(cfg, options, VENDOR)
    rows = []
    for v in versions:
        loaded_version = current.get((v.export_name, v.billing_period))
        rows.append({
            "export_name": v.export_name,
            "billing_period": v.billing_period,
            "cur_version": v.format_version,
            "version_id": v.version_id,
            "files": len(v.data_files),
            "bytes": sum(f.size or 0 for f in v.data_files),
            "format": v.data_files[0].format if v.data_files else None,
            "manifest_key": v.manifest_key,
            "superseded": list(v.superseded),
            "loaded": loaded_version == v.version_id,
            "loaded_version_id": loaded_version,
        })
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"No CUR manifests found in {source.description} under prefix {src.prefix!r}.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table()
    for header in ("Export", "Period", "CUR", "Version", "Files", "Size", "Loaded"):
        table.add_column(header)
    for r in rows:
        state = "yes" if r["loaded"] else ("older version" if r["loaded_version_id"] else "no")
        table.add_row(*(escape(c) for c in (r["export_name"], r["billing_period"], r["cur_version"], r["version_id"],
                                            str(r["files"]), human_bytes(r["bytes"]), state)))
    console().print(table)


@app.command("show-state")
def show_state(
    export_name: str | None = ExportOption,
    billing_period: str | None = typer.Option(
        None, "--billing-period", "-B", help="One period (YYYY-MM): show its whole version history."
    ),
    destination: str | None = StateDestinationOption,
    data_dir: Path | None = DataDirOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """Show the current version of each period, or one period's history including failed loads
    (the same as 'finops state show --vendor aws')."""
    from open_finops.api import show_state as show
    from open_finops_aws import settings

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
    """List every AWS export in the database with its tables, periods and row counts
    (the same as 'finops exports list --vendor aws')."""
    from open_finops.api import list_exports as show
    from open_finops_aws import settings

    cfg = load_settings(config)
    show(cfg, vendor=VENDOR, data_dir=data_dir, as_json=as_json, hint="Run 'finops aws import-cur' first.",
         destination=settings.destination(cfg, name=destination).name)


@app.command("generate-sample")
def generate_sample_cmd(
    out: Path = typer.Argument(..., help="Folder to write into, laid out as the bucket's contents."),
    cur_version: str = typer.Option("v1", "--cur-version", "-v", help="v1 (legacy CUR) or v2 (CUR 2.0)."),
    export_format: str = typer.Option("csv", "--export-format", "-f", help="csv (gzip) or parquet."),
    export_name: str = typer.Option("sample-cur", "--export-name", "-n", help="Export (report) name."),
    prefix: str = typer.Option("cur", "--prefix", "-p", help="Prefix the export folder goes under."),
    start_date: str = typer.Option("2024-01", "--start-date", "-s", help="First billing period, YYYY-MM."),
    months: int = typer.Option(2, "--months", "-m", min=1, max=120, help="How many billing periods."),
    rows_per_month: int = typer.Option(10_000, "--rows-per-month", min=1, help="Line items per period."),
    files_per_month: int = typer.Option(2, "--files-per-month", min=1, help="Data files per period."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same data."),
    drift_from: str | None = typer.Option(None, "--drift-from", help="Period from which extra columns appear."),
    layout: str | None = typer.Option(
        None, "--layout", help="v1: assembly (default) or overwrite; v2: overwrite (default) or execution-folder."
    ),
    focus_version: str | None = typer.Option(
        None, "--focus-version",
        help="Write AWS's own FOCUS export instead (1.2 or 1.0 'with AWS columns', Parquet) of the CUR 2.0 sample "
             "these options give.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Write a realistic sample CUR export (v1 or CUR 2.0, CSV.gz or Parquet) or AWS FOCUS export to a folder,
    with known totals."""
    from open_finops.api import month, months_from, print_json
    from open_finops_aws.sample import generate_sample

    start = month(start_date, "--start-date")
    drift = month(drift_from, "--drift-from")
    if focus_version is not None:
        from open_finops_aws.sample.focus_export import generate_focus_sample

        if export_name == "sample-cur":
            export_name = "sample-focus"
        sample = generate_focus_sample(
            out, focus_version=focus_version, export_name=export_name, prefix=prefix,
            periods=months_from(start, months), rows_per_period=rows_per_month, seed=seed, drift_columns_from=drift,
        )
        cur_version, export_format = sample.cur_version, sample.data_format
    else:
        sample = generate_sample(
            out, cur_version=cur_version, export_name=export_name, prefix=prefix, periods=months_from(start, months),
            rows_per_period=rows_per_month, files_per_period=files_per_month, data_format=export_format, seed=seed,
            drift_columns_from=drift, layout=layout,
        )
    rows = [
        {"billing_period": p, "version_id": t.version_id, "rows": t.rows, "files": len(t.data_keys),
         "bytes": t.bytes, "unblended_cost": str(t.unblended_cost), "manifest_key": t.manifest_key,
         **({"billed_cost": str(t.billed_cost), "effective_cost": str(t.effective_cost)}
            if t.billed_cost is not None else {})}
        for p, t in sample.periods.items()
    ]
    if as_json:
        print_json({"root": str(out), "export_name": export_name, "cur_version": cur_version,
                    "format": export_format, "periods": rows})
        return
    for r in rows:
        cost = (f"billed cost {r['billed_cost']}" if "billed_cost" in r
                else f"unblended cost {r['unblended_cost']}")
        typer.echo(f"{export_name} {r['billing_period']}: {r['rows']:,} rows in {r['files']} files, {cost}")
    typer.echo(f"Import it with: finops aws import-cur --from-dir {out} --prefix {prefix} --export-name {export_name}")


DEMO_EXPORTS = (("demo-cur-v1", "v1", "csv"), ("demo-cur-v2", "v2", "parquet"))
# What the demo asked the generator for, kept beside each sample export (no parser matches the name).
DEMO_MARKER = ".demo-sample.json"


def _demo_rows(folder: Path) -> int | None:
    """The rows a month of the demo sample in ``folder``, or None when there is none (or it is unreadable)."""
    try:
        return int(json.loads((folder / DEMO_MARKER).read_text())["rows_per_month"])
    except (OSError, ValueError, KeyError, TypeError):
        return None



def import_demo(cfg, target: Path, rows_per_month: int, quiet: bool, out) -> tuple[list[str], object, int]:
    """Generate (once) and import the demo exports into ``target``; return each export's unified view, the
    last import's summary and the rows loaded. ``out`` is a rich console, or None for no lines."""
    from rich.markup import escape

    from open_finops.api import Destination, ImportOptions, LocalSource, months_from, run_import
    from open_finops.api import progress as progress_bars
    from open_finops_aws.sample import generate_sample
    from open_finops_aws.settings import DEFAULT_DATASET, TERMS

    def say(text: str) -> None:
        if out is not None:
            out.print(escape(text))

    sample_root = target / "sample-bucket"
    parsers = _parsers()
    views: list[str] = []
    loaded = 0
    for name, version, fmt in DEMO_EXPORTS:
        folder = sample_root / "cur" / name
        on_disk = _demo_rows(folder)
        if on_disk != rows_per_month:
            if on_disk is None and not folder.exists():
                say(f"Generating sample export {name} (CUR {version}, {fmt}) in {sample_root} ...")
            else:
                was = f"{on_disk:,}" if on_disk is not None else "an unknown number of"
                say(f"Regenerating sample export {name}: {rows_per_month:,} rows a month requested, "
                    f"{was} on disk ...")
                shutil.rmtree(folder)
            generate_sample(sample_root, cur_version=version, export_name=name, prefix="cur", data_format=fmt,
                            periods=months_from("2024-01", 3), rows_per_period=rows_per_month, files_per_period=2)
            (folder / DEMO_MARKER).write_text(json.dumps({"rows_per_month": rows_per_month}))
        options = ImportOptions.configured(cfg, data_dir=target, destination=Destination("duckdb", DEFAULT_DATASET),
                                           prefix="cur", export_name=name)
        with progress_bars(quiet) as bar:
            summary = run_import(options, TERMS, LocalSource(sample_root), parsers, bar)
        views.append(summary.periods[0].view)
        for p in summary.periods:
            loaded += p.rows if p.status == "loaded" else 0
            what = (f"loaded {p.rows:,} rows into {DEFAULT_DATASET}.{p.table}" if p.status == "loaded"
                    else "up to date" if p.status == "skipped" else f"failed: {p.error}")
            say(f"{name} {p.billing_period}: {what}")
    return views, summary, loaded


def demo_runner(config) -> dict:
    """The ``aws-demo`` pipeline (``finops demo``): the demo exports imported quietly into the data directory."""
    views, summary, loaded = import_demo(config, config.data_dir(), 5_000, True, None)
    summary.raise_for_failures()
    return {"rows": loaded, "views": views}


@app.command("demo")
def demo(
    data_dir: Path | None = DataDirOption,
    rows_per_month: int = typer.Option(5_000, "--rows-per-month", min=1, help="Line items per sample period."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    config: Path | None = ConfigOption,
) -> None:
    """Generate sample CUR v1 (CSV.gz) and CUR 2.0 (Parquet) exports, import them into the data directory's
    DuckDB file, and show what was loaded. Run it again: nothing new, nothing is read."""
    from rich.markup import escape
    from rich.table import Table

    from open_finops.api import console, open_database
    from open_finops_aws.settings import DEFAULT_DATASET

    cfg = load_settings(config)
    target = cfg.data_dir(data_dir)
    out = console(stderr=False)
    views, summary, _rows = import_demo(cfg, target, rows_per_month, quiet, out)
    con = open_database(cfg, target, read_only=True)
    try:
        table = Table(title=escape(f"Unblended cost by billing period ({summary.database})"))
        for header in ("Export", "Period", "Line items", "Unblended cost (USD)"):
            table.add_column(header)
        for (name, _version, _fmt), view in zip(DEMO_EXPORTS, views, strict=True):
            for period, count, cost in con.execute(
                f'SELECT billing_period, count(*), sum(line_item_unblended_cost) FROM {DEFAULT_DATASET}."{view}" '
                "GROUP BY 1 ORDER BY 1"
            ).fetchall():
                table.add_row(name, period, f"{count:,}", f"{cost:,.2f}")
        out.print(table)
    finally:
        con.close()
    where = "" if target == cfg.data_dir(None) else f" --data-dir {target}"
    typer.echo(f"Query it: finops query{where} \"SELECT line_item_product_code, billing_period, "
               f"sum(line_item_unblended_cost) FROM {DEFAULT_DATASET}.{views[0]} "
               "GROUP BY ALL ORDER BY ALL\"")
