"""A full disk, for real: the data directory on a small tmpfs mounted by the test (we need root, or the
right to mount, for that; the tests are skipped only when mounting is refused, and say so). The import
stops with one error line naming the file it could not write, dlt's logs and tracebacks never reach the
user, and the months already loaded stay exact. Then, on an ordinary disk, the peak disk use of an
import is measured against issue 13's budget: scratch copies are deleted as soon as they are read, and
what DuckDB spills while it stages the month stays within the month's size."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from open_finops_aws.sample import generate_sample, upload
from subproc import WAIT, finops_process

from open_finops.naming import period_table

TOLERANCE = Decimal("0.000001")


@pytest.fixture
def small_disk(tmp_path: Path):
    """A tmpfs of a given size at tmp_path/disk; ``resize(mb)`` grows it, as freeing space would."""
    where = tmp_path / "disk"
    where.mkdir()

    def mount(mb: int, *, remount: bool = False) -> Path:
        options = f"{'remount,' if remount else ''}size={mb}m"
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"a small filesystem is needed to fill a disk safely, and mount was refused: "
                        f"{done.stderr.strip() or done.returncode}")
        return where

    mount.resize = lambda mb: mount(mb, remount=True)  # type: ignore[attr-defined]
    yield mount
    subprocess.run(["umount", str(where)], capture_output=True)


def totals(query, data: Path, period: str) -> tuple[int, Decimal]:
    table = period_table("cur", period)
    ((rows, cost),) = query(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{table}"', data)
    return rows, cost


def assert_exact(query, data: Path, sample, period: str) -> None:
    rows, cost = totals(query, data, period)
    expected = sample.periods[period]
    assert rows == expected.rows and abs(cost - expected.unblended_cost) <= TOLERANCE


@pytest.mark.parametrize("source", ["from-dir", "s3"])
def test_a_full_disk_is_one_line_and_the_month_already_loaded_stays_exact(
        source: str, small_disk, tmp_path: Path, finops, query, s3, bucket: str, s3_endpoint: str):
    january = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name="cur",
                              periods=("2024-01",), rows_per_period=1_000, files_per_period=1)
    # February is far larger than the disk: with S3, its one file cannot even be downloaded.
    february = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name="cur",
                               periods=("2024-02",), rows_per_period=120_000, files_per_period=1, seed=2)
    upload(january.root, bucket, s3)
    data = small_disk(12) / "data"
    where = (["--from-dir", january.root] if source == "from-dir"
             else ["-b", bucket, "--endpoint-url", s3_endpoint])
    args = ["aws", "import-cur", *where, "-p", "cur", "--data-dir", data]

    assert finops(*args, "-e", "2024-01", "--quiet").code == 0
    assert_exact(query, data, january, "2024-01")

    full = finops(*args, "--quiet")

    assert full.code == 1
    assert full.out == ""
    assert len(full.err.splitlines()) == 1, full.err[:3000]
    assert full.err.startswith(f"Error: no space left on device writing {data}/")
    assert full.err.rstrip().endswith("free space on that disk (or use a data directory on a larger one) and run "
                                      "again")
    assert_exact(query, data, january, "2024-01")

    small_disk.resize(400)  # space freed: the same command loads February
    again = finops(*args, "--json")
    assert again.code == 0, again.err
    assert [p["status"] for p in again.json()["periods"]] == ["skipped", "loaded"]
    assert_exact(query, data, january, "2024-01")
    assert_exact(query, data, february, "2024-02")


class DiskWatch:
    """The largest size (allocated blocks) of a folder and of its parts, sampled while a process runs."""

    def __init__(self, root: Path, parts: tuple[str, ...] = (".dlt", ".tmp")) -> None:
        self.root, self.parts = root, parts
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def size(path: Path) -> int:
        total = 0
        for folder, _dirs, files in os.walk(path):
            for name in files:
                with contextlib.suppress(FileNotFoundError):  # deleted while we walk
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            sample = {part: self.size(self.root / part) for part in self.parts}
            sample["total"] = self.size(self.root)
            for key, value in sample.items():
                self.peak[key] = max(self.peak.get(key, 0), value)
            time.sleep(0.005)

    def __enter__(self) -> DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def test_peak_disk_use_of_an_s3_import_stays_near_the_size_of_the_database_it_leaves(
        tmp_path: Path, query, s3, bucket: str, s3_endpoint: str):
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name="cur",
                             periods=("2024-01",), rows_per_period=200_000, files_per_period=4)
    data = tmp_path / "data"
    upload(sample.root, bucket, s3)
    where = ["-b", bucket, "--endpoint-url", s3_endpoint]
    sizes = [p.stat().st_size for p in sample.root.rglob("*.csv.gz")]
    largest_file = max(sizes)

    with DiskWatch(data) as watch:
        process = finops_process("aws", "import-cur", *where, "-p", "cur", "--data-dir", data, "--quiet")
        _, err = process.communicate(timeout=WAIT * 5)
    assert process.returncode == 0, err

    database = (data / "finops.duckdb").stat().st_blocks * 512
    assert_exact(query, data, sample, "2024-01")
    # Scratch copies: at most one per reading thread (2) at a time, each deleted once read.
    assert 0 < watch.peak[".tmp"] <= 2 * largest_file + 1_000_000, (watch.peak, largest_file)
    # The budget: scratch (the peak beyond what the import leaves) within the compressed files being loaded
    # plus one period in the database. DuckDB's two inserting threads spill part of their row groups to
    # finops.duckdb.tmp; measured: 23-27 MB of a 45 MB budget here (60 MB with a 192MB memory limit).
    scratch = watch.peak["total"] - DiskWatch.size(data)
    assert scratch <= sum(sizes) + database, (watch.peak, scratch, sum(sizes), database)
    assert not (data / ".tmp").exists() or not any((data / ".tmp").iterdir())
