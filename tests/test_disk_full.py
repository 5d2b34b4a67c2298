"""A full disk, however it surfaces (our OSError, DuckDB's IO error text, dlt's wrapped step error), is one
error line naming the file that could not be written. The real thing, on a small tmpfs, is tested end to
end in plugins/aws/tests/test_disk.py."""

from __future__ import annotations

import errno
import os

import pytest

from open_finops.errors import DiskFullError, disk_full

ADVICE = "; free space on that disk (or use a data directory on a larger one) and run again"


class StepFailed(Exception):
    """Like dlt's PipelineStepFailed: the cause is in ``.exception``."""

    def __init__(self, exception: BaseException) -> None:
        super().__init__("Pipeline execution failed at stage load")
        self.exception = exception


def chained(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("load job failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(("error", "path"), [
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/.dlt/x.parquet"), "/data/.dlt/x.parquet"),
    (OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), "/data/finops.duckdb"), "/data/finops.duckdb"),
    (RuntimeError('TransactionContext Error: Failed to commit: Could not write file "/data/finops.duckdb.wal": '
                  "No space left on device"), "/data/finops.duckdb.wal"),
    (RuntimeError("[Errno 28] No space left on device: '/data/.tmp/abc/part.csv.gz.part'"),
     "/data/.tmp/abc/part.csv.gz.part"),
    (StepFailed(chained(OSError(errno.ENOSPC, "No space left on device", "/data/.dlt/y"))), "/data/.dlt/y"),
    (chained(RuntimeError("IO Error: No space left on device")), None),
])
def test_a_full_disk_becomes_one_line_naming_the_file(error: BaseException, path: str | None) -> None:
    full = disk_full(error)
    assert isinstance(full, DiskFullError) and full.exit_code == 1
    assert full.message == f"no space left on device{f' writing {path}' if path else ''}{ADVICE}"


def test_a_download_that_does_not_name_its_file_is_named_by_the_caller() -> None:
    full = disk_full(OSError(errno.ENOSPC, "No space left on device"), "/data/.tmp/x.part")
    assert full is not None and full.message == f"no space left on device writing /data/.tmp/x.part{ADVICE}"


@pytest.mark.parametrize("error", [OSError(errno.EACCES, "Permission denied", "/x"), RuntimeError("boom"),
                                   chained(ValueError("space: left"))])
def test_other_errors_are_not_a_full_disk(error: BaseException) -> None:
    assert disk_full(error) is None


def test_an_unexpected_full_disk_in_any_command_is_one_line_without_a_traceback(capsys) -> None:
    import typer

    from open_finops.cli.app import run

    app = typer.Typer()

    @app.command()
    def write() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/out/focus.parquet")

    @app.command()
    def other() -> None:
        pass

    assert run(app, ["write"]) == 1
    assert capsys.readouterr().err == f"Error: no space left on device writing /out/focus.parquet{ADVICE}\n"
