"""The report as one self-contained HTML file: the figures as tables, plotly charts, plotly.js inline.

Nothing here computes a figure: it lays out what :mod:`open_finops_report.figures` returned. Every text that
comes from the data is escaped; chart data travels as JSON inside the page (plotly escapes ``</``).
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

# Chart colours: plotly's default qualitative palette, which stays readable when printed in grey.
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

CSS = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --accent: #0b6bcb; }
* { box-sizing: border-box; }
body { font-family: {font}; color: var(--ink); margin: 0; background: #f5f7fa; line-height: 1.4; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 1.7rem; }
header p { margin: 0; color: var(--muted); }
nav { margin: 12px 0 0; font-size: .9rem; }
nav a { color: var(--accent); margin-right: 12px; text-decoration: none; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 18px 0; }
section h2 { margin: 0 0 6px; font-size: 1.25rem; }
section > p.note { color: var(--muted); margin: 0 0 10px; font-size: .9rem; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 14px; }
.card { flex: 1 1 220px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.45rem; font-weight: 600; }
.up { color: #b42318; } .down { color: #067647; }
.projection { font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; margin: 8px 0; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--muted); }
tr.other td { color: var(--muted); }
.chart { width: 100%; min-height: 340px; }
footer { color: var(--muted); font-size: .8rem; margin: 24px 0; }
@media print {
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { border: none; padding: 0; margin: 0 0 12px; break-inside: avoid-page; }
  .chart { break-inside: avoid; }
}
""".replace("{font}", FONT)


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def label(value: Any) -> str:
    """Text from the data for a chart: plotly reads a few HTML tags (<b>, <a href>) in labels; show them as text."""
    return html.escape("" if value is None else str(value), quote=False)


def money(value: Any) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


def signed(value: Any) -> str:
    return "" if value is None else f"{Decimal(value):+,.2f}"


def percent(value: Any) -> str:
    return "" if value is None else f"{value:+.1f}%" if value else "0.0%"


def share(value: Any) -> str:
    return "" if value is None else f"{value:.1f}%"


def plain(value: Any) -> float:
    return float(value) if value is not None else 0.0


