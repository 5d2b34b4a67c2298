"""How much ``finops report`` costs on top of the DuckDB queries it runs, as a ratio.

Usage (from the repository root, with the checkout's .venv and the report plugin installed):

    .venv/bin/python benchmarks/report_benchmark.py                 # 4,000,000 FOCUS rows
    .venv/bin/python benchmarks/report_benchmark.py --rows 500000 --json

1. It writes a ``focus.costs`` table of ``--rows`` rows with DuckDB SQL (core's FOCUS types; three providers,
   four months, the last in progress, commitment discounts and tags) into a fresh data directory.
2. It records the queries ``finops report`` runs (SQL and parameters) by running the report's figure code
   once against a connection that notes them.
3. Two contenders, each in a child process of its own, timed from outside:
   - **queries**: DuckDB alone opens the file and runs those queries, fetching every result;
   - **report**: ``python -m open_finops report --out report.html --tag-key team --json``, the whole command
     (start-up, the queries, plotly and writing the file).
4. It prints both times and ``report / queries``. The target is below 2. The time is not asserted anywhere:
   a shared machine makes timed tests flaky, the ratio is what to watch.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATABASE_FILE = "finops.duckdb"
TARGET = 2.0

FOCUS_ROWS = """
CREATE SCHEMA focus;
CREATE TABLE focus.costs AS
WITH rows AS (
    SELECT i, DATE '2024-01-01' + CAST(i % 110 AS INTEGER) AS day,  -- 2024-01-01 .. 2024-04-19
           ['AWS', 'Microsoft', 'Google Cloud'][1 + i % 3] AS provider, i % 40 AS service, i % 60 AS account,
           i % 7 AS commitment
    FROM range($rows) t(i)
)
SELECT CAST(CASE WHEN commitment IN (0, 1) THEN 0 ELSE (i % 997) * 0.01 END AS DECIMAL(38, 18)) AS "BilledCost",
       CAST(CASE WHEN commitment = 2 THEN 0.25 ELSE (i % 997) * 0.01 END AS DECIMAL(38, 18)) AS "EffectiveCost",
       CAST(CASE WHEN commitment = 2 THEN 0 ELSE (i % 997) * 0.015 END AS DECIMAL(38, 18)) AS "ListCost",
       CAST((i % 997) * 0.01 AS DECIMAL(38, 18)) AS "ContractedCost",
       'USD' AS "BillingCurrency",
       CAST(date_trunc('month', day) AS TIMESTAMPTZ) AS "BillingPeriodStart",
       CAST(date_trunc('month', day) + INTERVAL 1 MONTH AS TIMESTAMPTZ) AS "BillingPeriodEnd",
       CAST(day AS TIMESTAMPTZ) AS "ChargePeriodStart",
       CAST(day + INTERVAL 1 DAY AS TIMESTAMPTZ) AS "ChargePeriodEnd",
       'Usage-Based' AS "ChargeFrequency", 'Usage' AS "ChargeCategory",
       provider AS "ProviderName", provider AS "PublisherName", provider AS "InvoiceIssuerName",
       'Service ' || service AS "ServiceName",
       ['Compute', 'Storage', 'Databases', 'Networking', 'Analytics'][1 + service % 5] AS "ServiceCategory",
       'account-' || account AS "SubAccountId", 'Account ' || account AS "SubAccountName",
       CASE WHEN commitment < 3 THEN 'commitment-' || service END AS "CommitmentDiscountId",
       CASE commitment WHEN 0 THEN 'Used' WHEN 1 THEN 'Used' WHEN 2 THEN 'Unused' END AS "CommitmentDiscountStatus",
       CASE WHEN commitment < 3 THEN 'Reserved' END AS "CommitmentDiscountType",
       CASE WHEN commitment < 3 THEN 'Usage' END AS "CommitmentDiscountCategory",
       CASE WHEN commitment < 3 THEN 'Committed' ELSE 'Standard' END AS "PricingCategory",
       CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '{"team": "web"}' WHEN 2 THEN '{"team": "data", "env": "prod"}'
                  ELSE '{"env": "dev"}' END AS "Tags",
       lower(provider) AS "x_Vendor", 'bench' AS "x_ExportName", strftime(day, '%Y-%m') AS "x_BillingPeriod",
       'v1' AS "x_SourceVersionId"
