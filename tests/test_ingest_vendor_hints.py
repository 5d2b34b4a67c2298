"""What a manifest parser can tell the engine beyond files and columns: when the vendor wrote a version
(``written_at``), that a data file is its own manifest (``reads_body=False``), and the types of header
columns a manifest does not declare (``header_types``). A second vendor (Azure) needs all three."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

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

TERMS = VendorTerms("hint")
RUN_PARSER = ManifestParser(name="hint-run", vendor="hint", format_version="run", description="test",
                            key_pattern=r"run\.json$", parse="test_ingest_vendor_hints:parse_run")
FILE_PARSER = ManifestParser(name="hint-file", vendor="hint", format_version="file", description="test",
                             key_pattern=r"/bill_[0-9]+\.csv$", parse="test_ingest_vendor_hints:parse_file",
                             reads_body=False)
HINTS = (Column("Cost", "decimal"), Column("Quantity", "decimal"))


def parse_run(key: str, body: bytes) -> ExportVersion:
    doc = json.loads(body)
    folder = key.rsplit("/", 1)[0]
    return ExportVersion(vendor="hint", export_name="bill", billing_period="2024-01", version_id=doc["run"],
                         format_version="run", manifest_key=key, written_at=doc["written_at"],
                         data_files=tuple(DataFile(f"{folder}/{f}", "csv") for f in doc["files"]),
                         export_root="bill/", header_types=HINTS)


def parse_file(key: str, body: bytes) -> ExportVersion:
    assert body == b"", "a parser that reads no body is handed none"
    return ExportVersion(vendor="hint", export_name="bill", billing_period="2024-01",
                         version_id=key.rsplit("_", 1)[1], format_version="file", manifest_key=key,
                         data_files=(DataFile(key, "csv"),), export_root="bill/", header_types=HINTS)


class CountingSource(LocalSource):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: list[str] = []

    def read(self, key: str) -> bytes:
        self.reads.append(key)
        return super().read(key)


def write_run(root: Path, run: str, written_at: float, cost: str, mtime: float) -> None:
    folder = root / "bill" / run
    folder.mkdir(parents=True)
    (folder / "part_0.csv").write_text(f"Name,Cost,Quantity\nvm,{cost},2\n")
    manifest = folder / "run.json"
    manifest.write_text(json.dumps({"run": run, "written_at": written_at, "files": ["part_0.csv"]}))
    os.utime(manifest, (mtime, mtime))


def load(root: Path, data: Path, parser: ManifestParser, source=None):
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "hint"))
    return run_import(opts, TERMS, source or LocalSource(root), [parser])


def loaded(data: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(data / "finops.duckdb"), read_only=True)
    try:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = 'hint' AND table_name = 'bill_2024_01'").fetchall())
        rows = con.execute('SELECT name, cost, quantity FROM hint."bill_2024_01"').fetchall()
    finally:
        con.close()
    return [types["name"], types["cost"], types["quantity"], *rows]


def test_the_version_the_manifest_says_is_newest_wins_over_the_newer_file(root: Path, data: Path):
    # A copy gave the older run the newer modification time; the manifest's own time decides.
    write_run(root, "run-new", written_at=2_000, cost="7.50", mtime=1_000)
    write_run(root, "run-old", written_at=1_000, cost="1.25", mtime=2_000)

    summary = load(root, data, RUN_PARSER)

    assert [(p.version_id, p.status) for p in summary.periods] == [("run-new", "loaded")]
    assert summary.periods[0].superseded == ["bill/run-old/run.json"]


def test_header_types_type_the_columns_a_manifest_does_not_declare(root: Path, data: Path):
    from decimal import Decimal

    write_run(root, "run-1", written_at=1, cost="0.000000000000000001", mtime=1)

    load(root, data, RUN_PARSER)

    assert loaded(data) == ["VARCHAR", "DECIMAL(38,18)", "DECIMAL(38,18)",
                            ("vm", Decimal("0.000000000000000001"), Decimal(2))]


def test_a_header_typed_money_column_refuses_what_is_not_a_number(root: Path, data: Path):
    write_run(root, "run-1", written_at=1, cost="12,5", mtime=1)
    (root / "bill" / "run-1" / "part_0.csv").write_text('Name,Cost,Quantity\nvm,"12,5",2\n')

    summary = load(root, data, RUN_PARSER)

    assert summary.periods[0].status == "failed"
    assert "column 'Cost'" in summary.periods[0].error and "'12,5'" in summary.periods[0].error


def test_a_parser_that_needs_only_the_key_reads_no_object_to_list(root: Path, data: Path):
    folder = root / "bill" / "20240101-20240131"
    folder.mkdir(parents=True)
    for n, cost in ((1, "3.00"), (2, "4.00")):
        path = folder / f"bill_{n}.csv"
        path.write_text(f"Name,Cost,Quantity\nvm,{cost},1\n")
        os.utime(path, (1_000 * n, 1_000 * n))
    source = CountingSource(root)

    summary = load(root, data, FILE_PARSER, source)

    assert source.reads == []
    assert [(p.version_id, p.status) for p in summary.periods] == [("2.csv", "loaded")]
    assert loaded(data)[3][1] == pytest.approx(4)
    again = CountingSource(root)
    assert [p.status for p in load(root, data, FILE_PARSER, again).periods] == ["skipped"]
    assert again.reads == []

