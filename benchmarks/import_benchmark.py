"""Benchmark ``finops aws import-cur`` against DuckDB's own CSV reader and pyarrow's parser on the same files.

Run from the repository root with the development environment's Python::

    python benchmarks/import_benchmark.py                 # 2 months x 1,000,000 rows, 4 CSV.gz files a month
    python benchmarks/import_benchmark.py --scaling       # the import alone at 1x and 4x rows, one month each

Each contender runs in its own child process, so its peak RSS is its own (``ru_maxrss`` from ``os.wait4``).
The machine is shared and small, so absolute seconds are noisy; the ratios between contenders that ran
a minute apart on the same files are the figures to compare. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

SCRIPT = Path(__file__).resolve()
EXPORT_NAME = "bench"
PREFIX = "cur"
FIRST_PERIOD = "2024-01"
COST_COLUMN = "line_item_unblended_cost"
COST_TOLERANCE = Decimal("1e-6")
TARGET_VS_DUCKDB = 0.8
SCALING_FACTOR = 4
MIB = 1024 * 1024
# How the script calls itself in child processes: to run a reference, to measure a command.
REFERENCE_COMMAND = "_reference"
MEASURE_COMMAND = "_measure"


@dataclass(frozen=True)
class ChildRun:
    """What one child process cost: wall time, CPU time and peak resident memory."""

    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    stdout: str


@dataclass(frozen=True)
class Result:
    contender: str
    rows: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rows_per_second": round(self.rows_per_second)}


class BenchmarkError(Exception):
    """A contender failed or loaded the wrong data: the figures would mean nothing."""


# -- the export ---------------------------------------------------------------------------------------------


def periods(months: int) -> tuple[str, ...]:
    year, month = (int(part) for part in FIRST_PERIOD.split("-"))
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def generate(root: Path, *, rows_per_month: int, months: int, files_per_month: int, cur_version: str):
    """Write the CSV.gz export under ``root`` (the bucket's layout) and return the generator's totals."""
    from open_finops_aws.sample import generate_sample

    return generate_sample(
        root, cur_version=cur_version, export_name=EXPORT_NAME, prefix=PREFIX, periods=periods(months),
        rows_per_period=rows_per_month, files_per_period=files_per_month, data_format="csv",
    )


def data_files(sample) -> list[Path]:
    return [sample.root / key for totals in sample.periods.values() for key in totals.data_keys]


def total_rows(sample) -> int:
    return sum(totals.rows for totals in sample.periods.values())


# -- running a contender ------------------------------------------------------------------------------------


def child_environment() -> dict[str, str]:
    """The caller's environment without open-finops settings, so every run measures the defaults."""
    return {name: value for name, value in os.environ.items() if not name.startswith("OPEN_FINOPS_")}


def run_child(command: list[str], cwd: Path, label: str) -> ChildRun:
    """Run ``command`` under the measuring wrapper; output goes to files, so no full pipe can stall it."""
    stem = file_stem(label)
    out_path, err_path, usage_path = (cwd / f"{stem}.{kind}" for kind in ("stdout", "stderr", "usage.json"))
    wrapped = [sys.executable, str(SCRIPT), MEASURE_COMMAND, str(usage_path), *command]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        code = subprocess.run(wrapped, cwd=cwd, stdout=out, stderr=err, env=child_environment()).returncode
    if code != 0:
        tail = err_path.read_text(errors="replace").strip().splitlines()[-15:]
        raise BenchmarkError(f"{label} exited with {code}:\n" + "\n".join(tail))
    usage = json.loads(usage_path.read_text())
    return ChildRun(usage["seconds"], usage["cpu_seconds"], usage["peak_rss_bytes"], out_path.read_text())


def file_stem(label: str) -> str:
    return re.sub(r"\W+", "-", label).strip("-")


def measure_main(argv: list[str]) -> int:
    """Run ``argv[1:]``, write its wall time, CPU time and peak RSS to ``argv[0]``, exit with its code.

    A child's ``ru_maxrss`` starts from the memory of the process that spawned it (Linux carries the
    high-water mark across exec), so the benchmark, which holds the generator's memory, would inflate
    every figure. This wrapper is small, so what it spawns is measured from near zero.
    """
    usage_path, command = Path(argv[0]), argv[1:]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    # wait4 rather than Popen.wait: it hands back the rusage of exactly this child.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    usage_path.write_text(json.dumps({
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # kilobytes on Linux
    }))
    return process.returncode


def result(contender: str, rows: int, run: ChildRun) -> Result:
    return Result(contender, rows, round(run.seconds, 2), round(run.cpu_seconds, 2),
                  round(run.peak_rss_bytes / MIB, 1))


def import_command(sample, data_dir: Path, profile: Path | None = None) -> list[str]:
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    return [
        sys.executable, *profiler, "-m", "open_finops", "aws", "import-cur", "--from-dir", str(sample.root),
        "-p", PREFIX, "-n", EXPORT_NAME, "--data-dir", str(data_dir), "--quiet", "--json",
    ]


