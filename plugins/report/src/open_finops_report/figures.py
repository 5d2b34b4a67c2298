"""Every figure of the report, each one SQL query over ``focus.costs`` run by DuckDB.

Python only picks the months to look at and names the results; sums, ranks, shares, changes and the
projection are computed by the queries below (docs/report.md quotes them). Money stays DECIMAL until it is
written out, so a table's total is exactly the ``finops focus summary`` total of the same range.

Rows are scoped by the two named parameters every query takes: ``$currency`` (one BillingCurrency: sums
across currencies mean nothing) and the billing-period range ``$first``..``$last``, compared with core's
``x_BillingPeriod`` column as ``focus summary`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from open_finops.api import UsageError, table_exists

COSTS = "focus.costs"
# The rows of the report: one currency, one range of billing periods.
SCOPE = (
    f'WITH base AS (SELECT * FROM {COSTS} WHERE "BillingCurrency" = $currency '
    'AND "x_BillingPeriod" BETWEEN $first AND $last)\n'
)
# The rows of the report's currency in every period: the headline compares a month with the one before
# even when the range starts at that month.
SCOPE_ANY_PERIOD = f'WITH base AS (SELECT * FROM {COSTS} WHERE "BillingCurrency" = $currency)\n'

RANGE_SQL = (
    f'SELECT "BillingCurrency", min("x_BillingPeriod"), max("x_BillingPeriod"), count(*) FROM {COSTS} '
    'WHERE ($first IS NULL OR "x_BillingPeriod" >= $first) AND ($last IS NULL OR "x_BillingPeriod" <= $last) '
    "GROUP BY ALL ORDER BY 1"
)

# Where a period's data ends: the last usage-based charge. Recurring fees (a reservation's monthly fee) cover the
# whole month from its first day, so they say nothing about how far the month has got.
_DATA_END = ('coalesce(max("ChargePeriodEnd") FILTER (WHERE "ChargeFrequency" = \'Usage-Based\'), '
             'max("ChargePeriodEnd"))')

# A period is complete when its usage reaches the end of the billing period.
PERIODS_SQL = SCOPE + f"""SELECT "x_BillingPeriod" AS period,
       sum("BilledCost") AS billed_cost, sum("EffectiveCost") AS effective_cost,
       {_DATA_END} >= max("BillingPeriodEnd") AS complete
FROM base GROUP BY ALL ORDER BY period"""

TOTALS_SQL = SCOPE + """SELECT count(*) AS rows,
       sum("BilledCost") AS billed_cost, sum("EffectiveCost") AS effective_cost
FROM base"""

HEADLINE_SQL = SCOPE_ANY_PERIOD + """SELECT "ProviderName" AS provider,
       coalesce(sum("BilledCost") FILTER (WHERE "x_BillingPeriod" = $month), 0) AS billed_cost,
       coalesce(sum("EffectiveCost") FILTER (WHERE "x_BillingPeriod" = $month), 0) AS effective_cost,
       sum("BilledCost") FILTER (WHERE "x_BillingPeriod" = $previous) AS previous_billed_cost,
       sum("EffectiveCost") FILTER (WHERE "x_BillingPeriod" = $previous) AS previous_effective_cost,
       billed_cost - previous_billed_cost AS billed_change,
       effective_cost - previous_effective_cost AS effective_change,
       round(100 * billed_change / nullif(previous_billed_cost, 0), 1) AS billed_change_percent,
       round(100 * effective_change / nullif(previous_effective_cost, 0), 1) AS effective_change_percent,
       grouping("ProviderName") = 1 AS is_total
FROM base WHERE "x_BillingPeriod" IN ($month, $previous)
GROUP BY GROUPING SETS (("ProviderName"), ())
ORDER BY is_total, effective_cost DESC, provider"""

TREND_SQL = SCOPE + """SELECT "ProviderName" AS provider, "x_BillingPeriod" AS period,
       "ServiceCategory" AS service_category,
       sum("BilledCost") AS billed_cost, sum("EffectiveCost") AS effective_cost
