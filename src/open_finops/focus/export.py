"""``focus export``: stream ``focus.costs`` into a Parquet or CSV file, batch by batch.

DuckDB hands the rows over as Arrow record batches and each batch goes straight to pyarrow's Parquet or
CSV writer, so memory is bounded by the batch size, not by the data. The file is written next to its
destination under a temporary name (``.<name>.partial``) and renamed at the end: an interrupted export
leaves no half file, and the next export to that path removes a ``.partial`` a killed one left.

The output path is checked before anything is written (:func:`check_out`): never the database or
anything else inside its data directory, which open-finops manages; never an existing folder; and its
folder must exist or be creatable, and be writable.

Decimal columns are written to Parquet as DOUBLE unless ``exact_decimals``: the FinOps Foundation's
validator and most dataframe tools read floating point, while DECIMAL(38,18) keeps every digit. CSV
carries them as plain decimal text, exact and without an exponent (``0.0000001``, never ``1e-07``).
``focus_version`` chooses the FOCUS columns written (:mod:`.versions`). CSV carries timestamps
as ISO 8601 UTC text (``2024-01-01T00:00:00Z``), as FOCUS's DateTime format asks.

``validator_aliases`` adds the columns the FinOps Foundation's ``focus-validator`` 1.0.0 looks for under
names from a FOCUS 1.0 draft (``Provider`` for ProviderName, ...). They are not FOCUS 1.0 columns (FOCUS
wants custom columns prefixed ``x_``), so they are written only when asked for.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from open_finops.errors import UsageError
from open_finops.focus import columns as focus_columns
from open_finops.focus.build import COSTS, SCHEMA
from open_finops.focus.versions import DEFAULT as DEFAULT_VERSION
from open_finops.focus.versions import column_names
from open_finops.naming import quote_identifier as q

FORMATS = ("parquet", "csv")
# DuckDB fills several batches ahead on its threads, and FOCUS rows are wide (60 columns, most of them
# text): at 100,000 rows a batch an export of 400,000 rows peaked at 520 MiB, at 20,000 rows at 330 MiB
# and took less time (benchmarks/README.md). Each batch is one Parquet row group.
BATCH_ROWS = 20_000
# An export reads each block of the table once, so DuckDB's buffer pool only caches blocks that are not read
# again: at 224MB a 4M-row export to Parquet peaked at 537 MiB, at 128MB at 430 MiB, in the same time.
SCAN_MEMORY_LIMIT = 128 * 10**6
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
    """The format asked for, else the one the file name's suffix names, else (no suffix) Parquet."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
        return fmt
    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if not suffix:
        return "parquet"
    # costs.xlsx would get Parquet bytes under a name that promises a spreadsheet: say so instead.
    raise UsageError(f"--out {out.name}: .{suffix} is not a format finops writes; name the file .parquet or "
                     f".csv, or pass --format parquet|csv")


def database_dir(con: Any) -> Path | None:
    """The data directory of the DuckDB file ``con`` has open (None for an in-memory database)."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]).resolve().parent if row and row[0] else None


def check_out(out: Path, data_dir: Path | None) -> Path:
    """Refuse an output path that cannot or must not be written, before anything is written.

    Relative paths and symlinks (of the file or of any folder on the way) are resolved first, so a
    link to the database is refused like the database itself.
    """
    out = Path(out).expanduser()
    target = out.resolve()
    if data_dir is not None:
        managed = Path(data_dir).resolve()
        if target == managed or managed in target.parents:
            raise UsageError(
                f"--out {out} lies inside the data directory {managed}, whose files (finops.duckdb, its load "
                "state and working files) open-finops manages; write the export outside it"
            )
    if target.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name, e.g. {out / 'focus.parquet'}")
    folder = target.parent
    while not folder.exists():  # created at the end of the checks; the nearest existing one must allow it
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"--out {out} cannot be written: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out} cannot be written: no permission to write in {folder}")
    return out


def partial_path(out: Path) -> Path:
    """Where ``out`` is written before the final rename; a name that fits even when ``out``'s barely does."""
    name = f".{out.name}.partial"
    if len(name.encode()) > 255:
        name = f".{hashlib.sha256(out.name.encode()).hexdigest()[:32]}.partial"
    return out.with_name(name)


