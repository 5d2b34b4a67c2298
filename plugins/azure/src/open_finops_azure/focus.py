"""FOCUS from Azure: the ``azure-focus`` transform ``finops focus build`` runs beside the other vendors'.

A FocusCost export is FOCUS already: each column of core's contract is taken from the column of the
same name (FOCUS 1.0's ``x_InvoiceId``, ``x_PricingCurrency`` for the 1.2 names where a 1.0 export has
them), text cells that are empty become NULL, dates (``2024-01-01T00:00Z`` in 1.0, with seconds in
1.0r2) become timestamps, and every one of Microsoft's ``x_`` columns is kept as loaded.

An ActualCost and an AmortizedCost export of the same billing period are converted together, as Microsoft
documents (:mod:`open_finops_azure.cost_details`). The pair is one FOCUS source named after its
AmortizedCost export. In a month with one export of each kind, they pair; with several, each AmortizedCost
export pairs with the ActualCost export that holds the same billing accounts. An export left without a
partner is offered as a source that fails with a line saying what is missing, so ``focus build`` reports it
instead of building half a bill.

When a FocusCost export and a converted pair hold the same billing account's month, core counts it once
(``FocusSource.preference``): the native export (``NATIVE_FOCUS``) over the conversion, unless
``[focus] prefer`` names the AmortizedCost export.
"""

from __future__ import annotations

from typing import Any

from open_finops.api import NATIVE_FOCUS, FocusSource, OpenFinopsError, quote_identifier
from open_finops_azure import VENDOR
from open_finops_azure.cost_details import ACTUAL, AMORTIZED, is_mca, select_sql, snake
from open_finops_azure.manifests import LEGACY

# Raise when a mapping changes: core then rebuilds every Azure period with the new rules.
TRANSFORM_VERSION = "3"
FOCUS_COST = "FocusCost"
PAIR_FORMAT = "ActualCost+AmortizedCost"
# Below the native FocusCost export: both hold the same charges, and Microsoft's own FOCUS is the reference.
PAIR_PREFERENCE = 50
# The contract columns a FOCUS 1.0 export spells with Microsoft's prefix.
RENAMED_IN_1_2 = {"InvoiceId": "x_InvoiceId", "PricingCurrency": "x_PricingCurrency"}
# Columns only a FOCUS dataset has (loaded names), which tell a FocusCost export of the older layout.
FOCUS_MARKERS = {"billed_cost", "effective_cost", "charge_period_start", "billing_account_id"}
# Core's identity columns, which core fills itself.
CORE_OWN = {"x_vendor", "x_export_name", "x_billing_period", "x_source_version_id"}


def focus_sources(con: Any, *, config: Any = None) -> list[FocusSource]:
    """One FOCUS source per FocusCost export and billing period loaded into this DuckDB file, and one per
    pair of ActualCost and AmortizedCost exports of a billing period."""
    from open_finops.api import Destination, LoadStateStore, table_columns

    store = LoadStateStore(con, create=False)
    if not store.exists:
        return []
    sources = []
    details: dict[str, dict[str, list[tuple[Any, str, dict[str, str]]]]] = {}
    undeclared = []
    for record in store.current_versions(VENDOR):
        where = Destination.from_key(record.destination)
        if (where is None or not where.is_duckdb or not record.table_name
                or record.format_version not in (FOCUS_COST, ACTUAL, AMORTIZED, LEGACY)):
            continue  # another database
        columns = table_columns(con, where.dataset, record.table_name)
        if not columns:
            raise OpenFinopsError(
                f"the load state says {where.dataset}.{record.table_name} holds {record.export_name} "
                f"{record.billing_period}, but that table is missing; re-import it with "
                "finops azure import-exports --reset")
        kind = record.format_version
        if kind == LEGACY:
            # The older layout says not which dataset it holds. FOCUS columns are FocusCost's alone; actual and
            # amortized cost share theirs, so those must be declared at import.
            if not FOCUS_MARKERS.issubset(columns):
                undeclared.append(f"{record.export_name} {record.billing_period}")
                continue
            kind = FOCUS_COST
        if kind == FOCUS_COST:
            sql, params = focus_cost_sql(where.dataset, record.table_name, columns, record.billing_period)
            sources.append(FocusSource(
                vendor=VENDOR, export_name=record.export_name, billing_period=record.billing_period,
                version_id=record.version_id, sql=sql, params=tuple(params), transform_version=TRANSFORM_VERSION,
                source_format=FOCUS_COST, preference=NATIVE_FOCUS,
            ))
        else:
            by_kind = details.setdefault(record.billing_period, {ACTUAL: [], AMORTIZED: []})
            by_kind[kind].append((record, where.dataset, columns))
    for period, by_kind in sorted(details.items()):
        sources.extend(_pairs(con, period, by_kind[AMORTIZED], by_kind[ACTUAL]))
    if undeclared:
        _hint(undeclared)
    return sources


def _hint(undeclared: list[str]) -> None:
    """One line on stderr: exports of the older layout are left out of FOCUS until their dataset is declared."""
    from rich.markup import escape

    from open_finops.api import console

    console(stderr=True).print(escape(
        f"Note: Azure exports of the older layout are not in FOCUS ({', '.join(undeclared)}): they do not say "
        "which dataset they hold; re-import each with finops azure import-exports --export-name NAME --dataset-type "
        "ActualCost|AmortizedCost --reset (or set [azure] dataset_type)"), soft_wrap=True)


