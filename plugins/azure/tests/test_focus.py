"""finops focus build puts FocusCost exports into focus.costs on core's column contract, with Microsoft's
x_ columns kept, and each billing period's money equal to the source's."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

from open_finops_azure.sample import generate_sample
from support import import_dir, query

from open_finops.api import LocalSource


def build(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "open_finops", "focus", "build", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=300)


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
    assert categories == ["Compute", "Databases", "Networking", "Storage"]


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
    assert subcategories == ["Other (Compute)", "Other (Databases)", "Other (Networking)", "Other (Storage)"]
