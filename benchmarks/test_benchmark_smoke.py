"""The benchmark still runs, measures each child on its own, and refuses an import that loaded wrong data.

Tiny sizes and no assertions on time: these tests keep the script from rotting, they do not benchmark.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

SCRIPT = Path(__file__).with_name("import_benchmark.py")


def load_script():
    spec = importlib.util.spec_from_file_location("import_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


bench = load_script()


def run_script(*args: str, cwd: Path) -> dict:
    command = [sys.executable, str(SCRIPT), *args, "--json"]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_compare_runs_the_import_and_both_references_on_the_same_rows(tmp_path: Path) -> None:
    report = run_script("--rows-per-month", "300", "--months", "2", "--files-per-month", "2",
                        "--workdir", str(tmp_path / "work"), cwd=tmp_path)

    assert report["generation"]["rows"] == 600
    assert report["generation"]["files"] == 4
    assert [(r["contender"], r["rows"]) for r in report["results"]] == [
        ("import", 600), ("duckdb read_csv", 600), ("pyarrow parse", 600),
    ]
    assert all(r["peak_rss_mib"] > 0 and r["rows_per_second"] > 0 for r in report["results"])
    assert set(report["ratios"]) == {"throughput_vs_duckdb", "peak_rss_vs_duckdb",
                                     "throughput_vs_pyarrow", "peak_rss_vs_pyarrow",
                                     "peak_scratch_mib", "scratch_budget_mib"}
    assert report["results"][0]["peak_disk_mib"] > 0  # the import's data folder was watched
    assert not (tmp_path / "work" / "export").exists(), "without --keep the generated export is removed"


def test_rounds_run_every_contender_in_turn_and_compare_their_median_runs(tmp_path: Path) -> None:
    report = run_script("--rows-per-month", "200", "--months", "1", "--files-per-month", "1", "--rounds", "3",
                        cwd=tmp_path)

    assert len(report["rounds"]) == 3
    for key, ratio in report["ratios"].items():
        if key in report["rounds"][0]:  # every ratio is the median of the rounds' own
            assert ratio == sorted(r[key] for r in report["rounds"])[1], key
    assert [(r["contender"], r["rows"]) for r in report["results"]] == [
        ("import", 200), ("duckdb read_csv", 200), ("pyarrow parse", 200)]


def test_median_run_is_the_middle_one_by_time() -> None:
    runs = [bench.Result("import", 10, seconds, 1.0, 1.0) for seconds in (3.0, 1.0, 2.0, 9.0)]

    assert bench.median_run(runs).seconds == 2.0
    assert bench.median_run(runs[:3]).seconds == 2.0
    assert bench.median_run(runs[:1]).seconds == 3.0


def test_scaling_imports_one_month_at_one_and_four_times_the_rows(tmp_path: Path) -> None:
    report = run_script("--scaling", "--rows-per-month", "250", "--files-per-month", "2", cwd=tmp_path)

    assert [r["rows"] for r in report["results"]] == [250, 1000]
    assert report["ratios"]["peak_rss_growth"] > 0


def test_peak_rss_is_the_childs_own_not_the_benchmarks(tmp_path: Path) -> None:
    ballast = b"x" * (300 * bench.MIB)  # a big parent, as the benchmark is after generating

    idle = bench.run_child([sys.executable, "-c", "pass"], tmp_path, "idle")
    busy = bench.run_child([sys.executable, "-c", "held = b'x' * (200 * 2**20)"], tmp_path, "busy")

    assert len(ballast) and idle.peak_rss_bytes < 100 * bench.MIB
    assert busy.peak_rss_bytes >= 200 * bench.MIB


@pytest.mark.parametrize(("damage", "complaint"), [
    ("DELETE FROM {table} WHERE rowid = 0", "2024-02: 199 rows loaded, 200 generated"),
    ("UPDATE {table} SET line_item_unblended_cost = line_item_unblended_cost + 0.00001 WHERE rowid = 0",
     "2024-02: unblended cost"),
])
def test_an_import_that_loaded_wrong_data_is_refused(tmp_path: Path, damage: str, complaint: str) -> None:
    sample = bench.generate(tmp_path / "export", rows_per_month=200, months=2, files_per_month=1,
                            cur_version="v1")
    runs = bench.fresh(tmp_path / "runs")
    bench.run_import(sample, runs)  # loads correctly, so the check passes
    summary = json.loads((runs / "import.stdout").read_text())
    database, dataset, loaded = Path(summary["database"]), summary["dataset"], summary["periods"]
    with duckdb.connect(str(database)) as con:
        con.execute(damage.format(table=f'"{dataset}"."{loaded[1]["table"]}"'))

    with pytest.raises(bench.BenchmarkError, match=complaint):
        bench.verify_import(database, dataset, loaded, sample)


def test_parquet_runs_against_duckdbs_read_parquet(tmp_path: Path) -> None:
    report = run_script("--cur-version", "v2", "--format", "parquet", "--rows-per-month", "300", "--months", "1",
                        "--files-per-month", "2", cwd=tmp_path)

    assert [(r["contender"], r["rows"]) for r in report["results"]] == [
        ("import", 300), ("duckdb read_parquet", 300), ("pyarrow parse", 300),
    ]


def test_focus_builds_and_exports_the_imported_month_next_to_duckdbs_create_table_as(tmp_path: Path) -> None:
    report = run_script("--focus", "--rows-per-month", "100", "--files-per-month", "1", cwd=tmp_path)

    assert [(r["contender"], r["rows"]) for r in report["results"]] == [
        ("import", 400), ("focus build", 400), ("duckdb focus CTAS", 400),
        ("focus export parquet", 400), ("focus export csv", 400),
    ]
    assert report["ratios"]["focus_build_vs_duckdb"] > 0


def test_startup_times_finops_against_importing_typer(tmp_path: Path) -> None:
    report = run_script("--startup", "--repeats", "1", cwd=tmp_path)

    assert [r["contender"] for r in report["results"]] == ["import typer", "finops --help", "finops plugins list"]
    assert set(report["ratios"]) == {"help_vs_typer", "plugins_list_vs_typer"}


def test_destination_postgres_runs_the_import_into_a_throwaway_server_next_to_duckdb(tmp_path: Path) -> None:
    report = run_script("--destination", "postgres", "--rows-per-month", "300", "--months", "2",
                        "--files-per-month", "1", cwd=tmp_path)

    assert [(r["contender"], r["rows"]) for r in report["results"]] == [
        ("import", 600), ("import postgres", 600), ("duckdb read_csv", 600), ("pyarrow parse", 600),
    ]
    assert report["ratios"]["postgres_throughput_vs_import"] > 0
    assert all(r["peak_rss_mib"] > 0 for r in report["results"])
