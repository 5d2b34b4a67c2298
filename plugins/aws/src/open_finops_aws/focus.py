"""AWS CUR (v1 and 2.0) to FOCUS: the ``aws-focus`` pipeline's runner and the SQL it hands to core.

Core's ``finops focus build`` calls :func:`focus_sources`. It lists every billing period the AWS importer
loaded into the local DuckDB file (the current versions in ``billing_state.load_state``) and builds, per
period, one SELECT over the imported table. The SELECT is rendered from :func:`mapping` (the column ->
expression table core renders natively and as a dbt model) over the table's actual columns: CUR v1
names as dlt snake-cased them (``lineItem/UnblendedCost`` -> ``line_item_unblended_cost``), CUR 2.0 names
(the same for the common columns, plus maps stored as JSON text), and NULL for any column an export does
not have. docs/focus.md lists every FOCUS column's derivation.

Money stays DECIMAL(38,18) throughout, so per period ``sum(BilledCost)`` equals the sum of (net)
unblended cost exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from open_finops.api import (
    FOCUS_COLUMNS,
    NATIVE_FOCUS,
    Expr,
    FocusMapping,
    FocusSource,
    Lookup,
    OpenFinopsError,
    Sql,
    Stage,
    TagMap,
    duckdb_select,
    literal,
    money,
    rate,
    text,
    timestamp,
)
from open_finops.api import quote_identifier as q
from open_finops_aws import VENDOR
from open_finops_aws.manifests import FOCUS_FORMAT_PREFIX

# Raise when the mapping changes: core then rebuilds every AWS period with the new rules.
TRANSFORM_VERSION = "3"
# Likewise for AWS's own FOCUS exports, which are passed through (native_sql), not mapped.
NATIVE_TRANSFORM_VERSION = "1"
CATEGORIES_FILE = "service_categories.csv"
UNITS_FILE = "units.csv"
MONEY = "DECIMAL(38,18)"
# How each export format is named and ranked when two exports hold the same payer's period (core counts
# the highest): CUR 2.0 over legacy CUR; AWS's own FOCUS export (core's NATIVE_FOCUS, 100) over both.
FORMATS = {"v1": ("CUR v1", 10), "v2": ("CUR 2.0", 20)}

USAGE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation")
PURCHASE_TYPES = ("Fee", "RIFee", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee")
# Discounts AWS applies as their own line items; FOCUS has no discount category, and they are granted by
# the provider, so they are credits.
CREDIT_TYPES = ("Credit", "EdpDiscount", "PrivateRateDiscount", "BundledDiscount", "Discount", "DistributorDiscount",
                "SppDiscount", "RiVolumeDiscount")
SAVINGS_PLAN_TYPES = ("SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee",
                      "SavingsPlanUpfrontFee")
RESERVATION_TYPES = ("DiscountedUsage", "RIFee", "Fee")

# ResourceType from the resource id: EC2-style id prefixes, ARN "service:type", then the ARN's service.
ID_PREFIX_TYPES = (
    ("i-", "EC2 Instance"), ("vol-", "EBS Volume"), ("snap-", "EBS Snapshot"), ("eni-", "Network Interface"),
    ("nat-", "NAT Gateway"), ("eipalloc-", "Elastic IP"), ("ami-", "Machine Image"), ("vpce-", "VPC Endpoint"),
    ("tgw-attach-", "Transit Gateway Attachment"), ("tgw-", "Transit Gateway"), ("vpn-", "VPN Connection"),
    ("fs-", "File System"), ("lt-", "Launch Template"),
)
ARN_TYPES = (
    ("lambda:function", "Lambda Function"), ("rds:db", "RDS DB Instance"), ("rds:cluster", "RDS DB Cluster"),
    ("logs:log-group", "CloudWatch Log Group"), ("dynamodb:table", "DynamoDB Table"),
    ("elasticloadbalancing:loadbalancer", "Load Balancer"), ("ecs:cluster", "ECS Cluster"),
    ("ecs:service", "ECS Service"), ("eks:cluster", "EKS Cluster"), ("elasticache:cluster", "ElastiCache Cluster"),
    ("elasticache:replicationgroup", "ElastiCache Replication Group"), ("kinesis:stream", "Kinesis Stream"),
    ("firehose:deliverystream", "Firehose Delivery Stream"), ("sagemaker:endpoint", "SageMaker Endpoint"),
    ("sagemaker:notebook-instance", "SageMaker Notebook Instance"), ("redshift:cluster", "Redshift Cluster"),
    ("es:domain", "OpenSearch Domain"), ("secretsmanager:secret", "Secret"), ("kms:key", "KMS Key"),
    ("ec2:reserved-instances", "Reserved Instance"), ("savingsplans:savingsplan", "Savings Plan"),
    ("cloudfront:distribution", "CloudFront Distribution"), ("route53:hostedzone", "Hosted Zone"),
    ("apigateway:restapis", "API Gateway API"), ("states:stateMachine", "Step Functions State Machine"),
)
ARN_SERVICE_TYPES = (("s3", "S3 Bucket"), ("sqs", "SQS Queue"), ("sns", "SNS Topic"))
PRODUCT_TYPES = (("AmazonS3", "S3 Bucket"),)


@dataclass(frozen=True)
class Category:
    service_code: str
    service_category: str
    service_subcategory: str


def service_categories() -> list[Category]:
    """The product code -> ServiceCategory/ServiceSubcategory table shipped as package data."""
    return parse_categories(resources.files("open_finops_aws").joinpath("data", CATEGORIES_FILE).read_text("utf-8"))


def parse_categories(text: str) -> list[Category]:
    """Rows of ``service_code,service_category,service_subcategory``. A code may appear once: FOCUS 1.2 wants
    one ServiceCategory (and should have one ServiceSubcategory) per ServiceName, so an EC2 volume or an S3
    data transfer row is in its service's category, not in Storage or Networking."""
    rows = [Category(**{k: (v or "").strip() for k, v in row.items()}) for row in csv.DictReader(io.StringIO(text))]
    seen: set[str] = set()
    for row in rows:
        if row.service_code in seen:
            raise ValueError(f"{CATEGORIES_FILE}: {row.service_code} is listed twice")
        seen.add(row.service_code)
    return rows


