"""Exports holding the same billing account's period are counted once in ``focus.costs``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_focus_fakes import Charge, focus_registry, write_acme

DATA = Path("data")
ACCOUNT = "acme-account-007"


def rows(sql: str) -> list[tuple]:
    con = duckdb.connect(str(DATA / "finops.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def build(cli, *args: str):
    return cli(focus_registry("acme_sources_ranked"), "focus", "build", "--data-dir", str(DATA), *args)


def totals() -> list[tuple]:
    return rows('SELECT "x_ExportName", "BillingAccountId", count(*), sum("BilledCost") FROM focus.costs '
                "GROUP BY ALL ORDER BY ALL")


def same_bill(*exports: str, period: str = "2024-01", account: str = ACCOUNT) -> list[Charge]:
    """The same two charges in each export: what a legacy and a new export of one account hold."""
    return [Charge(e, period, service, cost, account=account) for e in exports
            for service, cost in (("Compute Engine", "10.25"), ("Object Store", "4.75"))]


def versions(*exports: str, period: str = "2024-01") -> dict[tuple[str, str], str]:
    return {(e, period): f"{e}-v1" for e in exports}


def test_two_exports_of_one_account_and_period_are_counted_once_from_the_preferred(cli) -> None:
    write_acme(DATA, same_bill("old-cur", "new-cur"), versions("old-cur", "new-cur"))

    result = build(cli)

    assert result.exit_code == 0, result.stderr
    assert totals() == [("new-cur", ACCOUNT, 2, Decimal("15"))]
    assert result.stdout.splitlines() == [
        "acme new-cur 2024-01: built 2 rows; billing account acme-account-007 is also in old-cur, counted from here "
        "only (Acme v2 preferred over Acme v1)",
        "acme old-cur 2024-01: not counted; billing account acme-account-007 is counted from new-cur, not here "
        "(Acme v2 preferred over Acme v1)",
    ]


def test_a_native_focus_export_wins_over_converted_ones(cli) -> None:
    write_acme(DATA, same_bill("old-cur", "native-focus", "new-cur"), versions("old-cur", "native-focus", "new-cur"))

    result = build(cli, "--json")

    assert totals() == [("native-focus", ACCOUNT, 2, Decimal("15"))]
    report = json.loads(result.stdout)
    assert (report["built"], report["superseded"]) == (1, 2)
    native = next(p for p in report["periods"] if p["export_name"] == "native-focus")
    assert native["overlaps"] == [{"billing_account": ACCOUNT, "kept": "native-focus",
                                   "dropped": ["new-cur", "old-cur"], "reason": "Acme FOCUS preferred over Acme v2"}]


def test_exports_of_different_accounts_in_the_same_period_both_count(cli) -> None:
    write_acme(DATA, same_bill("old-cur", account="acme-a") + same_bill("new-cur", account="acme-b"),
               versions("old-cur", "new-cur"))

    result = build(cli)

    assert result.exit_code == 0
    assert totals() == [("new-cur", "acme-b", 2, Decimal("15")), ("old-cur", "acme-a", 2, Decimal("15"))]
    assert "also in" not in result.stdout and "not counted" not in result.stdout


def test_an_export_holding_more_accounts_keeps_those_the_other_does_not_hold(cli) -> None:
    charges = same_bill("old-cur", account="acme-a") + same_bill("old-cur", account="acme-b") + same_bill(
        "new-cur", account="acme-a")
    write_acme(DATA, charges, versions("old-cur", "new-cur"))

    result = build(cli)

    assert result.exit_code == 0
    assert totals() == [("new-cur", "acme-a", 2, Decimal("15")), ("old-cur", "acme-b", 2, Decimal("15"))]
    assert "acme old-cur 2024-01: built 2 rows; billing account acme-a is counted from new-cur" in result.stdout


def test_the_same_account_in_another_period_is_no_overlap(cli) -> None:
    write_acme(DATA, same_bill("old-cur", period="2024-01") + same_bill("new-cur", period="2024-02"),
               {("old-cur", "2024-01"): "a", ("new-cur", "2024-02"): "b"})

    build(cli)

    assert totals() == [("new-cur", ACCOUNT, 2, Decimal("15")), ("old-cur", ACCOUNT, 2, Decimal("15"))]


def test_setting_focus_prefer_chooses_the_export_and_a_change_rebuilds(cli) -> None:
    write_acme(DATA, same_bill("old-cur", "new-cur"), versions("old-cur", "new-cur"))
    build(cli)
    Path("config.toml").write_text('[focus]\nprefer = ["acme:old-cur"]\n')

    result = build(cli)

    assert totals() == [("old-cur", ACCOUNT, 2, Decimal("15"))]
    assert "counted from here only (preferred by setting focus.prefer)" in result.stdout
    assert "acme new-cur 2024-01: not counted" in result.stdout


def test_setting_focus_exclude_leaves_an_export_out(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    write_acme(DATA, same_bill("old-cur", account="acme-a") + same_bill("new-cur", account="acme-b"),
               versions("old-cur", "new-cur"))
    build(cli)
    monkeypatch.setenv("OPEN_FINOPS_FOCUS_EXCLUDE", "new-cur, other")

    result = build(cli)

    assert totals() == [("old-cur", "acme-a", 2, Decimal("15"))]
    assert "acme new-cur 2024-01: left out (setting focus.exclude)" in result.stdout


def test_exports_of_the_same_kind_keep_the_first_by_name_and_say_how_to_choose(cli) -> None:
    write_acme(DATA, same_bill("new-b", "new-a"), versions("new-b", "new-a"))

    result = build(cli)

    assert totals() == [("new-a", ACCOUNT, 2, Decimal("15"))]
    assert "first by name kept; choose with setting focus.prefer" in result.stdout


def test_a_focus_setting_that_is_not_a_list_of_names_is_refused(cli) -> None:
    write_acme(DATA, same_bill("old-cur"), versions("old-cur"))
    Path("config.toml").write_text("[focus]\nprefer = 3\n")

    result = build(cli)

    assert result.exit_code == 2
    assert "setting focus.prefer must be a list of export names" in result.stderr


def test_summary_and_exports_list_say_which_export_feeds_each_period(cli) -> None:
    write_acme(DATA, same_bill("old-cur", "new-cur"), versions("old-cur", "new-cur"))
    build(cli)
    registry = focus_registry("acme_sources_ranked")

    summary = cli(registry, "focus", "summary", "--data-dir", str(DATA))
    as_json = json.loads(cli(registry, "focus", "summary", "--data-dir", str(DATA), "--json").stdout)

    assert "│ 2024-01 │ EUR      │    2 │       15.00 │          15.00 │ new-cur; old-cur not counted" in summary.stdout
    assert {tuple(r["exports"]) for r in as_json} == {("new-cur",)}
    assert sum(Decimal(r["billed_cost"]) for r in as_json) == Decimal("15")


def test_a_build_state_of_an_earlier_release_gains_the_account_columns(cli) -> None:
    write_acme(DATA, same_bill("old-cur", "new-cur"), versions("old-cur", "new-cur"))
    con = duckdb.connect(str(DATA / "finops.duckdb"))
    con.execute("CREATE SCHEMA focus")
    con.execute("CREATE TABLE focus.build_state (vendor VARCHAR NOT NULL, export_name VARCHAR NOT NULL, "
                "billing_period VARCHAR NOT NULL, version_id VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, "
                "pipeline VARCHAR NOT NULL, rows BIGINT NOT NULL, built_at TIMESTAMPTZ NOT NULL, "
                "PRIMARY KEY (vendor, export_name, billing_period))")
    con.close()

    result = build(cli)

    assert result.exit_code == 0, result.stdout + result.stderr
    assert rows("SELECT export_name, accounts, dropped_accounts FROM focus.build_state ORDER BY 1") == [
        ("new-cur", f'["{ACCOUNT}"]', "[]"), ("old-cur", f'["{ACCOUNT}"]', f'["{ACCOUNT}"]')]
