"""finops azure import-exports from a local copy of the container: both layouts, the three cost datasets,
CSV, CSV.gz and Parquet, loaded exactly; runs as versions; declared row counts checked."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from open_finops_azure.sample import generate_sample
from support import CountingSource, import_dir, query, sums

from open_finops.api import LocalSource, ManifestError


@pytest.mark.parametrize(
    ("dataset", "agreement", "fmt", "billed", "effective"),
    [
        ("actual", "ea", "csv", "cost_in_billing_currency", None),
        ("amortized", "mca", "csv.gz", "cost_in_billing_currency", None),
        ("actual", "mca", "parquet", "cost_in_billing_currency", None),
        ("focus", "ea", "parquet", "billed_cost", "effective_cost"),
        ("focus", "ea", "csv.gz", "billed_cost", "effective_cost"),
    ],
)
def test_each_dataset_and_format_imports_exactly(tmp_path: Path, dataset, agreement, fmt, billed, effective):
    root, data = tmp_path / "container", tmp_path / "data"
    sample = generate_sample(root, export_name="costs", dataset=dataset, agreement=agreement, data_format=fmt,
                             periods=["2024-01", "2024-02"], rows_per_period=300, files_per_period=3, seed=7)

    summary = import_dir(LocalSource(root), data)

    assert [(p.billing_period, p.status, p.version_id) for p in summary.periods] == [
        (p, "loaded", t.run_id) for p, t in sample.periods.items()]
    for period, totals in sample.periods.items():
        table = f"costs_{period.replace('-', '_')}"
        assert sums(data, table, billed) == (totals.rows, totals.actual_cost)
        if effective:
            assert sums(data, table, effective)[1] == totals.amortized_cost
    types = dict(query(data, "SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'costs_2024_01'"))
    assert types[billed] == "DECIMAL(38,18)"
    assert types["quantity" if dataset != "focus" else "pricing_quantity"] == "DECIMAL(38,18)"
    assert types["subscription_id" if dataset != "focus" else "sub_account_id"] == "VARCHAR"
    if dataset == "focus":
        assert {"x_billed_cost_in_usd", "x_resource_group_name", "x_sku_meter_category"} <= set(types)


def test_a_rerun_with_nothing_new_reads_no_data_file(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    generate_sample(root, export_name="costs", periods=["2024-01", "2024-02"], rows_per_period=50)
    import_dir(LocalSource(root), data)
    source = CountingSource(root)

    summary = import_dir(source, data)

    assert [p.status for p in summary.periods] == ["skipped", "skipped"]
    assert source.copies == []
    assert all(key.endswith("manifest.json") for key in source.reads)


def test_a_new_run_of_the_month_to_date_replaces_the_loaded_one_whole(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    first = generate_sample(root, export_name="costs", rows_per_period=40, seed=1)
    import_dir(LocalSource(root), data)
    # Azure's next daily run of the same month: a new run id, more rows.
    later = generate_sample(root, export_name="costs", rows_per_period=60, seed=2,
                            submitted=datetime(2024, 2, 10, tzinfo=UTC))

    summary = import_dir(LocalSource(root), data)

    totals = later.periods["2024-01"]
    assert [(p.version_id, p.status) for p in summary.periods] == [(totals.run_id, "loaded")]
    assert summary.periods[0].superseded == [first.periods["2024-01"].manifest_key]
    assert sums(data, "costs_2024_01", "cost_in_billing_currency") == (totals.rows, totals.actual_cost)


def test_the_newest_run_by_submitted_time_is_current_not_the_last_folder_name(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    sample = generate_sample(root, export_name="costs", rows_per_period=30, runs=2)
    manifests = sorted(root.rglob("manifest.json"))  # by folder name: run 1's folder sorts first
    doc = json.loads(manifests[0].read_text())
    doc["runInfo"]["submittedTime"] = "2030-01-01T00:00:00.1234567Z"  # yet it was submitted last
    manifests[0].write_text(json.dumps(doc))

    summary = import_dir(LocalSource(root), data)

    assert summary.periods[0].version_id == doc["runInfo"]["runId"] != sample.periods["2024-01"].run_id
    # run 1's rows, one charge fewer than run 2's
    assert sums(data, "costs_2024_01", "cost_in_billing_currency")[0] == doc["dataRowCount"] == (
        sample.periods["2024-01"].rows - 1)


def test_manifests_are_found_at_any_depth_below_the_month_folder(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    sample = generate_sample(root, export_name="costs", rows_per_period=20)
    totals = sample.periods["2024-01"]
    manifest = root / totals.manifest_key
    run_folder = manifest.parent
    # Without the timestamp folder: <range>/<run id>/manifest.json, blob names rewritten to match.
    flat = run_folder.parent.parent / run_folder.name
    run_folder.rename(flat)
    doc = json.loads((flat / "manifest.json").read_text())
    for blob in doc["blobs"]:
        blob["blobName"] = blob["blobName"].replace(f"/{run_folder.parent.name}/", "/")
    (flat / "manifest.json").write_text(json.dumps(doc))

    summary = import_dir(LocalSource(root), data)

    assert [(p.version_id, p.rows) for p in summary.periods] == [(totals.run_id, totals.rows)]


def test_a_file_holding_another_row_count_than_the_manifest_declares_is_refused(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    sample = generate_sample(root, export_name="costs", rows_per_period=20)
    manifest = root / sample.periods["2024-01"].manifest_key
    doc = json.loads(manifest.read_text())
    doc["blobs"][0]["dataRowCount"] += 1
    doc["dataRowCount"] += 1
    manifest.write_text(json.dumps(doc))

    (period,) = import_dir(LocalSource(root), data).periods

    assert period.status == "failed"
    assert f"holds {doc['blobs'][0]['dataRowCount'] - 1:,} rows but its manifest declares" in period.error


def test_a_manifest_whose_totals_disagree_with_its_blobs_is_refused(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    sample = generate_sample(root, export_name="costs", rows_per_period=20)
    manifest = root / sample.periods["2024-01"].manifest_key
    doc = json.loads(manifest.read_text())
    doc["dataRowCount"] += 5
    manifest.write_text(json.dumps(doc))

    rows = sample.periods["2024-01"].rows
    with pytest.raises(ManifestError, match=f"declares dataRowCount {rows + 5} but its blobs add up to {rows}"):
        import_dir(LocalSource(root), data)


def test_a_manifest_of_another_dataset_is_refused_by_name(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    sample = generate_sample(root, export_name="prices", rows_per_period=5)
    manifest = root / sample.periods["2024-01"].manifest_key
    doc = json.loads(manifest.read_text())
    doc["exportConfig"]["type"] = "PriceSheet"
    manifest.write_text(json.dumps(doc))

    with pytest.raises(ManifestError, match="export type 'PriceSheet' is not cost and usage details"):
        import_dir(LocalSource(root), data)


def test_the_older_layout_loads_the_newest_file_of_each_month_and_rereads_nothing(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    old = generate_sample(root, export_name="legacy", layout="legacy", periods=["2024-01"], rows_per_period=25,
                          seed=1)
    new = generate_sample(root, export_name="legacy", layout="legacy", periods=["2024-01"], rows_per_period=35,
                          seed=2)
    for sample, when in ((old, 1_700_000_000), (new, 1_700_086_400)):
        os.utime(root / sample.periods["2024-01"].data_keys[0], (when, when))

    summary = import_dir(LocalSource(root), data)

    totals = new.periods["2024-01"]
    assert [(p.version_id, p.status) for p in summary.periods] == [(totals.run_id, "loaded")]
    assert sums(data, "legacy_2024_01", "cost_in_billing_currency") == (totals.rows, totals.actual_cost)
    again = CountingSource(root)
    assert [p.status for p in import_dir(again, data).periods] == ["skipped"]
    assert (again.reads, again.copies) == ([], [])


def test_a_money_value_that_does_not_fit_exactly_is_refused_naming_file_row_and_column(tmp_path: Path):
    root, data = tmp_path / "container", tmp_path / "data"
    sample = generate_sample(root, export_name="costs", rows_per_period=5, files_per_period=1)
    part = root / sample.periods["2024-01"].data_keys[0]
    lines = part.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("CostInBillingCurrency")] = "0.0000000000000000001"
    lines[2] = ",".join(cells)
    part.write_text("\n".join(lines) + "\n")

    (period,) = import_dir(LocalSource(root), data).periods

    assert period.status == "failed"
    assert "column 'CostInBillingCurrency', line 3" in period.error and "18 decimal places" in period.error
