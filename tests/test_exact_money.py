"""Every value a data file holds is loaded exactly, or the period is refused naming the file, column, row
and value, and keeps its previous version. The core readers, driven by the engine with a fake vendor whose
manifest names CSV, CSV.gz or Parquet files (``parse_manifest`` below), into a real DuckDB file.

The rules pinned here (docs/operations.md, "What a value becomes"):

- CSV: an unquoted empty cell is NULL; a quoted empty cell is the empty text in a text column and NULL
  elsewhere; no word (``NA``, ``null``, ``NaN``...) is NULL. Numbers, dates and timestamps must be exactly
  representable, or the file is refused.
- DECIMAL(38,18): at most 20 digits before the point and 18 after; NaN and infinities are refused.
- A Parquet double is the shortest decimal that reads back as the same double (what the CSV copy holds).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from open_finops.api import (
    Column,
    DataFile,
    Destination,
    ExportVersion,
    ImportOptions,
    LocalSource,
    ManifestParser,
    VendorTerms,
    run_import,
)
from open_finops.database import connect, database_path
from open_finops.ingest import readers, swap
from open_finops.naming import period_table

TERMS = VendorTerms("acme", export_noun="Acme export", publisher="Acme")
PARSER = ManifestParser(name="acme-files", vendor="acme", format_version="v1", description="Acme, any file format.",
                        key_pattern=r"(^|/)acme-Manifest\.json$", parse="test_exact_money:parse_manifest")
COLUMNS = {"line_id": "string", "note": "string", "cost": "decimal"}
NULL_LIKE = ["NA", "N/A", "n/a", "null", "NULL", "Null", "nan", "NaN", "-NaN", "-nan", "None", "none", "#N/A",
             "#N/A N/A", "#NA", "-1.#IND", "1.#IND", "-1.#QNAN", "1.#QNAN", "<NA>", "NIL", " ", "  NA  "]


def parse_manifest(key: str, body: bytes) -> ExportVersion:
    doc = json.loads(body)
    return ExportVersion(
        vendor="acme", export_name=doc["export"], billing_period=doc["period"], version_id=doc["version"],
        format_version="v1", manifest_key=key,
        data_files=tuple(DataFile(uri=f["uri"], format=f["format"], compression=f.get("compression"),
                                  rows=f.get("rows")) for f in doc["files"]),
        columns=tuple(Column(name=n, type=t) for n, t in doc["columns"].items()),
    )


# -- writing exports ---------------------------------------------------------------------------------

def cell(value: str | None, quote: bool = False) -> str:
    """One CSV cell as written: None is an unquoted empty cell; anything else quoted when it must be."""
    if value is None:
        return ""
    if quote or value == "" or any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_text(columns: list[str], rows: list[list[str | None]], quote: bool = False) -> str:
    return "\n".join([",".join(columns)] + [",".join(cell(v, quote) for v in row) for row in rows]) + "\n"


@dataclass
class Part:
    """One data file: ``csv`` / ``csv.gz`` text (or its bytes), or a ``parquet`` table; ``rows`` as the
    manifest declares; ``gzipped``: a ``csv.gz`` body is already the file's bytes, written as they are."""

    kind: str
    body: str | bytes | pa.Table
    rows: int | None = None
    gzipped: bool = False


def write_version(root: Path, period: str, parts: list[Part], columns: dict[str, str] | None = None,
                  version: str | None = None) -> str:
    """A new version of ``period``, replacing any earlier manifest of it; returns the data files' keys."""
    version = version or uuid.uuid4().hex[:12]
    for old in (root / "bill" / period).glob("*/acme-Manifest.json"):
        old.unlink()
    folder = root / "bill" / period / version
    folder.mkdir(parents=True)
    files = []
    for i, part in enumerate(parts):
        key = f"bill/{period}/{version}/part-{i}.{part.kind}"
        if part.kind == "parquet":
            pq.write_table(part.body, root / key)
            entry = {"uri": key, "format": "parquet"}
        else:
            raw = part.body if isinstance(part.body, bytes) else part.body.encode()
            (root / key).write_bytes(gzip.compress(raw) if part.kind == "csv.gz" and not part.gzipped else raw)
            entry = {"uri": key, "format": "csv", "compression": "gzip" if part.kind == "csv.gz" else None}
        if part.rows is not None:
            entry["rows"] = part.rows
        files.append(entry)
    (folder / "acme-Manifest.json").write_text(json.dumps(
        {"export": "bill", "period": period, "version": version, "files": files, "columns": columns or COLUMNS}))
    return files[0]["uri"] if len(files) == 1 else [f["uri"] for f in files]


def import_(root: Path, data: Path, **options):
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"), **options)
    return run_import(opts, TERMS, LocalSource(root), [PARSER])


