"""``finops hello import``: folders of CSV files into the hello dataset, through core's import engine.

Real exports written by the sample helper, the real command line, a real DuckDB file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from finops_hello.sample import write_sample
from hello_support import EXPORT, hello_tables, period_totals, query


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def hello_import(finops, exports: Path, data: Path):
    """``finops hello import --from-dir <exports> --data-dir <data> ARGS...``"""

    def invoke(*argv: str):
        return finops("hello", "import", "--from-dir", str(exports), "--data-dir", str(data), *argv)

    return invoke


def history(finops, data: Path, period: str) -> list[tuple[str, str, bool]]:
    records = finops("state", "show", "--billing-period", period, "--data-dir", str(data), "--json").json()
    return [(r["version_id"], r["status"], r["is_current"]) for r in records]


def test_each_period_is_loaded_exactly_with_money_as_decimal(finops, exports: Path, tmp_path: Path) -> None:
    sample = write_sample(exports, periods=["2024-01", "2024-02"], rows=1_000)
    (tmp_path / "config.toml").write_text('[project]\ndata_dir = "warehouse"\n')

    ran = finops("hello", "import", "--from-dir", str(exports), "-c", str(tmp_path / "config.toml"))

    assert ran.code == 0, ran.stderr
    assert ran.stderr.splitlines()[0].startswith(f"{EXPORT} 2024-01: loaded 1,000 rows from 2 files (")
    data = tmp_path / "warehouse"
    for period in ("2024-01", "2024-02"):
        assert period_totals(data, period) == (1_000, sample[period].cost)
    ((cost_type, account, quantity_type),) = query(
        data, f"SELECT typeof(any_value(cost)), min(account), typeof(any_value(quantity)) FROM hello.{EXPORT}_2024_01")
    assert cost_type.startswith("DECIMAL") and quantity_type == "BIGINT"
    assert account == "000000000000"  # text keeps its leading zeros
    assert query(data, f"SELECT sum(cost) FROM hello.{EXPORT}_unified") == [
        (sample["2024-01"].cost + sample["2024-02"].cost,)]


def test_a_second_import_reads_no_data_file_and_reports_every_period_up_to_date(
    hello_import, exports: Path, data: Path
) -> None:
    sample = write_sample(exports, periods=["2024-01", "2024-02"])
    assert hello_import("--quiet").code == 0
    for period in sample.values():  # any attempt to read a data file would now fail the period
        for path in period.data_files:
            path.unlink()

    ran = hello_import()
    summary = hello_import("--json").json()

    assert ran.code == 0, ran.stderr
    assert ran.stderr.splitlines() == [
        f"{EXPORT} 2024-01: up to date (version 1)",
        f"{EXPORT} 2024-02: up to date (version 1)",
        "Every billing period is up to date; nothing was read.",
    ]
    assert [(p["billing_period"], p["status"]) for p in summary["periods"]] == [
        ("2024-01", "skipped"), ("2024-02", "skipped")]
    assert (summary["loaded"], summary["skipped"], summary["rows"]) == (0, 2, 0)


def test_a_new_version_replaces_the_period_whole_and_the_history_keeps_both(
    finops, hello_import, exports: Path, data: Path
) -> None:
    first = write_sample(exports, periods=["2024-01", "2024-02"], rows=1_000)
    assert hello_import("--quiet").code == 0
    second = write_sample(exports, periods=["2024-01"], version="2", rows=600, seed=1)["2024-01"]
    assert second.cost != first["2024-01"].cost

    summary = hello_import("--json").json()

    assert [(p["billing_period"], p["status"], p["rows"]) for p in summary["periods"]] == [
        ("2024-01", "loaded", 600), ("2024-02", "skipped", 0)]
    assert period_totals(data, "2024-01") == (600, second.cost)
    assert period_totals(data, "2024-02") == (1_000, first["2024-02"].cost)  # the other month is not touched
    assert history(finops, data, "2024-01") == [("1", "completed", False), ("2", "completed", True)]
    assert hello_tables(data) == {f"{EXPORT}_2024_01", f"{EXPORT}_2024_02", f"{EXPORT}_unified"}  # no staging


def test_reset_reloads_periods_that_are_up_to_date(finops, hello_import, exports: Path, data: Path) -> None:
    write_sample(exports, periods=["2024-01"])
    assert hello_import("--quiet").code == 0

    summary = hello_import("--reset", "--json").json()

    assert [p["status"] for p in summary["periods"]] == ["loaded"]
    assert history(finops, data, "2024-01") == [("1", "completed", False), ("1", "completed", True)]


def test_start_and_end_date_choose_the_periods(hello_import, exports: Path) -> None:
    write_sample(exports, periods=["2024-01", "2024-02", "2024-03"], rows=10)

    summary = hello_import("--start-date", "2024-02", "--end-date", "2024-02", "--json").json()

    assert [p["billing_period"] for p in summary["periods"]] == ["2024-02"]


def test_a_start_date_after_the_end_date_is_a_usage_error(hello_import, exports: Path) -> None:
    write_sample(exports, periods=["2024-01"], rows=10)

    ran = hello_import("-s", "2024-03", "-e", "2024-01")

    assert (ran.code, ran.stderr) == (2, "Error: --start-date 2024-03 is after --end-date 2024-01; swap them\n")


def test_prefix_and_export_name_choose_the_export(hello_import, exports: Path, data: Path) -> None:
    write_sample(exports / "billing", export="alpha", periods=["2024-01"], rows=10)
    write_sample(exports / "billing", export="beta", periods=["2024-01"], rows=20)

    summary = hello_import("--prefix", "billing", "--export-name", "beta", "--json").json()

    assert [(p["export_name"], p["rows"]) for p in summary["periods"]] == [("beta", 20)]
    assert hello_tables(data) == {"beta_2024_01", "beta_unified"}


def test_an_export_name_that_is_not_there_says_where_it_looked(hello_import, exports: Path) -> None:
    write_sample(exports, periods=["2024-01"], rows=10)

    ran = hello_import("--export-name", "nope")

    assert ran.code == 1
    assert ran.stderr.startswith(f"Error: no manifest of export 'nope' found under prefix '' in folder {exports}")


def test_a_from_dir_that_is_not_a_folder_is_a_usage_error(finops, tmp_path: Path) -> None:
    ran = finops("hello", "import", "--from-dir", str(tmp_path / "missing"))

    assert ran.code == 2
    assert "is not a folder; give the folder that holds the export's files" in ran.stderr


def test_a_broken_manifest_stops_the_import_with_an_error_naming_it(hello_import, exports: Path) -> None:
    sample = write_sample(exports, periods=["2024-01"], rows=10)
    sample["2024-01"].manifest.write_text('{"export": ')

    ran = hello_import()

    assert ran.code == 1
    assert ran.stderr.startswith(f"Error: manifest {EXPORT}/2024-01/hello-manifest.json is not valid JSON")


def test_a_data_file_that_disagrees_with_its_manifest_fails_only_its_period(
    finops, hello_import, exports: Path, data: Path
) -> None:
    sample = write_sample(exports, periods=["2024-01", "2024-02"], rows=10)
    broken = sample["2024-02"].data_files[0]
    broken.write_text(broken.read_text().replace("cost", "amount", 1))

    ran = hello_import("--quiet")

    assert ran.code == 1
    assert ran.stderr.startswith(f"Error: 1 of 2 billing periods failed; {EXPORT} 2024-02: data file ")
    assert "header does not match the manifest" in ran.stderr
    assert period_totals(data, "2024-01") == (10, sample["2024-01"].cost)
    assert history(finops, data, "2024-02") == [("1", "failed", False)]


def test_quiet_prints_nothing_when_all_is_well(hello_import, exports: Path) -> None:
    write_sample(exports, periods=["2024-01"], rows=10)

    ran = hello_import("--quiet")

    assert (ran.code, ran.stdout, ran.stderr) == (0, "", "")


def test_state_show_and_exports_list_list_the_hello_loads(finops, hello_import, exports: Path, data: Path) -> None:
    write_sample(exports, periods=["2024-01", "2024-02"], rows=10)
    assert hello_import("--quiet").code == 0

    state = finops("state", "show", "--data-dir", str(data), "--json").json()
    exports_list = finops("exports", "list", "--vendor", "hello", "--data-dir", str(data), "--json").json()

    assert [(r["vendor"], r["export_name"], r["billing_period"], r["status"], r["is_current"], r["rows"])
            for r in state] == [("hello", EXPORT, "2024-01", "completed", True, 10),
                                ("hello", EXPORT, "2024-02", "completed", True, 10)]
    assert exports_list == [{
        "vendor": "hello", "export_name": EXPORT, "destination": "duckdb:hello", "dataset": "hello",
        "tables": [f"{EXPORT}_2024_01", f"{EXPORT}_2024_02"], "periods": ["2024-01", "2024-02"], "rows": 20,
        "view": f"{EXPORT}_unified",
    }]


def test_generate_sample_writes_an_export_whose_totals_the_import_reproduces(
    finops, hello_import, exports: Path, data: Path
) -> None:
    written = finops("hello", "generate-sample", str(exports), "--start-date", "2023-12", "--months", "2",
                     "--rows", "50", "--json").json()
    told = finops("hello", "generate-sample", str(exports), "--months", "1", "--rows", "5")

    assert [(p["billing_period"], p["rows"]) for p in written] == [("2023-12", 50), ("2024-01", 50)]
    assert told.stdout.splitlines()[-1] == f"Import it with: finops hello import --from-dir {exports}"
    assert hello_import("--quiet", "--end-date", "2023-12").code == 0
    assert period_totals(data, "2023-12") == (50, Decimal(written[0]["cost"]))


@pytest.mark.parametrize("cost", ["12.50 EUR", "0.0000000000000000001"])
def test_a_cost_that_is_not_an_exact_decimal_fails_its_period_and_loads_nothing(
    finops, hello_import, exports: Path, data: Path, cost: str
) -> None:
    sample = write_sample(exports, periods=["2024-01"], rows=10)
    path = sample["2024-01"].data_files[0]
    path.write_text(path.read_text() + f"2024-01-31,search,compute,000000000001,1,{cost}\n")

    ran = hello_import("--quiet")

    assert ran.code == 1
    assert f"{EXPORT} 2024-01: data file {EXPORT}/2024-01/part-0.csv: column 'cost', line " in ran.stderr
    assert history(finops, data, "2024-01") == [("1", "failed", False)]
    assert hello_tables(data) == set()
