"""``focus summary``: billed and effective cost by billing period and service, from ``focus.costs``, and
which exports feed each period (from ``focus.build_state``, which names the exports left out as well)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from open_finops.focus.build import BUILD_STATE, COSTS
from open_finops.focus.export import costs_columns, period_filter


@dataclass(frozen=True)
class SummaryRow:
    billing_period: str
    service_name: str
    billing_currency: str
    rows: int
    billed_cost: Decimal
    effective_cost: Decimal
    exports: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        # Money as text: JSON numbers would round it.
        return {
            "billing_period": self.billing_period,
            "service_name": self.service_name,
            "billing_currency": self.billing_currency,
            "rows": self.rows,
            "billed_cost": str(self.billed_cost),
            "effective_cost": str(self.effective_cost),
            "exports": list(self.exports),
        }


@dataclass(frozen=True)
class PeriodFeed:
    """One export's part in one billing period: the rows it feeds and the billing accounts it leaves out
    because another export holds them (``superseded`` when that is all of them)."""

    billing_period: str
    vendor: str
    export_name: str
    rows: int
    dropped_accounts: tuple[str, ...]
    superseded: bool

    def as_dict(self) -> dict[str, Any]:
        return {"billing_period": self.billing_period, "vendor": self.vendor, "export_name": self.export_name,
                "rows": self.rows, "dropped_accounts": list(self.dropped_accounts), "superseded": self.superseded}


def summarise(con: Any, *, start: str | None = None, end: str | None = None) -> list[SummaryRow]:
    """One row per billing period, service and currency, the most expensive service first."""
    costs_columns(con)  # says "run focus build first" when there is nothing yet
    where, params = period_filter(start, end)
    rows = con.execute(
        "SELECT \"x_BillingPeriod\", \"ServiceName\", \"BillingCurrency\", count(*), sum(\"BilledCost\"), "
        "sum(\"EffectiveCost\"), list(DISTINCT \"x_ExportName\" ORDER BY \"x_ExportName\") "
        f"FROM {COSTS}{where} GROUP BY ALL ORDER BY 1, 5 DESC, 2",
        params,
    ).fetchall()
    return [SummaryRow(*row[:6], tuple(row[6])) for row in rows]


def period_feeds(con: Any, *, start: str | None = None, end: str | None = None) -> list[PeriodFeed]:
    """Every export's period that ``focus build`` considered, in period order; none for a ``focus.costs``
    that another tool wrote (no ``focus.build_state`` beside it)."""
    from open_finops.database import table_exists

    if not table_exists(con, *BUILD_STATE.split(".")):
        return []
    where, params = period_filter(start, end)
    where = where.replace("\"x_BillingPeriod\"", "billing_period")
    found = con.execute(
        f"SELECT billing_period, vendor, export_name, rows, accounts, dropped_accounts FROM {BUILD_STATE}{where} "
        "ORDER BY 1, 2, 3", params).fetchall()
    feeds = []
    for period, vendor, export_name, rows, accounts, dropped in found:
        dropped_list = tuple(json.loads(dropped)) if dropped else ()
        held = set(json.loads(accounts)) if accounts else None
        superseded = bool(dropped_list) and held is not None and held <= set(dropped_list)
        feeds.append(PeriodFeed(period, vendor, export_name, int(rows), dropped_list, superseded))
    return feeds
