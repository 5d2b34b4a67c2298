"""AWS CUR (v1 and 2.0) to FOCUS: the ``aws-focus`` pipeline's runner and the SQL it hands to core.

Core's ``finops focus build`` calls :func:`focus_sources`. It lists every billing period the AWS importer
loaded into the local DuckDB file (the current versions in ``billing_state.load_state``) and builds, per
period, one SELECT over the imported table. The SELECT is built from the table's actual columns: CUR v1
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

from open_finops.api import FOCUS_COLUMNS, NATIVE_FOCUS, FocusSource, OpenFinopsError
from open_finops.api import quote_identifier as q
from open_finops_aws import VENDOR
from open_finops_aws.manifests import FOCUS_FORMAT_PREFIX

# Raise when the mapping changes: core then rebuilds every AWS period with the new rules.
TRANSFORM_VERSION = "3"
# Likewise for AWS's own FOCUS exports, which are passed through (native_sql).
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
    categories = service_categories()
    unit_map = units()
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
            sql, params = select_sql(dataset, record.table_name, columns, record.billing_period, categories,
                                     unit_map, source_names)
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
    x_UsageType).
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


class _Sql:
    """SQL text and its positional parameters, kept in the order the placeholders appear."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> None:
        self.parts.append(text)
        self.params.extend(params)

    def text(self) -> str:
        return "".join(self.parts)


class _Columns:
    """Expressions for logical CUR fields over whichever column names this table has."""

    def __init__(self, columns: dict[str, str]) -> None:
        self.columns = columns

    def first(self, *names: str) -> str | None:
        return next((q(n) for n in names if n in self.columns), None)

    def text(self, *names: str) -> str:
        found = self.first(*names)
        return f"NULLIF(TRIM(CAST({found} AS VARCHAR)), '')" if found else "CAST(NULL AS VARCHAR)"

    def money(self, *names: str) -> str:
        found = self.first(*names)
        return f"CAST({found} AS {MONEY})" if found else f"CAST(NULL AS {MONEY})"

    def rate(self, *names: str) -> str:
        # CUR declares rates as strings (v1 manifests and CUR 2.0 alike).
        found = self.first(*names)
        return f"TRY_CAST(NULLIF(TRIM(CAST({found} AS VARCHAR)), '') AS {MONEY})" if found else f"CAST(NULL AS {MONEY})"

    def timestamp(self, *names: str) -> str:
        found = self.first(*names)
        return f"CAST({found} AS TIMESTAMPTZ)" if found else "CAST(NULL AS TIMESTAMPTZ)"

    def json_key(self, column: str, key: str) -> str | None:
        """A key of a CUR 2.0 map column (stored as JSON text)."""
        if column not in self.columns:
            return None
        return f"NULLIF(json_extract_string({q(column)}, '$.{key}'), '')"

    def text_or_json(self, names: Sequence[str], json_column: str, key: str) -> str:
        options = [e for e in (self.first(*names) and self.text(*names), self.json_key(json_column, key)) if e]
        return f"coalesce({', '.join(options)})" if options else "CAST(NULL AS VARCHAR)"


def tag_key(column: str, source_name: str | None) -> str:
    """The FOCUS Tags key of a CUR v1 tag column, from the header the manifest gave it.

    User-defined keys are kept as the user wrote them, without CUR's ``user:`` prefix (FOCUS 1.2 tags.md:
    a provider with one user-defined tag scheme does not prefix them): ``resourceTags/user:Cost Center``
    is ``Cost Center``. AWS's own keys keep their ``aws:`` prefix: ``resourceTags/aws:createdBy`` is
    ``aws:createdBy``. A load recorded before open-finops kept header names has only the column's
    snake_case name: ``resource_tags_user_team`` is then ``team``, ``resource_tags_aws_created_by``
    ``aws:created_by``, as CUR 2.0 writes them.
    """
    if source_name and source_name.startswith("resourceTags/"):
        return source_name.removeprefix("resourceTags/").removeprefix("user:")
    return map_tag_key(column.removeprefix("resource_tags_"))


def map_tag_key(key: str) -> str:
    """The FOCUS Tags key of a CUR 2.0 ``resource_tags`` key. AWS writes those in its own snake_case
    (``user_cost_center`` for ``user:CostCenter``), so their case is lost before we see them: the user
    prefix is dropped, and ``aws_`` becomes ``aws:`` again."""
    if key.startswith("user_"):
        return key.removeprefix("user_")
    if key.startswith("aws_"):
        return "aws:" + key.removeprefix("aws_")
    return key


