"""The FOCUS rules ``finops focus build`` checks on every period before it commits it.

They are the column rules of the contract (not null, allowed values, non-negative prices, currency codes,
JSON objects) and the few cross-column rules of FOCUS 1.0 that hold for every provider. All are counted in
one aggregate query over the period's rows, so checking costs one scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from open_finops.focus import columns as focus_columns
from open_finops.naming import quote_identifier as q


@dataclass(frozen=True)
class Rule:
    description: str
    violation: str  # a SQL predicate that is true for a row breaking the rule
    params: tuple[Any, ...] = ()
    postgres: str = ""  # the predicate in PostgreSQL, where it differs (the dbt test of the rule)


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


def _column_rules() -> list[Rule]:
    rules: list[Rule] = []
    for column in focus_columns.COLUMNS:
        name = q(column.name)
        if column.not_null:
            rules.append(Rule(f"{column.name} is null", f"{name} IS NULL"))
        if column.allowed:
            rules.append(Rule(f"{column.name} is not one of its allowed values",
                              f"{name} IS NOT NULL AND {name} NOT IN {_in(column.allowed)}", column.allowed))
        if column.non_negative:
            rules.append(Rule(f"{column.name} is negative", f"{name} < 0"))
    for name in ("BillingCurrency", "PricingCurrency"):
        rules.append(Rule(f"{name} is not an ISO 4217 code",
                          f"{q(name)} IS NOT NULL AND NOT regexp_full_match({q(name)}, ?)",
                          (focus_columns.CURRENCY_PATTERN,),
                          postgres=f"{q(name)} IS NOT NULL AND NOT {q(name)} ~ ('^' || ? || '$')"))
    # json_type fails on text that is not JSON, hence the CASE.
    for name in ("Tags", "SkuPriceDetails"):
        rules.append(Rule(f"{name} is not a JSON object",
                          f"{q(name)} IS NOT NULL AND NOT CASE WHEN json_valid({q(name)}) "
                          f"THEN json_type({q(name)}::JSON) = 'OBJECT' ELSE false END",
                          postgres=f"{q(name)} IS NOT NULL AND jsonb_typeof(CAST({q(name)} AS jsonb)) <> 'object'"))
    return rules


def _cross_column_rules() -> list[Rule]:
    pairs = tuple(f"{category}|{sub}" for category, subs in focus_columns.SERVICE_SUBCATEGORIES.items()
                  for sub in subs)
    must_be_null_for_tax = ("PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice", "SkuId",
                            "SkuPriceId", "PricingCategory")
    commitment = ("CommitmentDiscountCategory", "CommitmentDiscountType", "CommitmentDiscountStatus")
    rules = [
        Rule("ServiceSubcategory does not belong to ServiceCategory",
             f"\"ServiceSubcategory\" IS NOT NULL AND (\"ServiceCategory\" || '|' || \"ServiceSubcategory\") "
             f"NOT IN {_in(pairs)}", pairs),
        Rule("a Tax row has " + "/".join(must_be_null_for_tax),
             "\"ChargeCategory\" = 'Tax' AND NOT (" + " AND ".join(f"{q(c)} IS NULL" for c in must_be_null_for_tax)
             + ")"),
        Rule("a row without CommitmentDiscountId has commitment discount details",
             "\"CommitmentDiscountId\" IS NULL AND NOT (" + " AND ".join(f"{q(c)} IS NULL" for c in commitment) + ")"),
        Rule("a row with CommitmentDiscountId lacks CommitmentDiscountCategory or CommitmentDiscountType",
             "\"CommitmentDiscountId\" IS NOT NULL AND (\"CommitmentDiscountCategory\" IS NULL "
             "OR \"CommitmentDiscountType\" IS NULL)"),
        Rule("a Usage row with CommitmentDiscountId lacks CommitmentDiscountStatus",
             "\"CommitmentDiscountId\" IS NOT NULL AND \"ChargeCategory\" = 'Usage' "
             "AND \"CommitmentDiscountStatus\" IS NULL"),
        Rule("ResourceType is null where ResourceId is not, or the other way round",
             "(\"ResourceId\" IS NULL) <> (\"ResourceType\" IS NULL)"),
        Rule("ConsumedQuantity has no ConsumedUnit",
             "\"ConsumedQuantity\" IS NOT NULL AND \"ConsumedUnit\" IS NULL"),
        Rule("a Purchase is Usage-Based", "\"ChargeCategory\" = 'Purchase' AND \"ChargeFrequency\" = 'Usage-Based'"),
        Rule("ChargePeriodEnd is before ChargePeriodStart", "\"ChargePeriodEnd\" < \"ChargePeriodStart\""),
        Rule("BillingPeriodEnd is not after BillingPeriodStart", "\"BillingPeriodEnd\" <= \"BillingPeriodStart\""),
    ]
    return rules


RULES: tuple[Rule, ...] = (*_column_rules(), *_cross_column_rules())


def inline(rule: Rule, dialect: str) -> str:
    """The rule's predicate in ``dialect`` with its values written in, for a dbt test (which takes no
    parameters); the values are the contract's constants."""
    text = rule.postgres if dialect == "postgres" and rule.postgres else rule.violation
    parts = text.split("?")
    if len(parts) != len(rule.params) + 1:
        raise ValueError(f"rule {rule.description!r}: {len(parts) - 1} placeholders for {len(rule.params)} values")
    out = [parts[0]]
    for value, part in zip(rule.params, parts[1:], strict=True):
        out.append("'" + str(value).replace("'", "''") + "'" + part)
    return "".join(out)


def violations(con: Any, table: str, where: str, where_params: Sequence[Any]) -> list[tuple[str, int]]:
    """Each rule broken by rows of ``table`` matching ``where``, with how many rows break it."""
    counts = ", ".join(f"count(*) FILTER (WHERE {rule.violation})" for rule in RULES)
    params = [p for rule in RULES for p in rule.params] + list(where_params)
    row = con.execute(f"SELECT {counts} FROM {table} WHERE {where}", params).fetchone()
    return [(rule.description, int(n)) for rule, n in zip(RULES, row, strict=True) if n]
