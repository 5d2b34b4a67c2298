"""Read billing data files (CSV, CSV.gz, Parquet) as streams of Arrow record batches with one stable schema per export.

The target schema comes from what the manifest declares, never from inference on the first rows: a
column that is empty at the start of a file stays text (or numeric), identifiers stay text with their
leading zeros. Memory is bounded by the block (CSV) or batch (Parquet) size, not by the file.

Every value is loaded exactly or refused (``SourceError`` naming the file, the column, the row and the
value): casts are safe, a decimal must fit DECIMAL(38,18) (20 digits before the point, 18 after), a
non-finite double is refused, and a double is read as the shortest decimal that reads back as the same
double (what its writer printed, and what the CSV copy of the same export holds). In a CSV the only
NULL is an unquoted empty cell (and a quoted empty one outside text columns): ``NA``, ``null``, ``NaN``...
are text in a text column and refused anywhere else. The checks are vectorised; the row at fault is
searched for only once a batch has failed.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from isal import igzip
from isal.igzip_lib import IsalError

from open_finops.errors import SourceError
from open_finops.exports import ExportVersion
from open_finops.ingest.decimals import exact_decimals
from open_finops.naming import PERIOD_COLUMN

# pyarrow's CSV reader holds some thirty blocks in flight, so its memory follows the block size (about 37
# MiB per file read at 1 MiB, 10 MiB at 256 KiB); files are read two at a time, so the parser's own threads
# are used only when a period has a single file (see engine.period_batches).
CSV_BLOCK_SIZE = 256 * 1024
# Gzip is inflated by ISA-L (``isal``), 2.2 times as fast as the zlib inside Arrow (1.6 GB of CUR text: 1.0 s
# against 2.2-2.5 s; zlib was 9% of a CSV.gz import's CPU). It releases the GIL while it inflates; Arrow
# reads it through a buffer of this size, so Python is called once per megabyte.
GZIP_READ_SIZE = 1024 * 1024
# What reading a data file can raise: the file's own errors, a gzip stream cut short, one that is not gzip.
_UNREADABLE = (OSError, EOFError, IsalError)
# Rows a batch, for both formats. A 256 KiB block is about 330 CUR rows: the blocks are joined into batches
# of this size before conversion, since every batch costs Python calls per column and DuckDB fills its
# vectors (2,048 rows) only from whole batches. A CUR 2.0 import of 400k rows peaked at 939 MiB with 65,536
# rows a batch and at 444 MiB with 4,096 (benchmarks/README.md).
BATCH_ROWS = 4_096

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


def type_of_sql(data_type: str) -> pa.DataType | None:
    """The plan type of a column a destination reports (``information_schema``), None if not one of ours."""
    t = data_type.strip().lower()
    if t.startswith(("decimal", "numeric")):
        return DECIMAL
    if t.startswith(("varchar", "character varying", "text")):
        return pa.string()
    if t.startswith("timestamp") and ("time zone" in t or t == "timestamptz"):
        return TIMESTAMP
    simple = {"date": pa.date32(), "bigint": pa.int64(), "int8": pa.int64(), "boolean": pa.bool_(),
              "bool": pa.bool_()}
    return simple.get(t)


def type_name(data_type: pa.DataType) -> str:
    """A plan type in words, for messages."""
    if data_type == DECIMAL:
        return "decimal"
    if data_type == TIMESTAMP:
        return "timestamp"
    return {pa.string(): "text", pa.date32(): "date", pa.int64(): "integer", pa.bool_(): "boolean"}.get(
        data_type, str(data_type))


@dataclass(frozen=True)
class ColumnPlan:
    """The target schema of one export version: source names, final names, Arrow types."""

    source_names: tuple[str, ...]
    names: tuple[str, ...]
    types: tuple[pa.DataType, ...]
    period: str
    strict: bool  # the manifest declared the columns, so a file must have exactly these
    aliases: tuple[tuple[str, ...], ...] = ()  # other names each column may have in a file
    # For a plan that is not strict: the type of a header column, by normalised name (text otherwise).
    header_types: tuple[tuple[str, pa.DataType], ...] = ()

    @cached_property  # asked for by every batch; a frozen dataclass keeps it in the instance's __dict__
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
    hints = tuple((normalize(c.name), _ARROW_TYPES[c.type]) for c in version.header_types)
    return ColumnPlan(tuple(sources), tuple(names), tuple(types), version.billing_period, strict=bool(names),
                      aliases=tuple(column.aliases for column in version.columns), header_types=hints)


def extend_plan(plan: ColumnPlan, header: list[str], normalize: Callable[[str], str]) -> ColumnPlan:
    """For a manifest that declares no columns: take the file's header, typed by the version's
    ``header_types`` where it names the column, else text."""
    if plan.strict:
        return plan
    taken: set[str] = set()
    names = tuple(_unique(normalize(h), taken) for h in header)
    hints = dict(plan.header_types)
    types = tuple(pa.string() if name == PERIOD_COLUMN else hints.get(normalize(h), pa.string())
                  for h, name in zip(header, names, strict=True))
    return ColumnPlan(tuple(header), names, types, plan.period, strict=True)


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def _open_file(path: Path, compression: str | None, mode: str = "rb", **text):
    """A data file opened as Python opens files (``text``: ``open``'s text arguments), inflated when it is
    gzip: the one place that chooses how."""
    return (igzip.open if compression == "gzip" else open)(path, mode, **text)


def _open_bytes(path: Path, compression: str | None):
    """The bytes of a data file, as an Arrow stream for its CSV reader: inflated when it is gzip."""
    if compression == "gzip":
        return pa.input_stream(_open_file(path, compression), buffer_size=GZIP_READ_SIZE)
    return pa.OSFile(str(path))


def _read_header(path: Path, compression: str | None, key: str) -> list[str]:
    """The header line of a CSV, for a manifest that declares no columns."""
    try:
        with _open_file(path, compression) as fh:
            first_line = fh.readline(16 * 1024 * 1024)
    except _UNREADABLE as exc:
        raise _gzip_error(exc, key) or SourceError(f"data file {key} cannot be read: {exc}") from None
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


def _finish(arrays: list[pa.Array], plan: ColumnPlan, num_rows: int) -> pa.RecordBatch:
    """The plan's columns, converted and in the plan's order, as one batch under the final names, with the
    billing period column set."""
    period = pa.repeat(pa.scalar(plan.period, pa.string()), num_rows)
    if PERIOD_COLUMN in plan.names:
        arrays[plan.names.index(PERIOD_COLUMN)] = period
    else:
        arrays.append(period)
    schema = plan.schema
    if any(is_nested(a.type) for a in arrays):  # passed on as they are (iter_parquet's nested_as_json)
        schema = pa.schema([f.with_type(a.type) if is_nested(a.type) else f
                            for f, a in zip(schema, arrays, strict=True)])
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _gzip_error(exc: BaseException, key: str) -> SourceError | None:
    """The refusal of a gzip file that ISA-L could not inflate, None for any other error."""
    if isinstance(exc, EOFError):  # the stream ends before its end marker
        return SourceError(
            f"data file {key} is a truncated gzip file; the export may still be being written or the copy is "
            "incomplete: fetch it again"
        )
    if isinstance(exc, (IsalError, igzip.BadGzipFile)):  # not gzip, or its data or checksums are damaged
        return SourceError(f"data file {key} is not valid gzip ({exc}); fetch it again")
    return None


def _csv_error(exc: Exception, key: str) -> SourceError:
    gzip_error = _gzip_error(exc, key)
    if gzip_error is not None:
        return gzip_error
    text = str(exc)
    if "Empty CSV file" in text:
        return SourceError(f"data file {key} is empty; the export may be incomplete: fetch it again")
    return SourceError(f"data file {key} cannot be parsed as CSV: {text}")


# -- values: exact or refused ------------------------------------------------------------------------

_WHAT = {  # what a value of each target type must be, for the refusal message
    "decimal": "a decimal number",
    "timestamp": "a timestamp with a time zone (like 2024-01-31T00:00:00Z)",
    "date": "a date (YYYY-MM-DD)",
    "int64": "a whole number that fits 64 bits",
    "bool": "true or false",
    "string": "UTF-8 text",
}


def _what(target: pa.DataType) -> str:
    if pa.types.is_decimal(target):
        return _WHAT["decimal"]
    if pa.types.is_timestamp(target):
        return _WHAT["timestamp"]
    if pa.types.is_date(target):
        return _WHAT["date"]
    return _WHAT.get(str(target), str(target))


@dataclass(frozen=True)
class _Rows:
    """Where a batch lies in its file, to name the row of a value that is refused."""

    key: str
    first_row: int  # 0-based index, in the file, of the batch's first data row
    locate: Callable[[int], str]  # 0-based data row in the file -> "line 12" / "row 11"


def is_nested(data_type: pa.DataType) -> bool:
    """A map, struct or list: what CUR 2.0 Parquet holds tags and cost categories as; loaded as JSON text."""
    return pa.types.is_map(data_type) or pa.types.is_struct(data_type) or pa.types.is_list(data_type)


def _is_text(data_type: pa.DataType) -> bool:
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def _decimal_reason(text: object) -> str | None:
    """Why a number does not fit DECIMAL(38,18), judged on the value itself (error path only)."""
    from decimal import Decimal, InvalidOperation, localcontext

    try:
        with localcontext() as ctx:
            ctx.prec = 100
            value = Decimal(str(text))
            if value.is_finite() and value != 0 and value.adjusted() >= 20:
                return "has more than 20 digits before the decimal point, more than DECIMAL(38,18) holds"
            if value.is_finite() and value.as_tuple().exponent < -18 and value != value.quantize(Decimal("1e-18")):
                return "has more than 18 decimal places, more than DECIMAL(38,18) holds"
    except (InvalidOperation, ValueError, TypeError):
        pass
    return None


def _reason(exc: Exception, target: pa.DataType, converted: object) -> str:
    text = str(exc)
    if pa.types.is_decimal(target):
        return _decimal_reason(converted) or f"is not {_what(target)}"
    if pa.types.is_timestamp(target) and "lose data" in text:
        return "is finer than a microsecond, and a timestamp column holds microseconds"
    if "out of bounds" in text or "overflow" in text.lower():
        return f"is out of the range of {_what(target)}"
    return f"is not {_what(target)}"


def _is_utf8(column: pa.Array, i: int = 0, n: int | None = None) -> bool:
    """Whether the ``n`` values from ``i`` (all of them by default) hold only UTF-8 text, nested ones too."""
    try:
        column.slice(i, n).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _check_text(column: pa.Array, name: str, rows: _Rows) -> None:
    """Refuse a value that is not UTF-8 text in a Parquet column of text (or holding text): pyarrow reads
    it unchecked, and DuckDB, once a column has stored a text that is not ASCII, stores the next such one
    without checking it; the table then fails every query that reads the value."""
    if (_is_text(column.type) or is_nested(column.type)) and not _is_utf8(column):
        # A slice of a map or list validates every value of its children: check a copy of the slice alone.
        i = _first_failure(column, lambda part: pa.concat_arrays([part]).validate(full=True))
        raise _refuse(column, i, name, rows, f"is not {_WHAT['string']}")


def _show(column: pa.Array, i: int) -> str:
    value = column.slice(i, 1)
    if _is_text(column.type) and not _is_utf8(value):
        return _shown(repr(pc.cast(value, pa.binary())[0].as_py()))
    try:
        shown = repr(column[i].as_py())
    except (ValueError, OverflowError, pa.ArrowException):  # no Python value: a nanosecond, a year 300000
        try:
            shown = str(pc.cast(value, pa.string(), safe=False)[0].as_py())
        except (ValueError, pa.ArrowException):  # a map or struct holding a text that is not UTF-8
            shown = " ".join(value.to_string().split())
    return _shown(shown)


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _refuse(original: pa.Array, i: int, name: str, rows: _Rows, reason: str) -> SourceError:
    return _refusal(rows.key, name, rows.locate(rows.first_row + i), _show(original, i), reason)


def _refusal(key: str, name: str, where: str, shown: str, reason: str) -> SourceError:
    return SourceError(
        f"data file {key}: column {name!r}, {where}: value {shown} {reason}; "
        "the billing period keeps its previous version: correct the value at its source"
    )


def _first_failure(column: pa.Array, convert: Callable[[pa.Array], pa.Array]) -> int:
    """The index of the first value ``convert`` refuses, by bisecting prefixes (the cast is element-wise)."""
    good, bad = 0, len(column)  # convert(column[:good]) succeeds, convert(column[:bad]) fails
    while bad - good > 1:
        middle = (good + bad) // 2
        try:
            convert(column.slice(0, middle))
            good = middle
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            bad = middle
    return bad - 1


def _cast(column: pa.Array, target: pa.DataType) -> pa.Array:
    """A safe cast; text, doubles and decimals go to a decimal through ``decimals.exact_decimals``, since
    pyarrow's own cast can return a wrong number for them without an error."""
    if pa.types.is_decimal(target) and (pa.types.is_decimal(column.type) or _is_text(column.type)
                                        or pa.types.is_floating(column.type)):
        return exact_decimals(column, target)
    return pc.cast(column, target)


def _convert(column: pa.Array, target: pa.DataType, name: str, rows: _Rows,
             nested_as_json: bool = True) -> pa.Array:
    """One column of one batch as the target type, exactly, or a ``SourceError`` naming the value.
    A nested column becomes JSON text, or stays as it is when not ``nested_as_json``."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    original = column
    if column.type == target and not pa.types.is_decimal(target):
        return column
    if is_nested(column.type):
        return _nested_to_json(column) if nested_as_json else column
    if pa.types.is_floating(column.type):
        finite = pc.fill_null(pc.is_finite(column), True)
        if not pc.all(finite).as_py():
            i = pc.index(finite, False).as_py()
            raise _refuse(original, i, name, rows, f"is not a finite number, and {name!r} holds {_what(target)}")
        if not pa.types.is_decimal(target):  # exact_decimals reads doubles the same way
            # The shortest decimal that reads back as the same double: what the writer printed.
            column = pc.cast(column, pa.string())
    try:
        return _cast(column, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        error = exc
    if _is_text(column.type) and not _is_text(target):
        # A number, date or timestamp has no empty value: an empty text there (a quoted empty cell) is NULL,
        # as an unquoted one is. Rare, so looked for only once a cast has failed.
        empty = pc.equal(column, "")
        if pc.any(empty).as_py():
            column = pc.if_else(empty, pa.scalar(None, column.type), column)
            try:
                return _cast(column, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                error = exc
    try:
        _cast(column.slice(0, 0), target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise SourceError(
            f"data file {rows.key}: column {name!r} holds {column.type} values, which cannot be read as "
            f"{_what(target)}; the file and manifest disagree: check the export's definition"
        ) from None
    i = _first_failure(column, lambda part: _cast(part, target))
    converted = column[i].as_py() if pa.types.is_decimal(target) else None
    raise _refuse(original, i, name, rows, _reason(error, target, converted)) from None


def _csv_text(path: Path, compression: str | None):
    """A CSV opened as text for Python's ``csv`` reader, to name a row: a byte order mark dropped, and a
    byte that is not UTF-8 read as an escape (``_ESCAPED``) instead of failing the read."""
    return _open_file(path, compression, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="")


def _csv_line(path: Path, compression: str | None, row: int) -> int:
    """The line (header = line 1) on which data row ``row`` (0-based) starts; values may span lines."""
    with _csv_text(path, compression) as fh:
        reader = csv.reader(fh)
        next(reader)
        for _ in range(row):
            next(reader)
        return reader.line_num + 1


def iter_csv(path: Path, key: str, compression: str | None, plan: ColumnPlan,
             normalize: Callable[[str], str], block_size: int | None = None,
             use_threads: bool = True) -> Iterator[pa.RecordBatch]:
    """Stream a CSV (optionally gzip) data file as record batches of the plan's schema.

    Types come from the plan, never from the first block: every cell is read as text (so that a text
    column keeps ``NA`` or ``null`` as written) and converted to its column's type with the checks of
    ``_convert``. The header is checked against the manifest before a single row is used. Every value must
    be UTF-8 text: pyarrow checks it, and ``_not_utf8`` names the one it refuses.
    """
    if not plan.strict:
        plan = extend_plan(plan, _read_header(path, compression, key), normalize)

    def locate(row: int) -> str:
        try:
            return f"line {_csv_line(path, compression, row)}"
        except (*_UNREADABLE, UnicodeDecodeError, StopIteration, csv.Error):
            return f"data row {row + 1}"

    stream = None
    try:
        stream = _open_bytes(path, compression)
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=block_size or CSV_BLOCK_SIZE, use_threads=use_threads),
            # A quoted value may hold a line break: it is text like any other, whichever block it falls in.
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in plan.source_names},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            ),
        )
        header = reader.schema.names
        _check_header(header, plan, key)
        index = {name: i for i, name in enumerate(header)}
        order = [index[s] for s in plan.source_names]
        seen = 0
        for batch in _joined(reader, BATCH_ROWS):
            rows = _Rows(key, seen, locate)
            arrays = [
                _convert(batch.column(i), t, source, rows)
                for i, t, source in zip(order, plan.types, plan.source_names, strict=True)
            ]
            seen += batch.num_rows
            yield _finish(arrays, plan, batch.num_rows)
    except (pa.ArrowInvalid, *_UNREADABLE) as exc:
        if "invalid UTF8" in str(exc):  # pyarrow names the column's number, not the row
            raise _not_utf8(path, compression, key) or _csv_error(exc, key) from None
        raise _csv_error(exc, key) from None
    finally:
        if stream is not None:
            stream.close()


# What reading with errors="surrogateescape" makes of each byte that is not part of UTF-8 text.
_ESCAPED = re.compile("[\udc80-\udcff]")


def _not_utf8(path: Path, compression: str | None, key: str) -> SourceError | None:
    """The refusal of a CSV's first value that is not UTF-8 text, naming its column, line and bytes; None
    when every value is. A row-by-row scan, for once pyarrow has refused the file naming neither."""
    try:
        with _csv_text(path, compression) as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            line = reader.line_num + 1  # where the next row starts: values may span lines
            for row in reader:
                if _ESCAPED.search("".join(row)):
                    j = next(j for j, value in enumerate(row) if _ESCAPED.search(value))
                    name = header[j] if j < len(header) else f"#{j + 1}"
                    shown = _shown(repr(row[j].encode("utf-8", "surrogateescape")))
                    return _refusal(key, name, f"line {line}", shown, f"is not {_WHAT['string']}")
                line = reader.line_num + 1
    except (*_UNREADABLE, csv.Error):
        return None
    return None


def _joined(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Consecutive batches joined into batches of at least ``rows`` rows (the last may hold fewer)."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        if not batch.num_rows:  # nothing to carry, and joining only empty batches leaves none to yield
            continue
        pending.append(batch)
        held += batch.num_rows
        if held >= rows:
            yield _join(pending)
            pending, held = [], 0
    if pending:
        yield _join(pending)


def _join(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


_LOCAL = threading.local()


def _json_connection():
    """This reader thread's own in-memory DuckDB for turning nested values into JSON text.

    Reader threads must not share DuckDB's default connection, and opening one per call cost more CPU
    than the whole Parquet parse once batches were small enough to bound memory; one thread of its own
    is all a conversion of one column of one batch needs.
    """
    con = getattr(_LOCAL, "json_connection", None)
    if con is None:
        import duckdb

        con = _LOCAL.json_connection = duckdb.connect(config={"threads": 1})
    return con


def json_text(column: str) -> str:
    """The SQL (DuckDB) that renders a nested column as JSON text, NULL staying NULL: one home for both
    ways of loading it."""
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE to_json({column})::VARCHAR END"


def _nested_to_json(column: pa.Array) -> pa.Array:
    """Maps and structs (CUR 2.0 tags, cost categories) become JSON text, as they are in the CSV form."""
    con = _json_connection()
    con.register("nested", pa.table({"v": column}))
    try:
        query = f"SELECT {json_text('v')} AS v FROM nested"
        relation = con.sql(query)
        # DuckDB 2 calls it to_arrow_table; DuckDB 1 calls it arrow.
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
        return fetch().column(0).combine_chunks()
    finally:
        con.unregister("nested")


def parquet_columns(file_names: list[str], plan: ColumnPlan, key: str,
                    normalize: Callable[[str], str]) -> tuple[ColumnPlan, list[int]]:
    """The plan for a Parquet file with these columns (extended by them if the manifest declared none), and
    the index in the file of each planned column; ``SourceError`` if the file lacks one the manifest
    declares or holds one it does not."""
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
    return plan, order


def open_parquet(path: Path, key: str):
    """The ``pyarrow.parquet.ParquetFile`` at ``path``; ``SourceError`` naming ``key`` if it is not one."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"data file {key} is not a readable Parquet file ({exc}); fetch it again") from None


def iter_parquet(path: Path, key: str, plan: ColumnPlan, normalize: Callable[[str], str],
                 batch_rows: int | None = None, nested_as_json: bool = True) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet data file row group by row group, each column converted to the plan's type exactly.

    With ``nested_as_json`` False, maps, structs and lists are passed on as they are, for a DuckDB insert
    that renders them as JSON text itself (``duckdb_insert``), with the same function as
    ``_nested_to_json`` but in its own parallel scan instead of a query per column of every batch (that
    was two fifths of a CUR 2.0 import's CPU).
    """
    parquet = open_parquet(path, key)
    file_names = parquet.schema_arrow.names
    plan, order = parquet_columns(file_names, plan, key, normalize)
    try:
        seen = 0
        for batch in parquet.iter_batches(batch_size=batch_rows or BATCH_ROWS, use_threads=True):
            rows = _Rows(key, seen, lambda row: f"row {row + 1}")
            for i in dict.fromkeys(order):
                _check_text(batch.column(i), file_names[i], rows)
            arrays = [
                _convert(batch.column(i), t, file_names[i], rows, nested_as_json)
                for i, t in zip(order, plan.types, strict=True)
            ]
            seen += batch.num_rows
            yield _finish(arrays, plan, batch.num_rows)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"data file {key} cannot be read as Parquet: {exc}") from None
