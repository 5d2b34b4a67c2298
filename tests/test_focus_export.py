"""``finops focus export`` and ``finops focus summary`` over what ``focus build`` wrote."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from finops_support import clean_environ
from test_focus_fakes import FEBRUARY, JANUARY, Charge, focus_registry, write_acme

from open_finops.focus import columns as focus_columns

DATA = Path("data")
# The contract's columns, core's four identity columns and the fake's x_Note.
EXPORTED_COLUMNS = len(focus_columns.COLUMNS) + len(focus_columns.IDENTITY_COLUMNS) + 1


@pytest.fixture
def built(cli):
    """acme's January and February, built into focus.costs; returns the registry."""
    registry = focus_registry()
    write_acme(DATA, JANUARY + FEBRUARY, {("main", "2024-01"): "jan-v1", ("main", "2024-02"): "feb-v1"})
    assert cli(registry, "focus", "build", "--data-dir", str(DATA)).exit_code == 0
    return registry


def export(cli, registry, *args: str):
    return cli(registry, "focus", "export", "--data-dir", str(DATA), *args)


def test_parquet_export_has_focus_columns_first_then_x_columns(cli, built) -> None:
    result = export(cli, built, "--out", "out/focus.parquet")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Wrote 6 rows ({EXPORTED_COLUMNS} columns) to out/focus.parquet (parquet).\n"
    table = pq.read_table("out/focus.parquet")
    assert table.column_names == [*focus_columns.NAMES, "x_Vendor", "x_ExportName", "x_BillingPeriod",
                                  "x_SourceVersionId", "x_Note"]
    assert table.num_rows == 6


def test_parquet_export_writes_costs_as_double_and_times_as_utc_timestamps(cli, built) -> None:
    export(cli, built, "--out", "focus.parquet")

    schema = pq.read_schema("focus.parquet")

    assert schema.field("BilledCost").type == pa.float64()
    assert schema.field("BillingPeriodStart").type == pa.timestamp("us", tz="UTC")
    assert schema.field("BillingAccountId").type == pa.string()
    starts = pq.read_table("focus.parquet", columns=["BillingPeriodStart"]).column(0).to_pylist()
    assert sorted(set(starts)) == [datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)]


def test_exact_decimals_keeps_every_digit(cli, built) -> None:
    export(cli, built, "--out", "focus.parquet", "--exact-decimals")

    table = pq.read_table("focus.parquet", columns=["BilledCost", "x_BillingPeriod"])

    assert table.schema.field("BilledCost").type == pa.decimal128(38, 18)
    january = [v for v, p in zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True)
               if p == "2024-01"]
    assert sum(january) == Decimal("13.500000000000000001")


def test_csv_export_writes_iso_8601_utc_times_and_keeps_account_ids_as_text(cli, built) -> None:
    result = export(cli, built, "--out", "focus.csv")

    assert result.exit_code == 0
    with open("focus.csv", newline="") as fh:
        records = list(csv.DictReader(fh))
    assert len(records) == 6
    assert {r["BillingPeriodStart"] for r in records} == {"2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"}
    assert {r["BillingAccountId"] for r in records} == {"acme-account-007"}
    assert [json.loads(r["Tags"]) for r in records if r["Tags"]] == [{"team": "web"}]


def test_format_flag_wins_over_the_file_name(cli, built) -> None:
    export(cli, built, "--out", "focus.data", "--format", "csv")
    assert Path("focus.data").read_text().startswith('"AvailabilityZone","BilledCost"')


def test_start_and_end_date_select_billing_periods(cli, built) -> None:
    result = export(cli, built, "--out", "feb.parquet", "--start-date", "2024-02", "--end-date", "2024-02", "--json")

    assert json.loads(result.stdout) == {"path": "feb.parquet", "format": "parquet", "rows": 2,
                                         "columns": EXPORTED_COLUMNS}
    assert set(pq.read_table("feb.parquet").column("x_BillingPeriod").to_pylist()) == {"2024-02"}


