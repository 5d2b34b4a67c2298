"""Benchmark ``finops aws import-cur`` against DuckDB's own CSV reader and pyarrow's parser on the same files.

Run from the repository root with the development environment's Python::

    python benchmarks/import_benchmark.py                 # 2 months x 1,000,000 rows, 4 CSV.gz files a month
    python benchmarks/import_benchmark.py --cur-version v2 --format parquet   # vs DuckDB's read_parquet
    python benchmarks/import_benchmark.py --scaling       # the import alone at 1x and 4x rows, one month each
    python benchmarks/import_benchmark.py --focus         # focus build and export over 4x rows, one month
    python benchmarks/import_benchmark.py --startup       # finops --help and plugins list vs import typer
    python benchmarks/import_benchmark.py --destination postgres   # also the import into PostgreSQL

Each contender runs in its own child process, so its peak RSS is its own (``ru_maxrss`` from ``os.wait4``).
The machine is shared and small, so absolute seconds are noisy; the ratios between contenders that ran
a minute apart on the same files are the figures to compare. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
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
# Throughput the import must reach, relative to DuckDB loading the same files with its own reader.
TARGET_VS_DUCKDB = {"csv": 1.2, "parquet": 1.0}
TARGET_PEAK_RSS_MIB = 512
TARGET_FOCUS_VS_DUCKDB = 1.5  # focus build time over DuckDB's CREATE TABLE AS of the same SELECT: at most
TARGET_STARTUP_VS_TYPER = 2.5  # finops start-up over `python -c "import typer"`: at most
STARTUP_REPEATS = 15
SCALING_FACTOR = 4
MIB = 1024 * 1024
# How the script calls itself in child processes: to run a reference, to measure a command.
REFERENCE_COMMAND = "_reference"
MEASURE_COMMAND = "_measure"
# The PostgreSQL contender's schema: dropped, with its load state, before each run.
POSTGRES_DATASET = "finops_benchmark"
POSTGRES_URL_ENV = "FINOPS_BENCH_POSTGRES_URL"


@dataclass(frozen=True)
class ChildRun:
    """What one child process cost: wall time, CPU time, peak resident memory and, when a folder was
    watched, the folder's largest size while it ran and its size at the end."""

    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    stdout: str
    peak_disk_bytes: int = 0
    final_disk_bytes: int = 0


@dataclass(frozen=True)
class Result:
    contender: str
    rows: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    peak_disk_mib: float = 0.0  # the data folder's largest size during the run (the import only)
    final_disk_mib: float = 0.0  # and its size afterwards

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


def generate(root: Path, *, rows_per_month: int, months: int, files_per_month: int, cur_version: str,
             data_format: str = "csv"):
    """Write the export (CSV.gz or Parquet) under ``root`` (the bucket's layout); return the generator's totals."""
    from open_finops_aws.sample import generate_sample

    return generate_sample(
        root, cur_version=cur_version, export_name=EXPORT_NAME, prefix=PREFIX, periods=periods(months),
        rows_per_period=rows_per_month, files_per_period=files_per_month, data_format=data_format,
    )


def data_files(sample) -> list[Path]:
    return [sample.root / key for totals in sample.periods.values() for key in totals.data_keys]


def total_rows(sample) -> int:
    return sum(totals.rows for totals in sample.periods.values())


# -- running a contender ------------------------------------------------------------------------------------


def child_environment() -> dict[str, str]:
    """The caller's environment without open-finops settings, so every run measures the defaults."""
    return {name: value for name, value in os.environ.items() if not name.startswith("OPEN_FINOPS_")}


