"""The report in a real browser: headless Chromium opens the file with networking off, every chart draws,
nothing is logged as an error, the headline in the page is ``focus summary``'s, and it prints.

The screenshot goes to the test's folder, and to ``$FINOPS_REPORT_SCREENSHOT`` when that is set (docs/report.md's
picture is made that way: ``FINOPS_REPORT_SCREENSHOT=docs/report.png pytest plugins/report/tests -k browser``).
"""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import summary_totals
from report_browser import offline_page, open_file

CHARTS = """JSON.stringify([...document.querySelectorAll('[data-chart]')].map(c => {
  const plot = c.querySelector('.js-plotly-plot');
  const svg = plot ? plot.querySelector('svg.main-svg') : null;
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = plot ? [...plot.querySelectorAll('g.point path')]
      .filter(p => { const b = p.getBBox(); return b.width > 0 && b.height > 0; }).length : 0;
  return {name: c.dataset.chart, svg: !!svg, width: box.width, height: box.height, marks};
}))"""
FIGURES = """JSON.stringify([...document.querySelectorAll('[data-figure]')].map(x => ({
  figure: x.dataset.figure, provider: x.dataset.provider, value: x.dataset.value, text: x.textContent})))"""
# Plotly draws when the page loads; give a loaded machine a moment before concluding a chart is missing.
WAIT_FOR_CHARTS = "new Promise(done => { const t0 = Date.now(); (function check() { " \
    "const n = document.querySelectorAll('[data-chart] svg.main-svg').length; " \
    "if (n === document.querySelectorAll('[data-chart]').length || Date.now() - t0 > 30000) done(n); " \
    "else setTimeout(check, 100); })(); })"


@pytest.fixture(scope="module")
def report_page(focus_data: Path, tmp_path_factory):
    from conftest import run_finops

    folder = tmp_path_factory.mktemp("browser")
    ran = run_finops("report", "--out", "report.html", "--data-dir", str(focus_data), "--tag-key", "team",
                     "--tag-key", "env", cwd=folder)
    assert ran.code == 0, ran.stderr
    summary = run_finops("focus", "summary", "--data-dir", str(focus_data), "--json", cwd=folder).json()
    with offline_page(folder / "profile") as page:
        open_file(page, folder / "report.html")
        page.evaluate(WAIT_FOR_CHARTS)
        yield {"page": page, "folder": folder, "summary": summary}


def test_every_chart_renders_offline_without_errors(report_page) -> None:
    page = report_page["page"]
    charts = json.loads(page.evaluate(CHARTS))
    names = [c["name"] for c in charts]
    assert names == ["trend-AWS", "trend-Microsoft", "services", "sub-accounts", "movers", "commitments", "tags",
                     "current-month"]
    for chart in charts:
        assert chart["svg"] and chart["width"] > 300 and chart["height"] > 200, chart
        assert chart["marks"] > 0, chart  # bars were drawn, not only axes
    assert {c["name"]: c["marks"] for c in charts}["current-month"] == 10  # one bar per day with data
    assert page.errors() == []
    assert page.requested() == [(report_page["folder"] / "report.html").resolve().as_uri()]


def test_the_headline_in_the_page_is_focus_summary_s(report_page) -> None:
    page, summary = report_page["page"], report_page["summary"]
    shown = json.loads(page.evaluate(FIGURES))
    headline = {(f["figure"], f["provider"]): f for f in shown}
    billed, effective = summary_totals(summary, periods={"2024-03"})
    assert Decimal(headline["billed_cost", "total"]["value"]) == billed
    assert Decimal(headline["effective_cost", "total"]["value"]) == effective
    assert headline["billed_cost", "total"]["text"] == f"{billed:,.2f}"
    assert headline["effective_cost", "total"]["text"] == f"{effective:,.2f}"
    providers = {f["provider"] for f in shown if f["figure"] == "billed_cost"} - {"total"}
    assert providers == {"AWS", "Microsoft"}
    assert sum(Decimal(headline["billed_cost", p]["value"]) for p in providers) == billed
    so_far = summary_totals(summary, periods={"2024-04"})[1]
    assert Decimal(headline["month_to_date", "total"]["value"]) == so_far
    assert "projection" in page.evaluate("document.querySelector('#current').innerText")


def test_screenshot_and_print(report_page) -> None:
    page, folder = report_page["page"], report_page["folder"]
    shot = folder / "report.png"
    page.screenshot(shot, width=1280)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    if os.environ.get("FINOPS_REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["FINOPS_REPORT_SCREENSHOT"])
    pdf = page.pdf()
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") >= 3  # several pages, charts included
    assert page.errors() == []


def test_chart_labels_show_text_from_the_data_as_text(report_page) -> None:
    """Plotly reads <b> or <a href> in labels as markup; a sub-account named 'Subscription <B>' stays that."""
    page = report_page["page"]
    labels = page.evaluate("[...document.querySelectorAll('[data-chart=\"sub-accounts\"] .ytick text')]"
                           ".map(t => t.textContent)")
    assert "Subscription <B> (Microsoft)" in labels
    assert page.evaluate("document.querySelectorAll('[data-chart] a').length") == 0
