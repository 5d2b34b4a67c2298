"""Text that is not UTF-8 is refused, naming the file, the column, the line (a Parquet file's row) and the
bytes, and the billing period keeps its previous version.

pyarrow checks CSV text as it parses but names neither row nor value, so the file is scanned again to name
them (``readers._not_utf8``). It reads Parquet text unchecked, and DuckDB stores such text unchecked once a
column segment holds a text that is not ASCII (the value then fails every query that reads it), so
``readers`` check Parquet text themselves; DuckDB's own Parquet reader checks every value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_exact_money import COLUMNS, PROPERTY, Part, Store, loaded_then_refused

from open_finops.ingest import readers

# Bytes that are not UTF-8, each of a kind a real file holds: a Latin-1 or Windows-1252 export, a cut
# multi-byte sequence, an overlong form, an encoded surrogate, a code point past U+10FFFF, a UTF-16 mark.
NOT_UTF8 = [
    b"caf\xe9", b"\x93quoted\x94", b"\x80", b"ab\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"\xff\xfe", b"smile \xf0\x9f\x98", b"\xe2\x82",
]


def encoded(rows: list[list[bytes]]) -> bytes:
    """CSV bytes of ``rows`` (the first is the header); a value with a comma or line break is quoted."""
    def cell(v: bytes) -> bytes:
        return b'"' + v.replace(b'"', b'""') + b'"' if any(c in v for c in b',"\n') else v
    return b"".join(b",".join(cell(v) for v in row) + b"\n" for row in rows)


def export_with(bad: bytes, column: str, file: int, row: int) -> tuple[list[Part], int, bytes]:
    """Two CSV files of 3,000 rows, ``bad`` in ``column`` of data row ``row`` of file ``file``, and a value
    spanning three lines at data row 10: the parts, and the line and whole value holding ``bad``."""
    files = []
    for f in range(2):
        rows = [[b"line_id", b"note", b"cost"]]
        for i in range(3000):
            note = b"two\nmore\nlines, quoted" if i == 10 else b"x"
            rows.append([b"id-%d-%d" % (f, i), note, b"1.5"])
        files.append(rows)
    values = dict(zip(COLUMNS, files[file][row + 1], strict=True))
    values[column] = value = {"line_id": b"id ", "note": b"a note, with ", "cost": b"1."}[column] + bad
    files[file][row + 1] = list(values.values())
    line = row + 2 + (2 if row > 10 else 0)
    # The second file starts with a byte order mark, as a spreadsheet writes one: it is not a line.
    return [Part("csv.gz", b"\xef\xbb\xbf" + encoded(files[1])) if f else Part("csv", encoded(files[0]))
            for f in range(2)], line, value


# Where the value is: (column, file, data row); the kinds of bytes are spread over them.
PLACES = [("note", 0, 0), ("note", 1, 2999), ("line_id", 0, 1500), ("cost", 1, 700), ("note", 0, 10)]
CASES = [(bad, *PLACES[i % len(PLACES)]) for i, bad in enumerate(NOT_UTF8)]


@pytest.mark.parametrize("bad, column, file, row", CASES)
def test_a_value_that_is_not_utf8_is_refused_naming_file_column_line_and_bytes(
    root: Path, data: Path, monkeypatch: pytest.MonkeyPatch, bad: bytes, column: str, file: int, row: int
):
    monkeypatch.setattr(readers, "CSV_BLOCK_SIZE", 4096)  # many blocks and batches per file
    monkeypatch.setattr(readers, "BATCH_ROWS", 100)
    parts, line, value = export_with(bad, column, file, row)

    error = loaded_then_refused(root, data, parts)

    assert re.fullmatch(rf"data file bill/2024-01/\w+/part-{file}\.csv(\.gz)?: column '{column}', line {line}: "
                        rf"value {re.escape(repr(value))} is not UTF-8 text; the billing period keeps its previous "
                        r"version: correct the value at its source", error), error


def text_array(values: list[bytes]) -> pa.Array:
    """A string array holding ``values`` as they are, whether UTF-8 or not."""
    raw = pa.array(values, pa.binary())
    return pa.Array.from_buffers(pa.string(), len(raw), raw.buffers())


@pytest.mark.parametrize("readers_read_it", [False, True])
@pytest.mark.parametrize("bad, row", [(b"caf\xe9", 0), (b"\xed\xa0\x80", 999), (b"ab\xc3", 501)])
def test_a_parquet_text_that_is_not_utf8_is_refused_naming_its_row(root: Path, data: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    bad: bytes, row: int, readers_read_it: bool):
    monkeypatch.setattr(readers, "BATCH_ROWS", 100)
    notes = [b"caf\xc3\xa9"] * 1000  # text that is not ASCII first: DuckDB's check stops there
    notes[row] = bad
    table = pa.table({"line_id": [str(i) for i in range(1000)], "note": text_array(notes),
                      # Costs as text are converted by readers; as doubles, DuckDB reads the file itself.
                      "cost": ["1.5"] * 1000 if readers_read_it else [1.5] * 1000})

    error = loaded_then_refused(root, data, [Part("parquet", table)])

    assert re.fullmatch(rf"data file bill/2024-01/\w+/part-0\.parquet: column 'note', row {row + 1}: value "
                        rf"{re.escape(repr(bad))} is not UTF-8 text; .*", error), error


@pytest.mark.parametrize("in_keys", [False, True])
def test_a_parquet_map_holding_text_that_is_not_utf8_is_refused_naming_its_row(root: Path, data: Path,
                                                                               in_keys: bool):
    keys, values = ["team", "env"] * 300, [b"caf\xc3\xa9"] * 600
    if in_keys:
        keys = text_array([k.encode() for k in keys[:-1]] + [b"\xe9quipe"])
    else:
        values[-1] = b"caf\xe9"
    tags = pa.MapArray.from_arrays(pa.array(range(0, 601, 2), pa.int32()), keys, text_array(values))
    table = pa.table({"line_id": [str(i) for i in range(300)], "note": ["x"] * 300, "cost": [1.5] * 300,
                      "tags": tags})

    error = loaded_then_refused(root, data, [Part("parquet", table)], {**COLUMNS, "tags": "json"})

    assert re.fullmatch(r"data file bill/2024-01/\w+/part-0\.parquet: column 'tags', row 300: value .+ is not "
                        r"UTF-8 text; .*", error), error


# Every way UTF-8 goes wrong, and its edges that are right (a BOM, the last code point, noncharacters).
EDGES = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xc2\x80", b"\xdf\xbf", b"\xe0\x80\x80", b"\xe0\xa0\x80",
         b"\xed\x9f\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xee\x80\x80", b"\xef\xbb\xbf", b"\xef\xbf\xbe",
         b"\xf0\x80\x80\x80", b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5",
         b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff", b"\x00", b"\xc3\xa9", b"\r\n", b"\n", b'"', b","]
byte_texts = st.one_of(st.binary(max_size=12), st.lists(st.sampled_from(EDGES), max_size=4).map(b"".join),
                       st.text(max_size=20).map(str.encode))


def utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True



@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    return Store(tmp_path_factory.mktemp("utf8-property"))


@settings(PROPERTY, max_examples=30)
@given(notes=st.lists(byte_texts, min_size=1, max_size=30), kind=st.sampled_from(["csv", "csv.gz", "parquet"]))
def test_any_text_loads_as_written_or_the_period_is_refused_naming_the_first_that_is_not_utf8(store: Store,
                                                                                            notes, kind: str):
    ids = [f"r{i:03d}" for i in range(len(notes))]
    if kind == "parquet":
        part = Part(kind, pa.table({"line_id": ids, "note": text_array(notes), "cost": [1.5] * len(notes)}))
    else:
        # A CSV cannot tell an empty text from a missing one unquoted, so every note is quoted here.
        body = b"line_id,note,cost\n" + b"".join(
            b'%s,"%s",1.5\n' % (i.encode(), n.replace(b'"', b'""')) for i, n in zip(ids, notes, strict=True))
        part = Part(kind, body)

    result = store.load([part], COLUMNS, "line_id, note")

    bad = [i for i, n in enumerate(notes) if not utf8(n)]
    if not bad:
        assert result.status == "loaded", result.error
        assert store.current == [(i, n.decode("utf-8")) for i, n in zip(ids, notes, strict=True)]
    else:
        # The line of a CSV row follows the line breaks in the values before it: pinned above, not here.
        where = rf"row {bad[0] + 1}" if kind == "parquet" else r"line \d+"
        assert result.status == "failed"
        assert re.search(rf"column 'note', {where}: value {re.escape(repr(notes[bad[0]]))} is not UTF-8 text; ",
                         result.error), result.error
