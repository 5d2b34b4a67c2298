"""finops focus build puts FocusCost exports into focus.costs on core's column contract, with Microsoft's
x_ columns kept, converts ActualCost+AmortizedCost pairs as Microsoft documents, checks each billing
period's money against the sources, and counts a billing account's month once when exports overlap."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from open_finops_azure.sample import generate_sample
from support import import_dir, query

from open_finops.api import LocalSource


def build(data: Path, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN_FINOPS_")}
    env.update({f"OPEN_FINOPS_FOCUS_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run([sys.executable, "-m", "open_finops", "focus", "build", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=300, env=env)


def test_focus_cost_passes_through_with_each_periods_money_equal_to_the_source(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    sample = generate_sample(root, export_name="focus", dataset="focus", data_format="parquet",
                             periods=["2024-01", "2024-02"], rows_per_period=150, seed=5)
    import_dir(LocalSource(root), data)

    ran = build(data)

    assert ran.returncode == 0, ran.stderr
    got = query(data, 'SELECT x_BillingPeriod, count(*), sum(BilledCost), sum(EffectiveCost) FROM focus.costs '
                      "WHERE x_Vendor = 'azure' GROUP BY 1 ORDER BY 1")
    assert got == [(p, t.rows, t.actual_cost, t.amortized_cost) for p, t in sample.periods.items()]
    columns = {name for (name,) in query(data, "SELECT column_name FROM information_schema.columns "
                                               "WHERE table_schema = 'focus' AND table_name = 'costs'")}
    assert {"x_billed_cost_in_usd", "x_resource_group_name", "x_sku_meter_category"} <= columns
    ((categories,),) = query(data, "SELECT list(DISTINCT ServiceCategory ORDER BY ServiceCategory) FROM focus.costs")
    assert categories == ["Compute", "Databases", "Networking", "Other", "Storage", "Web"]


def test_a_focus_1_0_export_maps_its_dates_without_seconds_and_its_missing_subcategory(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    sample = generate_sample(root, export_name="focus10", dataset="focus", data_format="csv.gz", rows_per_period=40,
                             files_per_period=1)
    totals = sample.periods["2024-01"]
    part = root / totals.data_keys[0]
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(part.read_bytes()).decode())))
    dropped = ("ServiceSubcategory", "InvoiceId", "PricingCurrency", "SkuMeter", "SkuPriceDetails",
               "CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
               "CommitmentDiscountUnit")
    header = [h for h in rows[0] if h not in dropped]
    out = io.StringIO()
    writer = csv.DictWriter(out, header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        for name in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
            row[name] = row[name].replace(":00Z", "Z", 1) if row[name].endswith(":00:00Z") else row[name]
        writer.writerow(row)
    part.write_bytes(gzip.compress(out.getvalue().encode()))
    manifest = root / totals.manifest_key
    doc = json.loads(manifest.read_text())
    doc["exportConfig"]["dataVersion"] = "1.0"
    manifest.write_text(json.dumps(doc))
    import_dir(LocalSource(root), data)

    ran = build(data)

    assert ran.returncode == 0, ran.stderr
    ((count, billed, start, subcategories),) = query(
        data, "SELECT count(*), sum(BilledCost), min(ChargePeriodStart), list(DISTINCT ServiceSubcategory ORDER BY "
              "ServiceSubcategory) FROM focus.costs")
    assert (count, billed) == (totals.rows, totals.actual_cost)
    assert start.isoformat() == "2024-01-01T00:00:00+00:00"
    assert subcategories == ["Other (Compute)", "Other (Databases)", "Other (Networking)", "Other (Other)",
                             "Other (Storage)", "Other (Web)"]


PERIODS = ["2024-01", "2024-02", "2024-03"]
# What a month of the sample holds, summed per kind of charge: (ChargeCategory, ChargeClass,
# CommitmentDiscountType, CommitmentDiscountStatus, rows, BilledCost, EffectiveCost).
BY_KIND = ('SELECT x_BillingPeriod, ChargeCategory, ChargeClass, CommitmentDiscountType, CommitmentDiscountStatus, '
           'ServiceName, count(*), sum(BilledCost), sum(EffectiveCost) FROM focus.costs GROUP BY ALL ORDER BY ALL')


def twins(root: Path, agreement: str, fmt: str, *kinds: str, prefix: str = "", seed: int = 3) -> dict:
    """The sample's actual, amortized and FocusCost exports of the same charges (one seed)."""
    return {kind: generate_sample(root, export_name=f"{prefix}{agreement}-{kind}", dataset=kind, agreement=agreement,
                                  data_format=fmt, periods=PERIODS, rows_per_period=60, files_per_period=2, seed=seed)
            for kind in kinds}


