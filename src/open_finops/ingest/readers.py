"""Read billing data files (CSV, CSV.gz, Parquet) as streams of Arrow record batches with one stable schema per export.

The target schema comes from what the manifest declares, never from inference on the first rows: a
column that is empty at the start of a file stays text (or numeric), identifiers stay text with their
leading zeros. Memory is bounded by the block (CSV) or batch (Parquet) size, not by the file.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from open_finops.errors import SourceError
from open_finops.exports import ExportVersion
from open_finops.naming import PERIOD_COLUMN

# Small blocks keep what a reader holds in flight small; files are read two at a time, so the parser's own
# threads are used only when a period has a single file (see engine.period_batches).
CSV_BLOCK_SIZE = 2 * 1024 * 1024
PARQUET_BATCH_ROWS = 65_536

DECIMAL = pa.decimal128(38, 18)
TIMESTAMP = pa.timestamp("us", tz="UTC")
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "decimal": DECIMAL,
    "timestamp": TIMESTAMP,
    "date": pa.date32(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
    "interval": pa.string(),
    "json": pa.string(),
}


@dataclass(frozen=True)
class ColumnPlan:
    """The target schema of one export version: source names, final names, Arrow types."""

    source_names: tuple[str, ...]
    names: tuple[str, ...]
    types: tuple[pa.DataType, ...]
    period: str
    strict: bool  # the manifest declared the columns, so a file must have exactly these
    aliases: tuple[tuple[str, ...], ...] = ()  # other names each column may have in a file

    @property
    def schema(self) -> pa.Schema:
        fields = [pa.field(n, t) for n, t in zip(self.names, self.types, strict=True)]
        if PERIOD_COLUMN not in self.names:
            fields.append(pa.field(PERIOD_COLUMN, pa.string()))
        return pa.schema(fields)


def plan_columns(version: ExportVersion, normalize: Callable[[str], str]) -> ColumnPlan:
    """Final column names (normalised, de-duplicated) and Arrow types from the manifest's declaration."""
    sources, names, types = [], [], []
    taken: set[str] = set()
    for column in version.columns:
        name = _unique(normalize(column.name), taken)
        sources.append(column.name)
        names.append(name)
        # Our own period column is always text, whatever a vendor declares under that name.
        types.append(pa.string() if name == PERIOD_COLUMN else _ARROW_TYPES[column.type])
    return ColumnPlan(tuple(sources), tuple(names), tuple(types), version.billing_period, strict=bool(names),
                      aliases=tuple(column.aliases for column in version.columns))


def extend_plan(plan: ColumnPlan, header: list[str], normalize: Callable[[str], str]) -> ColumnPlan:
    """For a manifest that declares no columns: take the file's header, all as text."""
    if plan.strict:
        return plan
    taken: set[str] = set()
    names = tuple(_unique(normalize(h), taken) for h in header)
    return ColumnPlan(tuple(header), names, tuple(pa.string() for _ in header), plan.period, strict=True)


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def _open_native(path: Path, compression: str | None):
    """Arrow's own file and gzip streams: decompression in C++, off the GIL, no Python copies."""
    raw = pa.OSFile(str(path))
    return pa.CompressedInputStream(raw, "gzip") if compression == "gzip" else raw