def units() -> dict[str, str]:
    """CUR pricing units -> FOCUS UnitFormat (package data): ``Hrs`` is ``Hours``, ``GB-Mo`` ``GB-Months``."""
    text = resources.files("open_finops_aws").joinpath("data", UNITS_FILE).read_text("utf-8")
    found: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["cur_unit"] in found:
            raise ValueError(f"{UNITS_FILE}: {row['cur_unit']} is listed twice")
        found[row["cur_unit"]] = row["focus_unit"]
    return found


def focus_sources(con: Any, *, config: Any = None) -> list[FocusSource]:
    """One FOCUS source per AWS export and billing period loaded into this DuckDB file."""
    from open_finops.api import Destination, LoadStateStore

    store = LoadStateStore(con, create=False)
    if not store.exists:
        return []
    aws = mapping()
    sources = []
    for record in store.current_versions(VENDOR):
        where = Destination.from_key(record.destination)
        if where is None or not where.is_duckdb or not record.table_name:
            continue  # loaded into another database: not in this file
        dataset = where.dataset
        columns = table_columns(con, dataset, record.table_name)
        if not columns:
            raise OpenFinopsError(
                f"the load state says {dataset}.{record.table_name} holds {record.export_name} "
                f"{record.billing_period}, but that table is missing; re-import it with finops aws import-cur --reset"
            )
        source_names = store.source_columns(record.load_id)
        format_version = record.format_version or ""
        if format_version.startswith(FOCUS_FORMAT_PREFIX):  # AWS's own FOCUS export: passed through
            sql, params = native_sql(dataset, record.table_name, columns, record.billing_period, source_names,
                                     f"{record.export_name} {record.billing_period}")
            source_format = f"FOCUS {format_version.removeprefix(FOCUS_FORMAT_PREFIX)}"
            preference, transform_version = NATIVE_FOCUS, NATIVE_TRANSFORM_VERSION
        else:
            sql, params = duckdb_select(aws, dataset, record.table_name, columns, record.billing_period,
                                        source_names)
            source_format, preference = FORMATS.get(format_version, (format_version or "CUR", 0))
            transform_version = TRANSFORM_VERSION
        sources.append(FocusSource(
            vendor=VENDOR, export_name=record.export_name, billing_period=record.billing_period,
            version_id=record.version_id, sql=sql, params=tuple(params), transform_version=transform_version,
            source_format=source_format, preference=preference,
        ))
    return sources


def table_columns(con: Any, schema: str, table: str) -> dict[str, str]:
    from open_finops.api import table_columns as columns

    return columns(con, schema, table)