def _tag_entries(cols: _Columns, sql: _Sql, source_names: dict[str, str]) -> None:
    """A list of {key, value} structs with FOCUS keys: v1 resource tag columns and the CUR 2.0 resource_tags map."""
    lists = []
    tag_columns = sorted(c for c in cols.columns if c.startswith("resource_tags_"))
    if tag_columns:
        structs = []
        for column in tag_columns:
            structs.append(f"{{'key': ?, 'value': NULLIF(TRIM(CAST({q(column)} AS VARCHAR)), '')}}")
        lists.append("[" + ", ".join(structs) + "]")
    params = [tag_key(c, source_names.get(c)) for c in tag_columns]
    if "resource_tags" in cols.columns:  # its keys as map_tag_key turns them
        lists.append(
            "[{'key': CASE WHEN starts_with(e.key, 'user_') THEN substr(e.key, 6)"
            " WHEN starts_with(e.key, 'aws_') THEN 'aws:' || substr(e.key, 5) ELSE e.key END, 'value': e.value}"
            " for e in coalesce(map_entries(json_transform(\"resource_tags\", '\"MAP(VARCHAR, VARCHAR)\"')), [])]")
    empty = "CAST([] AS STRUCT(\"key\" VARCHAR, \"value\" VARCHAR)[])"
    expression = empty
    for item in lists:
        expression = f"list_concat({expression}, {item})"
    sql.add(f"{expression} AS tag_entries", *params)


def _coalesce(*expressions: str) -> str:
    return f"coalesce({', '.join(expressions)})"


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def select_sql(dataset: str, table: str, columns: dict[str, str], billing_period: str,
               categories: Sequence[Category], unit_map: dict[str, str] | None = None,
               source_names: dict[str, str] | None = None) -> tuple[str, list[Any]]:
    """The SELECT producing FOCUS rows for one billing period of one imported CUR table; ``source_names``
    are the load's column names as its manifest spelled them (the case of tag keys)."""
    cols = _Columns(columns)
    sql = _Sql()
    unit_map = units() if unit_map is None else unit_map

    sql.add("WITH categories (code, service_category, service_subcategory) AS (VALUES ")
    sql.add(", ".join("(?, ?, ?)" for _ in categories),
            *(v for c in categories for v in (c.service_code, c.service_category, c.service_subcategory)))
    sql.add("),\nunit_map (cur_unit, focus_unit) AS (VALUES ")
    sql.add(", ".join("(?, ?)" for _ in unit_map), *(v for pair in unit_map.items() for v in pair))
    sql.add("),\nsrc AS (SELECT ")
    fields = {
        "line_item_id": cols.text("identity_line_item_id"),
        "line_item_type": cols.text("line_item_line_item_type"),
        "bill_type": cols.text("bill_bill_type"),
        "billing_entity": cols.text("bill_billing_entity"),
        "invoicing_entity": cols.text("bill_invoicing_entity"),
        "legal_entity": cols.text("line_item_legal_entity"),
        "invoice_id": cols.text("bill_invoice_id"),
        "payer_account_id": cols.text("bill_payer_account_id"),
        "payer_account_name": cols.text("bill_payer_account_name"),
        "usage_account_id": cols.text("line_item_usage_account_id"),
        "usage_account_name": cols.text("line_item_usage_account_name"),
        "period_start": cols.timestamp("bill_billing_period_start_date"),
        "period_end": cols.timestamp("bill_billing_period_end_date"),
        "usage_start": cols.timestamp("line_item_usage_start_date"),
        "usage_end": cols.timestamp("line_item_usage_end_date"),
        "product_code": cols.text("line_item_product_code"),
        "service_code": cols.text_or_json(["product_servicecode"], "product", "servicecode"),
        "product_name": cols.text_or_json(["product_product_name"], "product", "product_name"),
        "product_family": cols.text_or_json(["product_product_family"], "product", "product_family"),
        "usage_type": cols.text("line_item_usage_type"),
        "operation": cols.text("line_item_operation"),
        # CUR v1 leaves product/regionCode empty on many rows that have product/region (the same code).
        "region_code": _coalesce(cols.text_or_json(["product_region_code"], "product", "region"),
                                 cols.text("product_region")),
        "location": cols.text_or_json(["product_location"], "product", "location"),
        "availability_zone": cols.text("line_item_availability_zone"),
        "resource_id": cols.text("line_item_resource_id"),
        "name_tag": cols.text_or_json(["resource_tags_user_name"], "resource_tags", "user_name"),
        "usage_amount": cols.money("line_item_usage_amount"),
        "currency": cols.text("line_item_currency_code"),
        "description": cols.text("line_item_line_item_description"),
        "unblended_rate": cols.rate("line_item_unblended_rate"),
        "unblended_cost": cols.money("line_item_unblended_cost"),
        "net_unblended_rate": cols.rate("line_item_net_unblended_rate"),
        "net_unblended_cost": cols.money("line_item_net_unblended_cost"),
        "sku": cols.text("product_sku"),
        "rate_code": cols.text("pricing_rate_code"),
        "pricing_currency": cols.text("pricing_currency"),
        "public_cost": cols.money("pricing_public_on_demand_cost"),
        "public_rate": cols.rate("pricing_public_on_demand_rate"),
        "pricing_term": cols.text("pricing_term"),
        "pricing_unit": cols.text("pricing_unit"),
        "ri_arn": cols.text("reservation_reservation_arn", "reservation_reservation_a_r_n"),
        "ri_effective_cost": cols.money("reservation_net_effective_cost", "reservation_effective_cost"),
        "ri_unused_upfront": cols.money("reservation_net_unused_amortized_upfront_fee_for_billing_period",
                                        "reservation_unused_amortized_upfront_fee_for_billing_period"),
        "ri_unused_recurring": cols.money("reservation_net_unused_recurring_fee", "reservation_unused_recurring_fee"),
        "sp_arn": cols.text("savings_plan_savings_plan_arn", "savings_plan_savings_plan_a_r_n"),
        "sp_effective_cost": cols.money("savings_plan_net_savings_plan_effective_cost",
                                        "savings_plan_savings_plan_effective_cost"),
        "sp_total_commitment": cols.money("savings_plan_total_commitment_to_date"),
        "sp_used_commitment": cols.money("savings_plan_used_commitment"),
    }
    sql.add(", ".join(f"{expression} AS {name}" for name, expression in fields.items()) + ", ")
    _tag_entries(cols, sql, source_names or {})
    has_period = "billing_period" in columns
    sql.add(f", {'billing_period' if has_period else 'CAST(? AS VARCHAR)'} AS billing_period",
            *(() if has_period else (billing_period,)))
    sql.add(f" FROM {q(dataset)}.{q(table)}")
    if has_period:
        sql.add(" WHERE billing_period = ?", billing_period)
    sql.add("),\n")
    sql.add(_CLASSIFIED)
    sql.add(_PRICED)
    sql.add(_FINAL_HEAD)
    _resource_type(sql)
    sql.add(_FINAL_TAIL)
    return sql.text(), sql.params