def run_child(command: list[str], cwd: Path, label: str, watch: Path | None = None,
              env: dict[str, str] | None = None) -> ChildRun:
    """Run ``command`` under the measuring wrapper; output goes to files, so no full pipe can stall it.
    ``watch``: a folder whose size is sampled while the command runs; ``env``: more environment."""
    stem = file_stem(label)
    out_path, err_path, usage_path = (cwd / f"{stem}.{kind}" for kind in ("stdout", "stderr", "usage.json"))
    wrapped = [sys.executable, str(SCRIPT), MEASURE_COMMAND, str(usage_path), str(watch or "-"), *command]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        code = subprocess.run(wrapped, cwd=cwd, stdout=out, stderr=err,
                              env={**child_environment(), **(env or {})}).returncode
    if code != 0:
        tail = err_path.read_text(errors="replace").strip().splitlines()[-15:]
        raise BenchmarkError(f"{label} exited with {code}:\n" + "\n".join(tail))
    usage = json.loads(usage_path.read_text())
    return ChildRun(usage["seconds"], usage["cpu_seconds"], usage["peak_rss_bytes"], out_path.read_text(),
                    usage["peak_disk_bytes"], usage["final_disk_bytes"])


def file_stem(label: str) -> str:
    return re.sub(r"\W+", "-", label).strip("-")


def measure_main(argv: list[str]) -> int:
    """Run ``argv[2:]``, write its wall time, CPU time and peak RSS to ``argv[0]``, exit with its code.
    ``argv[1]`` is a folder to watch the size of while it runs, or ``-``.

    A child's ``ru_maxrss`` starts from the memory of the process that spawned it (Linux carries the
    high-water mark across exec), so the benchmark, which holds the generator's memory, would inflate
    every figure. This wrapper is small, so what it spawns is measured from near zero.
    """
    usage_path, command = Path(argv[0]), argv[2:]
    watch = DiskWatch(Path(argv[1])) if argv[1] != "-" else None
    started = time.perf_counter()
    process = subprocess.Popen(command)
    if watch:
        watch.start()
    # wait4 rather than Popen.wait: it hands back the rusage of exactly this child.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if watch:
        watch.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    usage_path.write_text(json.dumps({
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # kilobytes on Linux
        "peak_disk_bytes": watch.peak if watch else 0,
        "final_disk_bytes": DiskWatch.size(watch.root) if watch else 0,
    }))
    return process.returncode


class DiskWatch:
    """The largest size (allocated blocks) a folder reaches, sampled every few milliseconds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def size(root: Path) -> int:
        total = 0
        for folder, _dirs, files in os.walk(root):
            for name in files:
                with contextlib.suppress(FileNotFoundError):  # deleted while we walk
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.size(self.root))
            time.sleep(0.01)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.size(self.root))


def result(contender: str, rows: int, run: ChildRun) -> Result:
    return Result(contender, rows, round(run.seconds, 2), round(run.cpu_seconds, 2),
                  round(run.peak_rss_bytes / MIB, 1), round(run.peak_disk_bytes / MIB, 1),
                  round(run.final_disk_bytes / MIB, 1))


def import_command(sample, data_dir: Path, profile: Path | None = None) -> list[str]:
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    return [
        sys.executable, *profiler, "-m", "open_finops", "aws", "import-cur", "--from-dir", str(sample.root),
        "-p", PREFIX, "-n", EXPORT_NAME, "--data-dir", str(data_dir), "--quiet", "--json",
    ]


def run_import(sample, runs: Path, label: str = "import") -> Result:
    """The real import into a fresh data directory, checked against the generator's totals."""
    data_dir = runs / f"{file_stem(label)}-data"
    data_dir.mkdir()
    run = run_child(import_command(sample, data_dir), runs, label, watch=data_dir)
    summary = json.loads(run.stdout)
    verify_import(Path(summary["database"]), summary["dataset"], summary["periods"], sample)
    return result(label, summary["rows"], run)


def run_postgres_import(sample, runs: Path, url: str) -> Result:
    """The real import into PostgreSQL (a fresh schema), checked against the generator's totals there."""
    label = "import postgres"
    forget_postgres_dataset(url)
    data_dir = runs / "import-postgres-data"
    data_dir.mkdir()
    command = [*import_command(sample, data_dir), "--destination", "postgres", "--dataset", POSTGRES_DATASET]
    run = run_child(command, runs, label, env={"DESTINATION__POSTGRES__CREDENTIALS": url})
    summary = json.loads(run.stdout)
    verify_postgres_import(url, summary["periods"], sample)
    return result(label, summary["rows"], run)