def _accounts(con: Any, schema: str, table: str, columns: dict[str, str], period: str) -> frozenset[str]:
    """The FOCUS billing accounts (EA enrollment, MCA billing profile) a loaded export's month holds."""
    column = snake("BillingProfileId" if is_mca(columns) else "BillingAccountId")
    if column not in columns:
        return frozenset()
    where, params = (" AND billing_period = ?", [period]) if "billing_period" in columns else ("", [])
    rows = con.execute(f"SELECT DISTINCT CAST({quote_identifier(column)} AS VARCHAR) FROM "
                       f"{quote_identifier(schema)}.{quote_identifier(table)} WHERE {quote_identifier(column)} "
                       f"IS NOT NULL{where}", params).fetchall()
    return frozenset(r[0] for r in rows)


def _pairs(con: Any, period: str, amortized: list, actual: list) -> list[FocusSource]:
    """Each AmortizedCost export of the month with its ActualCost partner, and a failing source for each export
    without one."""
    pairs: list[tuple[Any, Any]] = []
    if len(amortized) == 1 and len(actual) == 1:
        pairs.append((amortized[0], actual[0]))  # the usual case: no need to read the tables to pair them
        amortized, actual = [], []
    elif amortized and actual:
        held = {id(x): _accounts(con, x[1], x[0].table_name, x[2], period) for x in (*amortized, *actual)}
        for z in list(amortized):
            partners = [a for a in actual if held[id(a)] == held[id(z)]]
            if len(partners) == 1:
                pairs.append((z, partners[0]))
                amortized.remove(z)
                actual.remove(partners[0])
    sources = []
    for (z_record, schema, z_columns), (a_record, _schema, a_columns) in pairs:
        sql, params = select_sql(schema, period, (z_record.table_name, z_columns), (a_record.table_name, a_columns),
                                 (z_record.export_name, a_record.export_name))
        sources.append(FocusSource(
            vendor=VENDOR, export_name=z_record.export_name, billing_period=period,
            version_id=f"{z_record.version_id}+{a_record.version_id}", sql=sql, params=tuple(params),
            transform_version=TRANSFORM_VERSION, source_format=PAIR_FORMAT, preference=PAIR_PREFERENCE,
        ))
    for record, _schema, _columns in (*amortized, *actual):
        missing = AMORTIZED if record.format_version == ACTUAL else ACTUAL
        sources.append(_unpaired(record, missing))
    return sources


def _unpaired(record: Any, missing: str) -> FocusSource:
    """A source whose SELECT fails with the reason: FOCUS needs both datasets of a month (BilledCost from the
    actual cost, EffectiveCost from the amortized cost)."""
    message = (f"{record.format_version} export {record.export_name} {record.billing_period} has no {missing} "
               f"export of the same billing accounts and month to convert with: FOCUS takes BilledCost from the "
               f"actual cost and EffectiveCost from the amortized cost. Import the {missing} export too, export "
               f"FocusCost instead, or leave this one out with setting focus.exclude")
    return FocusSource(vendor=VENDOR, export_name=record.export_name, billing_period=record.billing_period,
                       version_id=record.version_id, sql=_failing_sql(), params=(message,),
                       transform_version=TRANSFORM_VERSION, source_format=record.format_version, preference=0)


def _failing_sql() -> str:
    """Every contract column, typed, and an error() that fires when a row is asked for."""
    from open_finops.api import FOCUS_COLUMNS

    columns = ", ".join(f"CAST(NULL AS {c.type}) AS {quote_identifier(c.name)}" for c in FOCUS_COLUMNS)
    return f"SELECT {columns} FROM (SELECT error(?) AS failed) WHERE failed IS NULL"


def focus_cost_sql(dataset: str, table: str, columns: dict[str, str], period: str) -> tuple[str, list[Any]]:
    """The SELECT (and its parameters) that maps a loaded FocusCost period onto core's column contract."""
    from open_finops.api import FOCUS_COLUMNS

    selects = []
    for column in FOCUS_COLUMNS:
        source = next((snake(n) for n in (column.name, RENAMED_IN_1_2.get(column.name)) if n and snake(n) in columns),
                      None)
        value = quote_identifier(source) if source else "NULL"
        if column.type.startswith("DECIMAL"):
            expr = f"CAST({value} AS {column.type})"
        elif column.type == "TIMESTAMPTZ":
            expr = f"CAST(NULLIF({value}, '') AS TIMESTAMPTZ)" if source else "CAST(NULL AS TIMESTAMPTZ)"
        else:
            expr = f"CAST(NULLIF(CAST({value} AS VARCHAR), '') AS VARCHAR)"
        if column.name == "ServiceSubcategory":  # FOCUS 1.0 exports have none: the category's "Other"
            category = quote_identifier(snake("ServiceCategory"))
            expr = f"COALESCE({expr}, 'Other (' || NULLIF({category}, '') || ')')"
        selects.append(f"{expr} AS {quote_identifier(column.name)}")
    taken = {snake(c.name) for c in FOCUS_COLUMNS}
    for name in columns:
        if name.startswith("x_") and name not in taken and name not in CORE_OWN:
            selects.append(f"{quote_identifier(name)} AS {quote_identifier(name)}")
    sql = f"SELECT {', '.join(selects)} FROM {quote_identifier(dataset)}.{quote_identifier(table)}"
    if "billing_period" in columns:  # one table for every month (--table-strategy single)
        return f"{sql} WHERE billing_period = ?", [period]
    return sql, []
