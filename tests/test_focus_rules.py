"""The FOCUS rules ``focus build`` checks before it commits a period, one broken rule at a time."""

from __future__ import annotations

import duckdb
import pytest
from test_focus_fakes import FEBRUARY, JANUARY, focus_select, write_acme

from open_finops.focus.build import COSTS, ensure_tables
from open_finops.focus.rules import violations


@pytest.fixture
def con(tmp_path):
    path = write_acme(tmp_path, JANUARY + FEBRUARY, {})
    connection = duckdb.connect(str(path))
    ensure_tables(connection)
    yield connection
    connection.close()


def broken_rules(con, **overrides: str) -> list[tuple[str, int]]:
    """Insert January's charges through the fake's SELECT with ``overrides``, then list what they break."""
    con.execute(f"DELETE FROM {COSTS}")
    con.execute(f"INSERT INTO {COSTS} BY NAME SELECT * FROM ({focus_select(overrides)})", ["main", "2024-01"])
    return violations(con, COSTS, "true", [])


def test_the_fake_transform_breaks_no_rule(con) -> None:
    assert broken_rules(con) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"BilledCost": "NULL"}, [("BilledCost is null", 4)]),
        ({"ChargeClass": "'Refund'"}, [("ChargeClass is not one of its allowed values", 4)]),
        ({"ListUnitPrice": "CAST(-1 AS DECIMAL(38,18))"}, [("ListUnitPrice is negative", 4)]),
        ({"BillingCurrency": "'eur'"}, [("BillingCurrency is not an ISO 4217 code", 4)]),
        ({"Tags": "'[\"team\"]'"}, [("Tags is not a JSON object", 4)]),
        ({"Tags": "'{not json'"}, [("Tags is not a JSON object", 4)]),
        ({"ServiceSubcategory": "'Relational Databases'"},
         [("ServiceSubcategory does not belong to ServiceCategory", 4)]),
        # FOCUS 1.1's name, which 1.2's allowed values replaced (the AWS mapping once wrote it)
        ({"ServiceCategory": "'Databases'", "ServiceSubcategory": "'Relational'"},
         [("ServiceSubcategory is not one of its allowed values", 4),
          ("ServiceSubcategory does not belong to ServiceCategory", 4)]),
        ({"ChargeCategory": "'Tax'", "PricingQuantity": "1"},
         [("a Tax row has PricingQuantity/PricingUnit/ListUnitPrice/ContractedUnitPrice/SkuId/SkuPriceId/"
           "PricingCategory", 4)]),
        ({"CommitmentDiscountType": "'Savings Plan'"},
         [("a row without CommitmentDiscountId has commitment discount details", 4)]),
        ({"CommitmentDiscountId": "'sp-1'", "CommitmentDiscountCategory": "'Spend'",
          "CommitmentDiscountType": "'Savings Plan'"},
         [("a Usage row with CommitmentDiscountId lacks CommitmentDiscountStatus", 3)]),
        ({"ResourceId": "'vm-1'"}, [("ResourceType is null where ResourceId is not, or the other way round", 4)]),
        ({"ConsumedQuantity": "1"}, [("ConsumedQuantity has no ConsumedUnit", 4)]),
        ({"ChargeCategory": "'Purchase'", "ChargeFrequency": "'Usage-Based'"}, [("a Purchase is Usage-Based", 4)]),
        ({"ChargePeriodEnd": "CAST('2023-12-31 00:00:00+00' AS TIMESTAMPTZ)"},
         [("ChargePeriodEnd is before ChargePeriodStart", 4)]),
    ],
    ids=lambda v: ",".join(v) if isinstance(v, dict) else None,
)
def test_each_rule_names_what_is_broken_and_how_many_rows_break_it(con, overrides, expected) -> None:
    assert broken_rules(con, **overrides) == expected
