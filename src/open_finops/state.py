"""Load-state tracking: which version of which billing period is loaded, and the history of attempts.

The table ``billing_state.load_state`` lives where the data does: for the DuckDB destination in the
data directory's file, for a server destination (PostgreSQL) in the server itself, in a
``billing_state`` schema of its database. Every data directory, container or runner importing into one
server then sees one state: what is loaded there, whoever loaded it. Loads are keyed by the
destination's identity (:attr:`~open_finops.destination.Destination.key`: host, port, database and
dataset, never a user or password). A load goes ``running`` -> ``completed`` (and becomes
the period's current version) or ``failed``. A ``running`` row whose process died is marked
``interrupted`` by the next import; it never becomes current.

Beside it, ``billing_state.load_columns`` keeps each load's column names as the manifest wrote them
(``resourceTags/user:Team``) next to the names the table has (``resource_tags_user_team``): naming a
column for a database loses case and punctuation that later steps (FOCUS tag keys, a FOCUS export's own
column names) need, and the source may be gone by then.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from open_finops.errors import StateError
from open_finops.sql import Sql, duckdb_sql, transaction

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb

    from open_finops.destination import Destination

__all__ = ["LoadRecord", "LoadStateStore", "in_server", "transaction"]

SCHEMA = "billing_state"
TABLE = "load_state"
QUALIFIED = f"{SCHEMA}.{TABLE}"
COLUMNS_TABLE = "load_columns"

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {QUALIFIED} (
    load_id VARCHAR PRIMARY KEY,
    vendor VARCHAR NOT NULL,
    export_name VARCHAR NOT NULL,
    billing_period VARCHAR NOT NULL,
    version_id VARCHAR NOT NULL,
    format_version VARCHAR,
    destination VARCHAR,
    table_name VARCHAR,
    manifest_key VARCHAR,
    is_current BOOLEAN NOT NULL DEFAULT FALSE,
    status VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    rows BIGINT,
    files INTEGER,
    bytes BIGINT,
    error VARCHAR
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.{COLUMNS_TABLE} (
    load_id VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    PRIMARY KEY (load_id, column_name)
);
"""

_COLUMNS = (
    "load_id, vendor, export_name, billing_period, version_id, format_version, destination, table_name, "
    "manifest_key, is_current, status, started_at, finished_at, rows, files, bytes, error"
)


@dataclass(frozen=True)
class LoadRecord:
    load_id: str
    vendor: str
    export_name: str
    billing_period: str
    version_id: str
    format_version: str | None
    destination: str | None
    table_name: str | None
    manifest_key: str | None
    is_current: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows: int | None
    files: int | None
    bytes: int | None
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "finished_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data

    @property
    def seconds(self) -> float | None:
        """How long the load took; None while running, and for an interrupted one, whose end is when the
        next import noticed it, not when it stopped."""
        if self.finished_at is None or self.status == "interrupted":
            return None
        return (self.finished_at - self.started_at).total_seconds()


