"""A gzip data file loads exactly the text it holds, or is refused naming the file; never part of it.

ISA-L (the ``isal`` package) inflates it for ``readers`` and checks each member's CRC and length, so a file
cut short, damaged, or not gzip at all is refused with one line that says which of the three it is, and
the billing period keeps its previous version. A file of several members (what ``cat a.gz b.gz`` makes)
is one text, as ``gzip -d`` reads it.
"""

from __future__ import annotations

import gzip
import re
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_exact_money import COLUMNS, Part, csv_text, loaded_then_refused

from open_finops.errors import SourceError
from open_finops.ingest import readers

ROWS = [[f"id-{i:05d}", "a note, quoted" if i % 7 == 0 else f"n{i}", f"{i}.{i % 100:02d}"] for i in range(5000)]
BODY = csv_text(list(COLUMNS), ROWS).encode()
GZ = gzip.compress(BODY, mtime=0)
PLAN = readers.ColumnPlan(tuple(COLUMNS), tuple(COLUMNS), (pa.string(), pa.string(), readers.DECIMAL), "2024-01",
                          strict=True)

TRUNCATED = "is a truncated gzip file; the export may still be being written or the copy is incomplete: fetch it again"
NOT_GZIP = r"is not valid gzip \(.+\); fetch it again"


def read(path: Path) -> list[tuple]:
    """The rows ``readers`` make of a gzip CSV at ``path``, as (line_id, note, cost)."""
    batches = list(readers.iter_csv(path, "bill/part-0.csv.gz", "gzip", PLAN, str, block_size=4096))
    columns = pa.Table.from_batches(batches).select(list(COLUMNS)).to_pydict().values()
    return list(zip(*columns, strict=True))


EXPECTED = [(i, n, Decimal(c)) for i, n, c in ROWS]


def refusal(path: Path) -> str:
    with pytest.raises(SourceError) as caught:
        read(path)
    return str(caught.value)


def written(tmp_path: Path, body: bytes) -> Path:
    path = tmp_path / "part-0.csv.gz"
    path.write_bytes(body)
    return path


def members(body: bytes, cuts: list[int]) -> bytes:
    """``body`` as consecutive gzip members, split at the offsets ``cuts``."""
    edges = [0, *sorted(cuts), len(body)]
    return b"".join(gzip.compress(body[a:b], mtime=0) for a, b in zip(edges, edges[1:], strict=False))


def with_header_fields(body: bytes) -> bytes:
    """One gzip member whose header carries every optional field: extra, name, comment and header CRC."""
    flags = 0x04 | 0x08 | 0x10 | 0x02
    header = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 1_700_000_000) + b"\x00\x03"
    header += struct.pack("<H", 6) + b"AB\x02\x00hi" + b"part-0.csv\x00" + b"written by a test\x00"
    header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    return header + deflate.compress(body) + deflate.flush() + struct.pack("<II", zlib.crc32(body), len(body))


# -- what loads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    pytest.param(members(BODY, [1]), id="two members, the first of one byte"),
    pytest.param(members(BODY, [BODY.index(b"a note") + 3]), id="a member ending inside a quoted value"),
    pytest.param(members(BODY, list(range(4096, len(BODY), 4096))), id="a member a CSV block"),
    pytest.param(members(BODY, [0, 0, len(BODY)]), id="empty members"),
    pytest.param(gzip.compress(BODY, compresslevel=0), id="stored, not compressed"),
    pytest.param(gzip.compress(BODY, compresslevel=1), id="fastest level"),
    pytest.param(with_header_fields(BODY), id="header with extra, name, comment and CRC"),
    pytest.param(GZ + b"\x00" * 512, id="zero padding after the member, as tape and some copies leave"),
])
def test_every_form_of_gzip_a_writer_makes_loads_the_same_rows(tmp_path: Path, body: bytes):
    assert read(written(tmp_path, body)) == EXPECTED


# -- what is refused, by class ------------------------------------------------------------------------

