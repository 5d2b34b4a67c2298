"""``focus export``: stream ``focus.costs`` into a Parquet or CSV file, batch by batch.

DuckDB hands the rows over as Arrow record batches and each batch goes straight to pyarrow's Parquet or
CSV writer, so memory is bounded by the batch size, not by the data. The file is written next to its
destination under a temporary name and renamed at the end: an interrupted export leaves no half file.

Decimal columns are written as DOUBLE unless ``exact_decimals``: the FinOps Foundation's validator and
most dataframe tools read floating point, while DECIMAL(38,18) keeps every digit. CSV carries timestamps
as ISO 8601 UTC text (``2024-01-01T00:00:00Z``), as FOCUS's DateTime format asks.

``validator_aliases`` adds the columns the FinOps Foundation's ``focus-validator`` 1.0.0 looks for under
names from a FOCUS 1.0 draft (``Provider`` for ProviderName, ...). They are not FOCUS 1.0 columns (FOCUS
wants custom columns prefixed ``x_``), so they are written only when asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from open_finops.errors import UsageError
from open_finops.focus import columns as focus_columns
from open_finops.focus.build import COSTS, SCHEMA
from open_finops.naming import quote_identifier as q

FORMATS = ("parquet", "csv")
BATCH_ROWS = 100_000
# focus-validator 1.0.0's rule set for "1.0" checks these draft names (and a rule over ChargeType).
VALIDATOR_ALIASES = (
    ("InvoiceIssuerName", "InvoiceIssuer"),
    ("ProviderName", "Provider"),
    ("PublisherName", "Publisher"),
    ("ResourceId", "ResourceID"),
    ("ChargeCategory", "ChargeType"),
)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    rows: int
    columns: int


def format_for(out: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file name's suffix names, else Parquet."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
        return fmt
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "parquet"


def costs_columns(con: Any) -> list[tuple[str, str]]:
    """The columns of ``focus.costs`` in export order: FOCUS columns, then core's x_ columns, then others."""
    from open_finops.database import table_columns

    types = table_columns(con, SCHEMA, "costs")
    if not types:
        raise UsageError("there is no FOCUS data yet; run 'finops focus build' first")
    identity = [name for name, _ in focus_columns.IDENTITY_COLUMNS]
    order = [*focus_columns.NAMES, *identity]
    ordered = [name for name in order if name in types] + sorted(name for name in types if name not in order)
    return [(name, types[name]) for name in ordered]


def period_filter(start: str | None, end: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    if start:
        clauses.append("\"x_BillingPeriod\" >= ?")
        params.append(start)
    if end:
        clauses.append("\"x_BillingPeriod\" <= ?")
        params.append(end)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _select_list(columns: list[tuple[str, str]], fmt: str, exact_decimals: bool, aliases: bool) -> str:
    items = []
    for name, type_ in columns:
        column = q(name)
        if type_.startswith("DECIMAL") and not exact_decimals:
            column = f"CAST({column} AS DOUBLE) AS {column}"
        elif type_.startswith("TIMESTAMP") and fmt == "csv":
            column = f"strftime(timezone('UTC', {column}), '%Y-%m-%dT%H:%M:%SZ') AS {column}"
        items.append(column)
    if aliases:
        items.extend(f"{q(name)} AS {q(alias)}" for name, alias in VALIDATOR_ALIASES)
    return ", ".join(items)


def _reader(relation: Any, batch_rows: int) -> Any:
    # DuckDB 1.4 renamed fetch_record_batch to to_arrow_reader; accept both.
    to_reader = getattr(relation, "to_arrow_reader", None)
    return to_reader(batch_rows) if to_reader is not None else relation.fetch_record_batch(batch_rows)


def export(
    con: Any,
    out: Path,
    *,
    fmt: str = "parquet",
    start: str | None = None,
    end: str | None = None,
    exact_decimals: bool = False,
    validator_aliases: bool = False,
    batch_rows: int = BATCH_ROWS,
) -> ExportResult:
    """Write ``focus.costs`` (billing periods ``start``..``end``, inclusive) to ``out``."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    columns = costs_columns(con)
    where, params = period_filter(start, end)
    # Arrow timestamps carry the session's time zone; FOCUS DateTime values are UTC.
    con.execute("SET TimeZone = 'UTC'")
    select = _select_list(columns, fmt, exact_decimals, validator_aliases)
    relation = con.sql(f"SELECT {select} FROM {COSTS}{where}", params=params)
    reader = _reader(relation, batch_rows)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    rows = 0
    try:
        if fmt == "parquet":
            writer: Any = pq.ParquetWriter(str(partial), reader.schema, compression="zstd")
        else:
            writer = pa_csv.CSVWriter(str(partial), reader.schema)
        try:
            for batch in reader:
                if batch.num_rows:
                    writer.write_batch(batch)
                    rows += batch.num_rows
        finally:
            writer.close()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return ExportResult(path=out, format=fmt, rows=rows, columns=len(reader.schema))
