"""SQL on a destination, whichever it is: run a statement, read the catalogue, hold a transaction.

The one home of ``information_schema`` queries. DuckDB is reached through our own connection (the file
that also holds the load state); any other destination through dlt's SQL client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from open_finops.naming import quote_identifier as q


@contextmanager
def transaction(con: Any) -> Iterator[None]:
    """Run a block in one transaction: all of it is committed, or none."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@dataclass
class Sql:
    """The few things the swap needs from a destination: run SQL, read its catalogue, a transaction."""

    execute: Callable[..., Any]
    fetchall: Callable[..., list[tuple]]
    transaction: Callable[[], Any]
    placeholder: str
    dataset: str
    #: Bound every lock wait of the current transaction to this many seconds; None where the
    #: destination has no such waits (DuckDB: one process holds the whole file).
    bound_lock_waits: Callable[[float], None] | None = None

    def table(self, name: str) -> str:
        return f"{q(self.dataset)}.{q(name)}"

    def columns(self, table: str) -> list[tuple[str, str]]:
        p = self.placeholder
        return [
            (r[0], r[1])
            for r in self.fetchall(
                "SELECT column_name, data_type FROM information_schema.columns"
                f" WHERE table_schema = {p} AND table_name = {p} ORDER BY ordinal_position",
                self.dataset, table,
            )
        ]

    def tables(self) -> list[str]:
        """Every table (not view) of the dataset, as the destination's catalogue lists it."""
        return [r[0] for r in self.fetchall(
            "SELECT table_name FROM information_schema.tables"
            f" WHERE table_schema = {self.placeholder} AND table_type = 'BASE TABLE' ORDER BY table_name",
            self.dataset)]

    def exists(self, table: str) -> bool:
        p = self.placeholder
        rows = self.fetchall(
            f"SELECT count(*) FROM information_schema.tables WHERE table_schema = {p} AND table_name = {p}",
            self.dataset, table,
        )
        return bool(rows and rows[0][0])


def duckdb_sql(con, dataset: str) -> Sql:
    def execute(sql: str, *params: Any) -> None:
        con.execute(sql, list(params))

    def fetchall(sql: str, *params: Any) -> list[tuple]:
        return con.execute(sql, list(params)).fetchall()

    return Sql(execute, fetchall, lambda: transaction(con), "?", dataset)


def dlt_sql(client, dataset: str) -> Sql:
    """Any other destination, through dlt's SQL client (``pipeline.sql_client()``)."""

    def execute(sql: str, *params: Any) -> None:
        client.execute_sql(sql, *params)

    def fetchall(sql: str, *params: Any) -> list[tuple]:
        return list(client.execute_sql(sql, *params) or [])

    @contextmanager
    def transaction() -> Iterator[None]:
        with client.begin_transaction():
            yield

    def bound_lock_waits(seconds: float) -> None:
        # PostgreSQL: a session reading the view (a BI tool's open transaction) holds a lock the swap's
        # DROP and RENAME wait for, without end by default. SET LOCAL ends with the transaction.
        client.execute_sql(f"SET LOCAL lock_timeout = '{max(1, round(seconds * 1000))}ms'")

    return Sql(execute, fetchall, transaction, "%s", dataset, bound_lock_waits)