class LoadStateStore:
    """Reads and writes ``billing_state.load_state`` through a connection the caller owns: the local
    DuckDB connection, or a server's SQL (:class:`open_finops.sql.Sql`, through dlt's client).

    Writes are single statements, or run inside the caller's transaction when ``complete`` must be
    atomic with the swap of the data it describes.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection | Sql, *, create: bool = True) -> None:
        """``create=False`` for a read-only connection: the table may not exist yet (nothing loaded)."""
        self.con = con
        self.sql = replace(con, dataset=SCHEMA) if isinstance(con, Sql) else duckdb_sql(con, SCHEMA)
        if create:
            self._create()
            self.exists = True
        else:
            self.exists = self.sql.exists(TABLE)
        if self.exists:
            self._check_layout()

    def _create(self) -> None:
        try:
            self.sql.execute(_DDL)
        except Exception:
            # Two imports into two datasets of one server may create the schema at the same moment: the
            # loser's CREATE ... IF NOT EXISTS fails on the catalogue's unique index. Its table is there.
            if not self.sql.exists(TABLE):
                raise

    def _execute(self, statement: str, params: list[Any]) -> None:
        self.sql.execute(self._native(statement), *params)

    def _fetchall(self, statement: str, params: list[Any]) -> list[tuple]:
        return self.sql.fetchall(self._native(statement), *params)

    def _native(self, statement: str) -> str:
        # Written with DuckDB's '?'; psycopg2 wants '%s' (the statements hold no other '%' or '?').
        return statement if self.sql.placeholder == "?" else statement.replace("?", self.sql.placeholder)

    def _check_layout(self) -> None:
        # CREATE TABLE IF NOT EXISTS keeps a table of the monolithic open-finops (current_version,
        # load_completed, ...); every later statement would then fail with a bare binder error.
        present = dict(self.sql.columns(TABLE))
        missing = [c for c in _COLUMNS.split(", ") if c not in present]
        if missing:
            raise StateError(
                f"{QUALIFIED} was written by an older open-finops (it has no {', '.join(missing[:3])} column); "
                f"import into a new data directory, or drop schema {SCHEMA} to start its history afresh"
            )

    def start(
        self,
        *,
        vendor: str,
        export_name: str,
        billing_period: str,
        version_id: str,
        format_version: str | None = None,
        destination: str | None = None,
        table_name: str | None = None,
        manifest_key: str | None = None,
    ) -> str:
        load_id = uuid.uuid4().hex
        self._execute(
            f"INSERT INTO {QUALIFIED} (load_id, vendor, export_name, billing_period, version_id, format_version,"
            " destination, table_name, manifest_key, is_current, status, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, 'running', now())",
            [load_id, vendor, export_name, billing_period, version_id, format_version, destination,
             table_name, manifest_key],
        )
        return load_id

    def complete(self, load_id: str, *, rows: int, files: int, bytes: int) -> None:
        """Mark a load completed and make it the current version of its period.

        Call inside :func:`transaction` together with the data swap, so state and data change together.
        """
        record = self.get(load_id)
        if record.status != "running":
            raise StateError(f"load {load_id} is {record.status}, not running; it cannot be completed")
        self._execute(
            f"UPDATE {QUALIFIED} SET is_current = FALSE WHERE vendor = ? AND export_name = ?"
            " AND billing_period = ? AND destination IS NOT DISTINCT FROM ? AND is_current",
            [record.vendor, record.export_name, record.billing_period, record.destination],
        )
        self._execute(
            f"UPDATE {QUALIFIED} SET is_current = TRUE, status = 'completed', finished_at = now(),"
            " rows = ?, files = ?, bytes = ?, error = NULL WHERE load_id = ?",
            [rows, files, bytes, load_id],
        )

    def record_columns(self, load_id: str, columns: Iterable[tuple[str, str]]) -> None:
        """Remember a load's columns: (name in the table, name in the source), e.g.
        ``("resource_tags_user_team", "resourceTags/user:Team")``."""
        for name, source in columns:
            self._execute(
                f"INSERT INTO {SCHEMA}.{COLUMNS_TABLE} (load_id, column_name, source_name) VALUES (?, ?, ?)"
                " ON CONFLICT (load_id, column_name) DO UPDATE SET source_name = excluded.source_name",
                [load_id, name, source],
            )

    def source_columns(self, load_id: str) -> dict[str, str]:
        """A load's column names in the source, by their name in the table; empty for a load recorded
        before open-finops kept them (or whose source declared no columns)."""
        if not self.exists or not self.sql.exists(COLUMNS_TABLE):
            return {}
        rows = self._fetchall(
            f"SELECT column_name, source_name FROM {SCHEMA}.{COLUMNS_TABLE} WHERE load_id = ?", [load_id]
        )
        return dict(rows)

    def fail(self, load_id: str, error: str, *, status: str = "failed") -> None:
        self._execute(
            f"UPDATE {QUALIFIED} SET status = ?, finished_at = now(), error = ?, is_current = FALSE"
            " WHERE load_id = ? AND status = 'running'",
            [status, error[:2000], load_id],
        )

    def running(self, destination: str | None = None) -> list[LoadRecord]:
        """Loads of any vendor still marked ``running``; with ``destination``, those loading there."""
        where, params = self._where(None, None, destination)
        return self._select(f"{where} AND status = 'running'", params)

    def mark_interrupted(self, vendor: str | None = None, export_name: str | None = None,
                         destination: str | None = None) -> int:
        """Loads left ``running`` by a process that died; call while holding the lock of what they load
        into (the database file, or a server dataset's import lock: then name that ``destination``)."""
        where, params = self._where(vendor, export_name, destination)
        where += " AND status = 'running'"
        before = self._count(where, params)
        self._execute(
            f"UPDATE {QUALIFIED} SET status = 'interrupted', finished_at = now(),"
            f" error = 'the import stopped before this load finished' WHERE {where}",
            params,
        )
        return before

    def _count(self, where: str, params: list[Any]) -> int:
        rows = self._fetchall(f"SELECT count(*) FROM {QUALIFIED} WHERE {where}", params)
        return int(rows[0][0]) if rows else 0

    def get(self, load_id: str) -> LoadRecord:
        rows = self._select("load_id = ?", [load_id])
        if not rows:
            raise StateError(f"no load with id {load_id}")
        return rows[0]

    def current(
        self, vendor: str, export_name: str, billing_period: str, destination: str | None = None
    ) -> LoadRecord | None:
        """The current version of a period; with ``destination``, the one loaded there."""
        where = "vendor = ? AND export_name = ? AND billing_period = ? AND is_current"
        params: list[Any] = [vendor, export_name, billing_period]
        if destination is not None:
            where += " AND destination = ?"
            params.append(destination)
        rows = self._select(where, params)
        return rows[0] if rows else None

    def current_versions(self, vendor: str | None = None, export_name: str | None = None) -> list[LoadRecord]:
        where, params = self._where(vendor, export_name)
        return self._select(f"{where} AND is_current", params, order="vendor, export_name, billing_period")

    def latest(self, vendor: str | None = None, export_name: str | None = None) -> list[LoadRecord]:
        """Per period and destination: the current version, else the last attempt (a failed or killed
        first load), so a period that never loaded is not invisible."""
        where, params = self._where(vendor, export_name)
        ranked = (f"(SELECT *, row_number() OVER (PARTITION BY vendor, export_name, billing_period, destination"
                  f" ORDER BY is_current DESC, started_at DESC) AS attempt FROM {QUALIFIED} WHERE {where}) AS ranked")
        return self._select("attempt = 1", params, order="vendor, export_name, billing_period, destination",
                            source=ranked)

    def history(
        self, vendor: str | None = None, export_name: str | None = None, billing_period: str | None = None
    ) -> list[LoadRecord]:
        where, params = self._where(vendor, export_name)
        if billing_period is not None:
            where += " AND billing_period = ?"
            params.append(billing_period)
        return self._select(where, params, order="vendor, export_name, billing_period, started_at")

    @staticmethod
    def _where(vendor: str | None, export_name: str | None,
               destination: str | None = None) -> tuple[str, list[Any]]:
        where, params = "TRUE", []
        if destination is not None:
            where += " AND destination = ?"
            params.append(destination)
        if vendor is not None:
            where += " AND vendor = ?"
            params.append(vendor)
        if export_name is not None:
            where += " AND export_name = ?"
            params.append(export_name)
        return where, params

    def exports(self, vendor: str) -> list[str]:
        if not self.exists:
            return []
        rows = self._fetchall(f"SELECT DISTINCT export_name FROM {QUALIFIED} WHERE vendor = ? ORDER BY 1", [vendor])
        return [r[0] for r in rows]

    def _select(self, where: str, params: list[Any], order: str = "started_at",
                source: str = QUALIFIED) -> list[LoadRecord]:
        if not self.exists:
            return []
        rows = self._fetchall(f"SELECT {_COLUMNS} FROM {source} WHERE {where} ORDER BY {order}", params)
        return [LoadRecord(*row) for row in rows]


@contextmanager
def in_server(where: Destination, data_dir: Path, *, create: bool = False) -> Iterator[LoadStateStore]:
    """The load state a server destination holds, over a session of its own (dlt's, with the
    credentials configured for it); an error line when the server cannot be reached."""
    import os

    from open_finops import runner
    from open_finops.errors import OpenFinopsError
    from open_finops.sql import dlt_sql

    pipeline = runner.new_pipeline(f"finops_state_{os.getpid()}", runner.destination(where.name, data_dir),
                                   SCHEMA, data_dir)
    client = None
    try:
        try:
            client = pipeline.sql_client()  # resolves the credentials: none configured is an error line
            client.open_connection()
            store = LoadStateStore(dlt_sql(client, SCHEMA), create=create)
        except OpenFinopsError:
            raise
        except Exception as exc:
            raise runner.describe_error(runner.unwrap_error(exc), where.name) from None
        yield store
    finally:
        if client is not None:
            client.close_connection()
        runner.drop_working_dir(pipeline)