class Page:
    """Collects sections and charts; :meth:`html` puts them into one file with plotly.js inline."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.parts: list[str] = []
        self.toc: list[tuple[str, str]] = []
        self.charts = 0

    def section(self, anchor: str, title: str, note: str, body: str) -> None:
        self.toc.append((anchor, title))
        self.parts.append(f'<section id="{anchor}"><h2>{e(title)}</h2><p class="note">{note}</p>{body}</section>')

    def chart(self, name: str, figure: Any) -> str:
        self.charts += 1
        figure.update_layout(
            font={"family": FONT, "size": 12}, margin={"l": 60, "r": 20, "t": 40, "b": 50},
            paper_bgcolor="#fff", plot_bgcolor="#fff", legend={"orientation": "h", "y": -0.2},
            separators=".,", yaxis={"gridcolor": "#e4e7eb", "tickformat": ",.0f"},
        )
        div = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{self.charts}",
                             config={"displaylogo": False, "responsive": True}, default_height="360px")
        return f'<div class="chart" data-chart="{e(name)}">{div}</div>'

    def html(self, title: str, subtitle: str) -> str:
        from plotly.offline import get_plotlyjs

        nav = "".join(f'<a href="#{a}">{e(t)}</a>' for a, t in self.toc)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            # The page may load nothing from anywhere: plotly.js is inline, and so is every chart's data.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
            "font-src data:\">"
            f"<title>{e(title)}</title><style>{CSS}</style>"
            f"<script>{get_plotlyjs()}</script></head><body><main>"
            f"<header><h1>{e(title)}</h1><p>{subtitle}</p><nav>{nav}</nav></header>"
            + "".join(self.parts)
            + "<footer>Made by open-finops (finops report) from the FOCUS table focus.costs. "
            "Every figure is computed in DuckDB; docs/report.md gives the queries.</footer>"
            "</main></body></html>\n"
        )


def table(headers: list[tuple[str, bool]], rows: list[str]) -> str:
    head = "".join(f'<th class="num">{e(h)}</th>' if num else f"<th>{e(h)}</th>" for h, num in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def row(cells: list[tuple[str, bool]], css: str = "", attrs: str = "") -> str:
    tds = "".join(f'<td class="num">{c}</td>' if num else f"<td>{c}</td>" for c, num in cells)
    return f'<tr class="{css}"{attrs}>{tds}</tr>'


def figure_cell(name: str, provider: str | None, value: Any, text: str) -> str:
    """A number the browser test reads back: exact value in data-value, shown rounded."""
    who = "total" if provider is None else provider
    return (f'<span data-figure="{e(name)}" data-provider="{e(who)}" data-value="{e(value)}">'
            f"{e(text)}</span>")


def render(figures: dict[str, Any]) -> str:
    import plotly.graph_objects as go

    currency = figures["currency"]
    page = Page(currency)
    _headline(page, figures, currency)
    _trend(page, figures, currency, go)
    _top(page, go, figures["top_services"], "services", "Top services",
         lambda r: f"{r['service']} ({r['provider']})", "services", currency, figures["totals"])
    _top(page, go, figures["top_sub_accounts"], "sub-accounts", "Top sub-accounts",
         lambda r: f"{r['sub_account_name'] or r['sub_account_id'] or '(no sub-account)'} ({r['provider']})",
         "sub-accounts", currency, figures["totals"])
    total = next(r for r in figures["headline"]["providers"] if r["is_total"])
    _movers(page, figures["top_movers"], currency, go, total)
    _commitments(page, figures["commitments"], currency, go, figures["totals"])
    _tags(page, figures["tags"], currency, go, figures["totals"])
    _current_month(page, figures["current_month"], currency, go)
    span = figures["start"] if figures["start"] == figures["end"] else f"{figures['start']} to {figures['end']}"
    return page.html("Cloud cost report", f"Billing periods {e(span)} &middot; all amounts in {e(currency)}")


def _headline(page: Page, figures: dict[str, Any], currency: str) -> None:
    head = figures["headline"]
    rows = []
    cards = []
    for r in head["providers"]:
        provider = None if r["is_total"] else r["provider"]
        label = "All providers" if provider is None else provider
        change = r["effective_change"]
        css = "" if change is None or change == 0 else ("up" if change > 0 else "down")
        rows.append(row([
            (e(label), False),
            (figure_cell("billed_cost", provider, r["billed_cost"], money(r["billed_cost"])), True),
            (figure_cell("effective_cost", provider, r["effective_cost"], money(r["effective_cost"])), True),
            (money(r["previous_effective_cost"]), True),
            (f'<span class="{css}">{signed(change)}</span>', True),
            (f'<span class="{css}">{percent(r["effective_change_percent"])}</span>', True),
            (signed(r["billed_change"]), True),
        ], "total" if provider is None else ""))
        if provider is None:
            cards = [
                ("Billed cost", money(r["billed_cost"]), percent(r["billed_change_percent"])),
                ("Effective cost", money(r["effective_cost"]), percent(r["effective_change_percent"])),
                (f"Change vs {head['previous_month']}", signed(change), ""),
            ]
    card_html = "".join(
        f'<div class="card"><div class="label">{e(label)} ({e(currency)})</div><div class="value">{e(value)}</div>'
        f'<div class="label">{e(sub + " vs " + head["previous_month"]) if sub else ""}</div></div>'
        for label, value, sub in cards
    )
    complete = "" if head["month_complete"] else " No month of the range is complete yet: this one is partial."
    page.section(
        "headline", f"Headline: {head['month']}",
        f"Billed and effective cost of the last complete month ({e(head['month'])}) by provider, and the change "
        f"against {e(head['previous_month'])}.{complete}",
        f'<div class="cards">{card_html}</div>' + table(
            [("Provider", False), (f"Billed {currency}", True), (f"Effective {currency}", True),
             (f"Effective {head['previous_month']}", True), ("Effective change", True), ("%", True),
             ("Billed change", True)], rows),
    )


def _trend(page: Page, figures: dict[str, Any], currency: str, go: Any) -> None:
    by_provider: dict[str, dict[str, dict[str, float]]] = {}
    for r in figures["trend"]:
        categories = by_provider.setdefault(r["provider"], {})
        categories.setdefault(r["service_category"], {})[r["period"]] = plain(r["effective_cost"])
    periods = [p["period"] for p in figures["periods"]]
    charts = []
    for provider, categories in by_provider.items():
        fig = go.Figure([go.Bar(name=label(cat), x=periods, y=[values.get(p, 0.0) for p in periods])
                         for cat, values in categories.items()])
        fig.update_layout(barmode="stack", title=f"{label(provider)}: effective cost by month ({currency})",
                          xaxis={"type": "category"})
        charts.append(page.chart(f"trend-{provider}", fig))
    rows = [row([(e(p["period"]), False), (money(p["billed_cost"]), True), (money(p["effective_cost"]), True),
                 ("complete" if p["complete"] else "partial", False)]) for p in figures["periods"]]
    rows.append(row([("Total", False), (money(figures["totals"]["billed_cost"]), True),
                     (money(figures["totals"]["effective_cost"]), True), ("", False)], "total"))
    page.section("trend", "Monthly trend",
                 "Effective cost by billing period, stacked by FOCUS ServiceCategory, one chart per provider.",
                 "".join(charts) + table([("Period", False), (f"Billed {currency}", True),
                                          (f"Effective {currency}", True), ("Data", False)], rows))


def _top(page: Page, go: Any, rows_in: list[dict[str, Any]], anchor: str, title: str, name_of: Any, what: str,
         currency: str, totals: dict[str, Any]) -> None:
    shown = [r for r in rows_in if not r["is_other"]]
    fig = go.Figure(go.Bar(x=[plain(r["effective_cost"]) for r in reversed(shown)],
                           y=[label(name_of(r)) for r in reversed(shown)], orientation="h"))
    fig.update_layout(title=f"Effective cost ({currency})", xaxis={"tickformat": ",.0f"},
                      yaxis={"automargin": True, "tickformat": ""}, height=max(300, 34 * len(shown) + 120))
    rows = []
    for r in rows_in:
        name = f"Other ({r['items']} {what})" if r["is_other"] else name_of(r)
        rows.append(row([(e(name), False), (money(r["billed_cost"]), True), (money(r["effective_cost"]), True)],
                        "other" if r["is_other"] else ""))
    rows.append(row([("Total", False), (money(totals["billed_cost"]), True),
                     (money(totals["effective_cost"]), True)], "total"))
    page.section(anchor, title, f"The {what} with the highest effective cost over the whole range; the others in "
                 "one row, so the table adds up to the period's total.",
                 page.chart(anchor, fig) + table([(title.removeprefix("Top ").capitalize(), False),
                                                  (f"Billed {currency}", True),
                                                  (f"Effective {currency}", True)], rows))


def _movers(page: Page, movers: dict[str, Any], currency: str, go: Any, total: dict[str, Any]) -> None:
    rows_in = movers["services"]
    shown = [r for r in rows_in if not r["is_other"]]
    fig = go.Figure(go.Bar(
        x=[plain(r["change"]) for r in reversed(shown)],
        y=[label(f"{r['service']} ({r['provider']})") for r in reversed(shown)], orientation="h",
        marker={"color": ["#b42318" if plain(r["change"]) > 0 else "#067647" for r in reversed(shown)]},
    ))
    fig.update_layout(title=f"Change in effective cost, {movers['previous_month']} to {movers['month']} ({currency})",
                      yaxis={"automargin": True, "tickformat": ""}, xaxis={"tickformat": ",.0f"},
                      height=max(300, 34 * len(shown) + 120))
    rows = []
    for r in rows_in:
        name = f"Other ({r['items']} services)" if r["is_other"] else f"{r['service']} ({r['provider']})"
        rows.append(row([(e(name), False), (money(r["previous_effective_cost"]), True),
                         (money(r["effective_cost"]), True), (signed(r["change"]), True),
                         (percent(r["change_percent"]), True)], "other" if r["is_other"] else ""))
    rows.append(row([("Total", False), (money(total["previous_effective_cost"]), True),
                     (money(total["effective_cost"]), True), (signed(total["effective_change"]), True),
                     (percent(total["effective_change_percent"]), True)], "total"))
    page.section("movers", "Top movers",
                 f"The services whose effective cost changed most from {e(movers['previous_month'])} to "
                 f"{e(movers['month'])}, in amount and percent (no percent when a service is new).",
                 page.chart("movers", fig) + table(
                     [("Service", False), (f"{movers['previous_month']}", True), (f"{movers['month']}", True),
                      ("Change", True), ("%", True)], rows))


def _commitments(page: Page, commitments: dict[str, Any], currency: str, go: Any, totals: dict[str, Any]) -> None:
    providers = commitments["providers"]
    rows = [row([(e(r["provider"]), False), (money(r["covered_list_cost"]), True),
                 (money(r["covered_effective_cost"]), True), (money(r["savings"]), True),
                 (share(r["savings_percent"]), True),
                 (share(r["utilisation_percent"]) if r["utilisation_percent"] is not None else "not in the data",
                  True),
                 (share(r["coverage_percent"]), True)]) for r in providers]
    body = table([("Provider", False), (f"On-demand cost of covered usage ({currency})", True),
                  (f"Effective cost of covered usage ({currency})", True), ("Savings", True), ("Savings %", True),
                  ("Utilisation", True), ("Coverage", True)], rows)
    if any(r["covered_list_cost"] for r in providers):
        fig = go.Figure([
            go.Bar(name="On-demand (list) cost", x=[label(r["provider"]) for r in providers],
                   y=[plain(r["covered_list_cost"]) for r in providers]),
            go.Bar(name="Effective cost", x=[label(r["provider"]) for r in providers],
                   y=[plain(r["covered_effective_cost"]) for r in providers]),
            go.Bar(name="Unused commitment", x=[label(r["provider"]) for r in providers],
                   y=[plain(r["unused_commitment_cost"]) for r in providers]),
        ])
        fig.update_layout(barmode="group", title=f"Usage covered by commitment discounts ({currency})")
        body = page.chart("commitments", fig) + body
    else:
        body = "<p>No usage in this range was covered by a commitment discount.</p>" + body
    class_rows = [row([(e(r["provider"]), False), (e(r["class"]), False), (f"{r['rows']:,}", True),
                       (money(r["billed_cost"]), True), (money(r["effective_cost"]), True)])
                  for r in commitments["rows"]]
    class_rows.append(row([("Total", False), ("", False), (f"{totals['rows']:,}", True),
                           (money(totals["billed_cost"]), True), (money(totals["effective_cost"]), True)], "total"))
    body += table([("Provider", False), ("Charges", False), ("Rows", True), (f"Billed {currency}", True),
                   (f"Effective {currency}", True)], class_rows)
    page.section("commitments", "Commitment discounts",
                 "Savings: on-demand (ListCost) against effective cost of the usage a commitment covered. "
                 "Utilisation: effective cost of used commitment against used plus unused, where the data marks "
                 "CommitmentDiscountStatus. Coverage: covered usage against all usage of the services that had "
                 "any commitment discount, at on-demand prices.", body)


def _tags(page: Page, tags: list[dict[str, Any]], currency: str, go: Any, totals: dict[str, Any]) -> None:
    if not tags:
        page.section("tags", "Tag coverage", "No tag keys chosen: pass --tag-key KEY (repeatable) or set "
                     "<code>tag_keys</code> in the <code>[report]</code> section of config.toml.", "")
        return
    fig = go.Figure(go.Bar(x=[label(t["key"]) for t in tags], y=[plain(t["untagged_percent"]) for t in tags]))
    fig.update_layout(title="Share of effective cost without the tag (%)",
                      yaxis={"range": [0, 100], "tickformat": ".0f"}, xaxis={"type": "category"})
    body = page.chart("tags", fig)
    for t in tags:
        rows = []
        for r in t["values"]:
            name = ("(no tag)" if r["is_untagged"] else f"Other ({r['items']} values)" if r["is_other"]
                    else r["value"])
            rows.append(row([(e(name), False), (money(r["billed_cost"]), True), (money(r["effective_cost"]), True)],
                            "other" if r["is_other"] or r["is_untagged"] else ""))
        rows.append(row([("Total", False), (money(totals["billed_cost"]), True),
                         (money(totals["effective_cost"]), True)], "total"))
        body += (f"<h3>{e(t['key'])}: {share(t['untagged_percent'])} of effective cost untagged</h3>"
                 + table([("Value", False), (f"Billed {currency}", True), (f"Effective {currency}", True)], rows))
    page.section("tags", "Tag coverage", "The share of cost that carries no value for each tag key, and cost by "
                 "tag value.", body)


def _current_month(page: Page, current: dict[str, Any], currency: str, go: Any) -> None:
    days = current["days"]
    projection = current["projection"]
    x = [d["day"].isoformat() for d in days]
    fig = go.Figure(go.Bar(name="Daily effective cost", x=x, y=[plain(d["effective_cost"]) for d in days]))
    fig.update_layout(title=f"{current['month']}: effective cost by day ({currency})", xaxis={"type": "date"})
    complete = projection["complete"]
    if complete:
        note = f"{e(current['month'])} is complete: its total is actual, no projection needed."
    else:
        note = (f"{e(current['month'])} is not complete ({projection['days_with_data']} of "
                f"{projection['days_in_period']} days have data). The month-end figure is a <b>projection</b>: "
                "cost so far divided by the days with data, times the days in the month.")
    so_far = figure_cell("month_to_date", None, projection["effective_cost"], money(projection["effective_cost"]))
    cards = (
        f'<div class="cards"><div class="card"><div class="label">Effective cost so far ({e(currency)})</div>'
        f'<div class="value">{so_far}</div></div>'
        f'<div class="card projection"><div class="label">Projected month-end effective cost ({e(currency)}), '
        f'projection</div><div class="value">{money(projection["projected_effective_cost"])}</div></div>'
        f'<div class="card projection"><div class="label">Projected month-end billed cost ({e(currency)}), '
        f'projection</div><div class="value">{money(projection["projected_billed_cost"])}</div></div></div>'
    )
    rows = [row([(e(d["day"].isoformat()), False), (money(d["billed_cost"]), True),
                 (money(d["effective_cost"]), True)]) for d in days]
    rows.append(row([("Total", False), (money(projection["billed_cost"]), True),
                     (money(projection["effective_cost"]), True)], "total"))
    page.section("current", f"Current month: {current['month']}",
                 f"Daily cost of the last billing period in the range. {note}",
                 cards + page.chart("current-month", fig)
                 + table([("Day (UTC)", False), (f"Billed {currency}", True), (f"Effective {currency}", True)], rows))
