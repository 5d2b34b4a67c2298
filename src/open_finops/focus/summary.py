"""``focus summary``: billed and effective cost by billing period and service, from ``focus.costs``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from open_finops.focus.build import COSTS
from open_finops.focus.export import costs_columns, period_filter


@dataclass(frozen=True)
class SummaryRow:
    billing_period: str
    service_name: str
    billing_currency: str
    rows: int
    billed_cost: Decimal
    effective_cost: Decimal

    def as_dict(self) -> dict[str, Any]:
        # Money as text: JSON numbers would round it.
        return {
            "billing_period": self.billing_period,
            "service_name": self.service_name,
            "billing_currency": self.billing_currency,
            "rows": self.rows,
            "billed_cost": str(self.billed_cost),
            "effective_cost": str(self.effective_cost),
        }


def summarise(con: Any, *, start: str | None = None, end: str | None = None) -> list[SummaryRow]:
    """One row per billing period, service and currency, the most expensive service first."""
    costs_columns(con)  # says "run focus build first" when there is nothing yet
    where, params = period_filter(start, end)
    rows = con.execute(
        "SELECT \"x_BillingPeriod\", \"ServiceName\", \"BillingCurrency\", count(*), sum(\"BilledCost\"), "
        f"sum(\"EffectiveCost\") FROM {COSTS}{where} GROUP BY ALL ORDER BY 1, 5 DESC, 2",
        params,
    ).fetchall()
    return [SummaryRow(*row) for row in rows]
