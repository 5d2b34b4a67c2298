"""finops azure demo, and the core's finops demo with the Azure plugin: samples imported, FOCUS built,
the cost summed by cloud; a second run reads nothing new."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from support import query


def finops(*argv: str, plugins: str = "azure") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN_FINOPS_")}
    return subprocess.run([sys.executable, "-m", "open_finops", *argv], capture_output=True, text=True,
                          env={**env, "COLUMNS": "200", "OPEN_FINOPS_PLUGINS": plugins}, timeout=600)


def test_finops_demo_imports_the_azure_sample_builds_focus_and_totals_it(tmp_path: Path):
    data = tmp_path / "data"

    ran = finops("demo", "--data-dir", str(data))

    assert ran.returncode == 0, ran.stderr
    ((billed, effective),) = query(data, 'SELECT sum(BilledCost), sum(EffectiveCost) FROM focus.costs')
    total = re.search(r"All clouds\s*│\s*│\s*total\s*│\s*([\d,.]+)\s*│\s*([\d,.]+)", ran.stdout)
    assert total is not None, ran.stdout
    assert (Decimal(total[1].replace(",", "")), Decimal(total[2].replace(",", ""))) == (
        billed.quantize(Decimal("0.01")), effective.quantize(Decimal("0.01")))
    assert re.search(r"azure\s*│\s*2024-03\s*│\s*Virtual Machines", ran.stdout)
    # 3 months of 1,000 charges: 1,004 actual rows (+ 3 commitment purchases or refunds and a marketplace
    # purchase), 1,003 amortized (+ unused reservation, unused savings plan, marketplace), 1,006 FOCUS.
    assert "azure: imported the sample (9,039 new rows)" in ran.stdout
    # The FocusCost export and the actual/amortized pair hold the same charges: counted once, and said so.
    assert ("azure: billing account 8611537 is in demo-focus and demo-amortized for 2024-01, 2024-02, 2024-03: "
            "each charge counted once, from demo-focus (FocusCost preferred over ActualCost+AmortizedCost)") in (
        ran.stdout)

    again = finops("demo", "--data-dir", str(data))
    assert again.returncode == 0, again.stderr
    assert "azure: imported the sample (0 new rows)" in again.stdout


def test_focus_summary_shows_aws_and_azure_side_by_side_each_counted_once(tmp_path: Path):
    # Both plugins' demos: the [azure]-only install scenario has no AWS plugin to run (the dev one does).
    pytest.importorskip("open_finops_aws", reason="the AWS plugin is not installed in this scenario")
    data = tmp_path / "data"
    assert finops("demo", "--data-dir", str(data), "-q", plugins="aws,azure").returncode == 0

    ran = finops("focus", "summary", "--data-dir", str(data), "--json", plugins="aws,azure")

    assert ran.returncode == 0, ran.stderr
    rows = json.loads(ran.stdout)
    by_vendor: dict[str, list[Decimal]] = {}
    for row in rows:
        vendor = "azure" if any(e.startswith("demo-focus") or e.startswith("demo-amortized")
                                for e in row["exports"]) else "aws"
        sums = by_vendor.setdefault(vendor, [Decimal(0), Decimal(0)])
        sums[0] += Decimal(row["billed_cost"])
        sums[1] += Decimal(row["effective_cost"])
    # Azure's figures are its sources': the FocusCost export's, which the actual and amortized exports equal.
    ((focus_billed, focus_effective),) = query(
        data, "SELECT sum(billed_cost), sum(effective_cost) FROM azure_costs.demo_focus_unified")
    ((actual,),) = query(data, "SELECT sum(cost_in_billing_currency) FROM azure_costs.demo_actual_unified")
    ((amortized,),) = query(data, "SELECT sum(cost_in_billing_currency) FROM azure_costs.demo_amortized_unified")
    assert by_vendor["azure"] == [focus_billed, focus_effective] == [actual, amortized]
    ((aws_billed, aws_effective),) = query(
        data, "SELECT sum(BilledCost), sum(EffectiveCost) FROM focus.costs WHERE x_Vendor = 'aws'")
    assert by_vendor["aws"] == [aws_billed, aws_effective] and aws_billed > 0


def test_finops_azure_demo_shows_each_exports_cost_by_month(tmp_path: Path):
    ran = finops("azure", "demo", "--data-dir", str(tmp_path / "data"), "-q", "--rows-per-month", "20")

    assert ran.returncode == 0, ran.stderr
    # 20 charges, and in FOCUS 6 more: the commitment purchases and refund, the unused commitments, marketplace
    assert re.search(r"demo-focus\s*│\s*2024-03\s*│\s*26\s*│", ran.stdout)