_CLASSIFIED = f"""c AS (SELECT *,
    coalesce(net_unblended_cost, unblended_cost, 0) AS billed,
    CASE WHEN line_item_type IN {_in(USAGE_TYPES)} THEN 'Usage'
         WHEN line_item_type IN {_in(PURCHASE_TYPES)} THEN 'Purchase'
         WHEN line_item_type = 'Tax' THEN 'Tax'
         WHEN line_item_type IN {_in(CREDIT_TYPES)} THEN 'Credit'
         ELSE 'Adjustment' END AS category,
    coalesce(line_item_type = 'Refund' OR bill_type = 'Refund' OR usage_start < period_start, false) AS correction,
    CASE WHEN line_item_type IN {_in(SAVINGS_PLAN_TYPES)} AND sp_arn IS NOT NULL THEN 'sp'
         WHEN line_item_type IN {_in(RESERVATION_TYPES)} AND ri_arn IS NOT NULL THEN 'ri' END AS commitment,
    coalesce(period_start, CAST(billing_period || '-01 00:00:00+00' AS TIMESTAMPTZ)) AS billing_start,
    coalesce(period_end, CAST(strftime(CAST(billing_period || '-01' AS DATE) + INTERVAL 1 MONTH, '%Y-%m-%d')
                              || ' 00:00:00+00' AS TIMESTAMPTZ)) AS billing_end
  FROM src),
p AS (SELECT *,
    CASE WHEN commitment = 'sp' THEN sp_arn WHEN commitment = 'ri' THEN ri_arn END AS commitment_id,
    CASE WHEN category = 'Tax' THEN NULL
         ELSE coalesce(sku, CASE WHEN category IN ('Usage', 'Purchase')
                                 THEN product_code || '/' || coalesce(usage_type, line_item_type) END) END AS sku_id,
    CASE WHEN category NOT IN ('Usage', 'Purchase') THEN NULL
         WHEN line_item_type = 'SavingsPlanNegation' THEN CAST(0 AS {MONEY})
         WHEN category = 'Purchase' THEN coalesce(CASE WHEN unblended_rate >= 0 THEN unblended_rate END, public_rate)
         ELSE coalesce(public_rate, CASE WHEN unblended_rate >= 0 THEN unblended_rate END) END AS list_unit_price,
    CASE WHEN line_item_type = 'SavingsPlanNegation' THEN CAST(0 AS {MONEY})
         WHEN category = 'Usage' THEN coalesce(public_cost, unblended_cost, billed)
         WHEN category = 'Purchase' THEN coalesce(unblended_cost, billed)
         ELSE billed END AS list_cost
  FROM c),
"""

