"""A sample hello export with known totals: for the tests, and for trying ``finops hello import``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import typer

from finops_hello.importer import MANIFEST
from open_finops.api import JsonOption, month, print_json

COLUMNS = {"usage_date": "date", "team": "string", "service": "string", "account": "string",
           "quantity": "integer", "cost": "decimal"}
TEAMS = ("checkout", "search", "payments")
SERVICES = ("compute", "storage", "network", "database")


@dataclass(frozen=True)
class SamplePeriod:
    """What one period of the sample holds: compare a loaded table with it."""

    version: str
    rows: int
    cost: Decimal
    manifest: Path
    data_files: tuple[Path, ...]


def write_sample(root: Path, *, export: str = "team_costs", periods: Sequence[str] = ("2024-01", "2024-02"),
                 version: str = "1", rows: int = 1000, files: int = 2, seed: int = 0) -> dict[str, SamplePeriod]:
    """Write (or rewrite, as a new ``version``) each period of ``export`` under ``root``.

    Costs have four decimals and differ from month to month; a different ``seed`` gives different costs.
    A period's old CSV files are removed first and its manifest is written last, as a well-behaved exporting
    tool does.
    """
    written = {}
    for period in periods:
        folder = Path(root) / export / period
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        paths = tuple(folder / f"part-{i}.csv" for i in range(files))
        total, shift = 0, seed * 104729 + int(period.replace("-", "")) * 31  # costs in ten-thousandths
        for i, path in enumerate(paths):
            lines = [",".join(COLUMNS)]
            for n in range(i, rows, files):
                cost = (n * 7919 + shift) % 1_000_000
                total += cost
                lines.append(f"{period}-{n % 28 + 1:02d},{TEAMS[n % 3]},{SERVICES[n % 4]},{n % 5:012d},"
                             f"{n % 10 + 1},{cost // 10_000}.{cost % 10_000:04d}")
            path.write_text("\n".join(lines) + "\n")
        manifest = folder / MANIFEST
        manifest.write_text(json.dumps({"export": export, "period": period, "version": version,
                                        "files": [p.name for p in paths], "columns": COLUMNS}, indent=2) + "\n")
        written[period] = SamplePeriod(version, rows, Decimal(total).scaleb(-4), manifest, paths)
    return written


def months(start: str, count: int) -> list[str]:
    year, month = int(start[:4]), int(start[5:7])
    return [f"{year + (month - 1 + i) // 12:04d}-{(month - 1 + i) % 12 + 1:02d}" for i in range(count)]


def generate_sample(
    out: Path = typer.Argument(..., help="Folder to write the export into."),
    export_name: str = typer.Option("team_costs", "--export-name", "-n", help="Export name."),
    start_date: str = typer.Option("2024-01", "--start-date", "-s", help="First billing period, YYYY-MM."),
    count: int = typer.Option(2, "--months", "-m", min=1, max=120, help="How many billing periods."),
    rows: int = typer.Option(1000, "--rows", min=1, help="Rows per period."),
    version: str = typer.Option("1", "--version", help="Version id written into the manifests."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same costs."),
    as_json: bool = JsonOption,
) -> None:
    """Write a sample hello export (CSV files and manifests) with known row counts and cost totals."""
    start = month(start_date, "--start-date") or "2024-01"
    sample = write_sample(out, export=export_name, periods=months(start, count), version=version, rows=rows,
                          seed=seed)
    summary = [{"billing_period": p, "version": s.version, "rows": s.rows, "cost": str(s.cost),
                "manifest": str(s.manifest)} for p, s in sample.items()]
    if as_json:
        print_json(summary)
        return
    for line in summary:
        typer.echo(f"{export_name} {line['billing_period']}: {line['rows']:,} rows, cost {line['cost']}")
    typer.echo(f"Import it with: finops hello import --from-dir {out}")