def forget_postgres_dataset(url: str) -> None:
    """Drop the benchmark's schema and its loads from the server's load state, so the import loads."""
    import psycopg2

    with psycopg2.connect(url) as pg, pg.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{POSTGRES_DATASET}" CASCADE')
        cur.execute("SELECT to_regclass('billing_state.load_state')")
        if cur.fetchone()[0]:
            cur.execute("DELETE FROM billing_state.load_state WHERE destination LIKE %s", [f"%:{POSTGRES_DATASET}"])


def verify_postgres_import(url: str, loaded: list[dict], sample) -> None:
    import psycopg2

    tables = {p["billing_period"]: p["table"] for p in loaded if p["status"] == "loaded"}
    problems = [f"{period}: not loaded" for period in sample.periods if period not in tables]
    with psycopg2.connect(url) as pg, pg.cursor() as cur:
        for period, table in tables.items():
            expected = sample.periods[period]
            cur.execute(f'SELECT count(*), sum("{COST_COLUMN}") FROM "{POSTGRES_DATASET}"."{table}"')
            rows, cost = cur.fetchone()
            if rows != expected.rows or cost != expected.unblended_cost:  # NUMERIC: exact, every digit
                problems.append(f"{period}: {rows:,} rows and unblended cost {cost} loaded, "
                                f"{expected.rows:,} and {expected.unblended_cost} generated")
    if problems:
        raise BenchmarkError("the import into PostgreSQL loaded the wrong data: " + "; ".join(problems))


@contextlib.contextmanager
def postgres_server(url: str | None):
    """``url`` when given; else a throwaway server on 127.0.0.1 from the installed binaries, stopped after."""
    if url:
        yield url
        return
    import socket

    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    bindir = next((b for b in bindirs if (b / "initdb").exists()), None)
    if bindir is None:
        raise BenchmarkError(f"--destination postgres needs a server: set {POSTGRES_URL_ENV} or --postgres-url, "
                             "or install PostgreSQL's server binaries (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="finops-bench-pg-"))  # not under work: the server's user must reach it
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        os.chmod(root, 0o777)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    datadir = root / "data"
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(datadir), "-U", "finops", "-A", "trust"],
                   check=True, capture_output=True)
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(root / "pg.log"), "-w", "-o",
                    f"-p {port} -h 127.0.0.1 -k {root}", "start"], check=True, capture_output=True)
    try:
        log(f"started a throwaway PostgreSQL on port {port}")
        yield f"postgresql://finops:finops@127.0.0.1:{port}/postgres"  # dlt wants a password; trusted anyway
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def duckdb_contender(sample) -> str:
    return f"duckdb read_{sample.data_format}"


def run_duckdb(sample, runs: Path) -> Result:
    name = duckdb_contender(sample)
    run = run_child(reference_command("duckdb", sample, runs / "reference.duckdb"), runs, "duckdb")
    return result(name, checked_rows(name, run, sample), run)


def run_pyarrow(sample, runs: Path) -> Result:
    run = run_child(reference_command("pyarrow", sample), runs, "pyarrow")
    return result("pyarrow parse", checked_rows("pyarrow parse", run, sample), run)


def reference_command(kind: str, sample, database: Path | None = None) -> list[str]:
    options = ["--database", str(database)] if database else []
    options += ["--format", sample.data_format]
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


def reference_duckdb(database: Path, files: list[str], union_by_name: bool, data_format: str = "csv") -> int:
    """DuckDB's own CSV or Parquet import (types detected or as stored): the throughput to match."""
    import duckdb

    options = ", union_by_name = true" if union_by_name else ""
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_{data_format}($files{options})", {"files": files})
        return con.execute("SELECT count(*) FROM t").fetchone()[0]