@pytest.mark.parametrize(("agreement", "fmt"), [("ea", "csv"), ("mca", "parquet"), ("mca", "csv.gz")])
def test_actual_and_amortized_exports_convert_with_each_periods_money_equal_to_the_two_sources(
        tmp_path: Path, agreement: str, fmt: str):
    root, data, native = tmp_path / "c", tmp_path / "data", tmp_path / "native"
    sample = twins(root, agreement, fmt, "actual", "amortized")
    import_dir(LocalSource(root), data)

    ran = build(data)

    assert ran.returncode == 0, ran.stderr
    got = query(data, "SELECT x_BillingPeriod, x_ExportName, BillingAccountId, sum(BilledCost), sum(EffectiveCost) "
                      "FROM focus.costs GROUP BY ALL ORDER BY 1")
    account = "ABCD-EFGH-IJK-LMN" if agreement == "mca" else "8611537"
    assert got == [(p, f"{agreement}-amortized", account, sample["actual"].periods[p].actual_cost,
                    sample["amortized"].periods[p].amortized_cost) for p in PERIODS]
    # Charge by charge it is the FOCUS Microsoft's own export of the same charges holds (the sample's twin):
    # commitment purchases and the refund billed, not effective; usage a commitment covers (and its unused part)
    # effective, not billed; on-demand usage and the marketplace purchase both.
    twin = tmp_path / "twin"
    twins(twin, agreement, fmt, "focus")
    import_dir(LocalSource(twin), native)
    assert build(native).returncode == 0
    converted, expected = query(data, BY_KIND), query(native, BY_KIND)
    assert converted == expected
    kinds = {row[1:5] for row in converted}
    assert {("Purchase", "Correction", "Reservation", None), ("Usage", None, "Reservation", "Unused"),
            ("Usage", None, "Savings Plan", "Unused"), ("Purchase", None, "Savings Plan", None)} <= kinds
    assert any(row[5] == "Contoso Firewall (Marketplace)" and row[7] == row[8] == Decimal("49.99")
               for row in converted)
    ((negative, places),) = query(data, "SELECT min(BilledCost), max(length(rtrim(CAST(EffectiveCost AS VARCHAR), "
                                        "'0')) - strpos(CAST(EffectiveCost AS VARCHAR), '.')) FROM focus.costs")
    assert negative < 0 and places >= 14