def query(data: Path, sql: str) -> list[tuple]:
    con = connect(database_path(data), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def table(period: str) -> str:
    return f'acme."{period_table("bill", period)}"'


def good_rows(n: int = 3) -> str:
    return csv_text(list(COLUMNS), [[f"old-{i}", "kept", "1.00"] for i in range(n)])


def loaded_then_refused(root: Path, data: Path, parts: list[Part], columns: dict[str, str] | None = None) -> str:
    """Load a good version of 2024-01, then the given one: it must fail and leave the good one in place."""
    write_version(root, "2024-01", [Part("csv", good_rows())])
    assert [p.status for p in import_(root, data).periods] == ["loaded"]
    write_version(root, "2024-01", parts, columns)

    summary = import_(root, data)

    (result,) = summary.periods
    assert result.status == "failed", result
    assert query(data, f"SELECT count(*), sum(cost), min(note) FROM {table('2024-01')}") == [
        (3, Decimal("3.00"), "kept")]
    assert query(data, "SELECT sum(cost) FROM acme.bill_unified") == [(Decimal("3.00"),)]
    return result.error


# -- 1. CSV text is kept exactly; what an empty cell means ------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "csv.gz", "parquet"])
def test_null_like_words_in_a_text_column_load_as_the_words_themselves(root: Path, data: Path, kind: str):
    rows = [[f"id-{i:02d}", word, "1"] for i, word in enumerate(NULL_LIKE)]
    if kind == "parquet":
        parts = [Part(kind, pa.table({"line_id": [r[0] for r in rows], "note": NULL_LIKE,
                                      "cost": pa.array([Decimal(1)] * len(rows), pa.decimal128(10, 2))}))]
    else:  # each word once bare and once quoted, as different writers do
        bare = csv_text(list(COLUMNS), rows)
        quoted = csv_text(list(COLUMNS), [[f"q{r[0]}", r[1], r[2]] for r in rows], quote=True)
        parts = [Part(kind, bare), Part(kind, quoted)]
    write_version(root, "2024-01", parts)

    assert [p.status for p in import_(root, data).periods] == ["loaded"]

    loaded = query(data, f"SELECT line_id, note FROM {table('2024-01')}")
    expected = {(r[0], r[1]) for r in rows} | ({(f"q{r[0]}", r[1]) for r in rows} if kind != "parquet" else set())
    assert set(loaded) == expected
    assert all(note is not None for _, note in loaded)


def test_an_unquoted_empty_cell_is_null_and_a_quoted_one_is_empty_text_only_in_a_text_column(root: Path, data: Path):
    columns = {"line_id": "string", "note": "string", "cost": "decimal", "used_at": "timestamp", "day": "date",
               "n": "integer", "ok": "boolean"}
    body = ("line_id,note,cost,used_at,day,n,ok\n"
            "bare,,,,,,\n"
            'quoted,"","","","","",""\n'
            "full,x,1.5,2024-01-31T10:00:00Z,2024-01-31,7,true\n")
    write_version(root, "2024-01", [Part("csv", body)], columns)

    assert [p.status for p in import_(root, data).periods] == ["loaded"]

    assert query(data, f"SELECT line_id, note, cost, used_at, day, n, ok FROM {table('2024-01')} ORDER BY line_id") == [
        ("bare", None, None, None, None, None, None),
        ("full", "x", Decimal("1.5"), datetime(2024, 1, 31, 10, tzinfo=UTC), datetime(2024, 1, 31).date(), 7, True),
        ("quoted", "", None, None, None, None, None),
    ]


@pytest.mark.parametrize("value", ["NaN", "nan", "-NaN", "Inf", "-inf", "Infinity", "-INFINITY", "NA", "N/A", "null",
                                   "#N/A", "1.#IND", "None", "abc", "1,5", " 1.5", "1.5 ", "0x10", "1_000"])
def test_a_non_number_in_a_decimal_csv_column_is_refused_naming_file_column_line_and_value(
    root: Path, data: Path, value: str
):
    rows = [["a", "x", "1.00"], ["b", "x", value], ["c", "x", "2.00"]]

    error = loaded_then_refused(root, data, [Part("csv", csv_text(list(COLUMNS), rows))])

    assert re.search(r"data file bill/2024-01/\w+/part-0\.csv: column 'cost', line 3: value "
                     + re.escape(repr(value)) + " is not a decimal number", error), error


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("position", [0, 70_000, 139_999])  # first row, a later batch, the last row
def test_a_non_finite_parquet_double_is_refused_naming_the_row(root: Path, data: Path, value: float, position: int):
    costs = [1.0] * 140_000
    costs[position] = value
    parquet = pa.table({"line_id": [f"r{i}" for i in range(140_000)], "note": ["x"] * 140_000, "cost": costs})

    error = loaded_then_refused(root, data, [Part("parquet", parquet)])

    assert f"column 'cost', row {position + 1}: value {value!r} is not a finite number" in error


# -- 2. and 3. Every cast is safe; a decimal must fit DECIMAL(38,18) ----------------------------------

@pytest.mark.parametrize("kind", ["csv", "csv.gz"])
@pytest.mark.parametrize("value, reason", [
    ("123456789012345678901.5", "more than 20 digits before the decimal point"),
    ("-100000000000000000000", "more than 20 digits before the decimal point"),
    ("1e25", "more than 20 digits before the decimal point"),
    ("1e400", "more than 20 digits before the decimal point"),
    # Past 2**127 at 18 places, pyarrow's own cast wraps these into numbers that fit: 7.0e19, -7.0e19, ...
    ("410317555109206700000", "more than 20 digits before the decimal point"),
    ("-410317555109206700000.25", "more than 20 digits before the decimal point"),
    ("4.103175551092067e+20", "more than 20 digits before the decimal point"),
    ("4.1E+20", "more than 20 digits before the decimal point"),
    ("750000000000000000000", "more than 20 digits before the decimal point"),
    ("0.0000000000000000001", "more than 18 decimal places"),
    ("1.0000000000000000001", "more than 18 decimal places"),
    # pyarrow's own cast reads these as 2.89E-16, -0.0000285... and 0 (ingest/decimals.py).
    ("33235E-146", "more than 18 decimal places"),
    ("-1.967913482712921e-114", "more than 18 decimal places"),
    ("1.1876824168513771e-194", "more than 18 decimal places"),
])
def test_a_decimal_that_does_not_fit_is_refused_at_import(root: Path, data: Path, kind: str, value: str, reason: str):
    rows = [["a", "x", "1"]] * 5 + [["b", "x", value]]

    error = loaded_then_refused(root, data, [Part(kind, csv_text(list(COLUMNS), rows))])

    assert f"column 'cost', line 7: value {value!r} has {reason}, more than DECIMAL(38,18) holds" in error


def test_the_largest_and_the_finest_decimals_that_fit_load_exactly_and_sum(root: Path, data: Path):
    biggest, finest = "99999999999999999999.999999999999999999", "-0.000000000000000001"
    write_version(root, "2024-01", [Part("csv", csv_text(list(COLUMNS), [["a", "x", biggest], ["b", "x", finest]]))])

    assert [p.status for p in import_(root, data).periods] == ["loaded"]

    assert query(data, f"SELECT cost FROM {table('2024-01')} ORDER BY line_id") == [(Decimal(biggest),),
                                                                                   (Decimal(finest),)]
    total = Decimal("99999999999999999999.999999999999999998")
    assert query(data, "SELECT sum(cost) FROM acme.bill_unified") == [(total,)]


@pytest.mark.parametrize("value, reason", [
    (1e25, "more than 20 digits before the decimal point"),
    (-1e21, "more than 20 digits before the decimal point"),
    (1e20, "more than 20 digits before the decimal point"),
    (4.103175551092067e+20, "more than 20 digits before the decimal point"),
    (-4.103175551092067e+20, "more than 20 digits before the decimal point"),
    (7.5e20, "more than 20 digits before the decimal point"),
    (2.5e-18, "more than 18 decimal places"),
    (1e-19, "more than 18 decimal places"),
    (5e-324, "more than 18 decimal places"),
    (-1.967913482712921e-114, "more than 18 decimal places"),  # pyarrow's cast of its text: -0.0000285...
    (1.1876824168513771e-194, "more than 18 decimal places"),  # ... and 0
])
def test_a_parquet_double_that_does_not_fit_is_refused(root: Path, data: Path, value: float, reason: str):
    parquet = pa.table({"line_id": ["a", "b"], "note": ["x", "y"], "cost": [1.0, value]})

    error = loaded_then_refused(root, data, [Part("parquet", parquet)])

    assert f"column 'cost', row 2: value {value!r} has {reason}, more than DECIMAL(38,18) holds" in error


def test_a_parquet_double_loads_as_the_decimal_it_prints_the_same_as_its_csv_copy(root: Path, data: Path):
    values = [0.1, 0.2, 0.3, 1.25, 0.30000000000000004, 123456789.12345679, 9.999999999999998e19, 1e-18, -0.0,
              0.0000001234, 1 / 3]
    ids = [f"r{i:02d}" for i in range(len(values))]
    write_version(root, "2024-01", [Part("parquet", pa.table({"line_id": ids, "note": ["x"] * len(values),
                                                              "cost": values}))])
    write_version(root, "2024-02", [Part("csv", csv_text(list(COLUMNS), [[i, "x", repr(v)] for i, v in
                                                                         zip(ids, values, strict=True)]))])

    assert [p.status for p in import_(root, data).periods] == ["loaded", "loaded"]

    from_parquet = query(data, f"SELECT line_id, cost FROM {table('2024-01')} ORDER BY 1")
    assert from_parquet == [(i, Decimal(repr(v))) for i, v in zip(ids, values, strict=True)]
    assert from_parquet == query(data, f"SELECT line_id, cost FROM {table('2024-02')} ORDER BY 1")
    assert query(data, f"SELECT cost FROM {table('2024-01')} WHERE line_id = 'r00'") == [(Decimal("0.1"),)]


def test_a_period_mixing_files_duckdb_reads_and_files_left_to_readers_loads_every_row(root: Path, data: Path):
    # Doubles are read by DuckDB itself; a cost written as text is left to readers (ingest/duckdb_parquet.py).
    doubles = pa.table({"line_id": ["a", "b"], "note": ["x", "y"], "cost": [0.1, 0.2]})
    text = pa.table({"line_id": ["c"], "note": ["z"], "cost": ["0.30"]})
    later = pa.table({"line_id": ["d"], "note": ["w"], "cost": [1e-18]})
    write_version(root, "2024-01", [Part("parquet", doubles), Part("parquet", text), Part("parquet", later)])

    (result,) = import_(root, data).periods

    assert (result.status, result.rows, result.files) == ("loaded", 4, 3), result.error
    assert query(data, f"SELECT line_id, cost FROM {table('2024-01')} ORDER BY 1") == [
        ("a", Decimal("0.1")), ("b", Decimal("0.2")), ("c", Decimal("0.3")), ("d", Decimal("1E-18"))]


def test_files_duckdb_refuses_and_readers_accept_are_loaded_by_readers(monkeypatch, root: Path, data: Path):
    from open_finops.ingest import duckdb_parquet

    monkeypatch.setattr(duckdb_parquet, "_exact_decimal", lambda column, converted: "error('refused')")
    write_version(root, "2024-01", [Part("parquet", pa.table({"line_id": ["a", "b"], "note": ["x", "y"],
                                                              "cost": [0.1, 2.5]}))] * 2)

    (result,) = import_(root, data).periods

    assert (result.status, result.rows) == ("loaded", 4), result.error
    assert query(data, f"SELECT sum(cost) FROM {table('2024-01')}") == [(Decimal("5.2"),)]


@pytest.mark.parametrize("content", [b"", b"line_id,note,cost\na,x,1\n", b"PAR1" + b"\0" * 32 + b"PAR1"])
def test_a_data_file_that_is_not_parquet_is_refused_naming_it(root: Path, data: Path, content: bytes):
    keys = write_version(root, "2024-01", [Part("parquet", pa.table({"line_id": ["a"], "note": ["x"],
                                                                     "cost": [1.0]}))] * 2)
    (root / keys[1]).write_bytes(content)

    (result,) = import_(root, data).periods

    assert result.status == "failed"
    assert result.error.startswith(f"data file {keys[1]} is not a readable Parquet file ("), result.error
    assert result.error.endswith("); fetch it again"), result.error


@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_double_refused_in_one_of_several_files_names_that_file_and_row(root: Path, data: Path, position: int):
    parts = [Part("parquet", pa.table({"line_id": [f"{i}-a", f"{i}-b", f"{i}-c"], "note": ["x"] * 3,
                                       "cost": [1.0, 2.0, 3.0]})) for i in range(3)]
    parts[position] = Part("parquet", pa.table({"line_id": ["a", "b", "c"], "note": ["x"] * 3,
                                                "cost": [1.0, 2.0, 1e-19]}))

    error = loaded_then_refused(root, data, parts)

    assert re.search(rf"data file bill/2024-01/\w+/part-{position}\.parquet: column 'cost', row 3: value 1e-19 has "
                     "more than 18 decimal places", error), error


@pytest.mark.parametrize("values, arrow_type, value, reason", [
    (["1.5", "1e25"], pa.string(), "'1e25'", "has more than 20 digits before the decimal point"),
    (["1.5", "abc"], pa.string(), "'abc'", "is not a decimal number"),
    (["1.5", "NaN"], pa.string(), "'NaN'", "is not a decimal number"),
    ([Decimal("1.5"), Decimal("1234567890123456789012345.5")], pa.decimal128(38, 10),
     "Decimal('1234567890123456789012345.5000000000')", "has more than 20 digits before the decimal point"),
    ([Decimal("1.5"), Decimal("0.00000000000000000001")], pa.decimal128(38, 20),
     "Decimal('1E-20')", "has more than 18 decimal places"),
    ([1, 2**63 - 1], pa.int64(), None, None),
])
def test_a_parquet_column_of_another_type_is_cast_exactly_or_refused(root: Path, data: Path, values, arrow_type,
                                                                    value, reason):
    parquet = pa.table({"line_id": ["a", "b"], "note": ["x", "y"], "cost": pa.array(values, arrow_type)})
    if value is None:  # every int64 fits DECIMAL(38,18)
        write_version(root, "2024-01", [Part("parquet", parquet)])
        assert [p.status for p in import_(root, data).periods] == ["loaded"]
        assert query(data, f"SELECT cost FROM {table('2024-01')} ORDER BY line_id") == [(Decimal(v),) for v in values]
        return

    error = loaded_then_refused(root, data, [Part("parquet", parquet)])

    assert f"column 'cost', row 2: value {value} {reason}" in error, error


@pytest.mark.parametrize("column, arrow_value, shown, reason", [
    ("used_at", pa.array([0, 1_700_000_000_123_456_789], pa.timestamp("ns", tz="UTC")),
     "2023-11-14 22:13:20.123456789", "is finer than a microsecond"),
    ("used_at", pa.array([0, 10**15], pa.timestamp("s")), "1000000000000000000", "is out of the range"),
    ("used_at", pa.array(["2024-01-01T00:00:00Z", "2024-01-01 00:00:00"]), "'2024-01-01 00:00:00'",
     "is not a timestamp with a time zone"),
    ("used_at", pa.array(["2024-01-01T00:00:00Z", "10000-01-01T00:00:00Z"]), "'10000-01-01T00:00:00Z'",
     "is not a timestamp with a time zone"),
    ("n", pa.array([1.0, 1.5]), "1.5", "is not a whole number"),
    ("n", pa.array([1.0, 1e19]), "1e+19", "is not a whole number"),
    ("note", pa.array([b"ok", b"\xff\xfe"], pa.binary()), "b'\\xff\\xfe'", "is not UTF-8 text"),
])
def test_timestamps_integers_and_text_that_would_change_are_refused(root: Path, data: Path, column, arrow_value,
                                                                   shown, reason):
    columns = {**COLUMNS, "used_at": "timestamp", "n": "integer"}
    table_ = {"line_id": ["a", "b"], "note": ["x", "y"], "cost": [1.0, 2.0],
              "used_at": pa.array([0, 0], pa.timestamp("us", tz="UTC")), "n": [1, 2]}
    table_[column] = arrow_value

    error = loaded_then_refused(root, data, [Part("parquet", pa.table(table_))], columns)

    assert f"column {column!r}, row 2: value " in error and reason in error, error
    assert shown in error, error


# -- 13. A bad value deep in a file names the file and its line -------------------------------------

def test_a_bad_value_in_the_last_row_of_a_later_file_names_that_file_and_its_line(
    root: Path, data: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(readers, "CSV_BLOCK_SIZE", 4096)  # many blocks and batches per file
    monkeypatch.setattr(readers, "BATCH_ROWS", 100)
    first = [[f"a{i}", "x", "1"] for i in range(3000)]
    # A quoted value spanning three lines comes before the bad one: line numbers are the file's own.
    second = [[f"b{i}", "two\nmore\nlines" if i == 10 else "x", "1"] for i in range(2999)] + [["z", "x", "1e25"]]
    parts = [Part("csv.gz", csv_text(list(COLUMNS), first)), Part("csv.gz", csv_text(list(COLUMNS), second))]

    error = loaded_then_refused(root, data, parts)

    assert re.search(r"data file bill/2024-01/\w+/part-1\.csv\.gz: column 'cost', line 3003: value '1e25'", error)


def test_a_bad_value_after_many_parquet_batches_names_its_row(root: Path, data: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(readers, "BATCH_ROWS", 100)
    costs = pa.array(["1"] * 999 + ["1.5.5"])
    parquet = pa.table({"line_id": [str(i) for i in range(1000)], "note": ["x"] * 1000, "cost": costs})

    error = loaded_then_refused(root, data, [Part("parquet", parquet)])

    assert "column 'cost', row 1000: value '1.5.5' is not a decimal number" in error


# -- 14. A data file without rows among several -----------------------------------------------------

def test_a_header_only_file_whose_manifest_declares_rows_is_refused(root: Path, data: Path):
    full = csv_text(list(COLUMNS), [[f"n{i}", "x", "1"] for i in range(3)])
    empty = csv_text(list(COLUMNS), [])

    error = loaded_then_refused(root, data, [Part("csv", full, rows=3), Part("csv", empty, rows=4)])

    assert re.search(r"data file bill/2024-01/\w+/part-1\.csv holds 0 rows but its manifest declares 4", error)


def test_a_file_with_more_rows_than_its_manifest_declares_is_refused(root: Path, data: Path):
    parquet = pa.table({"line_id": ["a", "b"], "note": ["x", "y"], "cost": [1.0, 2.0]})

    error = loaded_then_refused(root, data, [Part("parquet", parquet, rows=1)])

    assert "holds 2 rows but its manifest declares 1" in error


def test_declared_row_counts_that_match_load(root: Path, data: Path):
    parquet = pa.table({"line_id": ["a", "b"], "note": ["x", "y"], "cost": [1.0, 2.0]})
    write_version(root, "2024-01", [Part("parquet", parquet, rows=2), Part("csv", csv_text(list(COLUMNS), []), rows=0)])

    (result,) = import_(root, data).periods

    assert (result.status, result.rows, result.warnings) == ("loaded", 2, [])


@pytest.mark.parametrize("kind", ["csv", "csv.gz", "parquet"])
def test_a_header_only_file_without_declared_rows_loads_with_a_warning(root: Path, data: Path, kind: str):
    rows = [[f"n{i}", "x", "1"] for i in range(3)]
    if kind == "parquet":
        full = pa.table({"line_id": [r[0] for r in rows], "note": ["x"] * 3, "cost": [1.0] * 3})
        empty = full.slice(0, 0)
    else:
        full, empty = csv_text(list(COLUMNS), rows), csv_text(list(COLUMNS), [])
    keys = write_version(root, "2024-01", [Part(kind, full), Part(kind, empty), Part(kind, full)])

    (result,) = import_(root, data).periods

    assert (result.status, result.rows) == ("loaded", 6)
    assert result.warnings == [f"data file {keys[1]} holds no rows (a header only), and the manifest gives no "
                               "row count to check it against: check that the export is complete"]


def test_import_and_report_prints_each_warning_on_one_line_and_in_the_json(root: Path, data: Path, capsys):
    from open_finops.api import import_and_report

    keys = write_version(root, "2024-01", [Part("csv", good_rows()), Part("csv", csv_text(list(COLUMNS), []))])
    options = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"))

    import_and_report(options, TERMS, LocalSource(root), [PARSER], as_json=True)

    out, err = capsys.readouterr()
    (period,) = json.loads(out)["periods"]
    assert period["warnings"] == [f"data file {keys[1]} holds no rows (a header only), and the manifest gives no "
                                  "row count to check it against: check that the export is complete"]
    assert err.splitlines() == [f"Warning: bill 2024-01: {period['warnings'][0]}"]


# -- 7. Type drift across an export's periods ------------------------------------------------------

@pytest.mark.parametrize("strategy", ["separate", "single"])
def test_a_later_period_declaring_a_cost_as_text_loads_as_decimal_and_sum_works(root: Path, data: Path,
                                                                               strategy: str):
    write_version(root, "2024-01", [Part("csv", good_rows())])
    write_version(root, "2024-02", [Part("csv", csv_text(list(COLUMNS), [["n", "x", "2.50"], ["m", "x", "0.25"]]))],
                  {**COLUMNS, "cost": "string"})

    summary = import_(root, data, strategy=strategy)

    assert [p.status for p in summary.periods] == ["loaded", "loaded"]
    assert summary.periods[1].warnings == [
        "column 'cost' is declared text in this version but the export's other billing periods hold it as "
        "decimal: loaded as decimal, every value checked to convert exactly"]
    where = "acme.bill_unified" if strategy == "separate" else "acme.bill"
    assert query(data, f"SELECT billing_period, sum(cost) FROM {where} GROUP BY 1 ORDER BY 1") == [
        ("2024-01", Decimal("3.00")), ("2024-02", Decimal("2.75"))]
    if strategy == "separate":
        assert query(data, f"SELECT typeof(cost) FROM {table('2024-02')} LIMIT 1") == [("DECIMAL(38,18)",)]


@pytest.mark.parametrize("strategy", ["separate", "single"])
def test_a_drifted_column_whose_text_is_not_a_number_is_refused_and_the_view_still_sums(root: Path, data: Path,
                                                                                      strategy: str):
    write_version(root, "2024-01", [Part("csv", good_rows())])
    import_(root, data, strategy=strategy)
    write_version(root, "2024-02", [Part("csv", csv_text(list(COLUMNS), [["n", "x", "2.50"], ["m", "x", "n/a"]]))],
                  {**COLUMNS, "cost": "string"})

    (result,) = [p for p in import_(root, data, strategy=strategy).periods if p.status != "skipped"]

    assert result.status == "failed"
    assert "column 'cost', line 3: value 'n/a' is not a decimal number" in result.error
    where = "acme.bill_unified" if strategy == "separate" else "acme.bill"
    assert query(data, f"SELECT count(*), sum(cost) FROM {where}") == [(3, Decimal("3.00"))]


def test_a_text_column_a_later_period_declares_numeric_keeps_its_text_as_written(root: Path, data: Path):
    columns = {**COLUMNS, "account": "string"}
    write_version(root, "2024-01", [Part("csv", csv_text(list(columns), [["a", "x", "1", "000123"]]))], columns)
    write_version(root, "2024-02", [Part("csv", csv_text(list(columns), [["b", "x", "1", "000456"]]))],
                  {**columns, "account": "decimal"})

    summary = import_(root, data)

    assert [p.status for p in summary.periods] == ["loaded", "loaded"]
    assert "column 'account' is declared decimal" in summary.periods[1].warnings[0]
    assert query(data, "SELECT account FROM acme.bill_unified ORDER BY 1") == [("000123",), ("000456",)]


def test_the_unified_view_casts_a_column_older_tables_hold_with_another_type(data: Path):
    data.mkdir()
    con = connect(database_path(data))
    con.execute("CREATE SCHEMA acme; CREATE TABLE acme.t1 (cost DECIMAL(38,18)); CREATE TABLE acme.t2 (cost VARCHAR);"
                "INSERT INTO acme.t1 VALUES (1.5); INSERT INTO acme.t2 VALUES ('2.25')")
    sql = swap.duckdb_sql(con, "acme")

    swap.create_unified_view(sql, "v", ["t1", "t2"])

    assert con.execute("SELECT sum(cost), typeof(sum(cost)) FROM acme.v").fetchall() == [
        (Decimal("3.75"), "DECIMAL(38,18)")]
    con.close()


def test_single_strategy_refuses_to_insert_a_column_of_another_type_and_changes_nothing(data: Path):
    from open_finops.errors import SourceError

    data.mkdir()
    con = connect(database_path(data))
    con.execute("CREATE SCHEMA acme; CREATE TABLE acme.bill (billing_period VARCHAR, cost DECIMAL(38,18));"
                "INSERT INTO acme.bill VALUES ('2024-01', 1.5), ('2024-02', 2);"
                "CREATE TABLE acme.staged (billing_period VARCHAR, cost VARCHAR); INSERT INTO acme.staged VALUES "
                "('2024-02', 'x')")
    sql = swap.duckdb_sql(con, "acme")

    with pytest.raises(SourceError, match="column 'cost' of billing period 2024-02 is VARCHAR but table 'bill' "
                                          "holds it as DECIMAL"), sql.transaction():
        swap.replace_period_rows(sql, "staged", "bill", "2024-02")

    assert con.execute("SELECT billing_period, cost FROM acme.bill ORDER BY 1").fetchall() == [
        ("2024-01", Decimal("1.5")), ("2024-02", Decimal("2"))]
    con.close()


# -- Properties: any value round-trips exactly or the period is refused ------------------------------

_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def fits(text: str) -> bool:
    """Whether a CSV text is a decimal DECIMAL(38,18) holds exactly (the grammar documented for CSV)."""
    if not _DECIMAL.fullmatch(text):
        return False
    with localcontext() as ctx:
        ctx.prec = 1000
        value = Decimal(text)
        if abs(value.as_tuple().exponent) > 10_000:
            return value == 0
        return abs(value) < Decimal(10) ** 20 and value == value.quantize(Decimal("1e-18"))


decimal_texts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e20"), max_value=Decimal("1e20")).map(str),
    st.integers(-(10**21), 10**21).map(str),
    st.builds(lambda w, f: f"{w}.{f}", st.integers(0, 10**21), st.text("0123456789", min_size=1, max_size=20)),
    st.sampled_from(NULL_LIKE + ["inf", "-Infinity", "1e25", "1E-5", "1e-19", "+.5", "5.", "", "-0", "0e0"]),
)
texts = st.one_of(st.sampled_from(NULL_LIKE + ["", '"', '""', ",", "\n", "a\r\nb", "\ufeffbom", "\x00", "é"]),
                  st.text(max_size=20))


class Store:
    """One export folder and data directory shared by a property's examples: each example loads a new
    version of one period, and a refused one must leave the previous version's values."""

    def __init__(self, base: Path) -> None:
        self.root, self.data = base / "exports", base / "data"
        self.root.mkdir()
        self.current: list[tuple] | None = None

    def load(self, parts: list[Part], columns: dict[str, str], select: str):
        write_version(self.root, "2024-01", parts, columns)
        (result,) = import_(self.root, self.data).periods
        assert result.status in ("loaded", "failed"), result
        if result.status == "loaded":
            self.current = query(self.data, f"SELECT {select} FROM {table('2024-01')} ORDER BY line_id")
        elif self.current is not None:
            assert query(self.data, f"SELECT {select} FROM {table('2024-01')} ORDER BY line_id") == self.current
        return result


# Each example is a whole import (about two seconds): few examples, each of many values.
PROPERTY = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def csv_store(tmp_path_factory) -> Store:
    return Store(tmp_path_factory.mktemp("csv-property"))


@PROPERTY
@given(cells=st.lists(st.tuples(st.one_of(decimal_texts, st.none()), texts, st.booleans()), min_size=1, max_size=40),
       kind=st.sampled_from(["csv", "csv.gz"]))
def test_any_csv_cost_and_text_load_exactly_or_the_period_is_refused(csv_store: Store, cells, kind: str):
    rows = [[f"r{i:03d}", note, cost] for i, (cost, note, _) in enumerate(cells)]
    lines = [",".join([cell(r[0]), cell(r[1], quote), cell(r[2], quote)]) for r, (_, _, quote) in zip(rows, cells,
                                                                                                  strict=True)]
    body = ",".join(COLUMNS) + "\n" + "\n".join(lines) + "\n"

    result = csv_store.load([Part(kind, body)], COLUMNS, "line_id, note, cost")

    costs_fit = all(cost in (None, "") or fits(cost) for cost, _, _ in cells)
    if result.status == "loaded":
        assert costs_fit, result
        expected = [(r[0], r[1], None if r[2] in (None, "") else Decimal(r[2])) for r in rows]
        assert csv_store.current == expected
    else:
        assert not costs_fit, result.error
        assert re.search(r"data file bill/2024-01/\w+/part-0\.csv(\.gz)?: column 'cost', line \d+: value ",
                         result.error)


@pytest.fixture(scope="module")
def parquet_store(tmp_path_factory) -> Store:
    return Store(tmp_path_factory.mktemp("parquet-property"))


def double_fits(x: float) -> bool:
    return math.isfinite(x) and fits(repr(x))


@PROPERTY
@given(doubles=st.lists(st.one_of(st.floats(), st.floats(-1e21, 1e21), st.floats(-1, 1), st.floats(-1e-90, 1e-90)),
                       min_size=1, max_size=40),
       strings=st.lists(st.one_of(decimal_texts, st.none()), min_size=1, max_size=40))
def test_any_parquet_double_or_decimal_text_loads_exactly_or_the_period_is_refused(parquet_store: Store, doubles,
                                                                                   strings):
    n = min(len(doubles), len(strings))
    doubles, strings = doubles[:n], strings[:n]
    columns = {"line_id": "string", "note": "string", "cost": "decimal", "amount": "decimal"}
    parquet = pa.table({"line_id": [f"r{i:03d}" for i in range(n)], "note": ["x"] * n, "cost": doubles,
                        "amount": pa.array(strings, pa.string())})

    result = parquet_store.load([Part("parquet", parquet)], columns, "line_id, cost, amount")

    all_fit = all(map(double_fits, doubles)) and all(s is None or s == "" or fits(s) for s in strings)
    if result.status == "loaded":
        assert all_fit, result
        assert parquet_store.current == [
            (f"r{i:03d}", Decimal(repr(d)), None if s in (None, "") else Decimal(s))
            for i, (d, s) in enumerate(zip(doubles, strings, strict=True))]
    else:
        assert not all_fit, result.error
        assert re.search(r"column '(cost|amount)', row \d+: value ", result.error), result.error


@pytest.fixture(scope="module")
def timestamp_store(tmp_path_factory) -> Store:
    return Store(tmp_path_factory.mktemp("timestamp-property"))


@PROPERTY
@given(instants=st.lists(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59),
                                      timezones=st.just(UTC)), min_size=1, max_size=30),
       kind=st.sampled_from(["csv", "parquet", "parquet-text"]),
       spoil=st.sampled_from([None, "2024-01-01 00:00:00", "2024-01-01T00:00:00.0000001Z", "NA", "",
                              "2024-02-30T00:00:00Z", "10000-01-01T00:00:00Z"]))