FROM rows
"""

QUERIES_CHILD = """
import json, sys, time, duckdb
queries = json.load(open(sys.argv[2]))
start = time.perf_counter()
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
for sql, params in queries:
    con.execute(sql, params).fetchall()
con.close()
print(time.perf_counter() - start)
"""


def write_focus(data_dir: Path, rows: int) -> None:
    if (data_dir / DATABASE_FILE).exists():  # a --workdir kept from a run before
        (data_dir / DATABASE_FILE).unlink()
    import duckdb

    data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(data_dir / DATABASE_FILE))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(FOCUS_ROWS.replace("$rows", str(int(rows))))
    finally:
        con.close()


class Recorder:
    """A DuckDB connection that notes every statement it runs, for the queries contender to replay."""

    def __init__(self, con) -> None:
        self.con = con
        self.queries: list[tuple[str, object]] = []

    def execute(self, sql: str, params=None):
        self.queries.append((sql, params))
        return self.con.execute(sql, params)

    def __getattr__(self, name: str):
        return getattr(self.con, name)


def record_queries(data_dir: Path, tag_keys: list[str]) -> list[tuple[str, object]]:
    import duckdb
    from open_finops_report.figures import compute, resolve_scope

    con = duckdb.connect(str(data_dir / DATABASE_FILE), read_only=True)
    try:
        recorder = Recorder(con)
        scope = resolve_scope(recorder, start=None, end=None, currency=None, tag_keys=tuple(tag_keys))
        compute(recorder, scope)
    finally:
        con.close()
    return recorder.queries


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if not k.startswith("OPEN_FINOPS_")})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[2:4]} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def run(rows: int, workdir: Path, tag_keys: list[str]) -> dict:
    data_dir = workdir / "data"
    start = time.perf_counter()
    write_focus(data_dir, rows)
    generated = time.perf_counter() - start
    queries = record_queries(data_dir, tag_keys)
    queries_file = workdir / "queries.json"
    queries_file.write_text(json.dumps(queries))
    database = str(data_dir / DATABASE_FILE)
    # Warm the file cache once, so neither contender pays for the first read from disk.
    timed([sys.executable, "-c", QUERIES_CHILD, database, str(queries_file)], workdir)
    queries_wall, inner = timed([sys.executable, "-c", QUERIES_CHILD, database, str(queries_file)], workdir)
    tags = [arg for key in tag_keys for arg in ("--tag-key", key)]
    report_wall, out = timed([sys.executable, "-m", "open_finops", "report", "--out", "report.html",
                              "--data-dir", str(data_dir), *tags, "--json"], workdir)
    figures = json.loads(out)
    if figures["totals"]["rows"] != rows:
        raise SystemExit(f"the report counted {figures['totals']['rows']} rows, not {rows}")
    return {
        "rows": rows,
        "generate_seconds": round(generated, 2),
        "queries": len(queries),
        "queries_seconds": round(queries_wall, 3),
        "queries_seconds_inside": round(float(inner), 3),
        "report_seconds": round(report_wall, 3),
        "report_bytes": (workdir / "report.html").stat().st_size,
        "ratio": round(report_wall / queries_wall, 2),
        "target": TARGET,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000, help="FOCUS rows to generate (default 4,000,000)")
    parser.add_argument("--tag-key", action="append", default=None, help="tag keys to report (default: team)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to work (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    tag_keys = args.tag_key or ["team"]
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(args.rows, args.workdir, tag_keys)
    else:
        with tempfile.TemporaryDirectory(prefix="report-bench-") as scratch:
            result = run(args.rows, Path(scratch), tag_keys)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['rows']:,} FOCUS rows, {result['queries']} queries")
        print(f"  DuckDB running the queries alone: {result['queries_seconds']:.2f} s (child process, start-up "
              f"included; {result['queries_seconds_inside']:.2f} s inside)")
        print(f"  finops report (whole command):    {result['report_seconds']:.2f} s, "
              f"{result['report_bytes'] / 1e6:.1f} MB of HTML")
        print(f"  ratio report / queries: {result['ratio']:.2f} (target < {TARGET:g})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
