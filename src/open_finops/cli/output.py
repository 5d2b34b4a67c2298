"""Output helpers: JSON for scripts, tables and progress bars for people.

Progress bars are drawn only on a terminal and never with ``--quiet``; data goes to stdout, progress and
warnings to stderr, so ``--json`` output can be piped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output is read by people too (logs, CI): do not squeeze tables into 80 columns there.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class NoProgress:
    """Stands in for rich's Progress when bars are off, so callers need no branches."""

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        return 0

    def update(self, task_id: int, **kwargs: Any) -> None:
        pass

    def advance(self, task_id: int, advance: float = 1) -> None:
        pass

    def remove_task(self, task_id: int) -> None:
        pass


@contextmanager
def progress(quiet: bool, *, transfer: bool = True) -> Iterator[Any]:
    """A rich progress display on stderr, or a no-op one when quiet or not on a terminal."""
    if not show_progress(quiet):
        yield NoProgress()
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    amount = (DownloadColumn(), TransferSpeedColumn()) if transfer else (MofNCompleteColumn(),)
    with Progress(
        TextColumn("{task.description}", markup=False),  # export names come from the bucket
        BarColumn(),
        *amount,
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=False,
    ) as bar:
        yield bar