def test_any_timestamp_loads_as_the_same_instant_or_the_period_is_refused(timestamp_store: Store, instants,
                                                                          kind: str, spoil: str | None):
    columns = {"line_id": "string", "used_at": "timestamp"}
    ids = [f"r{i:03d}" for i in range(len(instants))]
    texts_ = [t.isoformat().replace("+00:00", "Z") for t in instants]
    if spoil is not None and kind != "parquet":
        texts_[-1] = spoil
    if kind == "csv":
        part = Part("csv", csv_text(list(columns), [[i, t] for i, t in zip(ids, texts_, strict=True)]))
    else:
        values = pa.array(instants, pa.timestamp("us", tz="UTC")) if kind == "parquet" else pa.array(texts_)
        part = Part("parquet", pa.table({"line_id": ids, "used_at": values}))

    result = timestamp_store.load([part], columns, "line_id, used_at")

    if spoil and kind != "parquet":
        assert result.status == "failed", result
        where = f"line {len(ids) + 1}" if kind == "csv" else f"row {len(ids)}"
        assert f"column 'used_at', {where}: value {spoil!r} is not a timestamp" in result.error, result.error
    else:
        assert result.status == "loaded", result.error
        expected = list(zip(ids, instants, strict=True))
        if spoil == "" and kind != "parquet":  # an empty cell is NULL, in a timestamp column as anywhere
            expected[-1] = (ids[-1], None)
        assert timestamp_store.current == expected


def test_csv_rows_are_not_split_by_line_breaks_in_quoted_values_at_block_edges(root: Path, data: Path,
                                                                               monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(readers, "CSV_BLOCK_SIZE", 1024)
    rows = [[f"r{i:04d}", f"line {i}\nsecond, \"quoted\"", "1"] for i in range(2000)]
    write_version(root, "2024-01", [Part("csv", csv_text(list(COLUMNS), rows))])

    assert [p.status for p in import_(root, data).periods] == ["loaded"]

    assert query(data, f"SELECT line_id, note, cost FROM {table('2024-01')} ORDER BY 1") == [
        (r[0], r[1], Decimal(1)) for r in rows]

