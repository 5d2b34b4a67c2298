"""docs/report.md quotes the report's queries: each one as the code runs it, and its screenshot exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from open_finops_report import figures

DOC = Path(__file__).resolve().parents[3] / "docs" / "report.md"
QUERIES = sorted(name for name in vars(figures) if name.endswith("_SQL") and name not in ("RANGE_SQL",
                                                                                         "TOP_SUB_ACCOUNTS_SQL"))


@pytest.mark.parametrize("name", QUERIES)
def test_the_doc_quotes_each_query_as_it_runs(name: str) -> None:
    assert getattr(figures, name).strip() in DOC.read_text(), f"docs/report.md does not show {name} as it is"


def test_the_doc_shows_the_screenshot_the_browser_test_takes() -> None:
    assert "![The report made from the test data](report.png)" in DOC.read_text()
    assert (DOC.parent / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
