"""Output helpers: JSON for scripts, tables and progress bars for people.

Progress bars are drawn only on a terminal and never with ``--quiet``; data goes to stdout, progress and
warnings to stderr, so ``--json`` output can be piped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def plain_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table as plain text: a title, the headers over a rule, each row's cells in padded columns.

    A cell may hold several lines; its row then takes that many lines, and rows are set apart by a blank
    line. Control characters (a plugin's text could carry terminal escape sequences) are shown as ``?``.
    ``plugins list`` prints with this rather than rich, whose import alone took a fifth of its start-up.
    """
    cells = [[_printable(cell).split("\n") for cell in row] for row in rows]
    widths = [max([len(header), *(len(line) for row in cells for line in row[i])])
              for i, header in enumerate(headers)]

    def line(parts: Sequence[str]) -> str:
        return "  ".join(part.ljust(width) for part, width in zip(parts, widths, strict=True)).rstrip()

    out = [title, "", line(headers), line(["-" * width for width in widths])]
    for n, row in enumerate(cells):
        height = max(len(cell) for cell in row)
        if n and any(len(cell) > 1 for other in cells for cell in other):
            out.append("")  # rows of several lines would otherwise run into each other
        out += [line([cell[i] if i < len(cell) else "" for cell in row]) for i in range(height)]
    return "\n".join(out) + "\n"


def _printable(text: str) -> str:
    return "".join(c if c == "\n" or (c.isprintable() and c != "\x7f") else "?" for c in text)


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