# Core fills these from the FocusSource; an export's own column of that name would clash.
_CORE_COLUMNS = ("x_Vendor", "x_ExportName", "x_BillingPeriod", "x_SourceVersionId")


def native_sql(dataset: str, table: str, columns: dict[str, str], billing_period: str,
               source_names: dict[str, str], what: str) -> tuple[str, list[Any]]:
    """The SELECT passing one period of AWS's own FOCUS export into ``focus.costs`` unchanged.

    The table's columns carry the importer's snake_case names (``billed_cost``); ``source_names`` (the
    load's manifest names) says which FOCUS column each one is. Each contract column is the export's own,
    cast to the contract's type (money is DECIMAL(38,18) already: the importer read AWS's doubles exactly);
    a column the export's FOCUS version does not have is NULL, except ServiceSubcategory, which FOCUS 1.2
    requires: ``Other (<ServiceCategory>)`` for a FOCUS 1.0 export. The export's ``x_`` columns are kept
    under their own names (x_Discounts, x_Operation, x_ServiceCode, and for 1.0 x_CostCategories and
    x_UsageType). Not part of :func:`mapping` (nor of its dbt model): there is nothing to map.
    """
    stored = {source: name for name, source in source_names.items() if name in columns}
    if not stored:
        raise OpenFinopsError(f"{what}: the load state keeps no column names for this FOCUS export (imported by an "
                              "older open-finops); import it again with finops aws import-cur --reset")
    selected = []
    for column in FOCUS_COLUMNS:
        name = stored.get(column.name)
        if name is not None:
            selected.append(f"CAST({q(name)} AS {column.type}) AS {q(column.name)}")
        elif column.name == "ServiceSubcategory" and "ServiceCategory" in stored:
            category = q(stored["ServiceCategory"])
            selected.append(f"CASE WHEN {category} IS NOT NULL THEN 'Other (' || {category} || ')' END "
                            f"AS {q(column.name)}")
        else:
            selected.append(f"CAST(NULL AS {column.type}) AS {q(column.name)}")
    selected += [f"{q(name)} AS {q(source)}" for source, name in sorted(stored.items())
                 if source.startswith("x_") and source not in _CORE_COLUMNS]
    sql = f"SELECT {', '.join(selected)} FROM {q(dataset)}.{q(table)}"
    if "billing_period" in columns:  # the single table strategy: every period in one table
        return sql + " WHERE billing_period = ?", [billing_period]
    return sql, []


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def select_sql(dataset: str, table: str, columns: dict[str, str], billing_period: str,
               categories: Sequence[Category], unit_map: dict[str, str] | None = None,
               source_names: dict[str, str] | None = None) -> tuple[str, list[Any]]:
    """The SELECT producing FOCUS rows for one billing period of one imported CUR table; ``source_names``
    are the load's column names as its manifest spelled them (the case of tag keys)."""
    return duckdb_select(mapping(categories, unit_map), dataset, table, columns, billing_period, source_names)


