"""The columns the sample CUR generator writes, in both CUR dialects.

One table lists every field once with its legacy-CUR name and type (``lineItem/UnblendedCost``,
``BigDecimal``), its CUR 2.0 name and type (``line_item_unblended_cost``, ``double``) and where its values
come from. Legacy Parquet reports use the snake_case form of the legacy name, which for the legacy
columns is also the CUR 2.0 name (``savingsPlan/SavingsPlanARN`` -> ``savings_plan_savings_plan_a_r_n``).

As in the real reports, rates (``lineItem/UnblendedRate``, ``pricing/publicOnDemandRate``, ...) are
declared as strings in both dialects, while costs and amounts are numeric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

V1_TYPES = ("String", "OptionalString", "BigDecimal", "OptionalBigDecimal", "DateTime", "Interval")
V2_TYPES = ("string", "double", "timestamp", "map<string,string>", "map<string,double>")


def snake(name: str) -> str:
    """Legacy ``category/Name`` to the snake_case name AWS uses in Parquet, Athena and CUR 2.0."""
    text = re.sub(r"([A-Z])", r"_\1", name.replace("/", "_").replace(":", "_")).lower()
    return re.sub(r"_+", "_", text).strip("_")


@dataclass(frozen=True)
class Field:
    v1: str | None  # legacy "category/Name", None if CUR 2.0 only
    v1_type: str | None
    v2: str | None  # CUR 2.0 name, None if legacy only
    v2_type: str | None
    source: str  # how sample.rows renders it: "text:<key>", "money:<key>", "date:<which>", ...
    drift: bool = False  # only written from the drift period on

    @property
    def parquet_v1(self) -> str | None:
        return snake(self.v1) if self.v1 else None


def _both(v1: str, v1_type: str, v2_type: str, source: str | None = None, drift: bool = False) -> Field:
    kind = {"String": "text", "OptionalString": "text", "BigDecimal": "money", "OptionalBigDecimal": "money"}
    return Field(v1, v1_type, snake(v1), v2_type, source or f"{kind[v1_type]}:{v1}", drift)


S, OS, BD, OBD = "String", "OptionalString", "BigDecimal", "OptionalBigDecimal"

FIELDS: tuple[Field, ...] = (
    _both("identity/LineItemId", S, "string"),
    _both("identity/TimeInterval", "Interval", "string", "interval"),
    _both("bill/InvoiceId", S, "string"),
    _both("bill/InvoicingEntity", S, "string"),
    _both("bill/BillingEntity", S, "string"),
    _both("bill/BillType", S, "string"),
    _both("bill/PayerAccountId", S, "string"),
    Field(None, None, "bill_payer_account_name", "string", "text:bill/PayerAccountName"),
    _both("bill/BillingPeriodStartDate", "DateTime", "timestamp", "date:period_start"),
    _both("bill/BillingPeriodEndDate", "DateTime", "timestamp", "date:period_end"),
    _both("lineItem/UsageAccountId", S, "string"),
    Field(None, None, "line_item_usage_account_name", "string", "text:lineItem/UsageAccountName"),
    _both("lineItem/LineItemType", S, "string"),
    _both("lineItem/UsageStartDate", "DateTime", "timestamp", "date:usage_start"),
    _both("lineItem/UsageEndDate", "DateTime", "timestamp", "date:usage_end"),
    _both("lineItem/ProductCode", S, "string"),
    _both("lineItem/UsageType", S, "string"),
    _both("lineItem/Operation", S, "string"),
    _both("lineItem/AvailabilityZone", S, "string"),
    _both("lineItem/ResourceId", S, "string"),
    _both("lineItem/UsageAmount", BD, "double"),
    _both("lineItem/NormalizationFactor", OBD, "double"),
    _both("lineItem/NormalizedUsageAmount", OBD, "double"),
    _both("lineItem/CurrencyCode", S, "string"),
    _both("lineItem/UnblendedRate", S, "string"),
    _both("lineItem/UnblendedCost", BD, "double"),
    _both("lineItem/BlendedRate", S, "string"),
    _both("lineItem/BlendedCost", BD, "double"),
    _both("lineItem/NetUnblendedRate", OS, "string", "text:lineItem/NetUnblendedRate", drift=True),
    _both("lineItem/NetUnblendedCost", OBD, "double", drift=True),
    _both("lineItem/LineItemDescription", S, "string"),
    _both("lineItem/TaxType", S, "string"),
    _both("lineItem/LegalEntity", S, "string"),
    Field("product/ProductName", OS, None, None, "text:product/ProductName"),
    _both("product/productFamily", OS, "string"),
    _both("product/instanceType", OS, "string"),
    _both("product/location", OS, "string"),
    _both("product/regionCode", OS, "string"),
    _both("product/servicecode", OS, "string"),
    _both("product/sku", OS, "string"),
    # Legacy CUR writes the text "NA" here for EC2 instances (CUR 2.0 has it in the product map only).
    Field("product/preInstalledSw", OS, None, None, "text:product/preInstalledSw"),
    Field(None, None, "product", "map<string,string>", "map:product"),
    _both("pricing/RateCode", OS, "string"),
    _both("pricing/currency", OS, "string"),
    _both("pricing/publicOnDemandCost", OBD, "double"),
    _both("pricing/publicOnDemandRate", OS, "string"),
    _both("pricing/term", OS, "string"),
    _both("pricing/unit", OS, "string"),
    _both("reservation/AmortizedUpfrontCostForUsage", OBD, "double"),
    _both("reservation/AmortizedUpfrontFeeForBillingPeriod", OBD, "double"),
    _both("reservation/EffectiveCost", OBD, "double"),
    _both("reservation/RecurringFeeForUsage", OBD, "double"),
    _both("reservation/ReservationARN", OS, "string"),
    _both("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", OBD, "double"),
    _both("reservation/UnusedRecurringFee", OBD, "double"),
    _both("savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod", OBD, "double"),
    _both("savingsPlan/OfferingType", OS, "string"),
    _both("savingsPlan/RecurringCommitmentForBillingPeriod", OBD, "double"),
    _both("savingsPlan/SavingsPlanARN", OS, "string"),
    _both("savingsPlan/SavingsPlanEffectiveCost", OBD, "double"),
    _both("savingsPlan/SavingsPlanRate", OBD, "double"),
    _both("savingsPlan/TotalCommitmentToDate", OBD, "double"),
    _both("savingsPlan/UsedCommitment", OBD, "double"),
    Field("resourceTags/user:Env", OS, None, None, "tag:env"),
    Field("resourceTags/user:Team", OS, None, None, "tag:team"),
    Field("resourceTags/user:CostCenter", OS, None, None, "tag:cost_center", drift=True),
    Field(None, None, "resource_tags", "map<string,string>", "map:resource_tags"),
    Field("costCategory/Project", OS, None, None, "text:costCategory/Project"),
    Field(None, None, "cost_category", "map<string,string>", "map:cost_category"),
    Field(None, None, "discount", "map<string,double>", "map:discount"),
)

# Keys of the CUR 2.0 maps, snake_case like their legacy column counterparts.
TAG_KEYS = {"team": snake("user:Team"), "env": snake("user:Env"), "cost_center": snake("user:CostCenter")}
COST_CATEGORY_KEY = snake("Project")


def fields_for(cur_version: str, *, drift: bool) -> tuple[Field, ...]:
    """The fields a file of this dialect has; drift fields only when ``drift`` is set."""
    wanted = (lambda f: f.v1 is not None) if cur_version == "v1" else (lambda f: f.v2 is not None)
    return tuple(f for f in FIELDS if wanted(f) and (drift or not f.drift))


def column_name(field: Field, cur_version: str, data_format: str) -> str:
    """The name a field is written under: legacy CSV ``a/B``, legacy Parquet and CUR 2.0 snake_case."""
    if cur_version == "v2":
        assert field.v2 is not None
        return field.v2
    assert field.v1 is not None
    return field.v1 if data_format == "csv" else snake(field.v1)


def manifest_columns(cur_version: str, *, drift: bool) -> list[dict[str, str]]:
    """The ``columns`` entry of a manifest, in each dialect's own shape."""
    if cur_version == "v1":
        return [
            {"category": f.v1.split("/", 1)[0], "name": f.v1.split("/", 1)[1], "type": f.v1_type}
            for f in fields_for("v1", drift=drift)
            if f.v1 and f.v1_type
        ]
    return [{"name": f.v2, "type": f.v2_type} for f in fields_for("v2", drift=drift) if f.v2 and f.v2_type]
