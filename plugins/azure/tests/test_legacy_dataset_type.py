"""Exports of the older layout (no manifest) do not say which dataset they hold: --dataset-type
([azure] dataset_type, OPEN_FINOPS_AZURE_DATASET_TYPE) declares it, so finops focus build converts them
as it converts the manifest layout, with the same money checks. FocusCost is told by its columns."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from open_finops_azure.sample import generate_sample
from support import query

PERIODS = ["2024-01", "2024-02"]


def finops(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OPEN_FINOPS_")}
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "open_finops", *args], capture_output=True, text=True,
                          timeout=300, env=environ)


def import_exports(root: Path, data: Path, name: str, *flags: str, **env: str) -> subprocess.CompletedProcess:
    return finops("azure", "import-exports", "--from-dir", str(root), "--prefix", "exports", "--export-name", name,
                  "--data-dir", str(data), "--quiet", *flags, **env)


def legacy(root: Path, kind: str) -> dict:
    sample = generate_sample(root, export_name=f"old-{kind}", dataset=kind, layout="legacy", periods=PERIODS,
                             rows_per_period=60, seed=7)
    return sample.periods


def money(data: Path) -> list[tuple]:
    return query(data, "SELECT x_BillingPeriod, x_ExportName, sum(BilledCost), sum(EffectiveCost) FROM focus.costs "
                       "GROUP BY ALL ORDER BY 1")


def test_declared_legacy_actual_and_amortized_exports_convert_with_each_periods_money_exact(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    actual, amortized = legacy(root, "actual"), legacy(root, "amortized")
    config = tmp_path / "config.toml"
    config.write_text('[azure]\ndataset_type = "AmortizedCost"\n')

    by_flag = import_exports(root, data, "old-actual", "--dataset-type", "ActualCost")
    by_setting = import_exports(root, data, "old-amortized", "--config", str(config))
    ran = finops("focus", "build", "--data-dir", str(data))

    assert by_flag.returncode == 0, by_flag.stderr
    assert by_setting.returncode == 0, by_setting.stderr
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert money(data) == [(p, "old-amortized", actual[p].actual_cost, amortized[p].amortized_cost)
                           for p in PERIODS]
    assert actual["2024-01"].actual_cost != amortized["2024-01"].amortized_cost
    assert "older layout" not in ran.stderr


def test_an_undeclared_legacy_export_is_left_out_with_one_line_saying_how_to_declare_it(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    actual, amortized = legacy(root, "actual"), legacy(root, "amortized")
    for name in ("old-actual", "old-amortized"):
        assert import_exports(root, data, name).returncode == 0

    ran = finops("focus", "build", "--data-dir", str(data))

    assert ran.returncode == 0, ran.stdout + ran.stderr
    notes = [line for line in ran.stderr.splitlines() if "older layout" in line]
    assert len(notes) == 1
    assert "old-actual 2024-01" in notes[0] and "old-amortized 2024-02" in notes[0]
    assert "--dataset-type ActualCost|AmortizedCost --reset" in notes[0]
    assert query(data, "SELECT count(*) FROM focus.costs") == [(0,)]
    # Doing what the line says (here by the environment variable) puts them in FOCUS.
    for name, kind in (("old-actual", "actualcost"), ("old-amortized", "AmortizedCost")):
        again = import_exports(root, data, name, "--reset", OPEN_FINOPS_AZURE_DATASET_TYPE=kind)
        assert again.returncode == 0, again.stderr
    rebuilt = finops("focus", "build", "--data-dir", str(data))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert money(data) == [(p, "old-amortized", actual[p].actual_cost, amortized[p].amortized_cost)
                           for p in PERIODS]


def test_a_declared_actual_export_without_its_amortized_partner_is_reported(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    legacy(root, "actual")
    assert import_exports(root, data, "old-actual", "--dataset-type", "ActualCost").returncode == 0

    ran = finops("focus", "build", "--data-dir", str(data))

    assert ran.returncode != 0
    assert "ActualCost export old-actual 2024-01 has no AmortizedCost export" in ran.stdout


def test_a_legacy_focus_cost_export_is_told_by_its_columns(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    focus = legacy(root, "focus")
    assert import_exports(root, data, "old-focus").returncode == 0

    ran = finops("focus", "build", "--data-dir", str(data))

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert money(data) == [(p, "old-focus", focus[p].actual_cost, focus[p].amortized_cost) for p in PERIODS]


def test_a_declared_type_that_contradicts_a_manifest_is_refused_and_nothing_is_loaded(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    generate_sample(root, export_name="new-actual", dataset="actual", periods=PERIODS[:1], rows_per_period=10)

    ran = import_exports(root, data, "new-actual", OPEN_FINOPS_AZURE_DATASET_TYPE="AmortizedCost")

    assert ran.returncode != 0
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in ran.stderr
    assert "says the export holds ActualCost, not the declared AmortizedCost" in lines[0]
    assert "manifest.json" in lines[0]
    assert not (data / "finops.duckdb").exists() or query(
        data, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'new_actual%'") == [(0,)]
    agreeing = import_exports(root, data, "new-actual", "--dataset-type", "actualcost")
    assert agreeing.returncode == 0, agreeing.stderr


def test_a_dataset_type_that_is_not_one_is_refused_naming_the_choices(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    legacy(root, "actual")

    ran = import_exports(root, data, "old-actual", "--dataset-type", "PriceSheet")

    assert ran.returncode != 0
    assert "'PriceSheet'" in ran.stderr and "ActualCost, AmortizedCost, FocusCost" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_the_sample_of_the_older_layout_prints_an_import_line_that_declares_its_dataset(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    made = finops("azure", "generate-sample", str(root), "--layout", "legacy", "--dataset-type", "amortized",
                  "-n", "old-amortized", "-m", "1", "--rows-per-month", "20")
    assert made.returncode == 0, made.stderr
    (line,) = [x for x in made.stdout.splitlines() if x.startswith("Import it with: finops ")]
    assert line.endswith("--export-name old-amortized --dataset-type AmortizedCost")
    imported = finops(*shlex.split(line.removeprefix("Import it with: finops ")), "--data-dir", str(data))
    assert imported.returncode == 0, imported.stderr

    ran = finops("focus", "build", "--data-dir", str(data))

    assert "AmortizedCost export old-amortized 2024-01 has no ActualCost export" in ran.stdout


def test_list_manifests_shows_the_declared_type_of_an_export_of_the_older_layout(tmp_path: Path):
    root = tmp_path / "c"
    legacy(root, "actual")

    def types(*flags: str) -> list[str]:
        ran = finops("azure", "list-manifests", "--from-dir", str(root), "--prefix", "exports", "--json",
                     "--data-dir", str(tmp_path / "data"), *flags)
        assert ran.returncode == 0, ran.stderr
        return [row["type"] for row in json.loads(ran.stdout)]

    assert types() == ["legacy", "legacy"]
    assert types("--dataset-type", "ActualCost") == ["ActualCost", "ActualCost"]


def test_the_azure_exports_pipeline_takes_the_dataset_type_from_the_settings(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    actual, amortized = legacy(root, "actual"), legacy(root, "amortized")
    settings = {"OPEN_FINOPS_AZURE_FROM_DIR": str(root), "OPEN_FINOPS_AZURE_PREFIX": "exports",
                "OPEN_FINOPS_PROJECT_DATA_DIR": str(data)}
    for name, kind in (("old-actual", "ActualCost"), ("old-amortized", "AmortizedCost")):
        ran = finops("pipelines", "run", "azure-exports", **settings, OPEN_FINOPS_AZURE_EXPORT_NAME=name,
                     OPEN_FINOPS_AZURE_DATASET_TYPE=kind)
        assert ran.returncode == 0, ran.stdout + ran.stderr

    built = finops("focus", "build", "--data-dir", str(data))

    assert built.returncode == 0, built.stdout + built.stderr
    assert money(data) == [(p, "old-amortized", actual[p].actual_cost, amortized[p].amortized_cost)
                           for p in PERIODS]