# The src stage: each field from whichever CUR v1 / CUR 2.0 column (or CUR 2.0 map key) the table has.
FIELDS = (
    text("line_item_id", "identity_line_item_id"),
    text("line_item_type", "line_item_line_item_type"),
    text("bill_type", "bill_bill_type"),
    text("billing_entity", "bill_billing_entity"),
    text("invoicing_entity", "bill_invoicing_entity"),
    text("legal_entity", "line_item_legal_entity"),
    text("invoice_id", "bill_invoice_id"),
    text("payer_account_id", "bill_payer_account_id"),
    text("payer_account_name", "bill_payer_account_name"),
    text("usage_account_id", "line_item_usage_account_id"),
    text("usage_account_name", "line_item_usage_account_name"),
    timestamp("period_start", "bill_billing_period_start_date"),
    timestamp("period_end", "bill_billing_period_end_date"),
    timestamp("usage_start", "line_item_usage_start_date"),
    timestamp("usage_end", "line_item_usage_end_date"),
    text("product_code", "line_item_product_code"),
    text("service_code", "product_servicecode", json=("product", "servicecode")),
    text("product_name", "product_product_name", json=("product", "product_name")),
    text("product_family", "product_product_family", json=("product", "product_family")),
    text("usage_type", "line_item_usage_type"),
    text("operation", "line_item_operation"),
    # CUR v1 leaves product/regionCode empty on many rows that have product/region (the same code).
    text("region_code", "product_region_code", json=("product", "region"), then=("product_region",)),
    text("location", "product_location", json=("product", "location")),
    text("availability_zone", "line_item_availability_zone"),
    text("resource_id", "line_item_resource_id"),
    text("name_tag", "resource_tags_user_name", json=("resource_tags", "user_name")),
    money("usage_amount", "line_item_usage_amount"),
    text("currency", "line_item_currency_code"),
    text("description", "line_item_line_item_description"),
    rate("unblended_rate", "line_item_unblended_rate"),
    money("unblended_cost", "line_item_unblended_cost"),
    rate("net_unblended_rate", "line_item_net_unblended_rate"),
    money("net_unblended_cost", "line_item_net_unblended_cost"),
    text("sku", "product_sku"),
    text("rate_code", "pricing_rate_code"),
    text("pricing_currency", "pricing_currency"),
    money("public_cost", "pricing_public_on_demand_cost"),
    rate("public_rate", "pricing_public_on_demand_rate"),
    text("pricing_term", "pricing_term"),
    text("pricing_unit", "pricing_unit"),
    text("ri_arn", "reservation_reservation_arn", "reservation_reservation_a_r_n"),
    money("ri_effective_cost", "reservation_net_effective_cost", "reservation_effective_cost"),
    money("ri_unused_upfront", "reservation_net_unused_amortized_upfront_fee_for_billing_period",
          "reservation_unused_amortized_upfront_fee_for_billing_period"),
    money("ri_unused_recurring", "reservation_net_unused_recurring_fee", "reservation_unused_recurring_fee"),
    text("sp_arn", "savings_plan_savings_plan_arn", "savings_plan_savings_plan_a_r_n"),
    money("sp_effective_cost", "savings_plan_net_savings_plan_effective_cost",
          "savings_plan_savings_plan_effective_cost"),
    money("sp_total_commitment", "savings_plan_total_commitment_to_date"),
    money("sp_used_commitment", "savings_plan_used_commitment"),
)
# v1 resource tag columns and the CUR 2.0 resource_tags map, with the keys FOCUS Tags shows.
# A v1 column's key is its header as the user wrote it, without CUR's "user:" prefix (FOCUS 1.2 tags.md: a
# provider with one user-defined tag scheme does not prefix them); AWS's own keep "aws:":
# resourceTags/user:Cost Center is "Cost Center", resourceTags/aws:createdBy "aws:createdBy". CUR 2.0 writes
# its map keys in AWS's own snake_case (user_cost_center for user:CostCenter), their case lost before we see
# them: "user_" is dropped and "aws_" is "aws:" again; so is a v1 column loaded before open-finops kept
# header names (resource_tags_user_team is "team").
TAGS = TagMap("tag_entries", prefix="resource_tags_", json_column="resource_tags",
              key_renames=(("user_", ""), ("aws_", "aws:")),
              source_renames=(("resourceTags/user:", ""), ("resourceTags/", "")))


def tag_key(column: str, source_name: str | None) -> str:
    """The FOCUS Tags key of a CUR v1 tag column, from the header the manifest gave it (see TAGS)."""
    return TAGS.column_key(column, source_name)


def map_tag_key(key: str) -> str:
    """The FOCUS Tags key of a CUR 2.0 ``resource_tags`` key (see TAGS)."""
    return TAGS.renamed_key(key)


def mapping(categories: Sequence[Category] | None = None, unit_map: dict[str, str] | None = None) -> FocusMapping:
    """The AWS mapping, with the service category and unit tables shipped as package data."""
    categories = service_categories() if categories is None else categories
    unit_map = units() if unit_map is None else unit_map
    return FocusMapping(
        vendor=VENDOR, transform_version=TRANSFORM_VERSION, fields=FIELDS, tags=TAGS,
        lookups=(
            Lookup("categories", ("code", "service_category", "service_subcategory"),
                   tuple((c.service_code, c.service_category, c.service_subcategory) for c in categories)),
            Lookup("unit_map", ("cur_unit", "focus_unit"), tuple(unit_map.items())),
        ),
        stages=(_CLASSIFIED, _COMMITTED, _PRICED), final=_final(), joins=_JOINS,
        formats=tuple((key, name, preference) for key, (name, preference) in FORMATS.items()),
    )