def reference_pyarrow(files: list[str], data_format: str = "csv") -> int:
    """pyarrow's streaming parse of the gzip streams to text columns (or the Parquet files' batches, as
    stored): the floor of any import."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from open_finops.ingest.readers import BATCH_ROWS, CSV_BLOCK_SIZE

    rows = 0
    if data_format == "parquet":
        import pyarrow.parquet as pq

        for path in files:
            rows += sum(b.num_rows for b in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS))
        return rows
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
    parser.add_argument("kind", choices=("duckdb", "pyarrow", "focus"))
    parser.add_argument("--database", type=Path)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--union-by-name", action="store_true")
    parser.add_argument("files", nargs="*")
    args = parser.parse_intermixed_args(argv)
    if args.kind == "duckdb":
        rows = reference_duckdb(args.database, args.files, args.union_by_name, args.format)
    elif args.kind == "focus":
        rows = reference_focus(args.database)
    else:
        rows = reference_pyarrow(args.files, args.format)
    print(json.dumps({"rows": rows}))


def reference_focus(database: Path) -> int:
    """The FOCUS mapping SELECT of every imported period, as a plain CREATE TABLE AS: what DuckDB alone
    takes to run the transform, without focus build's checks and bookkeeping.

    The file is attached with the row group size finops writes. Opened with DuckDB's own (twice as large),
    the checkpoint at the end merged the imported table's row groups into DuckDB's size, rewriting it
    (12-15 s and 3.5 GB more for 4M rows): work of the storage, not of the SELECT.
    """
    import duckdb

    from open_finops.api import current_registry, load_settings
    from open_finops.database import ROW_GROUP_ROWS

    config = load_settings(None)
    rows = 0
    with duckdb.connect() as con:
        con.execute(f"ATTACH ? AS reference (ROW_GROUP_SIZE {ROW_GROUP_ROWS})", [str(database)])
        con.execute("USE reference")
        for pipeline in current_registry().pipelines_of_kind("focus"):
            for i, source in enumerate(pipeline.load_runner()(con, config=config)):
                table = f"focus_reference_{i}"
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM ({source.sql}) AS s", list(source.params))
                rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return rows


# -- reporting ----------------------------------------------------------------------------------------------


def ratios(results: dict[str, Result], data_format: str) -> dict[str, float]:
    """Throughput and memory of the import relative to each reference (throughput > 1: import faster)."""
    ours = results["import"]
    out: dict[str, float] = {}
    if "import postgres" in results:
        server = results["import postgres"]
        out["postgres_throughput_vs_import"] = round(server.rows_per_second / ours.rows_per_second, 3)
        out["postgres_peak_rss_vs_import"] = round(server.peak_rss_mib / ours.peak_rss_mib, 3)
    for name, key in ((f"duckdb read_{data_format}", "duckdb"), ("pyarrow parse", "pyarrow")):
        other = results[name]
        out[f"throughput_vs_{key}"] = round(ours.rows_per_second / other.rows_per_second, 3)
        out[f"peak_rss_vs_{key}"] = round(ours.peak_rss_mib / other.peak_rss_mib, 3)
    return out


def scratch_disk(result: Result, input_mib: float, months: int) -> dict[str, float]:
    """Disk the import needed beyond what it left (its peak minus the final data folder), next to the
    budget: the compressed files it loaded plus one billing period's share of the database."""
    period = result.final_disk_mib / months
    return {"peak_scratch_mib": round(max(result.peak_disk_mib - result.final_disk_mib, 0.0), 1),
            "scratch_budget_mib": round(input_mib + period, 1)}


def format_table(results: list[Result]) -> str:
    lines = [f"{'contender':<22}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'cpu s':>9}{'peak RSS MiB':>14}"]
    for r in results:
        lines.append(f"{r.contender:<22}{r.rows:>12,}{r.seconds:>10.2f}{r.rows_per_second:>12,.0f}"
                     f"{r.cpu_seconds:>9.1f}{r.peak_rss_mib:>14,.0f}")
    return "\n".join(lines)


def verdict(met: bool) -> str:
    return "meets" if met else "misses"


def format_ratios(found: dict[str, float], data_format: str) -> str:
    target = TARGET_VS_DUCKDB[data_format]
    server = ([f"import postgres vs import: throughput {found['postgres_throughput_vs_import']:.2f}x, "
               f"peak RSS {found['postgres_peak_rss_vs_import']:.2f}x"]
              if "postgres_throughput_vs_import" in found else [])
    return "\n".join(server + [
        f"import vs duckdb read_{data_format}: throughput {found['throughput_vs_duckdb']:.2f}x "
        f"({verdict(found['throughput_vs_duckdb'] >= target)} the {target}x target), "
        f"peak RSS {found['peak_rss_vs_duckdb']:.2f}x",
        f"import vs pyarrow parse:   throughput {found['throughput_vs_pyarrow']:.2f}x, "
        f"peak RSS {found['peak_rss_vs_pyarrow']:.2f}x",
    ])


