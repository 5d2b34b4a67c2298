"""Which version of a period an import loads when several manifests describe it: the newest, whatever
order the store lists them in.

A store in "create new" mode (CUR 2.0 execution folders, CUR v1 assembly folders) keeps every delivery
of a month; a restated month is the newest one. Object stores list keys in their own order (S3 by key,
a local folder in the file system's order), so each case runs with the listing in both orders: a loader
that kept the first manifest it saw would load stale costs in one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from finops_fakes import ACME_PARSER
from test_ingest import TERMS, history, query, rows_of, write_version

from open_finops.api import Destination, ImportOptions, LocalSource, run_import
from open_finops.ingest.sources import ObjectInfo
from open_finops.naming import period_table


class OrderedSource(LocalSource):
    """A LocalSource that lists its objects sorted by key, ascending or descending."""

    def __init__(self, root: Path, descending: bool) -> None:
        super().__init__(root)
        self.descending = descending

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        return iter(sorted(super().list(prefix), key=lambda o: o.key, reverse=self.descending))


def import_ordered(root: Path, data: Path, descending: bool):
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"))
    return run_import(opts, TERMS, OrderedSource(root, descending), [ACME_PARSER])


def month(data: Path) -> tuple[int, Decimal, str]:
    ((count, cost, first),) = query(
        data, f'SELECT count(*), sum(cost), min(line_id) FROM acme."{period_table("bill", "2024-01")}"')
    return count, cost, first


@pytest.mark.parametrize("descending", [False, True], ids=["listed-oldest-first", "listed-newest-first"])
def test_of_several_executions_of_a_period_the_newest_is_loaded_whatever_the_listing_order(
    root: Path, tmp_path: Path, descending: bool
):
    write_version(root, "2024-01", "exec-1", rows_of(8, "1.00"), folder="20240201T000000Z", mtime=1_000_000_000)
    write_version(root, "2024-01", "exec-2", rows_of(5, "3.00", offset=50), folder="20240203T000000Z",
                  mtime=1_100_000_000)
    write_version(root, "2024-01", "exec-3", rows_of(3, "9.10", offset=90), folder="20240205T000000Z",
                  mtime=1_200_000_000)

    summary = import_ordered(root, tmp_path / "data", descending)

    assert [(p.version_id, p.status, p.rows) for p in summary.periods] == [("exec-3", "loaded", 3)]
    assert month(tmp_path / "data") == (3, Decimal("27.30"), "id-00090")


@pytest.mark.parametrize("descending", [False, True], ids=["listed-oldest-first", "listed-newest-first"])
def test_a_new_execution_folder_restates_a_loaded_period_and_the_old_one_is_left_behind(
    root: Path, tmp_path: Path, descending: bool
):
    data = tmp_path / "data"
    write_version(root, "2024-01", "exec-1", rows_of(8, "1.00"), folder="20240201T000000Z", mtime=1_000_000_000)
    import_ordered(root, data, descending)
    write_version(root, "2024-01", "exec-2", rows_of(4, "2.25", offset=40), folder="20240202T000000Z",
                  mtime=1_000_086_400)

    summary = import_ordered(root, data, descending)

    assert [(p.version_id, p.status, p.rows) for p in summary.periods] == [("exec-2", "loaded", 4)]
    assert month(data) == (4, Decimal("9.00"), "id-00040")
    assert history(data, "2024-01") == [("exec-1", "completed", False), ("exec-2", "completed", True)]
    # And the next run, with both folders still there, skips the period.
    assert [p.status for p in import_ordered(root, data, descending).periods] == ["skipped"]


@pytest.mark.parametrize("descending", [False, True], ids=["listed-oldest-first", "listed-newest-first"])
def test_manifests_written_in_the_same_second_are_ordered_by_their_timestamped_folder(
    root: Path, tmp_path: Path, descending: bool
):
    write_version(root, "2024-01", "exec-late", rows_of(2, "5.00"), folder="20240201T000900Z", mtime=1_000_000_000)
    write_version(root, "2024-01", "exec-early", rows_of(6, "1.00"), folder="20240201T000100Z", mtime=1_000_000_000)

    summary = import_ordered(root, tmp_path / "data", descending)

    assert [(p.version_id, p.rows) for p in summary.periods] == [("exec-late", 2)]
    assert month(tmp_path / "data")[:2] == (2, Decimal("10.00"))


@pytest.mark.parametrize("descending", [False, True], ids=["listed-oldest-first", "listed-newest-first"])
def test_the_time_a_manifest_was_written_decides_not_its_folder_name(root: Path, tmp_path: Path, descending: bool):
    """CUR v1 keeps each restatement in a folder named after a random assembly id: names do not sort by time."""
    write_version(root, "2024-01", "assembly-new", rows_of(3, "4.00"), folder="0b7c9e1a", mtime=1_200_000_000)
    write_version(root, "2024-01", "assembly-old", rows_of(7, "1.00"), folder="f3a2d4c5", mtime=1_000_000_000)

    summary = import_ordered(root, tmp_path / "data", descending)

    assert [(p.version_id, p.rows) for p in summary.periods] == [("assembly-new", 3)]
    assert month(tmp_path / "data")[:2] == (3, Decimal("12.00"))