_CLASSIFIED = Stage("c", (
    ("billed", "coalesce(net_unblended_cost, unblended_cost, 0)"),
    ("category", f"""CASE WHEN line_item_type IN {_in(USAGE_TYPES)} THEN 'Usage'
         WHEN line_item_type IN {_in(PURCHASE_TYPES)} THEN 'Purchase'
         WHEN line_item_type = 'Tax' THEN 'Tax'
         WHEN line_item_type IN {_in(CREDIT_TYPES)} THEN 'Credit'
         ELSE 'Adjustment' END"""),
    ("correction", "coalesce(line_item_type = 'Refund' OR bill_type = 'Refund' OR usage_start < period_start, false)"),
    ("commitment", f"""CASE WHEN line_item_type IN {_in(SAVINGS_PLAN_TYPES)} AND sp_arn IS NOT NULL THEN 'sp'
         WHEN line_item_type IN {_in(RESERVATION_TYPES)} AND ri_arn IS NOT NULL THEN 'ri' END"""),
    ("billing_start", "coalesce(period_start, CAST(billing_period || '-01 00:00:00+00' AS TIMESTAMPTZ))"),
    ("billing_end", Sql(
        duckdb="""coalesce(period_end, CAST(strftime(CAST(billing_period || '-01' AS DATE) + INTERVAL 1 MONTH,
                                       '%Y-%m-%d') || ' 00:00:00+00' AS TIMESTAMPTZ))""",
        postgres="""coalesce(period_end, CAST(to_char(CAST(billing_period || '-01' AS DATE) + INTERVAL '1 month',
                                                  'YYYY-MM-DD') || ' 00:00:00+00' AS TIMESTAMPTZ))""")),
))

_COMMITTED = Stage("p", (
    ("commitment_id", "CASE WHEN commitment = 'sp' THEN sp_arn WHEN commitment = 'ri' THEN ri_arn END"),
    ("sku_id", """CASE WHEN category = 'Tax' THEN NULL
         ELSE coalesce(sku, CASE WHEN category IN ('Usage', 'Purchase')
                                 THEN product_code || '/' || coalesce(usage_type, line_item_type) END) END"""),
    ("list_unit_price", f"""CASE WHEN category NOT IN ('Usage', 'Purchase') THEN NULL
         WHEN line_item_type = 'SavingsPlanNegation' THEN CAST(0 AS {MONEY})
         WHEN category = 'Purchase' THEN coalesce(CASE WHEN unblended_rate >= 0 THEN unblended_rate END, public_rate)
         ELSE coalesce(public_rate, CASE WHEN unblended_rate >= 0 THEN unblended_rate END) END"""),
    ("list_cost", f"""CASE WHEN line_item_type = 'SavingsPlanNegation' THEN CAST(0 AS {MONEY})
         WHEN category = 'Usage' THEN coalesce(public_cost, unblended_cost, billed)
         WHEN category = 'Purchase' THEN coalesce(unblended_cost, billed)
         ELSE billed END"""),
))

# tag_entries holds the keys as AWS shows them already (TAGS).
_TAGS = Sql(
    duckdb="""CASE WHEN tag_entries IS NULL THEN NULL
         -- sorted by key, so the same tags give the same text whichever CUR version they came from
         ELSE NULLIF(CAST(to_json(map_from_entries(list_sort([
              {'key': e.key, 'value': e.value} for e in tag_entries
              if e.value IS NOT NULL AND e.value <> '']))) AS VARCHAR), '{}')
         END""",
    # The same text as DuckDB's to_json: compact, keys in byte order.
    postgres="""CASE WHEN tag_entries IS NULL THEN NULL
         ELSE (SELECT NULLIF('{' || coalesce(string_agg(CAST(to_json(t.k) AS VARCHAR) || ':'
                                                        || CAST(to_json(t.v) AS VARCHAR), ','
                                                        ORDER BY t.k COLLATE "C", t.v COLLATE "C"), '') || '}', '{}')
               FROM (SELECT e.key AS k, e.value AS v
                     FROM jsonb_each_text(tag_entries) AS e WHERE e.value IS NOT NULL AND e.value <> '') AS t)
         END""",
)