def _read_header(path: Path, compression: str | None, key: str) -> list[str]:
    """The header line of a CSV, for a manifest that declares no columns."""
    opener = gzip.open if compression == "gzip" else open
    try:
        with opener(path, "rb") as fh:
            first_line = fh.readline(16 * 1024 * 1024)
    except (OSError, EOFError) as exc:
        raise SourceError(f"data file {key} cannot be read: {exc}") from None
    if not first_line.strip():
        raise SourceError(f"data file {key} is empty; the export may be incomplete: fetch it again")
    try:
        return next(csv.reader([first_line.decode("utf-8-sig").rstrip("\r\n")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        raise SourceError(f"data file {key} does not start with a CSV header") from None


def _check_header(header: list[str], plan: ColumnPlan, key: str) -> None:
    expected = set(plan.source_names)
    found = set(header)
    if found != expected or len(header) != len(found):
        missing = sorted(expected - found)[:5]
        extra = sorted(found - expected)[:5]
        raise SourceError(
            f"data file {key}: its header does not match the manifest (missing {missing}, unexpected {extra}); "
            "the file and manifest belong to different versions: fetch the export again"
        )


def _finish(batch: pa.RecordBatch, plan: ColumnPlan, order: list[int]) -> pa.RecordBatch:
    """Rename to final names, order as the plan, and set the billing period column."""
    arrays = [batch.column(i) for i in order]
    period = pa.repeat(pa.scalar(plan.period, pa.string()), batch.num_rows)
    if PERIOD_COLUMN in plan.names:
        arrays[plan.names.index(PERIOD_COLUMN)] = period
    else:
        arrays.append(period)
    return pa.RecordBatch.from_arrays(arrays, schema=plan.schema)


def _csv_error(exc: Exception, key: str) -> SourceError:
    text = str(exc)
    if "Truncated compressed stream" in text:
        return SourceError(
            f"data file {key} is a truncated gzip file; the export may still be being written or the copy is "
            "incomplete: fetch it again"
        )
    if "inflate failed" in text or "gzip" in text.lower():
        return SourceError(f"data file {key} is not valid gzip ({text}); fetch it again")
    if "Empty CSV file" in text:
        return SourceError(f"data file {key} is empty; the export may be incomplete: fetch it again")
    return SourceError(f"data file {key} cannot be parsed as CSV: {text}")


def iter_csv(path: Path, key: str, compression: str | None, plan: ColumnPlan,
             normalize: Callable[[str], str], block_size: int = CSV_BLOCK_SIZE,
             use_threads: bool = True) -> Iterator[pa.RecordBatch]:
    """Stream a CSV (optionally gzip) data file as record batches of the plan's schema.

    Types are given for every declared column up front, so nothing is inferred from the first block;
    the header is then checked against the manifest before a single row is used.
    """
    if not plan.strict:
        plan = extend_plan(plan, _read_header(path, compression, key), normalize)
    types = dict(zip(plan.source_names, plan.types, strict=True))
    try:
        reader = pacsv.open_csv(
            _open_native(path, compression),
            read_options=pacsv.ReadOptions(block_size=block_size, use_threads=use_threads),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=True,
            ),
        )
        header = reader.schema.names
        _check_header(header, plan, key)
        index = {name: i for i, name in enumerate(header)}
        order = [index[s] for s in plan.source_names]
        for batch in reader:
            yield _finish(batch, plan, order)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _csv_error(exc, key) from None


def _to_target(column: pa.ChunkedArray | pa.Array, target: pa.DataType, name: str, key: str) -> pa.Array:
    if column.type == target:
        return column
    if pa.types.is_map(column.type) or pa.types.is_struct(column.type) or pa.types.is_list(column.type):
        return _nested_to_json(column)
    try:
        return pc.cast(column, target, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SourceError(f"data file {key}: column {name!r} cannot be read as {target}: {exc}") from None


def _nested_to_json(column: pa.Array) -> pa.Array:
    """Maps and structs (CUR 2.0 tags, cost categories) become JSON text, as they are in the CSV form."""
    import duckdb

    # A private in-memory connection per call: reader threads must not share DuckDB's default one.
    con = duckdb.connect()
    try:
        con.register("nested", pa.table({"v": column}))
        query = "SELECT CASE WHEN v IS NULL THEN NULL ELSE to_json(v)::VARCHAR END AS v FROM nested"
        relation = con.sql(query)
        # DuckDB 2 calls it to_arrow_table; DuckDB 1 calls it arrow.
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
        return fetch().column(0).combine_chunks()
    finally:
        con.close()


def iter_parquet(path: Path, key: str, plan: ColumnPlan, normalize: Callable[[str], str],
                 batch_rows: int = PARQUET_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet data file row group by row group, cast to the plan's schema."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"data file {key} is not a readable Parquet file ({exc}); fetch it again") from None
    file_names = parquet.schema_arrow.names
    plan = extend_plan(plan, file_names, normalize)
    by_normal = {normalize(n): i for i, n in enumerate(file_names)}
    by_source = {n: i for i, n in enumerate(file_names)}
    order = []
    aliases = plan.aliases or tuple(() for _ in plan.names)
    for source, name, others in zip(plan.source_names, plan.names, aliases, strict=True):
        idx = next((by_source[n] for n in (source, *others) if n in by_source), by_normal.get(name))
        if idx is None:
            raise SourceError(
                f"data file {key}: column {source!r} declared in the manifest is missing from the file; "
                "the file and manifest belong to different versions: fetch the export again"
            )
        order.append(idx)
    if plan.strict and len(set(order)) != len(file_names):
        extra = sorted(set(file_names) - {file_names[i] for i in order})[:5]
        raise SourceError(f"data file {key}: columns not declared in the manifest: {extra}")
    try:
        for batch in parquet.iter_batches(batch_size=batch_rows, use_threads=True):
            arrays = [
                _to_target(batch.column(i), t, n, key)
                for i, t, n in zip(order, plan.types, plan.names, strict=True)
            ]
            cast = pa.RecordBatch.from_arrays(arrays, names=list(plan.names))
            yield _finish(cast, plan, list(range(len(plan.names))))
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"data file {key} cannot be read as Parquet: {exc}") from None
