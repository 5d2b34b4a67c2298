"""``finops focus build`` with a fake vendor's FOCUS transform: incremental, atomic, checked."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from finops_support import clean_environ
from test_focus_fakes import FEBRUARY, JANUARY, Charge, focus_registry, write_acme

from open_finops.focus import columns as focus_columns
from open_finops.plugins import Registry

DATA = Path("data")
TWO_MONTHS = {("main", "2024-01"): "jan-v1", ("main", "2024-02"): "feb-v1"}


def rows(sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(DATA / "finops.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def build(cli, registry: Registry, *args: str):
    return cli(registry, "focus", "build", "--data-dir", str(DATA), *args)


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def test_without_a_focus_transform_build_says_what_to_install(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})

    result = build(cli, Registry())

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no installed plugin provides FOCUS data; install one with: pip install 'open-finops[aws]'\n"
    )


def test_build_without_any_imported_data_says_to_import_first(cli) -> None:
    result = build(cli, focus_registry())
    assert result.exit_code == 2
    assert "does not exist yet; import billing data first" in result.stderr


def test_build_writes_one_focus_row_per_source_row_with_the_identity_columns(cli) -> None:
    write_acme(DATA, JANUARY + FEBRUARY, TWO_MONTHS)

    result = build(cli, focus_registry())

    assert result.exit_code == 0, result.stderr
    assert lines(result) == ["acme main 2024-01: built 4 rows", "acme main 2024-02: built 2 rows"]
    assert rows('SELECT "x_Vendor", "x_ExportName", "x_BillingPeriod", "x_SourceVersionId", count(*), '
                'sum("BilledCost") FROM focus.costs GROUP BY ALL ORDER BY 3') == [
        ("acme", "main", "2024-01", "jan-v1", 4, Decimal("13.500000000000000001")),
        ("acme", "main", "2024-02", "feb-v1", 2, Decimal("23.1")),
    ]


def test_focus_costs_has_the_contract_columns_with_their_types_then_the_x_columns(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})
    build(cli, focus_registry())

    columns = rows("SELECT column_name, data_type FROM information_schema.columns "
                   "WHERE table_schema = 'focus' AND table_name = 'costs' ORDER BY ordinal_position")

    assert columns == [
        *((c.name, c.type.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")) for c in focus_columns.COLUMNS),
        *focus_columns.IDENTITY_COLUMNS,
        ("x_Note", "VARCHAR"),
    ]
    assert rows('SELECT DISTINCT "x_Note" FROM focus.costs') == [("from acme",)]


def test_a_second_build_skips_periods_whose_source_version_did_not_change(cli) -> None:
    write_acme(DATA, JANUARY + FEBRUARY, TWO_MONTHS)
    build(cli, focus_registry())
    built_at = rows("SELECT billing_period, built_at FROM focus.build_state ORDER BY 1")

    again = build(cli, focus_registry())

    assert again.exit_code == 0
    assert lines(again) == ["acme main 2024-01: up to date", "acme main 2024-02: up to date"]
    assert rows("SELECT billing_period, built_at FROM focus.build_state ORDER BY 1") == built_at


def test_a_new_source_version_rebuilds_that_period_only(cli) -> None:
    write_acme(DATA, JANUARY + FEBRUARY, TWO_MONTHS)
    build(cli, focus_registry())
    restated = [Charge("main", "2024-02", "Compute Engine", "99.99")]
    write_acme(DATA, JANUARY + restated, {("main", "2024-01"): "jan-v1", ("main", "2024-02"): "feb-v2"})

    result = build(cli, focus_registry())

    assert lines(result) == ["acme main 2024-01: up to date", "acme main 2024-02: built 1 rows"]
    assert rows('SELECT "x_BillingPeriod", "x_SourceVersionId", count(*), sum("BilledCost") FROM focus.costs '
                "GROUP BY ALL ORDER BY 1") == [
        ("2024-01", "jan-v1", 4, Decimal("13.500000000000000001")),
        ("2024-02", "feb-v2", 1, Decimal("99.99")),
    ]


def test_reset_rebuilds_every_period(cli) -> None:
    write_acme(DATA, JANUARY + FEBRUARY, TWO_MONTHS)
    build(cli, focus_registry())

    result = build(cli, focus_registry(), "--reset")

    assert lines(result) == ["acme main 2024-01: built 4 rows", "acme main 2024-02: built 2 rows"]
    assert rows("SELECT count(*) FROM focus.costs") == [(6,)]


def test_a_new_transform_version_rebuilds_every_period(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    write_acme(DATA, JANUARY + FEBRUARY, TWO_MONTHS)
    build(cli, focus_registry())
    monkeypatch.setenv("OPEN_FINOPS_ACME_TRANSFORM_VERSION", "2")

    result = build(cli, focus_registry())

    assert lines(result) == ["acme main 2024-01: built 4 rows", "acme main 2024-02: built 2 rows"]


def test_a_period_the_transform_no_longer_lists_is_removed(cli) -> None:
    write_acme(DATA, JANUARY + FEBRUARY, TWO_MONTHS)
    build(cli, focus_registry())
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})

    result = build(cli, focus_registry())

    assert lines(result) == ["acme main 2024-01: up to date", "acme main 2024-02: removed (no longer imported)"]
    assert rows('SELECT DISTINCT "x_BillingPeriod" FROM focus.costs') == [("2024-01",)]
    assert rows("SELECT billing_period FROM focus.build_state") == [("2024-01",)]


def test_a_transform_missing_a_focus_column_fails_that_period_and_writes_nothing(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})

    result = build(cli, focus_registry("acme_sources_without_billed_cost"))

    assert result.exit_code == 1
    assert "acme main 2024-01: failed: the SELECT of FOCUS pipeline 'acme-focus' misses FOCUS column(s) BilledCost" \
        in result.stdout
    assert result.stderr == "Error: 1 FOCUS period(s) failed to build; see the lines above\n"
    assert rows("SELECT count(*) FROM focus.costs") == [(0,)]


def test_a_transform_column_that_is_neither_focus_nor_x_prefixed_is_refused(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})

    result = build(cli, focus_registry("acme_sources_with_unprefixed_column"))

    assert result.exit_code == 1
    assert "returns column(s) Note that are neither FOCUS nor prefixed x_" in result.stdout


def test_rows_breaking_a_focus_rule_leave_the_previous_version_of_the_period_in_place(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})
    build(cli, focus_registry())
    refunded = JANUARY + [Charge("main", "2024-01", "Compute Engine", "-1.25")]
    write_acme(DATA, refunded, {("main", "2024-01"): "jan-v2"})

    result = build(cli, focus_registry("acme_sources_refund_category"))

    assert result.exit_code == 1
    assert ("acme main 2024-01: failed: its rows break FOCUS rules "
            "(2 row(s): ChargeCategory is not one of its allowed values)") in result.stdout
    assert rows('SELECT "x_SourceVersionId", count(*) FROM focus.costs GROUP BY 1') == [("jan-v1", 4)]
    assert rows("SELECT version_id FROM focus.build_state") == [("jan-v1",)]


def test_a_transform_that_raises_fails_but_keeps_what_it_built_before(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})
    build(cli, focus_registry())
    failing = focus_registry("acme_sources_failing")

    result = build(cli, failing)

    assert result.exit_code == 1
    assert ("acme * *: failed: FOCUS pipeline 'acme-focus' failed: RuntimeError: acme's billing tables are "
            "unreadable") in result.stdout
    assert rows("SELECT count(*) FROM focus.costs") == [(4,)]


def test_a_transform_offering_another_vendors_data_is_refused(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})
    result = build(cli, focus_registry("acme_sources_of_another_vendor"))
    assert result.exit_code == 1
    assert "of vendor 'acme' offered data of vendor 'zeta'" in result.stdout


def test_two_transforms_offering_the_same_period_keep_the_first(cli) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})

    result = build(cli, focus_registry("acme_sources", "acme_sources"))

    assert result.exit_code == 1
    assert "acme main 2024-01: failed: also offered by FOCUS pipeline 'acme-focus'" in result.stdout
    assert rows("SELECT count(*) FROM focus.costs") == [(4,)]


def test_build_json_reports_every_period(cli) -> None:
    write_acme(DATA, JANUARY + FEBRUARY, TWO_MONTHS)
    build(cli, focus_registry())

    result = build(cli, focus_registry(), "--json")

    report = json.loads(result.stdout)
    assert (report["built"], report["skipped"], report["removed"], report["failed"]) == (0, 2, 0, 0)
    assert [(p["billing_period"], p["status"], p["version_id"]) for p in report["periods"]] == [
        ("2024-01", "skipped", "jan-v1"), ("2024-02", "skipped", "feb-v1"),
    ]


def test_build_waits_for_the_database_lock_then_says_who_holds_it(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(DATA / 'finops.duckdb')!r})
            print('locked', flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=clean_environ(),
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("OPEN_FINOPS_PROJECT_LOCK_TIMEOUT", "0.3")

        result = build(cli, focus_registry())
    finally:
        holder.communicate("")

    assert result.exit_code == 1
    assert f"is locked by process {holder.pid} (python" in result.stderr


@pytest.mark.parametrize("before", [True, False])
def test_build_leaves_the_connections_row_order_setting_as_it_found_it(before: bool) -> None:
    from open_finops.config import load_config
    from open_finops.focus.build import build as build_focus

    write_acme(DATA, JANUARY, {("main", "2024-01"): "jan-v1"})
    con = duckdb.connect(str(DATA / "finops.duckdb"))
    try:
        con.execute(f"SET preserve_insertion_order = {str(before).lower()}")
        pipeline = focus_registry().pipelines_of_kind("focus")

        report = build_focus(con, pipeline, config=load_config(environ={}))

        assert [(p.status, p.error) for p in report.periods] == [("built", None)]
        assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (before,)
    finally:
        con.close()