def format_scratch(found: dict[str, float]) -> str:
    met = found["peak_scratch_mib"] <= found["scratch_budget_mib"]
    return (f"import peak scratch disk {found['peak_scratch_mib']:,.0f} MiB ({verdict(met)} the budget of "
            f"{found['scratch_budget_mib']:,.0f} MiB: the compressed input plus one period in the database)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the modes ----------------------------------------------------------------------------------------------


def generate_logged(work: Path, args: argparse.Namespace, *, rows_per_month: int, months: int):
    log(f"generating {months} x {rows_per_month:,} rows, {args.files_per_month} {args.format} files a month")
    return generate(fresh(work / "export"), rows_per_month=rows_per_month, months=months,
                    files_per_month=args.files_per_month, cur_version=args.cur_version, data_format=args.format)


def input_mib(sample) -> float:
    return round(sum(t.bytes for t in sample.periods.values()) / MIB, 1)


def compare(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Generate once, then run the import and both references on the same files."""
    started = time.perf_counter()
    sample = generate_logged(work, args, rows_per_month=args.rows_per_month, months=args.months)
    generation = {"seconds": round(time.perf_counter() - started, 2), "rows": total_rows(sample),
                  "files": len(data_files(sample)), "mib": input_mib(sample)}
    runs = fresh(work / "runs")
    contenders = [("import", run_import), (duckdb_contender(sample), run_duckdb), ("pyarrow parse", run_pyarrow)]
    rounds: list[dict[str, Result]] = []
    with contextlib.ExitStack() as stack:
        if args.destination == "postgres":
            url = stack.enter_context(postgres_server(args.postgres_url or os.environ.get(POSTGRES_URL_ENV)))
            contenders.insert(1, ("import postgres", lambda sample, runs: run_postgres_import(sample, runs, url)))
        for n in range(args.rounds):
            # Each round runs every contender once, in turn, so that a slow spell of the host falls on all.
            where = fresh(runs / f"round-{n + 1}")
            rounds.append({})
            for contender, run in contenders:
                log(f"running {contender}" + (f" (round {n + 1} of {args.rounds})" if args.rounds > 1 else ""))
                rounds[-1][contender] = run(sample, where)
            if n + 1 < args.rounds:
                shutil.rmtree(where)
    results = {name: median_run([r[name] for r in rounds]) for name in rounds[0]}
    if args.profile:
        log(f"profiling the import into {args.profile}")
        run_child(import_command(sample, runs / "profiled-data", args.profile.resolve()), runs, "profiled")
    # Each ratio is the median of the rounds' own: a round's contenders ran within a minute of each other,
    # so a slow spell of the host weighs on both sides of its ratio.
    each = [ratios(r, args.format) for r in rounds]
    found = {key: round(statistics.median(r[key] for r in each), 3) for key in each[0]}
    found.update(scratch_disk(results["import"], generation["mib"], args.months))
    report = {"generation": generation, "format": args.format, "results": list(results.values()), "ratios": found}
    if args.rounds > 1:
        report["rounds"] = each
    return report


def median_run(results: list[Result]) -> Result:
    """The run of median time (the lower of the two middle ones for an even count)."""
    return sorted(results, key=lambda r: r.seconds)[(len(results) - 1) // 2]


def scaling(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """The import alone at 1x and 4x the rows of one month: peak RSS should not grow with the month."""
    results = []
    scratch = []
    for factor in (1, SCALING_FACTOR):
        rows = args.rows_per_month * factor
        # The same number of files, so each file grows too: memory must be bounded by neither.
        sample = generate_logged(work, args, rows_per_month=rows, months=1)
        log(f"running import of {rows:,} rows")
        results.append(run_import(sample, fresh(work / "runs"), label=f"import {rows:,}"))
        scratch.append(scratch_disk(results[-1], input_mib(sample), 1))
    growth = round(results[1].peak_rss_mib / results[0].peak_rss_mib, 3)
    return {"results": results, "ratios": {"peak_rss_growth": growth,
                                           "peak_rss_max_mib": max(r.peak_rss_mib for r in results),
                                           **scratch[-1]}}


def finops_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "open_finops", *args]


def focus(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """One month of 4x the rows imported, then ``focus build`` against DuckDB running the same mapping
    SELECT as a plain CREATE TABLE AS, and ``focus export`` to Parquet and to CSV."""
    rows = args.rows_per_month * SCALING_FACTOR
    sample = generate_logged(work, args, rows_per_month=rows, months=1)
    runs = fresh(work / "runs")
    log(f"importing {rows:,} rows")
    imported = run_import(sample, runs)
    data_dir = runs / "import-data"
    database = data_dir / "finops.duckdb"
    reference = runs / "focus-reference.duckdb"
    shutil.copyfile(database, reference)  # before the build, so the reference reads the same tables
    log("running focus build")
    build = run_child(finops_command("focus", "build", "--data-dir", str(data_dir), "--quiet", "--json"),
                      runs, "focus build")
    built = json.loads(build.stdout)
    if built["failed"] or built["built"] != 1:
        raise BenchmarkError(f"focus build did not build the month: {built}")
    built_rows = sum(p["rows"] or 0 for p in built["periods"])
    log("running duckdb CREATE TABLE AS of the FOCUS SELECT")
    plain = run_child([sys.executable, str(SCRIPT), REFERENCE_COMMAND, "focus", "--database", str(reference)],
                      runs, "focus reference")
    plain_rows = json.loads(plain.stdout)["rows"]
    if not built_rows == plain_rows == rows:
        raise BenchmarkError(f"focus build wrote {built_rows:,} rows, the reference {plain_rows:,}; "
                             f"{rows:,} were imported")
    results = [imported, result("focus build", built_rows, build), result("duckdb focus CTAS", plain_rows, plain)]
    for fmt in ("parquet", "csv"):
        log(f"running focus export to {fmt}")
        out = runs / f"focus.{fmt}"
        run = run_child(finops_command("focus", "export", "--data-dir", str(data_dir), "--out", str(out)),
                        runs, f"focus export {fmt}")
        results.append(result(f"focus export {fmt}", rows, run))
    found = {
        "focus_build_vs_duckdb": round(results[1].seconds / results[2].seconds, 3),
        "peak_rss_max_mib": max(r.peak_rss_mib for r in results[1:2] + results[3:]),
    }
    return {"results": results, "ratios": found}


def startup(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Median wall time of `finops --help` and `finops plugins list` against `python -c "import typer"`."""
    commands = {
        "import typer": [sys.executable, "-c", "import typer"],
        "finops --help": finops_command("--help"),
        "finops plugins list": finops_command("plugins", "list"),
    }
    # As installed: pip compiles a wheel's modules at install time, so typer's bytecode is there. A checkout's
    # is written on the first run, unless PYTHONDONTWRITEBYTECODE is set: then every run would compile our
    # modules again (40 ms of a 260 ms --help here). One untimed run of each writes it.
    env = {name: value for name, value in child_environment().items() if name != "PYTHONDONTWRITEBYTECODE"}
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for repeat in range(args.repeats + 1):
        for name, command in commands.items():  # interleaved, so a busy moment hits all of them alike
            started = time.perf_counter()
            subprocess.run(command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                           check=True)
            if repeat:
                seconds[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    results = [Result(name, 0, round(value, 3), 0.0, 0.0) for name, value in medians.items()]
    typer = medians["import typer"]
    found = {f"{name.removeprefix('finops ').replace(' ', '_').strip('-')}_vs_typer": round(value / typer, 3)
             for name, value in medians.items() if name != "import typer"}
    return {"results": results, "ratios": found}


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
    found: dict[str, float] = report["ratios"]  # type: ignore[assignment]
    if "help_vs_typer" in found:
        for r in results:
            print(f"{r.contender:<22}{r.seconds * 1000:>8.0f} ms (median)")
        for name in ("help", "plugins_list"):
            ratio = found[f"{name}_vs_typer"]
            print(f"finops {name.replace('_', ' ')} vs import typer: {ratio:.2f}x "
                  f"({verdict(ratio <= TARGET_STARTUP_VS_TYPER)} the {TARGET_STARTUP_VS_TYPER}x target)")
        return
    if "generation" in report:
        g = report["generation"]
        print(f"generated {g['rows']:,} rows in {g['files']} files ({g['mib']:,} MiB) in {g['seconds']:.1f}s")
    print(format_table(results))
    most = found.get("peak_rss_max_mib", 0.0)
    rss = (f"peak RSS at most {most:,.0f} MiB "
           f"({verdict(most < TARGET_PEAK_RSS_MIB)} the {TARGET_PEAK_RSS_MIB} MiB target)")
    if "focus_build_vs_duckdb" in found:
        ratio = found["focus_build_vs_duckdb"]
        print(f"focus build vs duckdb CREATE TABLE AS: {ratio:.2f}x the time "
              f"({verdict(ratio <= TARGET_FOCUS_VS_DUCKDB)} the {TARGET_FOCUS_VS_DUCKDB}x target)")
        print(f"focus build and export: {rss}")
        return
    if "peak_rss_growth" in found:
        print(f"peak RSS at {SCALING_FACTOR}x the rows: {found['peak_rss_growth']:.2f}x (flat is 1.0); {rss}")
    else:
        if "rounds" in report:
            each = ", ".join(f"{r['throughput_vs_duckdb']:.2f}x" for r in report["rounds"])  # type: ignore[index]
            print(f"{len(report['rounds'])} rounds (each contender's median run above); the ratios below are "  # type: ignore[arg-type]
                  f"the medians of the rounds' own; import vs duckdb throughput in each round: {each}")
        print(format_ratios(found, report["format"]))
    print(format_scratch(found))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows-per-month", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=2)
    parser.add_argument("--files-per-month", type=int, default=4)
    parser.add_argument("--cur-version", choices=("v1", "v2"), default="v1")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv",
                        help="the data files: CSV.gz (against read_csv) or Parquet (against read_parquet)")
    parser.add_argument("--workdir", type=Path, help="folder for the export and databases (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated export and databases")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--scaling", action="store_true",
                      help=f"the import alone at 1x and {SCALING_FACTOR}x --rows-per-month, one month each")
    mode.add_argument("--focus", action="store_true",
                      help=f"focus build and export over one month of {SCALING_FACTOR}x --rows-per-month")
    mode.add_argument("--startup", action="store_true",
                      help="start-up of finops --help and plugins list against python -c 'import typer'")
    parser.add_argument("--repeats", type=int, default=STARTUP_REPEATS, help="--startup: runs of each command")
    parser.add_argument("--rounds", type=int, default=1,
                        help="the default comparison: run the import and the references this many times, in "
                             "turn, and compare each one's median run")
    parser.add_argument("--destination", choices=("duckdb", "postgres"), default="duckdb",
                        help="postgres: also run the import into PostgreSQL, next to the one into DuckDB")
    parser.add_argument("--postgres-url", metavar="URL",
                        help=f"the PostgreSQL server for --destination postgres (also {POSTGRES_URL_ENV}); "
                             "default: a throwaway one started from /usr/lib/postgresql/*/bin")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="also run the import under cProfile (not timed), saving the stats to FILE")
    args = parser.parse_args(argv)
    if args.destination == "postgres" and (args.scaling or args.focus or args.startup):
        parser.error("--destination postgres runs with the default comparison, not --scaling, --focus or --startup")
    if args.rounds > 1 and (args.scaling or args.focus or args.startup):
        parser.error("--rounds runs with the default comparison, not --scaling, --focus or --startup")
    if min(args.rows_per_month, args.months, args.files_per_month, args.repeats, args.rounds) < 1:
        parser.error("--rows-per-month, --months, --files-per-month, --repeats and --rounds must be at least 1")
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
    mode = scaling if args.scaling else focus if args.focus else startup if args.startup else compare
    try:
        report = mode(args, work)
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
