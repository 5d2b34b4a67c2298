"""``finops report --json``: every table adds up to ``finops focus summary`` for the same range, and each
section's figures are what the FOCUS rows say (checked here by recomputing them in plain Python)."""

from __future__ import annotations

import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import DATABASE_FILE, summary_totals, write_focus

TAG_KEYS = ("team", "env", "cost-center")


@pytest.fixture(scope="module")
def reported(focus_data: Path, tmp_path_factory) -> dict:
    from conftest import run_finops

    cwd = tmp_path_factory.mktemp("report")
    tags = [arg for key in TAG_KEYS for arg in ("--tag-key", key)]
    ran = run_finops("report", "--out", "report.html", "--data-dir", str(focus_data), *tags, "--json", cwd=cwd)
    figures = ran.json()
    assert figures["report"] == "report.html" and (cwd / "report.html").stat().st_size > 0
    summary = run_finops("focus", "summary", "--data-dir", str(focus_data), "--json", cwd=cwd).json()
    return {"figures": figures, "summary": summary}


def money(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else Decimal(0)


def totals(rows: list[dict]) -> tuple[Decimal, Decimal]:
    return (sum((money(r["billed_cost"]) for r in rows), Decimal(0)),
            sum((money(r["effective_cost"]) for r in rows), Decimal(0)))


def percent(part: Decimal, whole: Decimal) -> float:
    return float((100 * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def rows_of(data_dir: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data_dir / DATABASE_FILE), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_table_adds_up_to_focus_summary(reported) -> None:
    figures, summary = reported["figures"], reported["summary"]
    total = summary_totals(summary)
    assert total[0] > 0 and total[1] > total[0]  # amortised commitments: effective above billed here
    assert (money(figures["totals"]["billed_cost"]), money(figures["totals"]["effective_cost"])) == total
    assert totals(figures["periods"]) == total
    assert totals(figures["trend"]) == total
    assert totals(figures["top_services"]) == total
    assert totals(figures["top_sub_accounts"]) == total
    assert totals(figures["commitments"]["rows"]) == total
    assert sum(r["rows"] for r in figures["commitments"]["rows"]) == sum(r["rows"] for r in summary)
    for tag in figures["tags"]:
        assert totals(tag["values"]) == total, tag["key"]
        assert money(tag["effective_cost"]) == total[1]
    for period in figures["periods"]:
        assert totals([period]) == summary_totals(summary, periods={period["period"]})
    # Each service's figure is the summary's for that service.
    for row in (r for r in figures["top_services"] if not r["is_other"]):
        assert totals([row]) == totals([s for s in summary if s["service_name"] == row["service"]])
    current = figures["current_month"]
    month = summary_totals(summary, periods={current["month"]})
    assert totals(current["days"]) == month
    assert totals([current["projection"]]) == month


def test_the_headline_is_the_last_complete_month_against_the_one_before(reported) -> None:
    figures, summary = reported["figures"], reported["summary"]
    head = figures["headline"]
    # April 2024 holds ten days only: March is the last complete month.
    assert (head["month"], head["previous_month"], head["month_complete"]) == ("2024-03", "2024-02", True)
    total = next(r for r in head["providers"] if r["is_total"])
    billed, effective = summary_totals(summary, periods={"2024-03"})
    previous_billed, previous_effective = summary_totals(summary, periods={"2024-02"})
    assert (money(total["billed_cost"]), money(total["effective_cost"])) == (billed, effective)
    assert money(total["previous_effective_cost"]) == previous_effective
    assert money(total["billed_change"]) == billed - previous_billed
    assert money(total["effective_change"]) == effective - previous_effective
    assert total["effective_change_percent"] == percent(effective - previous_effective, previous_effective)
    providers = [r for r in head["providers"] if not r["is_total"]]
    assert sorted(r["provider"] for r in providers) == ["AWS", "Microsoft"]
    assert totals(providers) == (billed, effective)
    movers = figures["top_movers"]["services"]
    assert sum((money(r["change"]) for r in movers), Decimal(0)) == effective - previous_effective
    changes = [abs(money(r["change"])) for r in movers if not r["is_other"]]
    assert changes == sorted(changes, reverse=True) and changes[0] > 0
    for row in (r for r in movers if r["change_percent"] is not None):
        assert row["change_percent"] == percent(money(row["change"]), money(row["previous_effective_cost"]))


def test_the_current_month_is_projected_from_its_days_with_data(reported) -> None:
    current = reported["figures"]["current_month"]
    projection = current["projection"]
    assert current["month"] == "2024-04" and len(current["days"]) == 10
    assert (projection["days_with_data"], projection["days_in_period"], projection["complete"]) == (10, 30, False)
    expected = (money(projection["effective_cost"]) * 30 / 10).quantize(Decimal("0.01"))
    assert money(projection["projected_effective_cost"]) == expected


def test_commitment_savings_utilisation_and_coverage(reported, focus_data: Path) -> None:
    rows = rows_of(focus_data, 'SELECT "ProviderName", "ChargeCategory", "CommitmentDiscountId", '
                   '"CommitmentDiscountStatus", "ServiceName", "ListCost", "EffectiveCost" FROM focus.costs')
    for provider in reported["figures"]["commitments"]["providers"]:
        mine = [r for r in rows if r[0] == provider["provider"]]
        covered = [r for r in mine if r[1] == "Usage" and r[2] is not None and r[3] == "Used"]
        covered_list = sum(r[5] for r in covered)
        covered_effective = sum(r[6] for r in covered)
        used = sum(r[6] for r in mine if r[3] == "Used")
        unused = sum(r[6] for r in mine if r[3] == "Unused")
        eligible_services = {r[4] for r in covered}
        eligible = sum(r[5] for r in mine if r[1] == "Usage" and r[4] in eligible_services and r[3] != "Unused")
        assert money(provider["covered_list_cost"]) == covered_list
        assert money(provider["savings"]) == covered_list - covered_effective
        assert provider["savings_percent"] == percent(covered_list - covered_effective, covered_list) == 50.0
        assert provider["utilisation_percent"] == percent(used, used + unused)
        assert provider["coverage_percent"] == percent(covered_list, eligible) == 50.0


def test_tag_coverage_counts_a_missing_or_null_tag_as_untagged(reported, focus_data: Path) -> None:
    rows = rows_of(focus_data, 'SELECT "Tags", "EffectiveCost" FROM focus.costs')
    tags = {t["key"]: t for t in reported["figures"]["tags"]}
    assert list(tags) == list(TAG_KEYS)
    total = sum(r[1] for r in rows)
    for key, tag in tags.items():
        untagged = sum(cost for text, cost in rows if text is None or json.loads(text).get(key) is None)
        assert money(tag["untagged_effective_cost"]) == untagged
        assert tag["untagged_percent"] == percent(untagged, total)
        no_value = next(v for v in tag["values"] if v["is_untagged"])
        assert money(no_value["effective_cost"]) == untagged
        for value in (v for v in tag["values"] if not v["is_untagged"] and not v["is_other"]):
            assert money(value["effective_cost"]) == sum(
                cost for text, cost in rows if text is not None and json.loads(text).get(key) == value["value"])
    assert {v["value"] for v in tags["team"]["values"]} == {"web", "data", None}


def test_a_range_reports_only_its_months_and_a_complete_last_month_needs_no_projection(finops, focus_data) -> None:
    figures = finops("report", "-o", "r.html", "--data-dir", str(focus_data), "-s", "2024-02", "-e", "2024-03",
                     "--json").json()
    summary = finops("focus", "summary", "--data-dir", str(focus_data), "-s", "2024-02", "-e", "2024-03",
                     "--json").json()
    assert (figures["start"], figures["end"]) == ("2024-02", "2024-03")
    assert [p["period"] for p in figures["periods"]] == ["2024-02", "2024-03"]
    assert totals(figures["top_services"]) == summary_totals(summary)
    projection = figures["current_month"]["projection"]
    assert projection["complete"] is True
    assert money(projection["projected_effective_cost"]) == money(projection["effective_cost"]).quantize(
        Decimal("0.01"))


def test_tag_keys_come_from_the_report_section_of_the_config(finops, focus_data, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[report]\ntag_keys = ["team"]\n')
    figures = finops("report", "-o", "r.html", "--data-dir", str(focus_data), "--json").json()
    assert [t["key"] for t in figures["tags"]] == ["team"]
    figures = finops("report", "-o", "r.html", "--data-dir", str(focus_data), "--tag-key", "env", "--json").json()
    assert [t["key"] for t in figures["tags"]] == ["env"]


def test_text_from_the_data_is_escaped_in_the_html(finops, focus_data, tmp_path: Path) -> None:
    assert finops("report", "-o", "r.html", "--data-dir", str(focus_data)).code == 0
    page = (tmp_path / "r.html").read_text()
    assert "Subscription &lt;B&gt;" in page and "Subscription <B>" not in page
    assert "http://" not in page.split("<script>")[0] and "src=" not in page.split("<body>")[1].split("<script")[0]


def one_line_error(ran) -> str:
    assert ran.code == 2, (ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr and ran.stdout == ""
    assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
    return ran.stderr


def test_without_a_database_or_focus_data_it_explains_with_exit_2(finops, tmp_path: Path) -> None:
    assert "import billing data first" in one_line_error(finops("report", "-o", "r.html", "--data-dir", "none"))
    duckdb.connect(str(tmp_path / DATABASE_FILE)).close()
    assert "run 'finops focus build' first" in one_line_error(
        finops("report", "-o", "r.html", "--data-dir", str(tmp_path)))
    assert not (tmp_path / "r.html").exists()


def test_an_empty_range_explains_with_exit_2(finops, focus_data) -> None:
    error = one_line_error(finops("report", "-o", "r.html", "--data-dir", str(focus_data), "-s", "2025-01"))
    assert "focus.costs holds no rows from 2025-01 on" in error


@pytest.mark.parametrize(("args", "message"), [
    (["--start-date", "2024-13"], "--start-date '2024-13' is not a month"),
    (["-s", "2024-03", "-e", "2024-01"], "--start-date 2024-03 is after --end-date 2024-01"),
    (["--currency", "dollars"], "--currency 'dollars' is not a currency code"),
    (["--currency", "EUR"], "focus.costs holds no EUR costs at all; it holds USD"),
    (["--tag-key", "$.team"], "--tag-key '$.team' is not a tag key"),
])
def test_bad_options_exit_2_with_one_line(finops, focus_data, args, message) -> None:
    assert message in one_line_error(finops("report", "-o", "r.html", "--data-dir", str(focus_data), *args))


def test_several_currencies_need_a_choice(finops, focus_data, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(focus_data, data_dir)
    con = duckdb.connect(str(data_dir / DATABASE_FILE))
    try:
        con.execute("""INSERT INTO focus.costs SELECT * REPLACE ('EUR' AS "BillingCurrency",
                       "BilledCost" * 2 AS "BilledCost") FROM focus.costs WHERE "ProviderName" = 'Microsoft'""")
    finally:
        con.close()
    error = one_line_error(finops("report", "-o", "r.html", "--data-dir", str(data_dir)))
    assert "2 currencies at all (EUR, USD); choose one with --currency" in error
    figures = finops("report", "-o", "r.html", "--data-dir", str(data_dir), "--currency", "eur", "--json").json()
    summary = finops("focus", "summary", "--data-dir", str(data_dir), "--json").json()
    eur = [r for r in summary if r["billing_currency"] == "EUR"]
    assert figures["currency"] == "EUR"
    assert totals(figures["top_services"]) == summary_totals(eur)


def test_out_must_be_a_file(finops, focus_data, tmp_path: Path) -> None:
    assert "is a directory" in one_line_error(finops("report", "-o", str(tmp_path), "--data-dir", str(focus_data)))


def test_the_fixture_has_core_s_focus_types(tmp_path: Path) -> None:
    """The fixture's columns have the types ``focus build`` gives them, so sums behave as on a built table."""
    from open_finops.focus.columns import BY_NAME, IDENTITY_COLUMNS

    declared = {**{name: column.type for name, column in BY_NAME.items()}, **dict(IDENTITY_COLUMNS)}
    path = write_focus(tmp_path / "data")
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = 'focus' AND table_name = 'costs'").fetchall()
        for name, type_ in found:
            assert type_ == con.execute(f"SELECT typeof(CAST(NULL AS {declared[name]}))").fetchone()[0], name
    finally:
        con.close()
