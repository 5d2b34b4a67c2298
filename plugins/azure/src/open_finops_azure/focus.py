"""FOCUS from Azure: the ``azure-focus`` transform ``finops focus build`` runs beside the other vendors'.

A FocusCost export is FOCUS already: each column of core's contract is taken from the column of the
same name (FOCUS 1.0's ``x_InvoiceId``, ``x_PricingCurrency`` for the 1.2 names where a 1.0 export has
them), text cells that are empty become NULL, dates (``2024-01-01T00:00Z`` in 1.0, with seconds in
1.0r2) become timestamps, and every one of Microsoft's ``x_`` columns is kept as loaded. ActualCost and
AmortizedCost exports are not transformed yet (docs/azure.md says what their mapping will be).
"""

from __future__ import annotations

from typing import Any

from open_finops.api import FocusSource, OpenFinopsError, quote_identifier
from open_finops_azure import VENDOR

TRANSFORM_VERSION = "1"
# The contract columns a FOCUS 1.0 export spells with Microsoft's prefix.
RENAMED_IN_1_2 = {"InvoiceId": "x_InvoiceId", "PricingCurrency": "x_PricingCurrency"}
# Core's identity columns, which core fills itself.
CORE_OWN = {"x_vendor", "x_export_name", "x_billing_period", "x_source_version_id"}


def snake(name: str) -> str:
    """How the import named a FOCUS column (core's dlt naming): ``BilledCost`` -> ``billed_cost``."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return NamingConvention().normalize_identifier(name)


def focus_sources(con: Any, *, config: Any = None) -> list[FocusSource]:
    """One FOCUS source per FocusCost export and billing period loaded into this DuckDB file."""
    from open_finops.api import Destination, LoadStateStore, table_columns

    store = LoadStateStore(con, create=False)
    if not store.exists:
        return []
    sources = []
    for record in store.current_versions(VENDOR):
        where = Destination.from_key(record.destination)
        if where is None or not where.is_duckdb or not record.table_name or record.format_version != "FocusCost":
            continue
        columns = table_columns(con, where.dataset, record.table_name)
        if not columns:
            raise OpenFinopsError(
                f"the load state says {where.dataset}.{record.table_name} holds {record.export_name} "
                f"{record.billing_period}, but that table is missing; re-import it with "
                "finops azure import-exports --reset")
        sources.append(FocusSource(
            vendor=VENDOR, export_name=record.export_name, billing_period=record.billing_period,
            version_id=record.version_id, sql=focus_cost_sql(where.dataset, record.table_name, columns),
            transform_version=TRANSFORM_VERSION,
        ))
    return sources


def focus_cost_sql(dataset: str, table: str, columns: dict[str, str]) -> str:
    """The SELECT that maps a loaded FocusCost period onto core's column contract."""
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
    return f"SELECT {', '.join(selects)} FROM {quote_identifier(dataset)}.{quote_identifier(table)}"