FROM base GROUP BY ALL ORDER BY provider, period, effective_cost DESC, service_category"""

# The first $top items by effective cost, then one row for all the others: the table adds up to the total.
_TOP = """, ranked AS (
    SELECT *, row_number() OVER (ORDER BY effective_cost DESC, billed_cost DESC, {keys}) AS rank
    FROM (SELECT {keys}, sum("BilledCost") AS billed_cost, sum("EffectiveCost") AS effective_cost
          FROM base GROUP BY ALL)
)
SELECT {shown}, rank > $top AS is_other, count(*) AS items,
       sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost
FROM ranked GROUP BY ALL ORDER BY min(rank)"""


def _top_sql(keys: dict[str, str]) -> str:
    columns = ", ".join(f'"{column}"' for column in keys)
    shown = ", ".join(f'CASE WHEN rank <= $top THEN "{column}" END AS {alias}' for column, alias in keys.items())
    return SCOPE.rstrip("\n") + _TOP.format(keys=columns, shown=shown)


TOP_SERVICES_SQL = _top_sql({"ProviderName": "provider", "ServiceName": "service"})
TOP_SUB_ACCOUNTS_SQL = _top_sql(
    {"ProviderName": "provider", "SubAccountId": "sub_account_id", "SubAccountName": "sub_account_name"}
)

# Services whose effective cost changed most from $previous to $month; the others in one row.
MOVERS_SQL = SCOPE_ANY_PERIOD + """, changes AS (
    SELECT "ProviderName", "ServiceName",
           coalesce(sum("EffectiveCost") FILTER (WHERE "x_BillingPeriod" = $month), 0) AS effective_cost,
           coalesce(sum("EffectiveCost") FILTER (WHERE "x_BillingPeriod" = $previous), 0) AS previous_effective_cost,
           effective_cost - previous_effective_cost AS change
    FROM base WHERE "x_BillingPeriod" IN ($month, $previous) GROUP BY ALL
), ranked AS (
    SELECT *, row_number() OVER (ORDER BY abs(change) DESC, "ProviderName", "ServiceName") AS rank FROM changes
)
SELECT CASE WHEN rank <= $top THEN "ProviderName" END AS provider,
       CASE WHEN rank <= $top THEN "ServiceName" END AS service,
       rank > $top AS is_other, count(*) AS items,
       sum(previous_effective_cost) AS previous_effective_cost, sum(effective_cost) AS effective_cost,
       sum(change) AS change,
       round(100 * sum(change) / nullif(sum(previous_effective_cost), 0), 1) AS change_percent
FROM ranked GROUP BY ALL ORDER BY min(rank)"""

# What each row is to commitment discounts (FOCUS: CommitmentDiscountId names the commitment that applied
# or was bought; CommitmentDiscountStatus says whether usage used it or it went unused).
_COMMITMENT_CLASS = """CASE
        WHEN "CommitmentDiscountId" IS NULL THEN 'No commitment discount'
        WHEN "ChargeCategory" = 'Purchase' THEN 'Commitment purchase'
        WHEN "CommitmentDiscountStatus" = 'Unused' THEN 'Unused commitment'
        WHEN "ChargeCategory" = 'Usage' THEN 'Covered usage'
        ELSE 'Other commitment charge' END"""

COMMITMENT_ROWS_SQL = SCOPE + f"""SELECT "ProviderName" AS provider, {_COMMITMENT_CLASS} AS class,
       count(*) AS rows, sum("ListCost") AS list_cost, sum("BilledCost") AS billed_cost,
       sum("EffectiveCost") AS effective_cost