def test_a_pair_whose_exports_disagree_is_refused_naming_the_account_and_the_figures(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    sample = generate_sample(root, export_name="costs-actual", dataset="actual", periods=PERIODS[:2],
                             rows_per_period=30, files_per_period=1, seed=4)
    generate_sample(root, export_name="costs-amortized", dataset="amortized", periods=PERIODS[:2],
                    rows_per_period=30, files_per_period=1, seed=4)
    # One on-demand charge of January's actual cost export is a cent more than the amortized export says.
    part = root / sample.periods["2024-01"].data_keys[0]
    rows = list(csv.DictReader(io.StringIO(part.read_text())))
    rows[1]["CostInBillingCurrency"] = str(Decimal(rows[1]["CostInBillingCurrency"]) + Decimal("0.01"))
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    part.write_text(out.getvalue())
    import_dir(LocalSource(root), data)

    ran = build(data)

    assert ran.returncode != 0
    january = sample.periods["2024-01"].actual_cost + Decimal("0.01")
    assert (f"money check: billing account 8611537 of costs-amortized 2024-01: sum(BilledCost) "
            f"{january - Decimal('0.01')} but the ActualCost export costs-actual totals {january}") in ran.stdout
    assert query(data, "SELECT DISTINCT x_BillingPeriod FROM focus.costs") == [("2024-02",)]


def test_an_export_without_its_partner_is_reported_not_half_converted(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    generate_sample(root, export_name="only-actual", dataset="actual", periods=PERIODS[:1], rows_per_period=10)
    import_dir(LocalSource(root), data)

    ran = build(data)

    assert ran.returncode != 0
    assert "ActualCost export only-actual 2024-01 has no AmortizedCost export of the same billing accounts" in (
        ran.stdout)
    assert query(data, "SELECT count(*) FROM focus.costs") == [(0,)]
    left_out = build(data, exclude="only-actual")
    assert left_out.returncode == 0, left_out.stdout + left_out.stderr


def test_focus_cost_and_the_pair_of_one_account_count_once_focus_cost_first_unless_preferred(tmp_path: Path):
    root, data = tmp_path / "c", tmp_path / "data"
    sample = twins(root, "ea", "csv", "actual", "amortized", "focus")
    import_dir(LocalSource(root), data)
    totals = "SELECT x_ExportName, sum(BilledCost), sum(EffectiveCost) FROM focus.costs GROUP BY 1"
    billed = sum(t.actual_cost for t in sample["actual"].periods.values())
    effective = sum(t.amortized_cost for t in sample["amortized"].periods.values())

    ran = build(data)

    assert ran.returncode == 0, ran.stderr
    assert query(data, totals) == [("ea-focus", billed, effective)]
    assert ("azure ea-amortized 2024-01: not counted; billing account 8611537 is counted from ea-focus, not here "
            "(FocusCost preferred over ActualCost+AmortizedCost)") in ran.stdout

    preferred = build(data, prefer="ea-amortized")

    assert preferred.returncode == 0, preferred.stderr
    assert query(data, totals) == [("ea-amortized", billed, effective)]


def test_exports_of_different_billing_accounts_are_all_counted_and_pairs_form_by_account(tmp_path: Path):
    # FocusCost of the EA enrollment beside the actual and amortized exports of an MCA billing profile.
    root, data = tmp_path / "c", tmp_path / "data"
    focus = twins(root, "ea", "csv", "focus")["focus"]
    mca = twins(root, "mca", "csv", "actual", "amortized", seed=8)
    import_dir(LocalSource(root), data)
    by_export = ("SELECT x_ExportName, x_BillingPeriod, sum(BilledCost), sum(EffectiveCost) FROM focus.costs "
                 "GROUP BY ALL")

    ran = build(data)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "not counted" not in ran.stdout
    assert sorted(query(data, by_export)) == sorted(
        [("ea-focus", p, t.actual_cost, t.amortized_cost) for p, t in focus.periods.items()]
        + [("mca-amortized", p, mca["actual"].periods[p].actual_cost, mca["amortized"].periods[p].amortized_cost)
           for p in PERIODS])

    # Two actual and two amortized exports in each month: each pairs with the one of its billing account.
    root2, data2 = tmp_path / "c2", tmp_path / "data2"
    ea = twins(root2, "ea", "csv", "actual", "amortized", seed=3)
    mca = twins(root2, "mca", "parquet", "actual", "amortized", seed=8)
    import_dir(LocalSource(root2), data2)

    ran = build(data2)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert sorted(query(data2, by_export)) == sorted(
        (f"{name}-amortized", p, pair["actual"].periods[p].actual_cost, pair["amortized"].periods[p].amortized_cost)
        for name, pair in (("ea", ea), ("mca", mca)) for p in PERIODS)