_PRICED = Stage("f", (
    ("contracted_cost", f"""CASE WHEN line_item_type = 'SavingsPlanNegation' THEN CAST(0 AS {MONEY})
         WHEN line_item_type = 'DiscountedUsage' THEN list_cost
         ELSE billed END"""),
    ("contracted_unit_price", """CASE WHEN category NOT IN ('Usage', 'Purchase') THEN NULL
         WHEN line_item_type IN ('SavingsPlanNegation', 'DiscountedUsage') THEN list_unit_price
         ELSE coalesce(CASE WHEN coalesce(net_unblended_rate, unblended_rate) >= 0
                            THEN coalesce(net_unblended_rate, unblended_rate) END, list_unit_price)
         END"""),
    ("effective_cost", """CASE line_item_type
         WHEN 'DiscountedUsage' THEN coalesce(ri_effective_cost, 0)
         WHEN 'SavingsPlanCoveredUsage' THEN coalesce(sp_effective_cost, 0)
         WHEN 'SavingsPlanNegation' THEN 0
         WHEN 'SavingsPlanUpfrontFee' THEN 0
         WHEN 'SavingsPlanRecurringFee' THEN coalesce(sp_total_commitment - sp_used_commitment, 0)
         WHEN 'RIFee' THEN coalesce(ri_unused_upfront, 0) + coalesce(ri_unused_recurring, 0)
         WHEN 'Fee' THEN CASE WHEN commitment = 'ri' THEN 0 ELSE billed END
         ELSE billed END"""),
    ("consumed_quantity",
     "CASE WHEN category = 'Usage' AND NOT correction AND pricing_unit IS NOT NULL THEN usage_amount END"),
    ("tags", _TAGS),
))


def _final() -> tuple[tuple[str, Expr], ...]:
    return (
        ("AvailabilityZone", "availability_zone"),
        ("BilledCost", "billed"),
        ("BillingAccountId", "payer_account_id"),
        ("BillingAccountName", "payer_account_name"),
        ("BillingAccountType", "CASE WHEN payer_account_id IS NOT NULL THEN 'Payer Account' END"),
        ("BillingCurrency", "coalesce(currency, 'USD')"),
        ("BillingPeriodEnd", "billing_end"),
        ("BillingPeriodStart", "billing_start"),
        ("ChargeCategory", "category"),
        ("ChargeClass", "CASE WHEN correction THEN 'Correction' END"),
        ("ChargeDescription", "description"),
        ("ChargeFrequency", """CASE WHEN category = 'Usage' THEN 'Usage-Based'
         WHEN line_item_type = 'SavingsPlanUpfrontFee' OR bill_type = 'Purchase' THEN 'One-Time'
         WHEN category IN ('Credit', 'Adjustment') THEN 'One-Time'
         ELSE 'Recurring' END"""),
        ("ChargePeriodEnd", "coalesce(usage_end, billing_end)"),
        ("ChargePeriodStart", "coalesce(usage_start, billing_start)"),
        ("CapacityReservationId", "CAST(NULL AS VARCHAR)"),
        ("CapacityReservationStatus", "CAST(NULL AS VARCHAR)"),
        ("CommitmentDiscountCategory", "CASE commitment WHEN 'sp' THEN 'Spend' WHEN 'ri' THEN 'Usage' END"),
        ("CommitmentDiscountQuantity", "CAST(NULL AS DECIMAL(38,18))"),
        ("CommitmentDiscountUnit", "CAST(NULL AS VARCHAR)"),
        ("CommitmentDiscountId", "commitment_id"),
        ("CommitmentDiscountName", "CAST(NULL AS VARCHAR)"),
        ("CommitmentDiscountStatus", "CASE WHEN commitment_id IS NOT NULL AND category = 'Usage' THEN 'Used' END"),
        ("CommitmentDiscountType",
         "CASE commitment WHEN 'sp' THEN 'Savings Plan' WHEN 'ri' THEN 'Reserved Instance' END"),
        ("ConsumedQuantity", "consumed_quantity"),
        ("ConsumedUnit", "CASE WHEN consumed_quantity IS NOT NULL THEN coalesce(u.mapped, pricing_unit) END"),
        ("ContractedCost", "contracted_cost"),
        ("ContractedUnitPrice", "contracted_unit_price"),
        ("EffectiveCost", "effective_cost"),
        ("InvoiceId", "invoice_id"),
        ("InvoiceIssuerName", "'AWS'"),
        ("ListCost", "list_cost"),
        ("ListUnitPrice", "list_unit_price"),
        ("PricingCategory", """CASE WHEN category NOT IN ('Usage', 'Purchase') THEN NULL
         WHEN category = 'Usage' AND commitment_id IS NOT NULL THEN 'Committed'
         WHEN category = 'Usage' AND (pricing_term = 'Spot' OR usage_type LIKE '%SpotUsage%') THEN 'Dynamic'
         ELSE 'Standard' END"""),
        ("PricingCurrency", "coalesce(pricing_currency, currency, 'USD')"),
        ("PricingCurrencyContractedUnitPrice", "contracted_unit_price"),
        ("PricingCurrencyEffectiveCost", "effective_cost"),
        ("PricingCurrencyListUnitPrice", "list_unit_price"),
        ("PricingQuantity", "CASE WHEN category IN ('Usage', 'Purchase') THEN usage_amount END"),
        ("PricingUnit", "CASE WHEN category IN ('Usage', 'Purchase') THEN coalesce(u.mapped, pricing_unit) END"),
        ("ProviderName", "'AWS'"),
        ("PublisherName",
         "CASE WHEN billing_entity = 'AWS Marketplace' THEN coalesce(legal_entity, billing_entity) ELSE 'AWS' END"),
        ("RegionId", "region_code"),
        ("RegionName", "CASE WHEN region_code IS NOT NULL THEN location END"),
        ("ResourceId", "resource_id"),
        ("ResourceName", "CASE WHEN resource_id IS NOT NULL THEN name_tag END"),
        ("ResourceType", _resource_type()),
        ("ServiceCategory", "coalesce(m.service_category, 'Other')"),
        ("ServiceName", "coalesce(product_name, product_code, service_code, 'AWS')"),
        ("ServiceSubcategory", "coalesce(m.service_subcategory, 'Other (Other)')"),
        ("SkuId", "sku_id"),
        ("SkuMeter", "CASE WHEN category IN ('Usage', 'Purchase') THEN usage_type END"),
        ("SkuPriceDetails", "CAST(NULL AS VARCHAR)"),
        ("SkuPriceId", "CASE WHEN category = 'Tax' THEN NULL ELSE coalesce(rate_code, sku_id) END"),
        ("SubAccountId", "usage_account_id"),
        ("SubAccountName", "usage_account_name"),
        ("SubAccountType", "CASE WHEN usage_account_id IS NOT NULL THEN 'Linked Account' END"),
        ("Tags", "tags"),
        ("x_LineItemId", "line_item_id"),
        ("x_LineItemType", "line_item_type"),
        ("x_ServiceCode", "service_code"),
        ("x_UsageType", "usage_type"),
        ("x_Operation", "operation"),
    )