FROM base GROUP BY ALL ORDER BY provider, class"""

# Per provider: savings on covered usage; utilisation where the data marks Used/Unused; coverage of the
# usage of services that had any commitment discount (what could have been covered).
COMMITMENTS_SQL = SCOPE + f""", classified AS (
    SELECT "ProviderName", "ServiceName", "ListCost", "EffectiveCost", "CommitmentDiscountStatus",
           {_COMMITMENT_CLASS} AS class, "ChargeCategory"
    FROM base
), eligible AS (
    SELECT DISTINCT "ProviderName", "ServiceName" FROM classified WHERE class = 'Covered usage'
)
SELECT c."ProviderName" AS provider,
       coalesce(sum("ListCost") FILTER (WHERE class = 'Covered usage'), 0) AS covered_list_cost,
       coalesce(sum("EffectiveCost") FILTER (WHERE class = 'Covered usage'), 0) AS covered_effective_cost,
       covered_list_cost - covered_effective_cost AS savings,
       round(100 * savings / nullif(covered_list_cost, 0), 1) AS savings_percent,
       sum("EffectiveCost") FILTER (WHERE "CommitmentDiscountStatus" = 'Used') AS used_commitment_cost,
       sum("EffectiveCost") FILTER (WHERE "CommitmentDiscountStatus" = 'Unused') AS unused_commitment_cost,
       round(100 * coalesce(used_commitment_cost, 0)
             / nullif(coalesce(used_commitment_cost, 0) + coalesce(unused_commitment_cost, 0), 0), 1)
           AS utilisation_percent,
       coalesce(sum("ListCost") FILTER (WHERE e."ServiceName" IS NOT NULL AND "ChargeCategory" = 'Usage'
                                        AND class <> 'Unused commitment'), 0) AS eligible_list_cost,
       round(100 * covered_list_cost / nullif(eligible_list_cost, 0), 1) AS coverage_percent
FROM classified c
LEFT JOIN eligible e ON e."ProviderName" = c."ProviderName" AND e."ServiceName" = c."ServiceName"
GROUP BY ALL ORDER BY provider"""

# Share of cost without the tag $key (absent, or JSON null), and cost by its values (top $top, the others,
# and the untagged cost as value NULL).
TAG_COVERAGE_SQL = SCOPE + """SELECT sum("EffectiveCost") AS effective_cost,
       coalesce(sum("EffectiveCost") FILTER (WHERE "Tags"->>$key IS NULL), 0) AS untagged_effective_cost,
       coalesce(sum("BilledCost") FILTER (WHERE "Tags"->>$key IS NULL), 0) AS untagged_billed_cost,
       round(100 * untagged_effective_cost / nullif(effective_cost, 0), 1) AS untagged_percent
FROM base"""

TAG_VALUES_SQL = SCOPE + """, tagged AS (
    SELECT "Tags"->>$key AS value, sum("BilledCost") AS billed_cost, sum("EffectiveCost") AS effective_cost
    FROM base GROUP BY ALL
), ranked AS (
    SELECT *, row_number() OVER (ORDER BY value IS NULL, effective_cost DESC, value) AS rank FROM tagged
)
SELECT CASE WHEN rank <= $top OR value IS NULL THEN value END AS value,
       value IS NULL AS is_untagged, rank > $top AND value IS NOT NULL AS is_other, count(*) AS items,
       sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost
FROM ranked GROUP BY ALL ORDER BY min(rank)"""

# The last period of the range, day by day (UTC), and a run-rate projection to the end of the period:
# cost so far / days with data x days in the period (DuckDB divides in DOUBLE: a projection, not money owed).
DAILY_SQL = SCOPE + """SELECT CAST(timezone('UTC', "ChargePeriodStart") AS DATE) AS day,
       sum("BilledCost") AS billed_cost, sum("EffectiveCost") AS effective_cost
FROM base WHERE "x_BillingPeriod" = $month GROUP BY ALL ORDER BY day"""

PROJECTION_SQL = SCOPE + f"""SELECT sum("BilledCost") AS billed_cost, sum("EffectiveCost") AS effective_cost,
       date_diff('day', min("BillingPeriodStart"), {_DATA_END}) AS days_with_data,
       date_diff('day', min("BillingPeriodStart"), max("BillingPeriodEnd")) AS days_in_period,
       {_DATA_END} >= max("BillingPeriodEnd") AS complete,
       CAST(billed_cost * days_in_period / nullif(days_with_data, 0) AS DECIMAL(38, 2)) AS projected_billed_cost,
       CAST(effective_cost * days_in_period / nullif(days_with_data, 0) AS DECIMAL(38, 2))
           AS projected_effective_cost
