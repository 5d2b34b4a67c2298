"""What every vendor's import command shares: common options, and running an import with a report.

``import_and_report`` runs the engine with progress bars on a terminal, one line per period as it
finishes, ``--quiet`` and ``--json``, and ends with one error line naming every failed period. A vendor
command resolves its flags into :class:`~open_finops.ingest.engine.ImportOptions` and a source, then calls it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from open_finops.contributions import ManifestParser
    from open_finops.ingest.engine import ImportOptions, ImportSummary, PeriodResult
    from open_finops.ingest.sources import BillingSource
    from open_finops.ingest.terms import VendorTerms

DataDirOption = typer.Option(
    None, "--data-dir", help="Data directory (default: setting project.data_dir, else ./data)."
)
JsonOption = typer.Option(False, "--json", help="Print a JSON object for scripts.")
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars or summary table.")


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def period_line(result: PeriodResult) -> str:
    # Older manifests of the period are named in --json (periods[].superseded); the line counts them.
    older = len(result.superseded)
    newest = f"; newest of {older + 1} manifests of the period" if older else ""
    if result.status == "skipped":
        return f"{result.export_name} {result.billing_period}: up to date (version {result.version_id}{newest})"
    return (
        f"{result.export_name} {result.billing_period}: loaded {result.rows:,} rows from {result.files} "
        f"files ({human_bytes(result.bytes)}) in {result.seconds:.1f}s into {result.table}"
        + (f" ({newest[2:]})" if older else "")
    )


def import_and_report(options: ImportOptions, terms: VendorTerms, source: BillingSource,
                      parsers: Iterable[ManifestParser], *, quiet: bool = False,
                      as_json: bool = False) -> ImportSummary:
    """Run an import as a command does: progress, a line per period, JSON, and the failures raised."""
    from rich.markup import escape

    from open_finops.cli.output import console, print_json, progress
    from open_finops.ingest.engine import run_import

    out = console(stderr=True)

    def report(result: PeriodResult) -> None:
        # Warnings go to stderr even with --quiet or --json (where they are also in the JSON).
        for warning in result.warnings:
            out.print(escape(f"Warning: {result.export_name} {result.billing_period}: {warning}"), soft_wrap=True)
        # Failures are not printed here: the final error line names every failed period, once.
        if result.status == "failed":
            return
        if not (quiet or as_json):
            out.print(escape(period_line(result)), soft_wrap=True)

    with progress(quiet or as_json) as bar:
        summary = run_import(options, terms, source, parsers, bar, on_period=report)
    if as_json:
        print_json(summary.as_dict())
    elif not quiet and all(p.status == "skipped" for p in summary.periods):
        out.print("Every billing period is up to date; nothing was read.")
    summary.raise_for_failures()
    return summary
