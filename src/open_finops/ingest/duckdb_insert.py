"""Fill a DuckDB table straight from Arrow record batches, on the connection that holds the file.

For the DuckDB destination this replaces dlt's round trip, in which every batch was written to Parquet
load files that DuckDB then read back: DuckDB scans a ``RecordBatchReader`` over the batches while they
are being parsed, on all its threads, so nothing but the database is written to disk. The table's columns
are typed from the batches' schema, which is the import's column plan (the manifest's types), never from
what DuckDB would infer.

A manifest that declares no columns lets each file bring its own header: batches then come in runs of one
schema, and a column first seen in a later run is added to the table (NULL in the rows before it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from open_finops.naming import quote_identifier as q

# The name under which the stream is visible to the INSERT, on this connection only, while it runs.
_STREAM_VIEW = "finops_incoming_batches"


def sql_type(data_type: Any) -> str:
    """The DuckDB type of a column planned as ``data_type`` (the Arrow types the readers produce)."""
    import pyarrow as pa

    from open_finops.ingest import readers

    if pa.types.is_decimal(data_type):
        return f"DECIMAL({data_type.precision},{data_type.scale})"
    if pa.types.is_timestamp(data_type):
        return "TIMESTAMP WITH TIME ZONE" if data_type.tz else "TIMESTAMP"
    # Text, and nested columns the insert renders as JSON text.
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type) or readers.is_nested(data_type):
        return "VARCHAR"
    simple = {pa.int64(): "BIGINT", pa.bool_(): "BOOLEAN", pa.date32(): "DATE", pa.float64(): "DOUBLE"}
    if data_type in simple:
        return simple[data_type]
    raise TypeError(f"no DuckDB column type is planned for Arrow type {data_type}")


def load_table(con, dataset: str, table: str, items: Iterable[Any]) -> None:
    """Create ``dataset.table`` (replacing it) and insert every row of ``items`` (record batches or
    tables). An exception raised while producing the batches is raised here as it was raised.

    DuckDB inserts on all its threads (one per core by default). The parsing threads wait on their bounded
    queue whenever DuckDB falls behind, so they do not need cores set aside: with one DuckDB thread fewer
    than cores, the insert was the import's bottleneck, one core busy and the other idle a third of the
    time (2 x 1M CUR rows: 29.5 s against 24.6 s, benchmarks/README.md).
    """
    _fill(con, _replaced(con, dataset, table), items, set())


def create_table(con, dataset: str, table: str, schema) -> None:
    """Create ``dataset.table`` (replacing it) empty, with the columns of the Arrow ``schema``."""
    _create(con, _replaced(con, dataset, table), schema)


def _replaced(con, dataset: str, table: str) -> str:
    """``dataset.table``, quoted, once its schema exists and no table of that name is left."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(dataset)}")
    con.execute(f"DROP TABLE IF EXISTS {q(dataset)}.{q(table)}")
    return f"{q(dataset)}.{q(table)}"


def _create(con, target: str, schema) -> None:
    listed = ", ".join(f"{q(f.name)} {sql_type(f.type)}" for f in schema)
    con.execute(f"CREATE TABLE {target} ({listed})")


def append(con, dataset: str, table: str, items: Iterable[Any], columns: set[str]) -> None:
    """Insert every row of ``items`` into the existing ``dataset.table``, whose ``columns`` are given,
    adding the columns it lacks (to the table and to ``columns``)."""
    _fill(con, f"{q(dataset)}.{q(table)}", items, columns)


def add_columns(con, target: str, schema, columns: set[str]) -> None:
    """Add to ``target`` the columns of ``schema`` not in ``columns`` (which then holds them too)."""
    for f in schema:
        if f.name not in columns:
            con.execute(f"ALTER TABLE {target} ADD COLUMN {q(f.name)} {sql_type(f.type)}")
            columns.add(f.name)


def _fill(con, target: str, items: Iterable[Any], columns: set[str]) -> None:
    failures: list[BaseException] = []
    try:
        for schema, run in _Runs(_batches(items)):
            if not columns:
                _create(con, target, schema)
                columns.update(schema.names)
            add_columns(con, target, schema, columns)
            _insert(con, target, schema, _recorded(run, failures), failures)
    finally:
        close = getattr(items, "close", None)
        if close is not None:  # stops the reader threads behind the batches when the insert failed
            close()


def _insert(con, target: str, schema, batches: Iterator[Any], failures: list[BaseException]) -> None:
    import pyarrow as pa

    from open_finops.ingest.readers import is_nested, json_text

    reader = pa.RecordBatchReader.from_batches(schema, batches)
    listed = ", ".join(f"{json_text(q(f.name))} AS {q(f.name)}" if is_nested(f.type) else q(f.name)
                       for f in schema)
    con.register(_STREAM_VIEW, reader)
    try:
        con.execute(f"INSERT INTO {target} BY NAME SELECT {listed} FROM {q(_STREAM_VIEW)}")
    except BaseException:
        # DuckDB reports what the batches raised as its own error, as text: raise the original instead.
        if failures:
            raise failures[0] from None
        raise
    finally:
        con.unregister(_STREAM_VIEW)


def _recorded(batches: Iterator[Any], failures: list[BaseException]) -> Iterator[Any]:
    try:
        yield from batches
    except BaseException as exc:
        failures.append(exc)
        raise


def _batches(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        if hasattr(item, "to_batches"):
            yield from item.to_batches()
        else:
            yield item


class _Runs:
    """The batches as consecutive runs of one schema: (schema, the run's batches), one run at a time."""

    def __init__(self, batches: Iterator[Any]) -> None:
        self._batches = batches
        self._next = next(batches, None)

    def __iter__(self) -> Iterator[tuple[Any, Iterator[Any]]]:
        while self._next is not None:
            schema = self._next.schema
            yield schema, self._run(schema)

    def _run(self, schema) -> Iterator[Any]:
        while self._next is not None and self._next.schema.equals(schema):
            batch, self._next = self._next, next(self._batches, None)
            yield batch
