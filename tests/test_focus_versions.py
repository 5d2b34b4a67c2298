"""FOCUS 1.2 by default, 1.0 on request: the columns exported and the values that differ between them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from test_focus_fakes import Charge, focus_registry, write_acme

from open_finops.focus import columns as focus_columns

DATA = Path("data")
CHARGES = [Charge("main", "2024-01", "Compute Engine", "10.25"),
           Charge("main", "2024-01", "Savings Plan", "0.0000001", category="Purchase")]
ONLY_IN_1_2 = {"ServiceSubcategory", "InvoiceId", "SkuMeter", "SkuPriceDetails", "CapacityReservationId",
               "PricingCurrency", "BillingAccountType", "SubAccountType", "CommitmentDiscountQuantity"}


@pytest.fixture
def registry():
    write_acme(DATA, CHARGES, {("main", "2024-01"): "jan-v1"})
    return focus_registry("acme_sources_with_commitments")


def run(cli, registry, *args: str):
    result = cli(registry, "focus", *args, "--data-dir", str(DATA))
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def pricing() -> list[tuple]:
    con = duckdb.connect(str(DATA / "finops.duckdb"), read_only=True)
    try:
        return con.execute('SELECT "ChargeCategory", "PricingCategory" FROM focus.costs ORDER BY 1').fetchall()
    finally:
        con.close()


def test_focus_1_2_is_the_default_with_every_1_2_column(cli, registry) -> None:
    run(cli, registry, "build")
    run(cli, registry, "export", "--out", "focus.parquet")

    names = pq.read_schema("focus.parquet").names
    assert set(focus_columns.NAMES) <= set(names) and set(names) >= ONLY_IN_1_2
    assert pricing() == [("Purchase", "Standard"), ("Usage", "Standard")]


def test_focus_1_0_exports_only_1_0_columns_and_prices_commitment_purchases_as_committed(cli, registry) -> None:
    built = run(cli, registry, "build", "--focus-version", "1.0")
    run(cli, registry, "export", "--out", "focus.parquet", "--focus-version", "1.0")

    names = set(pq.read_schema("focus.parquet").names)
    assert "built 2 rows" in built.stdout
    assert not names & ONLY_IN_1_2
    assert {"BilledCost", "PricingCategory", "Tags", "x_ExportName"} <= names
    assert pricing() == [("Purchase", "Committed"), ("Usage", "Standard")]


def test_the_setting_chooses_the_version_and_a_change_rebuilds(cli, registry) -> None:
    run(cli, registry, "build")
    Path("config.toml").write_text('[focus]\nversion = "1.0"\n')

    rebuilt = run(cli, registry, "build")

    assert "built 2 rows" in rebuilt.stdout
    assert pricing()[0] == ("Purchase", "Committed")


def test_an_export_in_another_version_than_the_one_built_is_refused(cli, registry) -> None:
    run(cli, registry, "build", "--focus-version", "1.0")

    result = cli(registry, "focus", "export", "--out", "focus.parquet", "--data-dir", str(DATA))

    assert result.exit_code == 2
    assert "focus.costs was built as FOCUS 1.0, not 1.2; run 'finops focus build --focus-version 1.2'" in result.stderr
    assert not Path("focus.parquet").exists()


def test_an_unknown_version_is_refused(cli, registry) -> None:
    result = cli(registry, "focus", "build", "--focus-version", "1.1", "--data-dir", str(DATA))

    assert result.exit_code == 2
    assert "setting focus.version must be one of 1.0, 1.2, not '1.1' (from flag --focus-version)" in result.stderr


def test_csv_writes_money_as_plain_exact_decimals(cli, registry) -> None:
    run(cli, registry, "build")
    run(cli, registry, "export", "--out", "focus.csv")

    with open("focus.csv", newline="") as fh:
        billed = sorted(r["BilledCost"] for r in csv.DictReader(fh))

    assert billed == ["0.0000001", "10.25"]


def test_the_focus_section_is_declared_listed_and_checked_for_typos(cli, tmp_path: Path, monkeypatch) -> None:
    from finops_fakes import registry_of

    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text('[focus]\nversion = "1.0"\nprefer = ["my-cur-2"]\nexlcude = ["old"]\n',
                                          encoding="utf-8")

    shown = cli(registry_of(), "config", "show", "--json")
    strict = cli(registry_of(), "--strict", "config", "show")

    focus = json.loads(shown.stdout)["settings"]["focus"]
    assert (focus["version"]["value"], focus["version"]["origin"]) == ("1.0", f"{tmp_path / 'config.toml'}:2")
    assert focus["prefer"]["value"] == ["my-cur-2"] and focus["exclude"]["origin"] == "default"
    assert shown.stderr == (f"Warning: config file {tmp_path / 'config.toml'}:4: [focus] exlcude is not a setting of "
                            "[focus]; did you mean `exclude`?\n")
    assert strict.exit_code == 2 and "did you mean `exclude`?" in strict.stderr