_PRICED = f"""f AS (SELECT *,
    CASE WHEN line_item_type = 'SavingsPlanNegation' THEN CAST(0 AS {MONEY})
         WHEN line_item_type = 'DiscountedUsage' THEN list_cost
         ELSE billed END AS contracted_cost,
    CASE WHEN category NOT IN ('Usage', 'Purchase') THEN NULL
         WHEN line_item_type IN ('SavingsPlanNegation', 'DiscountedUsage') THEN list_unit_price
         ELSE coalesce(CASE WHEN coalesce(net_unblended_rate, unblended_rate) >= 0
                            THEN coalesce(net_unblended_rate, unblended_rate) END, list_unit_price)
         END AS contracted_unit_price,
    CASE line_item_type
         WHEN 'DiscountedUsage' THEN coalesce(ri_effective_cost, 0)
         WHEN 'SavingsPlanCoveredUsage' THEN coalesce(sp_effective_cost, 0)
         WHEN 'SavingsPlanNegation' THEN 0
         WHEN 'SavingsPlanUpfrontFee' THEN 0
         WHEN 'SavingsPlanRecurringFee' THEN coalesce(sp_total_commitment - sp_used_commitment, 0)
         WHEN 'RIFee' THEN coalesce(ri_unused_upfront, 0) + coalesce(ri_unused_recurring, 0)
         WHEN 'Fee' THEN CASE WHEN commitment = 'ri' THEN 0 ELSE billed END
         ELSE billed END AS effective_cost,
    CASE WHEN category = 'Usage' AND NOT correction AND pricing_unit IS NOT NULL THEN usage_amount END
         AS consumed_quantity,
    CASE WHEN tag_entries IS NULL THEN NULL
         -- sorted by key, so the same tags give the same text whichever CUR version they came from
         ELSE NULLIF(CAST(to_json(map_from_entries(list_sort([
              {{'key': e.key, 'value': e.value}} for e in tag_entries
              if e.value IS NOT NULL AND e.value <> '']))) AS VARCHAR), '{{}}')
         END AS tags
  FROM p)
"""

_FINAL_HEAD = """SELECT
    availability_zone AS "AvailabilityZone",
    billed AS "BilledCost",
    payer_account_id AS "BillingAccountId",
    payer_account_name AS "BillingAccountName",
    CASE WHEN payer_account_id IS NOT NULL THEN 'Payer Account' END AS "BillingAccountType",
    coalesce(currency, 'USD') AS "BillingCurrency",
    billing_end AS "BillingPeriodEnd",
    billing_start AS "BillingPeriodStart",
    category AS "ChargeCategory",
    CASE WHEN correction THEN 'Correction' END AS "ChargeClass",
    description AS "ChargeDescription",
    CASE WHEN category = 'Usage' THEN 'Usage-Based'
         WHEN line_item_type = 'SavingsPlanUpfrontFee' OR bill_type = 'Purchase' THEN 'One-Time'
         WHEN category IN ('Credit', 'Adjustment') THEN 'One-Time'
         ELSE 'Recurring' END AS "ChargeFrequency",
    coalesce(usage_end, billing_end) AS "ChargePeriodEnd",
    coalesce(usage_start, billing_start) AS "ChargePeriodStart",
    CAST(NULL AS VARCHAR) AS "CapacityReservationId",
    CAST(NULL AS VARCHAR) AS "CapacityReservationStatus",
    CASE commitment WHEN 'sp' THEN 'Spend' WHEN 'ri' THEN 'Usage' END AS "CommitmentDiscountCategory",
    CAST(NULL AS DECIMAL(38,18)) AS "CommitmentDiscountQuantity",
    CAST(NULL AS VARCHAR) AS "CommitmentDiscountUnit",
    commitment_id AS "CommitmentDiscountId",
    CAST(NULL AS VARCHAR) AS "CommitmentDiscountName",
    CASE WHEN commitment_id IS NOT NULL AND category = 'Usage' THEN 'Used' END AS "CommitmentDiscountStatus",
    CASE commitment WHEN 'sp' THEN 'Savings Plan' WHEN 'ri' THEN 'Reserved Instance' END
        AS "CommitmentDiscountType",
    consumed_quantity AS "ConsumedQuantity",
    CASE WHEN consumed_quantity IS NOT NULL THEN coalesce(u.mapped, pricing_unit) END AS "ConsumedUnit",
    contracted_cost AS "ContractedCost",
    contracted_unit_price AS "ContractedUnitPrice",
    effective_cost AS "EffectiveCost",
    invoice_id AS "InvoiceId",
    'AWS' AS "InvoiceIssuerName",
    list_cost AS "ListCost",
    list_unit_price AS "ListUnitPrice",
    CASE WHEN category NOT IN ('Usage', 'Purchase') THEN NULL
         WHEN category = 'Usage' AND commitment_id IS NOT NULL THEN 'Committed'
         WHEN category = 'Usage' AND (pricing_term = 'Spot' OR usage_type LIKE '%SpotUsage%') THEN 'Dynamic'
         ELSE 'Standard' END AS "PricingCategory",
    coalesce(pricing_currency, currency, 'USD') AS "PricingCurrency",
    contracted_unit_price AS "PricingCurrencyContractedUnitPrice",
    effective_cost AS "PricingCurrencyEffectiveCost",
    list_unit_price AS "PricingCurrencyListUnitPrice",
    CASE WHEN category IN ('Usage', 'Purchase') THEN usage_amount END AS "PricingQuantity",
    CASE WHEN category IN ('Usage', 'Purchase') THEN coalesce(u.mapped, pricing_unit) END AS "PricingUnit",
    'AWS' AS "ProviderName",
    CASE WHEN billing_entity = 'AWS Marketplace' THEN coalesce(legal_entity, billing_entity) ELSE 'AWS' END
        AS "PublisherName",
    region_code AS "RegionId",
    CASE WHEN region_code IS NOT NULL THEN location END AS "RegionName",
    resource_id AS "ResourceId",
    CASE WHEN resource_id IS NOT NULL THEN name_tag END AS "ResourceName",
"""