def run_import(sample, runs: Path, label: str = "import") -> Result:
    """The real import into a fresh data directory, checked against the generator's totals."""
    data_dir = runs / f"{file_stem(label)}-data"
    run = run_child(import_command(sample, data_dir), runs, label)
    summary = json.loads(run.stdout)
    verify_import(Path(summary["database"]), summary["dataset"], summary["periods"], sample)
    return result(label, summary["rows"], run)


def run_duckdb(sample, runs: Path) -> Result:
    run = run_child(reference_command("duckdb", sample, runs / "read_csv.duckdb"), runs, "duckdb")
    return result("duckdb read_csv", checked_rows("duckdb read_csv", run, sample), run)


def run_pyarrow(sample, runs: Path) -> Result:
    run = run_child(reference_command("pyarrow", sample), runs, "pyarrow")
    return result("pyarrow parse", checked_rows("pyarrow parse", run, sample), run)


def reference_command(kind: str, sample, database: Path | None = None) -> list[str]:
    options = ["--database", str(database)] if database else []
    if len({frozenset(t.columns) for t in sample.periods.values()}) > 1:
        options.append("--union-by-name")
    return [sys.executable, str(SCRIPT), REFERENCE_COMMAND, kind, *options, *map(str, data_files(sample))]


def checked_rows(contender: str, run: ChildRun, sample) -> int:
    rows = json.loads(run.stdout)["rows"]
    if rows != total_rows(sample):
        raise BenchmarkError(f"{contender} read {rows:,} rows; the generator wrote {total_rows(sample):,}")
    return rows


# -- checking what the import loaded ------------------------------------------------------------------------


def verify_import(database: Path, dataset: str, loaded: list[dict], sample) -> None:
    """Every generated month is in its table with exactly the generated rows and unblended cost."""
    import duckdb

    tables = {p["billing_period"]: p["table"] for p in loaded if p["status"] == "loaded"}
    problems = [f"{period}: not loaded" for period in sample.periods if period not in tables]
    with duckdb.connect(str(database), read_only=True) as con:
        for period, table in tables.items():
            expected = sample.periods[period]
            rows, cost = con.execute(
                f'SELECT count(*), sum("{COST_COLUMN}") FROM "{dataset}"."{table}"'
            ).fetchone()
            if rows != expected.rows:
                problems.append(f"{period}: {rows:,} rows loaded, {expected.rows:,} generated")
            if cost is None or abs(Decimal(str(cost)) - expected.unblended_cost) > COST_TOLERANCE:
                problems.append(f"{period}: unblended cost {cost} loaded, "
                                f"{expected.unblended_cost} generated")
    if problems:
        raise BenchmarkError("the import loaded the wrong data: " + "; ".join(problems))


# -- the references, run in child processes -----------------------------------------------------------------


def reference_duckdb(database: Path, files: list[str], union_by_name: bool) -> int:
    """DuckDB's own CSV import with its default type detection: the throughput to match."""
    import duckdb

    options = ", union_by_name = true" if union_by_name else ""
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv($files{options})", {"files": files})
        return con.execute("SELECT count(*) FROM t").fetchone()[0]


