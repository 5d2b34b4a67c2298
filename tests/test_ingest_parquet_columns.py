"""A Parquet data file must hold exactly the columns its manifest declares: one it lacks or one it adds
fails the period with one line naming the file and the column, and the period keeps its loaded data."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_ingest import COLUMNS, history, import_acme, query, rows_of, write_version

from open_finops.naming import period_table


@pytest.fixture
def parquet_manifests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Manifests that say ``"parquet": true`` list Parquet data files (the fake vendor's parser reads CSV)."""
    import finops_fakes

    parse = finops_fakes.parse_acme_manifest

    def parse_parquet(key: str, body: bytes):
        version = parse(key, body)
        if json.loads(body).get("parquet"):
            files = tuple(dataclasses.replace(f, format="parquet", compression=None) for f in version.data_files)
            version = dataclasses.replace(version, data_files=files)
        return version

    monkeypatch.setattr(finops_fakes, "parse_acme_manifest", parse_parquet)


def write_parquet_version(root: Path, period: str, version: str, tables: list[pa.Table]) -> None:
    folder = root / "bill" / period / version
    folder.mkdir(parents=True)
    keys = []
    for i, table in enumerate(tables):
        keys.append(f"bill/{period}/{version}/part-{i}.parquet")
        pq.write_table(table, root / keys[-1])
    (folder / "acme-Manifest.json").write_text(json.dumps({
        "export": "bill", "period": period, "version": version, "files": keys, "columns": COLUMNS, "parquet": True}))


def part(n: int, **drop_or_add) -> pa.Table:
    columns = {"line_id": [f"p-{i}" for i in range(n)], "account": ["000000000001"] * n,
               "cost": pa.array([Decimal("2.50")] * n, pa.decimal128(10, 2))}
    for name, values in drop_or_add.items():
        if values is None:
            del columns[name]
        else:
            columns[name] = values[:n]
    return pa.table(columns)


@pytest.mark.parametrize(("files", "message"), [
    ([part(3, cost=None)], "column 'cost' declared in the manifest is missing from the file"),
    ([part(3), part(2, account=None)], "column 'account' declared in the manifest is missing from the file"),
    ([part(3, line_id=None), part(2)], "column 'line_id' declared in the manifest is missing from the file"),
    ([part(3), part(2, extra=["x", "y"])], "columns not declared in the manifest: ['extra']"),
    ([part(2, surprise=["x", "y"]), part(3)], "columns not declared in the manifest: ['surprise']"),
], ids=["cost-missing-first-file", "account-missing-last-file", "first-column-missing", "extra-in-last-file",
        "extra-in-first-file"])
def test_a_parquet_file_whose_columns_differ_from_the_manifest_fails_the_period_and_keeps_the_old_data(
    root: Path, tmp_path: Path, parquet_manifests, files, message
):
    data = tmp_path / "data"
    old = write_version(root, "2024-01", "v-a", rows_of(6, "1.00"))
    import_acme(root, data)
    old.unlink()
    write_parquet_version(root, "2024-01", "v-b", files)

    summary = import_acme(root, data)

    assert [p.status for p in summary.periods] == ["failed"]
    error = summary.periods[0].error
    assert error.startswith("data file bill/2024-01/v-b/part-") and message in error and "\n" not in error
    assert query(data, f'SELECT count(*), sum(cost) FROM acme."{period_table("bill", "2024-01")}"') == [
        (6, Decimal("6.00"))]
    assert history(data, "2024-01") == [("v-a", "completed", True), ("v-b", "failed", False)]


def test_a_parquet_version_with_exactly_the_declared_columns_loads_exactly(root: Path, tmp_path: Path,
                                                                            parquet_manifests):
    write_parquet_version(root, "2024-01", "v-b", [part(3), part(2)])

    summary = import_acme(root, tmp_path / "data")

    assert [(p.status, p.rows) for p in summary.periods] == [("loaded", 5)]
    assert query(tmp_path / "data", f'SELECT count(*), sum(cost) FROM acme."{period_table("bill", "2024-01")}"') == [
        (5, Decimal("12.50"))]
