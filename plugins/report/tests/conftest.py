"""Fixtures: a data directory whose ``focus.costs`` is written by DuckDB SQL, and the real ``finops`` CLI.

The table has the FOCUS columns the report and ``focus summary`` read, with core's types: two providers in
USD over 2024-01..2024-04, April cut off after the 10th (a month in progress), commitment discounts (covered
usage, unused commitment, and monthly fees whose charge period is the whole month), and tags that some rows
lack.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

DATABASE_FILE = "finops.duckdb"

FOCUS_TABLE = """
CREATE SCHEMA focus;
CREATE TABLE focus.costs AS
WITH days AS (
    SELECT CAST(d AS DATE) AS day FROM range(TIMESTAMP '2024-01-01', TIMESTAMP '2024-04-11', INTERVAL 1 DAY) t(d)
), lines AS (
    SELECT * FROM (VALUES
        ('AWS', 'Amazon Elastic Compute Cloud', 'Compute', '111111111111', 'prod', 40.00, true, 1),
        ('AWS', 'Amazon Simple Storage Service', 'Storage', '111111111111', 'prod', 7.25, false, 2),
        ('AWS', 'Amazon Relational Database Service', 'Databases', '222222222222', 'dev', 12.50, true, 3),
        ('AWS', 'AWS Lambda', 'Compute', '222222222222', 'dev', 0.75, false, 4),
        ('AWS', 'Amazon CloudFront', 'Networking', '333333333333', NULL, 2.10, false, 5),
        ('Microsoft', 'Virtual Machines', 'Compute', 'sub-a', 'Subscription A', 30.10, true, 6),
        ('Microsoft', 'Storage', 'Storage', 'sub-a', 'Subscription A', 3.30, false, 7),
        ('Microsoft', 'Azure Cosmos DB', 'Databases', 'sub-b', 'Subscription <B>', 9.90, false, 8)
    ) v(provider, service, category, sub_id, sub_name, daily, committable, n)
), usage AS (
    -- Cost grows month by month, differently for each line, and varies by weekday.
    -- Exact: whole cents times whole factors, scaled by a decimal literal (DuckDB divides decimals as doubles).
    SELECT *, CAST(CAST(CAST(daily * 100 AS INTEGER) * (10 + (n * month(day)) % 5) * (20 + dayofweek(day))
                        AS DECIMAL(18, 0)) * 0.00005 AS DECIMAL(38, 18)) AS cost,
           CASE (n + day(day)) % 4
               WHEN 0 THEN NULL
               WHEN 1 THEN '{"team": "web", "env": "prod"}'
               WHEN 2 THEN '{"team": "data", "env": null}'
               ELSE '{"env": "dev", "cost-center": "cc-1"}' END AS tags
    FROM days, lines
), charges AS (
    SELECT day, day + INTERVAL 1 DAY AS charge_end, 'Usage-Based' AS frequency,
           provider, service, category, sub_id, sub_name, tags, 'Usage' AS charge_category,
           cost AS billed, cost AS effective, cost AS list, NULL AS cd_id, NULL AS cd_status, 'Standard' AS pricing
    FROM usage
    UNION ALL  -- usage a reservation covered: nothing billed, the amortised reservation as effective cost
    SELECT day, day + INTERVAL 1 DAY, 'Usage-Based', provider, service, category, sub_id, sub_name, tags, 'Usage',
           0, cost * 0.5, cost,
           'commitment-' || n, 'Used', 'Committed'
    FROM usage WHERE committable
    UNION ALL  -- the hours the reservation went unused
    SELECT day, day + INTERVAL 1 DAY, 'Usage-Based', provider, service, category, sub_id, sub_name, NULL, 'Usage',
           0, CAST(1.25 AS DECIMAL(38, 18)), 0,
           'commitment-' || n, 'Unused', 'Committed'
    FROM usage WHERE committable
    UNION ALL  -- the monthly reservation fee, billed on the first day for the whole month
    SELECT day, date_trunc('month', day) + INTERVAL 1 MONTH, 'Recurring', provider, service, category, sub_id,
           sub_name, NULL, 'Purchase', CAST(95.5 AS DECIMAL(38, 18)), 0, 0,
           'commitment-' || n, NULL, 'Committed'
    FROM usage WHERE committable AND day(day) = 1
)
SELECT CAST(billed AS DECIMAL(38, 18)) AS "BilledCost",
       CAST(effective AS DECIMAL(38, 18)) AS "EffectiveCost",
       CAST(list AS DECIMAL(38, 18)) AS "ListCost",
       CAST(effective AS DECIMAL(38, 18)) AS "ContractedCost",
       'USD' AS "BillingCurrency",
       CAST(date_trunc('month', day) AS TIMESTAMPTZ) AS "BillingPeriodStart",
       CAST(date_trunc('month', day) + INTERVAL 1 MONTH AS TIMESTAMPTZ) AS "BillingPeriodEnd",
       CAST(day AS TIMESTAMPTZ) AS "ChargePeriodStart",
       CAST(charge_end AS TIMESTAMPTZ) AS "ChargePeriodEnd", frequency AS "ChargeFrequency",
       charge_category AS "ChargeCategory",
       provider AS "ProviderName", provider AS "PublisherName", provider AS "InvoiceIssuerName",
       service AS "ServiceName", category AS "ServiceCategory",
       sub_id AS "SubAccountId", sub_name AS "SubAccountName",
       cd_id AS "CommitmentDiscountId", cd_status AS "CommitmentDiscountStatus",
       CASE WHEN cd_id IS NOT NULL THEN 'Reserved' END AS "CommitmentDiscountType",
       CASE WHEN cd_id IS NOT NULL THEN 'Usage' END AS "CommitmentDiscountCategory",
       pricing AS "PricingCategory", tags AS "Tags",
       lower(provider) AS "x_Vendor", 'sample' AS "x_ExportName", strftime(day, '%Y-%m') AS "x_BillingPeriod",
       'v1' AS "x_SourceVersionId"
FROM charges
"""


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self):
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


def run_finops(*args: str, cwd: Path) -> Ran:
    """The real command line in a fresh interpreter, with none of our settings inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN_FINOPS_")}
    env["COLUMNS"] = "200"
    completed = subprocess.run([sys.executable, "-m", "open_finops", *args], capture_output=True, text=True,
                               cwd=cwd, env=env, timeout=600)
    return Ran(completed.returncode, completed.stdout, completed.stderr)


def write_focus(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DATABASE_FILE
    con = duckdb.connect(str(path))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(FOCUS_TABLE)
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def focus_data(tmp_path_factory) -> Path:
    """A data directory with the sample focus.costs; tests must not change it (copy it first)."""
    data_dir = tmp_path_factory.mktemp("focus") / "data"
    write_focus(data_dir)
    return data_dir


@pytest.fixture
def finops(tmp_path: Path):
    def run(*args: str) -> Ran:
        return run_finops(*args, cwd=tmp_path)

    return run


def summary_totals(rows: list[dict], *, periods: set[str] | None = None) -> tuple[Decimal, Decimal]:
    """Billed and effective total of ``focus summary --json`` rows (of some periods)."""
    chosen = [r for r in rows if periods is None or r["billing_period"] in periods]
    return (sum((Decimal(r["billed_cost"]) for r in chosen), Decimal(0)),
            sum((Decimal(r["effective_cost"]) for r in chosen), Decimal(0)))