_FINAL_TAIL = """ AS "ResourceType",
    coalesce(m.service_category, 'Other') AS "ServiceCategory",
    coalesce(product_name, product_code, service_code, 'AWS') AS "ServiceName",
    coalesce(m.service_subcategory, 'Other (Other)') AS "ServiceSubcategory",
    sku_id AS "SkuId",
    CASE WHEN category IN ('Usage', 'Purchase') THEN usage_type END AS "SkuMeter",
    CAST(NULL AS VARCHAR) AS "SkuPriceDetails",
    CASE WHEN category = 'Tax' THEN NULL ELSE coalesce(rate_code, sku_id) END AS "SkuPriceId",
    usage_account_id AS "SubAccountId",
    usage_account_name AS "SubAccountName",
    CASE WHEN usage_account_id IS NOT NULL THEN 'Linked Account' END AS "SubAccountType",
    tags AS "Tags",
    line_item_id AS "x_LineItemId",
    line_item_type AS "x_LineItemType",
    service_code AS "x_ServiceCode",
    usage_type AS "x_UsageType",
    operation AS "x_Operation"
FROM f
-- by product code, the code ServiceName names (a data transfer row of S3 has service code AWSDataTransfer)
LEFT JOIN categories m ON m.code = coalesce(f.product_code, f.service_code)
-- units the map does not know are kept as AWS wrote them
LEFT JOIN (SELECT cur_unit, focus_unit AS mapped FROM unit_map) u ON u.cur_unit = f.pricing_unit
"""


def _resource_type(sql: _Sql) -> None:
    """CASE expression naming the kind of resource a resource id points at."""
    sql.add("    CASE WHEN resource_id IS NULL THEN NULL")
    for prefix, name in ID_PREFIX_TYPES:
        sql.add(" WHEN starts_with(resource_id, ?) THEN ?", prefix, name)
    arn_service = "split_part(resource_id, ':', 3)"
    arn_key = f"{arn_service} || ':' || regexp_extract(split_part(resource_id, ':', 6), '^[^/]+')"
    sql.add(f" WHEN starts_with(resource_id, 'arn:') THEN coalesce(CASE {arn_key}")
    for key, name in ARN_TYPES:
        sql.add(" WHEN ? THEN ?", key, name)
    sql.add(f" END, CASE {arn_service}")
    for service, name in ARN_SERVICE_TYPES:
        sql.add(" WHEN ? THEN ?", service, name)
    sql.add(" END, product_family, service_code, product_code)")
    for product, name in PRODUCT_TYPES:
        sql.add(" WHEN product_code = ? THEN ?", product, name)
    sql.add(" ELSE coalesce(product_family, service_code, product_code, 'Resource') END")
