"""finops azure demo, and the core's finops demo with the Azure plugin: samples imported, FOCUS built,
the cost summed by cloud; a second run reads nothing new."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

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
    assert "azure: imported the sample (9,009 new rows)" in ran.stdout  # 3 exports x 3 months x 1,001 rows

    again = finops("demo", "--data-dir", str(data))
    assert again.returncode == 0, again.stderr
    assert "azure: imported the sample (0 new rows)" in again.stdout


def test_finops_azure_demo_shows_each_exports_cost_by_month(tmp_path: Path):
    ran = finops("azure", "demo", "--data-dir", str(tmp_path / "data"), "-q", "--rows-per-month", "20")

    assert ran.returncode == 0, ran.stderr
    assert re.search(r"demo-focus\s*│\s*2024-03\s*│\s*21\s*│", ran.stdout)
