"""Billing periods: the one home of the ``YYYY-MM`` check and of the ``--start-date``/``--end-date`` range.

Library code calls :func:`check_period` (a ``ValueError`` for data that is wrong); command-line code calls
:func:`month` and :func:`month_range`, which raise :class:`~open_finops.errors.UsageError` naming the flag.
"""

from __future__ import annotations

import re

from open_finops.errors import UsageError

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_period(period: str) -> str:
    """Return ``period`` if it is ``YYYY-MM``; raise ValueError otherwise."""
    if not isinstance(period, str) or not PERIOD_PATTERN.fullmatch(period):
        raise ValueError(f"billing period {period!r} is not of the form YYYY-MM")
    return period


def month(value: str | None, flag: str) -> str | None:
    """A month given on the command line or in config; None (or empty) means not given."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not PERIOD_PATTERN.fullmatch(text):
        raise UsageError(f"{flag} {value!r} is not a month; use YYYY-MM, e.g. 2024-01")
    return text


def month_range(start: str | None, end: str | None, *, start_flag: str = "--start-date",
                end_flag: str = "--end-date") -> tuple[str | None, str | None]:
    """Both ends checked, and in order."""
    first, last = month(start, start_flag), month(end, end_flag)
    if first and last and first > last:
        raise UsageError(f"{start_flag} {first} is after {end_flag} {last}; swap them")
    return first, last


def months_from(start: str, count: int) -> list[str]:
    """``count`` consecutive billing periods from ``start``: ``months_from("2024-11", 3)`` ->
    ``["2024-11", "2024-12", "2025-01"]``."""
    year, month_number = (int(part) for part in check_period(start).split("-"))
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month_number:02d}")
        year, month_number = (year + 1, 1) if month_number == 12 else (year, month_number + 1)
    return periods


def in_range(period: str, start: str | None, end: str | None) -> bool:
    return (start is None or period >= start) and (end is None or period <= end)