def test_validator_aliases_add_the_draft_column_names_focus_validator_checks(cli, built) -> None:
    export(cli, built, "--out", "focus.parquet", "--validator-aliases")

    table = pq.read_table("focus.parquet")

    assert table.column_names[-5:] == ["InvoiceIssuer", "Provider", "Publisher", "ResourceID", "ChargeType"]
    assert table.column("Provider").to_pylist() == table.column("ProviderName").to_pylist()
    assert table.column("ChargeType").to_pylist() == table.column("ChargeCategory").to_pylist()


def test_export_streams_in_batches(cli, built, tmp_path) -> None:
    from open_finops.database import connect
    from open_finops.focus.export import export as export_costs

    con = connect(DATA / "finops.duckdb", read_only=True)
    try:
        result = export_costs(con, tmp_path / "small-batches.parquet", batch_rows=2)
    finally:
        con.close()

    assert result.rows == 6
    assert pq.ParquetFile(tmp_path / "small-batches.parquet").metadata.num_row_groups >= 3


@pytest.mark.parametrize(("configured", "during"), [("2GB", 128 * 10**6), ("224MB", 128 * 10**6),
                                                   ("64MB", 64 * 10**6)])
def test_export_scans_with_a_small_buffer_pool_and_never_raises_the_limit(cli, built, tmp_path, configured,
                                                                          during) -> None:
    from open_finops.database import connect
    from open_finops.focus.export import export as export_costs
    from open_finops.settings import parse_size

    con = connect(DATA / "finops.duckdb", read_only=True, memory_limit=configured)
    try:
        export_costs(con, tmp_path / "costs.parquet")
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    finally:
        con.close()

    assert abs(parse_size(limit) - during) < 10**6, limit


def test_export_before_any_build_says_to_build_first(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})

    result = export(cli, focus_registry(), "--out", "focus.parquet")

    assert result.exit_code == 2
    assert result.stderr == "Error: there is no FOCUS data yet; run 'finops focus build' first\n"
    assert not Path("focus.parquet").exists()


@pytest.mark.parametrize(("flag", "value"), [("--start-date", "2024-13"), ("--end-date", "Jan 2024")])
def test_export_refuses_a_date_that_is_not_a_month(cli, built, flag, value) -> None:
    result = export(cli, built, "--out", "x.parquet", flag, value)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {flag} {value!r} is not a month; use YYYY-MM, e.g. 2024-01\n"


@pytest.mark.parametrize("name", ["costs.xlsx", "costs.json", "costs.parquet.gz", "COSTS.TXT"])
def test_a_file_name_whose_suffix_is_no_format_we_write_is_a_usage_error_and_nothing_is_written(
    cli, built, name: str
) -> None:
    result = export(cli, built, "--out", name)
    suffix = name.rsplit(".", 1)[1].lower()
    assert (result.exit_code, result.stderr) == (
        2, f"Error: --out {name}: .{suffix} is not a format finops writes; name the file .parquet or .csv, "
           "or pass --format parquet|csv\n")
    assert not Path(name).exists()


def test_a_file_name_without_a_suffix_gets_parquet(cli, built) -> None:
    export(cli, built, "--out", "focus-costs")
    assert pq.read_table("focus-costs").num_rows > 0


def test_export_refuses_an_unknown_format(cli, built) -> None:
    result = export(cli, built, "--out", "x.json", "--format", "json")
    assert (result.exit_code, result.stderr) == (2, "Error: --format 'json' is not one of parquet, csv\n")


def test_summary_json_sums_cost_by_period_and_service_exactly(cli, built) -> None:
    result = cli(built, "focus", "summary", "--data-dir", str(DATA), "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {"billing_period": "2024-01", "service_name": "Compute Engine", "billing_currency": "EUR", "rows": 2,
         "billed_cost": "15.000000000000000000", "effective_cost": "15.000000000000000000",
         "exports": ["main"]},
        {"billing_period": "2024-01", "service_name": "Object Store", "billing_currency": "EUR", "rows": 2,
         "billed_cost": "-1.499999999999999999", "effective_cost": "-1.499999999999999999",
         "exports": ["main"]},
        {"billing_period": "2024-02", "service_name": "Compute Engine", "billing_currency": "EUR", "rows": 1,
         "billed_cost": "20.000000000000000000", "effective_cost": "20.000000000000000000",
         "exports": ["main"]},
        {"billing_period": "2024-02", "service_name": "Sales tax", "billing_currency": "EUR", "rows": 1,
         "billed_cost": "3.100000000000000000", "effective_cost": "3.100000000000000000",
         "exports": ["main"]},
    ]