@pytest.mark.parametrize("length", [3, 10, 11, 100, len(GZ) // 3, len(GZ) // 2, len(GZ) - 8, len(GZ) - 1])
def test_a_gzip_file_cut_short_anywhere_is_refused_as_truncated(tmp_path: Path, length: int):
    error = refusal(written(tmp_path, GZ[:length]))

    assert error == f"data file bill/part-0.csv.gz {TRUNCATED}"


def test_an_empty_gzip_file_is_refused_as_empty(tmp_path: Path):
    assert refusal(written(tmp_path, b"")) == (
        "data file bill/part-0.csv.gz is empty; the export may be incomplete: fetch it again")


def test_a_file_of_two_members_cut_inside_the_second_is_refused_as_truncated(tmp_path: Path):
    body = members(BODY, [len(BODY) // 2])

    assert refusal(written(tmp_path, body[:-20])) == f"data file bill/part-0.csv.gz {TRUNCATED}"


@pytest.mark.parametrize("body", [
    pytest.param(BODY, id="plain CSV"),
    pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + GZ[10:], id="zip"),
    pytest.param(b"BZh91AY&SY" + GZ[10:], id="bzip2"),
    pytest.param(b"\x28\xb5\x2f\xfd" + GZ[4:], id="zstd"),
    pytest.param(b"\x1f\x8b\x07" + GZ[3:], id="gzip magic, unknown method"),
    pytest.param(zlib.compress(BODY), id="zlib stream without the gzip header"),
])
def test_a_file_that_is_not_gzip_is_refused_as_not_gzip(tmp_path: Path, body: bytes):
    assert re.fullmatch(rf"data file bill/part-0\.csv\.gz {NOT_GZIP}", refusal(written(tmp_path, body)))


@pytest.mark.parametrize("offset", [-8, -7, -5, -4, -1])
def test_a_damaged_crc_or_length_is_refused_as_not_gzip(tmp_path: Path, offset: int):
    damaged = bytearray(GZ)
    damaged[offset] ^= 0x01

    assert re.fullmatch(rf"data file bill/part-0\.csv\.gz {NOT_GZIP}", refusal(written(tmp_path, bytes(damaged))))


@pytest.mark.parametrize("at", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("change", [0x01, 0x80, 0xFF])
def test_a_damaged_byte_in_the_compressed_data_is_refused_as_not_gzip(tmp_path: Path, at: float, change: int):
    damaged = bytearray(GZ)
    damaged[int(len(GZ) * at)] ^= change

    assert re.fullmatch(rf"data file bill/part-0\.csv\.gz {NOT_GZIP}", refusal(written(tmp_path, bytes(damaged))))


@pytest.mark.parametrize("tail", [b"x" * 40, b"\x1f\x8b\x08\x00" + b"\xff" * 40, b"garbage after the data\n" * 3])
def test_bytes_after_the_last_member_that_are_not_a_member_are_refused(tmp_path: Path, tail: bytes):
    assert re.fullmatch(rf"data file bill/part-0\.csv\.gz ({NOT_GZIP}|{TRUNCATED})",
                        refusal(written(tmp_path, GZ + tail)))


# -- the same, through an import: the period keeps its previous version -----------------------------

@pytest.mark.parametrize("damage, expected", [
    (lambda gz: gz[: len(gz) // 2], TRUNCATED),
    (lambda gz: gz[:-4] + bytes([gz[-4] ^ 1]) + gz[-3:], NOT_GZIP),
    (lambda gz: BODY, NOT_GZIP),
], ids=["truncated", "wrong length", "not gzip"])
def test_a_gzip_file_refused_fails_its_period_which_keeps_its_previous_version(root: Path, data: Path, damage,
                                                                                expected: str):
    error = loaded_then_refused(root, data, [Part("csv.gz", BODY), Part("csv.gz", damage(GZ), gzipped=True)])

    assert re.fullmatch(rf"data file bill/2024-01/\w+/part-1\.csv\.gz {expected}", error), error


# -- properties -----------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, len(BODY)), max_size=6))
def test_any_split_into_members_loads_the_same_rows(tmp_path_factory, cuts: list[int]):
    assert read(written(tmp_path_factory.mktemp("gz"), members(BODY, cuts))) == EXPECTED


@settings(max_examples=120, deadline=None)
@given(position=st.integers(0, len(GZ) - 1), change=st.integers(1, 255), cut=st.booleans())
def test_any_one_damaged_byte_or_cut_loads_the_same_rows_or_is_refused_naming_the_file(
        tmp_path_factory, position: int, change: int, cut: bool):
    damaged = GZ[:position] if cut else GZ[:position] + bytes([GZ[position] ^ change]) + GZ[position + 1:]
    path = written(tmp_path_factory.mktemp("gz"), damaged)
    try:
        rows = read(path)
    except SourceError as exc:
        assert str(exc).startswith("data file bill/part-0.csv.gz "), exc
    else:  # a byte of the header that says nothing about the data: its flags' text hint, its time, its level
        # hint, its system
        assert not cut and position in range(3, 10)
        assert rows == EXPECTED