def reference_pyarrow(files: list[str]) -> int:
    """pyarrow's streaming parse of the gzip streams to text columns: the floor of any CSV import."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from open_finops.ingest.readers import CSV_BLOCK_SIZE

    rows = 0
    for path in files:
        # Every column as text: a column empty in the first block would be typed null and fail later.
        convert = pacsv.ConvertOptions(column_types=dict.fromkeys(csv_header(path), pa.string()))
        with pa.CompressedInputStream(pa.OSFile(path), "gzip") as stream:
            reader = pacsv.open_csv(stream, read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_SIZE),
                                    convert_options=convert)
            rows += sum(batch.num_rows for batch in reader)
    return rows


def csv_header(path: str) -> list[str]:
    import csv
    import gzip

    with gzip.open(path, "rt", newline="") as text:
        return next(csv.reader(text))


def reference_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"{SCRIPT.name} {REFERENCE_COMMAND}")
    parser.add_argument("kind", choices=("duckdb", "pyarrow"))
    parser.add_argument("--database", type=Path)
    parser.add_argument("--union-by-name", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    if args.kind == "duckdb":
        rows = reference_duckdb(args.database, args.files, args.union_by_name)
    else:
        rows = reference_pyarrow(args.files)
    print(json.dumps({"rows": rows}))


# -- reporting ----------------------------------------------------------------------------------------------


def ratios(results: dict[str, Result]) -> dict[str, float]:
    """Throughput and memory of the import relative to each reference (throughput > 1: import faster)."""
    ours = results["import"]
    out: dict[str, float] = {}
    for name, key in (("duckdb read_csv", "duckdb"), ("pyarrow parse", "pyarrow")):
        other = results[name]
        out[f"throughput_vs_{key}"] = round(ours.rows_per_second / other.rows_per_second, 3)
        out[f"peak_rss_vs_{key}"] = round(ours.peak_rss_mib / other.peak_rss_mib, 3)
    return out


def format_table(results: list[Result]) -> str:
    lines = [f"{'contender':<18}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'cpu s':>9}{'peak RSS MiB':>14}"]
    for r in results:
        lines.append(f"{r.contender:<18}{r.rows:>12,}{r.seconds:>10.2f}{r.rows_per_second:>12,.0f}"
                     f"{r.cpu_seconds:>9.1f}{r.peak_rss_mib:>14,.0f}")
    return "\n".join(lines)


def format_ratios(found: dict[str, float]) -> str:
    verdict = "meets" if found["throughput_vs_duckdb"] >= TARGET_VS_DUCKDB else "misses"
    return "\n".join([
        f"import vs duckdb read_csv: throughput {found['throughput_vs_duckdb']:.2f}x "
        f"({verdict} the {TARGET_VS_DUCKDB}x target), peak RSS {found['peak_rss_vs_duckdb']:.2f}x",
        f"import vs pyarrow parse:   throughput {found['throughput_vs_pyarrow']:.2f}x, "
        f"peak RSS {found['peak_rss_vs_pyarrow']:.2f}x",
    ])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the two modes ------------------------------------------------------------------------------------------


def compare(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Generate once, then run the import and both references on the same files."""
    log(f"generating {args.months} x {args.rows_per_month:,} rows, {args.files_per_month} files a month")
    started = time.perf_counter()
    sample = generate(fresh(work / "export"), rows_per_month=args.rows_per_month, months=args.months,
                      files_per_month=args.files_per_month, cur_version=args.cur_version)
    generation = {"seconds": round(time.perf_counter() - started, 2), "rows": total_rows(sample),
                  "files": len(data_files(sample)),
                  "mib": round(sum(t.bytes for t in sample.periods.values()) / MIB, 1)}
    runs = fresh(work / "runs")
    results: dict[str, Result] = {}
    for contender, run in (("import", run_import), ("duckdb read_csv", run_duckdb),
                           ("pyarrow parse", run_pyarrow)):
        log(f"running {contender}")
        results[contender] = run(sample, runs)
    if args.profile:
        log(f"profiling the import into {args.profile}")
        run_child(import_command(sample, runs / "profiled-data", args.profile.resolve()), runs, "profiled")
    return {"generation": generation, "results": list(results.values()), "ratios": ratios(results)}


def scaling(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """The import alone at 1x and 4x the rows of one month: peak RSS should not grow with the month."""
    results = []
    for factor in (1, SCALING_FACTOR):
        rows = args.rows_per_month * factor
        log(f"generating 1 x {rows:,} rows in {args.files_per_month} CSV.gz files")
        # The same number of files, so each file grows too: memory must be bounded by neither.
        sample = generate(fresh(work / "export"), rows_per_month=rows, months=1,
                          files_per_month=args.files_per_month, cur_version=args.cur_version)
        log(f"running import of {rows:,} rows")
        results.append(run_import(sample, fresh(work / "runs"), label=f"import {rows:,}"))
    growth = round(results[1].peak_rss_mib / results[0].peak_rss_mib, 3)
    return {"results": results, "ratios": {"peak_rss_growth": growth}}


def fresh(path: Path) -> Path:
    """An empty folder the benchmark owns (a previous run's leftovers would turn the import into a skip)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def print_report(report: dict[str, object], as_json: bool) -> None:
    results: list[Result] = report["results"]  # type: ignore[assignment]
    if as_json:
        print(json.dumps({**report, "results": [r.as_dict() for r in results]}, indent=2))
        return
    if "generation" in report:
        g = report["generation"]
        print(f"generated {g['rows']:,} rows in {g['files']} files ({g['mib']:,} MiB) in {g['seconds']:.1f}s")
    print(format_table(results))
    found: dict[str, float] = report["ratios"]  # type: ignore[assignment]
    if "peak_rss_growth" in found:
        print(f"peak RSS at {SCALING_FACTOR}x the rows: {found['peak_rss_growth']:.2f}x (flat is 1.0)")
    else:
        print(format_ratios(found))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows-per-month", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=2)
    parser.add_argument("--files-per-month", type=int, default=4)
    parser.add_argument("--cur-version", choices=("v1", "v2"), default="v1")
    parser.add_argument("--workdir", type=Path, help="folder for the export and databases (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated export and databases")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--scaling", action="store_true",
                        help=f"the import alone at 1x and {SCALING_FACTOR}x --rows-per-month, one month each")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="also run the import under cProfile (not timed), saving the stats to FILE")
    args = parser.parse_args(argv)
    if min(args.rows_per_month, args.months, args.files_per_month) < 1:
        parser.error("--rows-per-month, --months and --files-per-month must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [MEASURE_COMMAND]:
        return measure_main(argv[1:])
    if argv[:1] == [REFERENCE_COMMAND]:
        reference_main(argv[1:])
        return 0
    args = parse_args(argv)
    work = args.workdir.resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="finops-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        report = scaling(args, work) if args.scaling else compare(args, work)
    except BenchmarkError as exc:
        log(f"benchmark failed: {exc}")
        return 1
    finally:
        if not args.keep:
            for owned in ("export", "runs"):
                shutil.rmtree(work / owned, ignore_errors=True)
            if not args.workdir:
                shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")
    print_report(report, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
