"""The load files dlt writes for PostgreSQL are not gzipped: they are read back on the same machine a
moment later, and compressing them was a third of a PostgreSQL import's time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from open_finops import runner

GZIP_MAGIC = b"\x1f\x8b"


@pytest.mark.postgres
def test_postgres_load_files_are_written_uncompressed(tmp_path: Path, postgres_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa

    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    monkeypatch.delenv("DATA_WRITER__DISABLE_COMPRESSION", raising=False)
    data = tmp_path / "data"
    pipeline = runner.new_pipeline("files", runner.destination("postgres", data), "load_files_ds", data)
    rows = pa.table({"line_id": [f"id-{i}" for i in range(1000)], "cost": pa.array([1] * 1000, pa.int64())})

    runner.load_table(pipeline, [rows], "costs", destination_name="postgres")

    written = [p for p in Path(pipeline.working_dir).rglob("*") if p.is_file() and p.name.startswith("costs.")]
    assert written, "dlt kept no load file of the table to look at"
    for path in written:
        assert path.read_bytes()[:2] != GZIP_MAGIC, f"{path.name} is gzipped"
    assert os.environ["DATA_WRITER__DISABLE_COMPRESSION"] == "true"