def test_summary_table_for_people(cli, built) -> None:
    result = cli(built, "focus", "summary", "--data-dir", str(DATA), "--start-date", "2024-02")

    assert result.exit_code == 0
    assert "FOCUS cost by billing period and service" in result.stdout
    assert "2024-01" not in result.stdout
    assert "│ 2024-02 │ Compute Engine │ EUR      │    1 │       20.00 │          20.00 │" in result.stdout


def test_summary_follows_a_rebuilt_period(cli, built) -> None:
    write_acme(DATA, JANUARY + [Charge("main", "2024-02", "Compute Engine", "7")],
               {("main", "2024-01"): "jan-v1", ("main", "2024-02"): "feb-v2"})
    cli(built, "focus", "build", "--data-dir", str(DATA))

    result = cli(built, "focus", "summary", "--data-dir", str(DATA), "--start-date", "2024-02", "--json")

    assert [(r["service_name"], r["billed_cost"]) for r in json.loads(result.stdout)] == [
        ("Compute Engine", "7.000000000000000000")
    ]


@pytest.mark.parametrize("argv", [["focus", "--help"], ["focus", "build", "--help"], ["focus", "export", "--help"]],
                         ids=" ".join)
def test_focus_help_imports_no_heavy_library(argv: list[str]) -> None:
    probe = (
        "import json, sys\n"
        "from open_finops.cli.app import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = sorted(m for m in ('duckdb', 'pyarrow', 'dlt', 'boto3', 'pandas') if m in sys.modules)\n"
        "sys.stderr.write('PROBE ' + json.dumps([code, heavy]) + '\\n')\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                               env=clean_environ(), timeout=120)
    line = [x for x in completed.stderr.splitlines() if x.startswith("PROBE ")]
    assert line, completed.stderr
    assert json.loads(line[-1].removeprefix("PROBE ")) == [0, []]


# -- where the export may be written ------------------------------------------------------------------------

def fingerprint(data_dir: Path) -> tuple:
    """Everything in the data directory, byte for byte, and what focus summary says of it."""
    import hashlib

    files = sorted((p.relative_to(data_dir).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
                   for p in data_dir.rglob("*") if p.is_file())
    return tuple(files)


def totals(cli, registry) -> str:
    result = cli(registry, "focus", "summary", "--data-dir", str(DATA), "--json")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _inside(case: str) -> str:
    """An --out that ends up inside the data directory, however it is spelled."""
    if case == "symlink to the database":
        Path("innocent.parquet").symlink_to((DATA / "finops.duckdb").resolve())
        return "innocent.parquet"
    if case == "symlinked folder":
        Path("alias").symlink_to(DATA.resolve(), target_is_directory=True)
        return "alias/finops.duckdb"
    if case == "dangling symlink into the data directory":
        Path("later.parquet").symlink_to((DATA / "new-file.parquet").resolve())
        return "later.parquet"
    return {
        "the database": str(DATA / "finops.duckdb"),
        "the database, absolute": str((DATA / "finops.duckdb").resolve()),
        "the database, through ..": f"{DATA}/../{DATA}/finops.duckdb",
        "its WAL": str(DATA / "finops.duckdb.wal"),
        "dlt's working files": str(DATA / ".dlt" / "focus.parquet"),
        "scratch copies": str(DATA / ".tmp" / "x" / "focus.csv"),
        "a new file in the data directory": str(DATA / "focus.parquet"),
        "the data directory itself": str(DATA),
    }[case]


@pytest.mark.parametrize("case", [
    "the database", "the database, absolute", "the database, through ..", "its WAL", "dlt's working files",
    "scratch copies", "a new file in the data directory", "the data directory itself", "symlink to the database",
    "symlinked folder", "dangling symlink into the data directory",
])
def test_an_export_into_the_data_directory_is_refused_and_the_database_stays_intact(cli, built, case) -> None:
    before, summary = fingerprint(DATA), totals(cli, built)
    out = _inside(case)

    result = export(cli, built, "--out", out)

    assert result.exit_code == 2
    assert result.stderr == (f"Error: --out {out} lies inside the data directory {DATA.resolve()}, whose files "
                             "(finops.duckdb, its load state and working files) open-finops manages; write the "
                             "export outside it\n")
    assert fingerprint(DATA) == before and totals(cli, built) == summary
    assert not list(Path().rglob("*.partial"))


def test_an_export_onto_an_existing_folder_is_refused(cli, built) -> None:
    Path("exports").mkdir()
    result = export(cli, built, "--out", "exports")
    assert (result.exit_code, result.stderr) == (
        2, "Error: --out exports is a folder; give a file name, e.g. exports/focus.parquet\n")
    assert list(Path("exports").iterdir()) == []


@pytest.mark.parametrize("out", ["report.txt/focus.parquet", "report.txt/deeper/focus.csv"])
def test_an_export_under_a_file_is_refused_before_anything_is_written(cli, built, out) -> None:
    Path("report.txt").write_text("keep me")
    result = export(cli, built, "--out", out)
    assert result.exit_code == 2
    blocker = Path("report.txt").resolve()
    assert result.stderr == f"Error: --out {out} cannot be written: {blocker} is a file, not a folder\n"
    assert Path("report.txt").read_text() == "keep me"


@pytest.fixture
def unwritable(tmp_path: Path):
    """A folder nobody may write in: read-only permissions, or for root (whom permissions do not stop) a
    read-only tmpfs mounted on it. Skipped only when neither is possible (root without mount rights)."""
    import os

    folder = tmp_path / "readonly"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only folder as root here: mount failed: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("sub", ["", "new-folder/"])
def test_an_export_into_a_folder_that_cannot_be_written_is_refused(cli, built, unwritable, sub) -> None:
    out = f"{unwritable}/{sub}focus.parquet"
    result = export(cli, built, "--out", out)
    assert (result.exit_code, result.stderr) == (
        2, f"Error: --out {out} cannot be written: no permission to write in {unwritable}\n")


def test_a_missing_folder_on_the_way_is_created(cli, built) -> None:
    result = export(cli, built, "--out", "a/b/c/focus.csv")
    assert result.exit_code == 0, result.stderr
    assert Path("a/b/c/focus.csv").is_file()


def test_a_partial_file_left_by_a_killed_export_is_removed_by_the_next_one(cli, built, tmp_path) -> None:
    import os
    import signal
    import time

    import duckdb

    big = tmp_path / "big"
    big.mkdir()
    con = duckdb.connect(str(big / "finops.duckdb"))
    con.execute("CREATE SCHEMA focus; CREATE TABLE focus.costs AS SELECT i::DECIMAL(38,18) AS \"BilledCost\", "
                "'2024-01' AS \"x_BillingPeriod\", md5(i::VARCHAR) AS \"x_Note\" FROM range(3000000) t(i)")
    con.close()
    out = tmp_path / "exports" / "focus.csv"
    partial = out.with_name(".focus.csv.partial")
    script = ("import sys\nfrom open_finops.database import connect\nfrom open_finops.focus.export import export\n"
              "con = connect(sys.argv[1], read_only=True)\nexport(con, sys.argv[2], fmt='csv', batch_rows=500)\n")
    killed = subprocess.Popen([sys.executable, "-c", script, str(big / "finops.duckdb"), str(out)],
                              env=clean_environ(), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size > 1_000_000):
        assert killed.poll() is None, killed.stderr.read()
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.02)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert partial.exists() and not out.exists()  # what a kill leaves

    result = cli(built, "focus", "export", "--data-dir", str(DATA), "--out", str(out), "--json")

    assert result.exit_code == 0, result.stderr
    assert not partial.exists()
    assert json.loads(result.stdout)["rows"] == 6
    assert sorted(p.name for p in out.parent.iterdir()) == ["focus.csv"]


def test_a_partial_file_is_removed_even_when_the_next_export_has_nothing_to_write(cli, tmp_path) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})
    partial = Path(".focus.parquet.partial")
    partial.write_bytes(b"PAR1 half a file")

    result = export(cli, focus_registry(), "--out", "focus.parquet")

    assert result.exit_code == 2  # nothing built yet
    assert not partial.exists() and not Path("focus.parquet").exists()