_JOINS = """-- by product code, the code ServiceName names (a data transfer row of S3 has service code AWSDataTransfer)
LEFT JOIN categories m ON m.code = coalesce(f.product_code, f.service_code)
-- units the map does not know are kept as AWS wrote them
LEFT JOIN (SELECT cur_unit, focus_unit AS mapped FROM unit_map) u ON u.cur_unit = f.pricing_unit
"""


def _resource_type() -> Expr:
    """CASE expression naming the kind of resource a resource id points at."""
    def build(dialect: str) -> str:
        parts = ["CASE WHEN resource_id IS NULL THEN NULL"]
        for prefix, name in ID_PREFIX_TYPES:
            parts.append(f" WHEN starts_with(resource_id, {literal(prefix)}) THEN {literal(name)}")
        arn_service = "split_part(resource_id, ':', 3)"
        resource = "split_part(resource_id, ':', 6)"
        # DuckDB's regexp_extract gives '' where PostgreSQL's substring gives NULL
        first = (f"regexp_extract({resource}, '^[^/]+')" if dialect == "duckdb"
                 else f"coalesce(substring({resource} from '^[^/]+'), '')")
        arn_key = f"{arn_service} || ':' || {first}"
        parts.append(f" WHEN starts_with(resource_id, 'arn:') THEN coalesce(CASE {arn_key}")
        for key, name in ARN_TYPES:
            parts.append(f" WHEN {literal(key)} THEN {literal(name)}")
        parts.append(f" END, CASE {arn_service}")
        for service, name in ARN_SERVICE_TYPES:
            parts.append(f" WHEN {literal(service)} THEN {literal(name)}")
        parts.append(" END, product_family, service_code, product_code)")
        for product, name in PRODUCT_TYPES:
            parts.append(f" WHEN product_code = {literal(product)} THEN {literal(name)}")
        parts.append(" ELSE coalesce(product_family, service_code, product_code, 'Resource') END")
        return "".join(parts)

    return Sql(duckdb=build("duckdb"), postgres=build("postgres"))
