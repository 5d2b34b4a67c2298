"""Billing periods: consecutive months across a year's end, from a checked start."""

from __future__ import annotations

import pytest

from open_finops.periods import months_from


def test_consecutive_months_cross_the_year_end() -> None:
    assert months_from("2024-11", 4) == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert months_from("2024-01", 1) == ["2024-01"]
    assert months_from("1999-12", 13)[-1] == "2000-12"


@pytest.mark.parametrize("start", ["2024-13", "2024-1", "24-01", ""])
def test_a_start_that_is_not_a_month_is_refused(start: str) -> None:
    with pytest.raises(ValueError, match="is not of the form YYYY-MM"):
        months_from(start, 2)