FROM base WHERE "x_BillingPeriod" = $month"""

TOP = 10


@dataclass(frozen=True)
class Scope:
    """What the report covers: one currency and a range of billing periods (YYYY-MM), both ends included."""

    currency: str
    first: str
    last: str
    tag_keys: tuple[str, ...] = field(default_factory=tuple)


def previous_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def check_tag_key(key: str) -> str:
    # DuckDB reads a key that starts with '$' or '/' as a JSON path, not as a key.
    if not key or key[0] in "$/":
        raise UsageError(f"--tag-key {key!r} is not a tag key this report can read: it must not be empty or "
                         "start with '$' or '/'")
    return key


def resolve_scope(con: Any, *, start: str | None, end: str | None, currency: str | None,
                  tag_keys: tuple[str, ...] = ()) -> Scope:
    """The scope of the report, or a UsageError saying why there is nothing to report."""
    if not table_exists(con, "focus", "costs"):
        raise UsageError("there is no FOCUS data yet; run 'finops focus build' first")
    found = con.execute(RANGE_SQL, {"first": start, "last": end}).fetchall()
    where = _describe_range(start, end)
    if not found:
        raise UsageError(f"focus.costs holds no rows {where}; check --start-date/--end-date, or run "
                         "'finops focus build' after importing those months")
    currencies = {row[0]: row for row in found}
    if currency is None:
        if len(currencies) > 1:
            raise UsageError(f"focus.costs holds costs in {len(currencies)} currencies {where} "
                             f"({', '.join(currencies)}); choose one with --currency")
        currency = found[0][0]
    elif currency not in currencies:
        raise UsageError(f"focus.costs holds no {currency} costs {where}; it holds {', '.join(currencies)}")
    _, first, last, _ = currencies[currency]
    return Scope(currency=currency, first=first, last=last, tag_keys=tuple(check_tag_key(k) for k in tag_keys))


def _describe_range(start: str | None, end: str | None) -> str:
    if start and end:
        return f"from {start} to {end}"
    if start:
        return f"from {start} on"
    if end:
        return f"up to {end}"
    return "at all"


def _records(con: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    cursor = con.execute(sql, used)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def compute(con: Any, scope: Scope) -> dict[str, Any]:
    """Every figure of the report, as plain data (Decimal money, dates), in report order."""
    base = {"currency": scope.currency, "first": scope.first, "last": scope.last, "top": TOP}
    periods = _records(con, PERIODS_SQL, base)
    complete = [p["period"] for p in periods if p["complete"]]
    # The headline month: the last complete one; if none is complete yet, the last one there is.
    month = complete[-1] if complete else periods[-1]["period"]
    moving = {**base, "month": month, "previous": previous_month(month)}
    latest = {**base, "month": periods[-1]["period"]}
    tags = []
    for key in scope.tag_keys:
        coverage = _records(con, TAG_COVERAGE_SQL, {**base, "key": key})[0]
        tags.append({"key": key, **coverage, "values": _records(con, TAG_VALUES_SQL, {**base, "key": key})})
    return {
        "currency": scope.currency,
        "start": scope.first,
        "end": scope.last,
        "totals": _records(con, TOTALS_SQL, base)[0],
        "periods": periods,
        "headline": {"month": month, "previous_month": moving["previous"], "month_complete": month in complete,
                     "providers": _records(con, HEADLINE_SQL, moving)},
        "trend": _records(con, TREND_SQL, base),
        "top_services": _records(con, TOP_SERVICES_SQL, base),
        "top_sub_accounts": _records(con, TOP_SUB_ACCOUNTS_SQL, base),
        "top_movers": {"month": month, "previous_month": moving["previous"],
                       "services": _records(con, MOVERS_SQL, moving)},
        "commitments": {"providers": _records(con, COMMITMENTS_SQL, base),
                        "rows": _records(con, COMMITMENT_ROWS_SQL, base)},
        "tags": tags,
        "current_month": {"month": latest["month"], "days": _records(con, DAILY_SQL, latest),
                          "projection": _records(con, PROJECTION_SQL, latest)[0]},
    }


def as_json(value: Any) -> Any:
    """The figures with money as text (a JSON number would round it) and dates as ISO 8601."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