def costs_columns(con: Any, version: str | None = None) -> list[tuple[str, str]]:
    """The columns of ``focus.costs`` in export order: FOCUS columns (those of ``version``, when given), then
    core's x_ columns, then the plugins' x_ columns."""
    from open_finops.database import table_columns

    types = table_columns(con, SCHEMA, "costs")
    if not types:
        raise UsageError("there is no FOCUS data yet; run 'finops focus build' first")
    identity = [name for name, _ in focus_columns.IDENTITY_COLUMNS]
    wanted = focus_columns.NAMES if version is None else column_names(version)
    order = [*wanted, *identity]
    ordered = [name for name in order if name in types] + sorted(
        name for name in types if name not in order and name not in focus_columns.BY_NAME)
    return [(name, types[name]) for name in ordered]


def check_version(con: Any, version: str, where: str, params: list[str]) -> None:
    """Refuse to write FOCUS ``version`` from periods built as another version."""
    from open_finops.focus.build import built_versions

    other = sorted(built_versions(con, where.replace("\"x_BillingPeriod\"", "billing_period"), params) - {version})
    if other:
        raise UsageError(f"focus.costs was built as FOCUS {', '.join(other)}, not {version}; run "
                         f"'finops focus build --focus-version {version}' first (or export --focus-version "
                         f"{other[0]})")


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
        if type_.startswith("DECIMAL") and fmt == "csv":
            # Plain decimal text, exact, without trailing zeros: a DOUBLE would be written as 1e-07.
            column = (f"CASE WHEN contains(CAST({column} AS VARCHAR), '.') THEN rtrim(rtrim(CAST({column} AS "
                      f"VARCHAR), '0'), '.') ELSE CAST({column} AS VARCHAR) END AS {column}")
        elif type_.startswith("DECIMAL") and not exact_decimals:
            column = f"CAST({column} AS DOUBLE) AS {column}"
        elif type_.startswith("TIMESTAMP") and fmt == "csv":
            column = f"strftime(timezone('UTC', {column}), '%Y-%m-%dT%H:%M:%SZ') AS {column}"
        items.append(column)
    if aliases:
        items.extend(f"{q(name)} AS {q(alias)}" for name, alias in VALIDATOR_ALIASES)
    return ", ".join(items)


def _cap_memory_limit(con: Any, most: int) -> None:
    """Lower DuckDB's memory limit to ``most`` bytes if it is higher; never raise it."""
    from open_finops.settings import parse_size

    (current,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    size = parse_size(current)
    if size is None or size > most:
        con.execute(f"SET memory_limit = '{int(most)}B'")


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
    focus_version: str = DEFAULT_VERSION,
) -> ExportResult:
    """Write ``focus.costs`` (billing periods ``start``..``end``, inclusive) to ``out``."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    from open_finops.arrow_memory import use_compact_pool

    use_compact_pool()
    _cap_memory_limit(con, SCAN_MEMORY_LIMIT)

    out = check_out(out, database_dir(con))
    partial = partial_path(out)
    partial.unlink(missing_ok=True)  # left by an export that was killed
    columns = costs_columns(con, focus_version)
    where, params = period_filter(start, end)
    check_version(con, focus_version, where, params)
    # Arrow timestamps carry the session's time zone; FOCUS DateTime values are UTC.
    con.execute("SET TimeZone = 'UTC'")
    select = _select_list(columns, fmt, exact_decimals, validator_aliases)
    relation = con.sql(f"SELECT {select} FROM {COSTS}{where}", params=params)
    from open_finops.database import arrow_reader

    reader = arrow_reader(relation, batch_rows)
    out.parent.mkdir(parents=True, exist_ok=True)
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
