"""Helpers shared by the Azure plugin's tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
from open_finops_azure import plugin
from open_finops_azure.settings import DEFAULT_DATASET, TERMS

from open_finops.api import Destination, ImportOptions, LocalSource, run_import

PARSERS = plugin.register_manifest_parsers()


class CountingSource(LocalSource):
    """A local copy that counts what is read: manifests (read) and data files (local_copy)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: list[str] = []
        self.copies: list[str] = []

    def read(self, key: str) -> bytes:
        self.reads.append(key)
        return super().read(key)

    def local_copy(self, key, scratch, on_bytes=None):
        self.copies.append(key)
        return super().local_copy(key, scratch, on_bytes)


def import_dir(source, data: Path, **options):
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", DEFAULT_DATASET), prefix="exports",
                         **options)
    return run_import(opts, TERMS, source, PARSERS)


def query(data: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data / "finops.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def sums(data: Path, table: str, column: str) -> tuple[int, Decimal]:
    ((count, total),) = query(data, f'SELECT count(*), sum("{column}") FROM {DEFAULT_DATASET}."{table}"')
    return count, total
