"""Load a period's Parquet data files into DuckDB with DuckDB's own reader, converting in SQL.

For the DuckDB destination this skips the trip through pyarrow (decode, convert, hand back): DuckDB reads
the files on all its threads straight into the staging table, keeping Parquet's dictionaries, in a
fraction of the memory. Only the column types whose SQL conversion is pinned against ``readers``' Arrow
one (tests/test_duckdb_parquet.py) go this way: text, whole numbers, booleans, dates, timestamps with a
time zone in seconds to microseconds, doubles read as decimals, and nested columns read as JSON text. A
file with any other column (a cost written as text, a timestamp in nanoseconds...) is read by
``readers.iter_parquet`` as before. When DuckDB refuses a file, it is read again by
``readers.iter_parquet``, which either names the row and the value it refuses, as it always does, or
loads it: DuckDB's SQL is the fast way to the same rows, never a stricter one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from open_finops.errors import SourceError
from open_finops.ingest import duckdb_insert
from open_finops.naming import PERIOD_COLUMN
from open_finops.naming import quote_identifier as q

# A double is read as the shortest decimal that reads back as the same double: DuckDB prints it so, and
# casts that text to the decimal; the value is refused (NaN, infinities, past 20 digits before the point,
# or a digit past the 18th place) unless the decimal reads back as the same double. A decimal rounded to
# 18 places can read back as the double only if it was the shortest text already, so this holds exactly
# the values readers' exact_decimals holds.
_REFUSED = "finops: a value has no exact decimal"


def _exact_decimal(column: str, converted: str) -> str:
    return (f"CASE WHEN CAST(CAST({converted} AS VARCHAR) AS DOUBLE) IS DISTINCT FROM {column} "
            f"THEN error('{_REFUSED}') ELSE {converted} END")


def _to_decimal(column: str, decimal: str) -> str:
    return f"TRY_CAST(CAST({column} AS VARCHAR) AS {decimal})"


def column_sql(file_type: Any, target: Any) -> str | None:
    """How a Parquet column of ``file_type`` becomes one of the plan's ``target`` type in SQL: ``"plain"``
    (as it is), ``"decimal"`` (a double read as a decimal), ``"json"`` (a nested column as JSON text); None
    when only ``readers`` converts it."""
    import pyarrow as pa

    from open_finops.ingest.readers import is_nested

    if pa.types.is_float64(file_type) and pa.types.is_decimal(target):
        return "decimal"
    if is_nested(file_type) and pa.types.is_string(target):
        return "json"
    if pa.types.is_timestamp(file_type) and pa.types.is_timestamp(target):
        # A time zone: an instant, which TIMESTAMP WITH TIME ZONE holds as it is; naive ones follow
        # DuckDB's session time zone when cast, so readers takes them, and nanoseconds it must check.
        return "plain" if file_type.tz is not None and target.tz is not None and file_type.unit != "ns" else None
    plain = {pa.string(), pa.int64(), pa.bool_(), pa.date32()}
    if file_type == target and target in plain:
        return "plain"
    return None


def select(file_names: list[str], file_types: list[Any], plan, order: list[int]) -> tuple[str, list[str]] | None:
    """The SELECT over ``read_parquet($files)`` that yields the plan's columns (with the billing period from
    ``$period``), and their names; None when a column needs ``readers``."""
    from open_finops.ingest.readers import json_text

    inner: list[str] = []
    outer: list[str] = []
    prefix = "finops_decimal_"
    while any(n.startswith(prefix) for n in file_names):  # the converted columns' names must be new ones
        prefix = f"_{prefix}"
    for n, (name, target, i) in enumerate(zip(plan.names, plan.types, order, strict=True)):
        if name == PERIOD_COLUMN:
            outer.append(f"$period AS {q(name)}")
            continue
        column = q(file_names[i])
        how = column_sql(file_types[i], target)
        if how is None:
            return None
        if how == "decimal":
            converted = q(f"{prefix}{n}")
            inner.append(f"{_to_decimal(column, duckdb_insert.sql_type(target))} AS {converted}")
            outer.append(f"{_exact_decimal(column, converted)} AS {q(name)}")
        elif how == "json":
            outer.append(f"{json_text(column)} AS {q(name)}")
        else:
            outer.append(f"{column} AS {q(name)}")
    names = list(plan.names)
    if PERIOD_COLUMN not in plan.names:
        outer.append(f"$period AS {q(PERIOD_COLUMN)}")
        names.append(PERIOD_COLUMN)
    inner = [q(file_names[i]) for i in dict.fromkeys(order)] + inner
    source = f"(SELECT {', '.join(inner)} FROM read_parquet($files))"
    return f"SELECT {', '.join(outer)} FROM {source}", names


def load_files(con, dataset: str, table: str, files: list[tuple[Any, str, Path]], plan,
               normalize: Callable[[str], str], warnings: list[str]) -> dict[str, int]:
    """Create ``dataset.table`` and fill it from ``files`` ((data file, key, local path) of one period):
    DuckDB reads them where every column allows, ``readers`` the others. Returns rows and files loaded.

    Consecutive files with the same columns are read by one INSERT: DuckDB then spreads all their row
    groups over its threads (one INSERT a file left a core idle at each file's end, and took 1.6x as long).
    """
    from open_finops.ingest import readers
    from open_finops.ingest.listing import check_file_rows

    duckdb_insert.create_table(con, dataset, table, plan.schema)
    target = f"{q(dataset)}.{q(table)}"
    columns = set(plan.schema.names)  # the table's, kept here as both ways of filling it add to them
    group: list[tuple[str, Path, int]] = []  # (key, path, rows) of files read by the same SELECT
    group_select: tuple[str, list[str]] | None = None
    counts = {"rows": 0, "files": 0}

    def flush() -> None:
        if group:
            _insert_group(con, dataset, table, group_select, group, plan, normalize, columns)
            group.clear()

    for data_file, key, path in files:
        parquet = readers.open_parquet(path, key)
        schema = parquet.schema_arrow
        file_plan, order = readers.parquet_columns(schema.names, plan, key, normalize)
        rows = parquet.metadata.num_rows
        warning = check_file_rows(data_file, key, rows)
        built = select(schema.names, schema.types, file_plan, order) if _literal(path) else None
        if built != group_select:
            flush()
        if built is None:
            duckdb_insert.append(con, dataset, table, readers.iter_parquet(path, key, plan, normalize,
                                                                            nested_as_json=False), columns)
        else:
            duckdb_insert.add_columns(con, target, file_plan.schema, columns)
            group.append((key, path, rows))
        group_select = built
        if warning:
            warnings.append(warning)
        counts["rows"] += rows
        counts["files"] += 1
    flush()
    return counts


# DuckDB reads a path holding one of these as a pattern: "a[1].parquet" reads "a1.parquet".
_PATTERN = frozenset("*?[]{}")


def _literal(path: Path) -> bool:
    """Whether DuckDB would read ``path`` as the one file it names (else readers read it)."""
    return not _PATTERN.intersection(str(path.absolute()))


def _insert_group(con, dataset: str, table: str, built: tuple[str, list[str]], group: list[tuple[str, Path, int]],
                  plan, normalize: Callable[[str], str], columns: set[str]) -> None:
    import duckdb

    from open_finops.ingest import readers

    query, names = built
    target = f"{q(dataset)}.{q(table)}"
    try:
        inserted = _insert(con, target, query, names, {"files": [str(p.absolute()) for _, p, _ in group],
                                                       "period": plan.period})
    except duckdb.Error:
        # The failed statement left nothing behind (autocommit); readers refuse or load the files.
        duckdb_insert.append(con, dataset, table, (batch for key, path, _ in group for batch in readers.iter_parquet(
            path, key, plan, normalize, nested_as_json=False)), columns)
        return
    expected = sum(rows for _, _, rows in group)
    if inserted != expected:
        raise SourceError(f"data files {', '.join(k for k, _, _ in group)}: DuckDB read {inserted:,} rows of the "
                          f"{expected:,} their metadata declares; fetch them again")


def _insert(con, target: str, query: str, names: list[str], params: dict[str, Any]) -> int:
    import duckdb

    try:
        return con.execute(f"INSERT INTO {target} ({', '.join(q(n) for n in names)}) {query}",
                           params).fetchone()[0]
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
