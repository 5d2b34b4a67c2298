"""Replace a billing period atomically: the staged load becomes the period's data in one transaction.

While a new version loads (into a staging table), queries see the previous one; the swap drops or
deletes the old rows and moves the new ones in inside one transaction, so a failure or a kill at any
point leaves either the old version or the new one, never a mix. On DuckDB, the same transaction also
records the load as current in the state table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from open_finops.errors import SourceError
from open_finops.naming import PERIOD_COLUMN, ExportNames
from open_finops.naming import quote_identifier as q
from open_finops.sql import Sql, dlt_sql, duckdb_sql

__all__ = ["Sql", "create_unified_view", "delete_rows", "dlt_sql", "drop_table", "drop_view", "duckdb_sql",
           "replace_period", "replace_period_rows", "replace_period_table"]


def replace_period(sql: Sql, staging: str, final: str, period: str, names: ExportNames, *, single: bool,
                   known: Iterable[str] = ()) -> None:
    """The staged load becomes billing period ``period`` of the export named by ``names``: its rows in
    the export's table (``single``), or its period table, with the unified view rebuilt over every period
    table the destination's catalogue holds (whoever loaded them) and the ``known`` ones."""
    if single:
        replace_period_rows(sql, staging, final, period)
        return
    drop_view(sql, names.view)  # PostgreSQL refuses to drop a table a view reads; it is rebuilt below
    replace_period_table(sql, staging, final)
    tables = {t for t in sql.tables() if names.is_period_table(t)} | set(known) | {final}
    create_unified_view(sql, names.view, sorted(tables))


def replace_period_table(sql: Sql, staging: str, final: str) -> None:
    """``separate`` strategy: the staging table becomes the period's table."""
    sql.execute(f"DROP TABLE IF EXISTS {sql.table(final)}")
    sql.execute(f"ALTER TABLE {sql.table(staging)} RENAME TO {q(final)}")


def replace_period_rows(sql: Sql, staging: str, final: str, period: str) -> None:
    """``single`` strategy: the period's rows in the export table are replaced by the staged ones."""
    if not sql.exists(final):
        sql.execute(f"ALTER TABLE {sql.table(staging)} RENAME TO {q(final)}")
        return
    existing = dict(sql.columns(final))
    staged = sql.columns(staging)
    for name, data_type in staged:
        if name in existing and existing[name] != data_type:
            # The engine loads a drifted column with the export's type; anything else must not be cast here.
            raise SourceError(
                f"column {name!r} of billing period {period} is {data_type} but table {final!r} holds it as "
                f"{existing[name]}; the period keeps its previous version"
            )
    for name, data_type in staged:
        if name not in existing:  # schema drift: a new column; older periods read it as NULL
            sql.execute(f"ALTER TABLE {sql.table(final)} ADD COLUMN {q(name)} {data_type}")
    names = ", ".join(q(name) for name, _ in staged)
    sql.execute(f"DELETE FROM {sql.table(final)} WHERE {q(PERIOD_COLUMN)} = {sql.placeholder}", period)
    sql.execute(f"INSERT INTO {sql.table(final)} ({names}) SELECT {names} FROM {sql.table(staging)}")
    sql.execute(f"DROP TABLE {sql.table(staging)}")


def create_unified_view(sql: Sql, view: str, tables: Sequence[str]) -> None:
    """A view over all period tables, matched by column name; a column a table lacks reads as NULL."""
    drop_view(sql, view)
    present = [t for t in tables if sql.exists(t)]
    if not present:
        return
    per_table = {t: dict(sql.columns(t)) for t in present}
    all_columns: dict[str, str] = {}
    for t in present:
        for name, data_type in per_table[t].items():
            all_columns.setdefault(name, data_type)

    def column(t: str, name: str, data_type: str) -> str:
        if name not in per_table[t]:
            return f"CAST(NULL AS {data_type}) AS {q(name)}"
        if per_table[t][name] != data_type:
            # Tables loaded before types were reconciled at import: one type per column, the first
            # period's, so that SUM works; a value that does not convert fails the query, never silently.
            return f"CAST({q(name)} AS {data_type}) AS {q(name)}"
        return q(name)

    selects = []
    for t in present:
        parts = [column(t, name, dt) for name, dt in all_columns.items()]
        selects.append(f"SELECT {', '.join(parts)} FROM {sql.table(t)}")
    sql.execute(f"CREATE VIEW {sql.table(view)} AS " + " UNION ALL ".join(selects))


def drop_view(sql: Sql, view: str) -> None:
    sql.execute(f"DROP VIEW IF EXISTS {sql.table(view)}")


def drop_table(sql: Sql, table: str) -> None:
    sql.execute(f"DROP TABLE IF EXISTS {sql.table(table)}")


def delete_rows(sql: Sql, table: str, column: str, value: Any) -> None:
    """Delete the rows of ``table`` whose ``column`` equals ``value``; nothing when the table is absent."""
    if sql.exists(table):
        sql.execute(f"DELETE FROM {sql.table(table)} WHERE {q(column)} = {sql.placeholder}", value)
