"""FOCUS from an ActualCost and an AmortizedCost export of the same billing period: Microsoft's conversion.

Microsoft's "Convert Cost Management data to FOCUS" (FinOps toolkit, docs/azure.md cites it) takes

* every row of the amortized cost dataset, and
* the rows of the actual cost dataset that amortization leaves out: commitment purchases and refunds
  (``ChargeType`` Purchase or Refund with ``PricingModel`` Reservation or SavingsPlan),

and gives each row ``BilledCost`` = ``CostInBillingCurrency`` except commitment usage of the amortized
rows (``Usage``, ``UnusedReservation``, ``UnusedSavingsPlan`` on a reservation or savings plan), which is 0,
and ``EffectiveCost`` = ``CostInBillingCurrency`` except the commitment purchases and refunds of the actual
rows, which are 0. So per billing account ``sum(BilledCost)`` is the actual cost and ``sum(EffectiveCost)``
the amortized cost exactly when the two exports agree on every other charge; the SELECT checks both sums
against the two exports and raises an error naming the account and the figures when they differ, so
``focus build`` refuses the period instead of writing a wrong bill.

The EA and MCA column sets differ in spelling (``CostInBillingCurrency``/``costInBillingCurrency``, which
the import stores alike) and in a few columns: MCA's FOCUS billing account is the billing profile
(``billingProfileId``), its currency ``billingCurrency`` beside a ``pricingCurrency`` with an exchange rate;
EA's is the enrollment (``BillingAccountId``) with ``BillingCurrencyCode``. docs/azure.md has the table of
every column's derivation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from open_finops.api import quote_identifier as q

MONEY = "DECIMAL(38,18)"
ACTUAL, AMORTIZED = "ActualCost", "AmortizedCost"
COMMITMENT_MODELS = ("reservation", "savingsplan")
COMMITMENT_USAGE = ("usage", "unusedreservation", "unusedsavingsplan")
COMMITMENT_PURCHASES = ("purchase", "refund")

# MeterCategory -> (ServiceName, ServiceCategory, ServiceSubcategory), FOCUS 1.2's values. Microsoft maps
# ConsumedService and ResourceType with its services data file; the meter category is the column both EA
# and MCA files always carry for usage. A category not listed keeps its own name as ServiceName, in Other.
SERVICES: tuple[tuple[str, str, str, str], ...] = (
    ("Virtual Machines", "Virtual Machines", "Compute", "Virtual Machines"),
    ("Virtual Machines Licenses", "Virtual Machines", "Compute", "Virtual Machines"),
    ("Azure Kubernetes Service", "Azure Kubernetes Service", "Compute", "Containers"),
    ("Container Instances", "Container Instances", "Compute", "Containers"),
    ("Container Registry", "Container Registry", "Compute", "Containers"),
    ("Functions", "Functions", "Compute", "Serverless Compute"),
    ("Azure App Service", "App Service", "Web", "Application Platforms"),
    ("Azure Virtual Desktop", "Azure Virtual Desktop", "Compute", "End User Computing"),
    ("Storage", "Storage Accounts", "Storage", "Object Storage"),
    ("Backup", "Backup", "Storage", "Backup Storage"),
    ("SQL Database", "SQL Database", "Databases", "Relational Databases"),
    ("SQL Managed Instance", "SQL Managed Instance", "Databases", "Relational Databases"),
    ("Azure Database for PostgreSQL", "Azure Database for PostgreSQL", "Databases", "Relational Databases"),
    ("Azure Database for MySQL", "Azure Database for MySQL", "Databases", "Relational Databases"),
    ("Azure Cosmos DB", "Azure Cosmos DB", "Databases", "NoSQL Databases"),
    ("Redis Cache", "Azure Cache for Redis", "Databases", "Caching"),
    ("Azure Synapse Analytics", "Azure Synapse Analytics", "Databases", "Data Warehouses"),
    ("Azure Data Factory v2", "Azure Data Factory", "Analytics", "Data Processing"),
    ("Azure Databricks", "Azure Databricks", "Analytics", "Data Processing"),
    ("Azure Data Explorer", "Azure Data Explorer", "Analytics", "Analytics Platforms"),
    ("Azure Cognitive Search", "Azure AI Search", "Analytics", "Search"),
    ("Bandwidth", "Bandwidth", "Networking", "Network Connectivity"),
    ("Virtual Network", "Virtual Network", "Networking", "Network Infrastructure"),
    ("Load Balancer", "Load Balancer", "Networking", "Application Networking"),
    ("Application Gateway", "Application Gateway", "Networking", "Application Networking"),
    ("VPN Gateway", "VPN Gateway", "Networking", "Network Connectivity"),
    ("ExpressRoute", "ExpressRoute", "Networking", "Network Connectivity"),
    ("Content Delivery Network", "Content Delivery Network", "Networking", "Content Delivery"),
    ("Azure DNS", "Azure DNS", "Networking", "Network Routing"),
    ("Azure Firewall", "Azure Firewall", "Networking", "Network Security"),
    ("Event Hubs", "Event Hubs", "Integration", "Messaging"),
    ("Service Bus", "Service Bus", "Integration", "Messaging"),
    ("Logic Apps", "Logic Apps", "Integration", "Workflow Orchestration"),
    ("API Management", "API Management", "Integration", "API Management"),
    ("Key Vault", "Key Vault", "Security", "Secret Management"),
    ("Microsoft Defender for Cloud", "Microsoft Defender for Cloud", "Security", "Security Posture Management"),
    ("Log Analytics", "Log Analytics", "Management and Governance", "Observability"),
    ("Azure Monitor", "Azure Monitor", "Management and Governance", "Observability"),
    ("Azure Site Recovery", "Azure Site Recovery", "Management and Governance", "Disaster Recovery"),
    ("Cognitive Services", "Azure AI Services", "AI and Machine Learning", "AI Platforms"),
    ("Azure Machine Learning", "Azure Machine Learning", "AI and Machine Learning", "Machine Learning"),
    ("IoT Hub", "IoT Hub", "Internet of Things", "IoT Platforms"),
    ("Microsoft Entra ID", "Microsoft Entra ID", "Identity", "Identity and Access Management"),
    ("Azure DevOps", "Azure DevOps", "Developer Tools", "Developer Platforms"),
)


# UnitOfMeasure -> FOCUS UnitFormat, for units priced per one unit (Microsoft's pricing-unit data file maps
# every unit, block sizes too: "10 Hours" stays as written here, which UnitFormat accepts).
UNITS: tuple[tuple[str, str], ...] = (
    ("1 Hour", "Hours"), ("1 Hours", "Hours"), ("1 Minute", "Minutes"), ("1 Second", "Seconds"),
    ("1 Day", "Days"), ("1 Month", "Months"), ("1/Month", "Months"), ("1 /Month", "Months"), ("1 Year", "Years"),
    ("1 GB", "GB"), ("1 TB", "TB"), ("1 MB", "MB"), ("1 GB/Month", "GB-Months"), ("1 TB/Month", "TB-Months"),
    ("1 GB/Hour", "GB-Hours"), ("1 GB/Day", "GB-Days"), ("1 vCore Hour", "vCore-Hours"), ("1 Unit", "Units"),
    ("1 Count", "Count"), ("1 Request", "Requests"), ("1 Transaction", "Transactions"),
)


def focus_unit(unit_of_measure: str) -> str:
    """A UnitOfMeasure as PricingUnit/ConsumedUnit: FOCUS's spelling for the units of :data:`UNITS`."""
    return dict(UNITS).get(unit_of_measure, unit_of_measure)


def snake(name: str) -> str:
    """How the import named a column (core's dlt naming): ``CostInBillingCurrency`` -> ``cost_in_billing_currency``."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return NamingConvention().normalize_identifier(name)


def is_mca(columns: dict[str, str]) -> bool:
    """MCA files carry ``billingCurrency`` and ``pricingCurrency``; EA files ``BillingCurrencyCode``."""
    return snake("BillingCurrencyCode") not in columns and snake("PricingCurrency") in columns


class _Sql:
    """SQL text and its positional parameters, in the order the placeholders appear."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> None:
        self.parts.append(text)
        self.params.extend(params)

    def text(self) -> str:
        return "".join(self.parts)


class _Columns:
    """Expressions over whichever of Microsoft's columns one loaded table has (EA or MCA spelling)."""

    def __init__(self, columns: dict[str, str]) -> None:
        self.columns = columns

    def first(self, *names: str) -> str | None:
        return next((q(snake(n)) for n in names if snake(n) in self.columns), None)

    def text(self, *names: str) -> str:
        found = self.first(*names)
        return f"NULLIF(TRIM(CAST({found} AS VARCHAR)), '')" if found else "CAST(NULL AS VARCHAR)"

    def coalesce(self, *names: str) -> str:
        """The first non-empty of several columns (``benefitId``, else the older ``ReservationId``)."""
        present = [self.text(n) for n in names if self.first(n)]
        return f"coalesce({', '.join(present)})" if present else "CAST(NULL AS VARCHAR)"

    def money(self, *names: str) -> str:
        found = self.first(*names)
        return f"CAST({found} AS {MONEY})" if found else f"CAST(NULL AS {MONEY})"


def _day(text: str) -> str:
    """A ``MM/dd/yyyy`` (or ``yyyy-MM-dd``) date as midnight UTC; NULL when it is neither."""
    parsed = f"try_strptime({text}, ['%m/%d/%Y', '%Y-%m-%d'])"
    return f"CAST(strftime({parsed}, '%Y-%m-%d') || ' 00:00:00+00' AS TIMESTAMPTZ)"


def _fields(columns: dict[str, str], dataset: str) -> dict[str, str]:
    """One export's rows in one vocabulary, whichever column set (EA or MCA) it was written in."""
    cols = _Columns(columns)
    mca = is_mca(columns)
    currency = cols.text("BillingCurrency") if mca else cols.text("BillingCurrencyCode", "BillingCurrency")
    return {
        "dataset": f"'{dataset}'",
        "agreement": "'MCA'" if mca else "'EA'",
        "charge_type": cols.text("ChargeType"),
        "pricing_model": cols.text("PricingModel"),
        "frequency": cols.text("Frequency"),
        "cost": cols.money("CostInBillingCurrency"),
        "cost_in_usd": cols.money("CostInUsd"),
        "cost_in_pricing_currency": cols.money("CostInPricingCurrency") if mca else cols.money("CostInBillingCurrency"),
        "payg_cost": cols.money("PaygCostInBillingCurrency") if mca else f"CAST(NULL AS {MONEY})",
        "quantity": cols.money("Quantity"),
        "unit_price": cols.money("UnitPrice"),
        "payg_price": cols.money("PayGPrice"),
        "exchange_rate": cols.money("ExchangeRatePricingToBilling") if mca else f"CAST(1 AS {MONEY})",
        # FOCUS's billing account is MCA's billing profile, EA's enrollment (Microsoft's conversion).
        "account_id": cols.text("BillingProfileId") if mca else cols.text("BillingAccountId"),
        "account_name": cols.text("BillingProfileName") if mca else cols.text("BillingAccountName"),
        "ms_billing_account_id": cols.text("BillingAccountId"),
        "ms_billing_account_name": cols.text("BillingAccountName"),
        "billing_profile_id": cols.text("BillingProfileId"),
        "billing_profile_name": cols.text("BillingProfileName"),
        "currency": currency,
        "pricing_currency": cols.text("PricingCurrency") if mca else currency,
        "period_start": _day(cols.text("BillingPeriodStartDate")),
        "period_end_inclusive": _day(cols.text("BillingPeriodEndDate")),
        "charge_day": _day(cols.text("Date")),
        "product_name": cols.text("ProductName"),
        "product_id": cols.text("ProductId") if mca else "CAST(NULL AS VARCHAR)",
        "meter_category": cols.text("MeterCategory"),
        "meter_subcategory": cols.text("MeterSubCategory"),
        "meter_name": cols.text("MeterName"),
        "meter_id": cols.text("MeterId"),
        "consumed_service": cols.text("ConsumedService"),
        "publisher_name": cols.text("PublisherName"),
        "publisher_type": cols.text("PublisherType"),
        "partner_name": cols.text("PartnerName"),
        "benefit_id": cols.coalesce("benefitId", "ReservationId"),
        "benefit_name": cols.coalesce("benefitName", "ReservationName"),
        "resource_id": cols.text("ResourceId"),
        "resource_name": cols.text("ResourceName"),
        "location": cols.text("ResourceLocation"),
        "resource_group": cols.text("ResourceGroup", "ResourceGroupName"),
        "subscription_id": cols.text("SubscriptionId"),
        "subscription_name": cols.text("SubscriptionName"),
        "tags": cols.text("Tags"),
        "additional_info": cols.text("AdditionalInfo"),
        "invoice_id": cols.text("InvoiceId"),
        "unit_of_measure": cols.text("UnitOfMeasure"),
        "part_number": cols.text("PartNumber"),
        "offer_id": cols.text("OfferId"),
        "availability_zone": cols.text("AvailabilityZone"),
        "invoice_section_id": cols.text("InvoiceSectionId"),
        "invoice_section_name": cols.text("InvoiceSectionName"),
        "cost_center": cols.text("CostCenter"),
        "enrollment_account_name": cols.text("AccountName"),
        "enrollment_account_owner": cols.text("AccountOwnerId"),
    }


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _rows(sql: _Sql, name: str, dataset: str, schema: str, table: str, columns: dict[str, str], period: str) -> None:
    fields = _fields(columns, dataset)
    sql.add(f"{name} AS (SELECT " + ", ".join(f"{e} AS {n}" for n, e in fields.items()))
    sql.add(f" FROM {q(schema)}.{q(table)}")
    if "billing_period" in columns:  # one table for every month (--table-strategy single)
        sql.add(" WHERE billing_period = ?", period)
    sql.add("),\n")


def _product(*factors: str) -> str:
    """A derived amount (price x quantity [x exchange rate]) in DECIMAL: each factor is taken to 14, then 12
    decimal places so the product keeps 12 integer digits, and the result is cast back to DECIMAL(38,18)."""
    expression = f"CAST({factors[0]} AS DECIMAL(38,14))"
    for factor in factors[1:]:
        expression = f"CAST({expression} * CAST({factor} AS DECIMAL(38,12)) AS DECIMAL(38,14))"
    return f"CAST({expression} AS {MONEY})"


def select_sql(schema: str, period: str, amortized: tuple[str, dict[str, str]], actual: tuple[str, dict[str, str]],
               names: tuple[str, str]) -> tuple[str, list[Any]]:
    """The SELECT producing one billing period's FOCUS rows from its amortized and actual cost tables, with the
    money check. ``amortized``/``actual`` are (table, columns); ``names`` the (amortized, actual) export names, for
    messages."""
    sql = _Sql()
    sql.add("WITH services (meter_category, service_name, service_category, service_subcategory) AS (VALUES ")
    sql.add(", ".join("(?, ?, ?, ?)" for _ in SERVICES), *(v for row in SERVICES for v in row))
    sql.add("),\nunits (unit_of_measure, focus_unit) AS (VALUES ")
    sql.add(", ".join("(?, ?)" for _ in UNITS), *(v for row in UNITS for v in row))
    sql.add("),\n")
    _rows(sql, "amortized", AMORTIZED, schema, amortized[0], amortized[1], period)
    _rows(sql, "actual", ACTUAL, schema, actual[0], actual[1], period)
    sql.add(_CLASSIFY)
    sql.add(_MAPPED, period, period)
    sql.add(_CHECKED, names[0], period, names[1])
    return sql.text(), sql.params


_CLASSIFY = f"""picked AS (
  SELECT * FROM amortized
  UNION ALL BY NAME
  -- the actual rows amortization leaves out: commitment purchases and refunds
  SELECT * FROM actual WHERE lower(replace(pricing_model, ' ', '')) IN {_in(COMMITMENT_MODELS)}
                         AND lower(charge_type) IN {_in(COMMITMENT_PURCHASES)}),
c AS (SELECT *,
    lower(charge_type) AS ct,
    coalesce(lower(replace(pricing_model, ' ', '')) IN {_in(COMMITMENT_MODELS)}, false) AS on_commitment,
    CASE WHEN lower(benefit_id) LIKE '%/microsoft.capacity/%' THEN 'Usage'
         WHEN lower(benefit_id) LIKE '%/microsoft.billingbenefits/%' THEN 'Spend'
         WHEN benefit_id IS NOT NULL AND lower(replace(pricing_model, ' ', '')) = 'reservation' THEN 'Usage'
         WHEN benefit_id IS NOT NULL AND lower(replace(pricing_model, ' ', '')) = 'savingsplan' THEN 'Spend'
         END AS commitment_category,
    CASE lower(charge_type) WHEN 'usage' THEN 'Usage' WHEN 'purchase' THEN 'Purchase' WHEN 'credit' THEN 'Credit'
         WHEN 'tax' THEN 'Tax' WHEN 'unusedreservation' THEN 'Usage' WHEN 'unusedsavingsplan' THEN 'Usage'
         WHEN 'refund' THEN 'Purchase' ELSE 'Adjustment' END AS category,
    regexp_extract(lower(resource_id), '/providers/([^/]+/[^/]+)/[^/]+', 1) AS arm_type
  FROM picked),
m AS (SELECT *,
    CASE WHEN dataset = '{AMORTIZED}' AND on_commitment AND ct IN {_in(COMMITMENT_USAGE)} THEN CAST(0 AS {MONEY})
         ELSE cost END AS billed,
    CASE WHEN dataset = '{ACTUAL}' THEN CAST(0 AS {MONEY}) ELSE cost END AS effective,
    CASE WHEN commitment_category IS NOT NULL THEN benefit_id END AS commitment_id,
    CASE WHEN json_valid(additional_info)
         THEN NULLIF(json_extract_string(additional_info, '$.VMCapacityReservationId'), '') END AS capacity_id,
    CASE WHEN tags IS NULL THEN NULL WHEN starts_with(tags, '{{') THEN tags ELSE '{{' || tags || '}}' END AS tags_json
  FROM c),
"""

_MAPPED = f"""mapped AS (SELECT
    availability_zone AS "AvailabilityZone",
    billed AS "BilledCost",
    account_id AS "BillingAccountId",
    account_name AS "BillingAccountName",
    CASE WHEN account_id IS NULL THEN NULL WHEN agreement = 'MCA' THEN 'Billing Profile' ELSE 'Billing Account' END
        AS "BillingAccountType",
    currency AS "BillingCurrency",
    coalesce(period_end_inclusive + INTERVAL 1 DAY,
             CAST(strftime(CAST(? || '-01' AS DATE) + INTERVAL 1 MONTH, '%Y-%m-%d') || ' 00:00:00+00' AS TIMESTAMPTZ))
        AS "BillingPeriodEnd",
    coalesce(period_start, CAST(? || '-01 00:00:00+00' AS TIMESTAMPTZ)) AS "BillingPeriodStart",
    category AS "ChargeCategory",
    CASE WHEN ct = 'refund' THEN 'Correction' END AS "ChargeClass",
    product_name AS "ChargeDescription",
    CASE WHEN lower(frequency) = 'onetime' THEN 'One-Time'
         WHEN lower(frequency) = 'recurring' THEN 'Recurring'
         WHEN lower(frequency) = 'usagebased' AND category <> 'Purchase' THEN 'Usage-Based'
         WHEN category = 'Usage' THEN 'Usage-Based'
         ELSE 'One-Time' END AS "ChargeFrequency",
    charge_day + INTERVAL 1 DAY AS "ChargePeriodEnd",
    charge_day AS "ChargePeriodStart",
    capacity_id AS "CapacityReservationId",
    CASE WHEN capacity_id IS NULL THEN NULL
         WHEN lower(resource_id) LIKE '%/microsoft.compute/capacityreservationgroups/%/capacityreservations/%'
         THEN 'Unused' ELSE 'Used' END AS "CapacityReservationStatus",
    CASE WHEN commitment_id IS NOT NULL THEN commitment_category END AS "CommitmentDiscountCategory",
    commitment_id AS "CommitmentDiscountId",
    CASE WHEN commitment_id IS NOT NULL THEN benefit_name END AS "CommitmentDiscountName",
    CAST(NULL AS {MONEY}) AS "CommitmentDiscountQuantity",
    CASE WHEN commitment_id IS NULL THEN NULL
         WHEN ct IN ('unusedreservation', 'unusedsavingsplan') THEN 'Unused'
         WHEN category = 'Usage' THEN 'Used' END AS "CommitmentDiscountStatus",
    CASE WHEN commitment_id IS NULL THEN NULL WHEN commitment_category = 'Usage' THEN 'Reservation'
         ELSE 'Savings Plan' END AS "CommitmentDiscountType",
    CAST(NULL AS VARCHAR) AS "CommitmentDiscountUnit",
    CASE WHEN ct = 'usage' AND c_.unit_of_measure IS NOT NULL THEN quantity END AS "ConsumedQuantity",
    CASE WHEN ct = 'usage' AND quantity IS NOT NULL THEN coalesce(u.focus_unit, c_.unit_of_measure) END
        AS "ConsumedUnit",
    CASE WHEN category IN ('Usage', 'Purchase')
         THEN coalesce({_product('unit_price', 'quantity', 'exchange_rate')}, cost) ELSE cost END AS "ContractedCost",
    CASE WHEN category <> 'Tax' AND unit_price >= 0 THEN {_product('unit_price', 'exchange_rate')} END
        AS "ContractedUnitPrice",
    effective AS "EffectiveCost",
    invoice_id AS "InvoiceId",
    coalesce(partner_name, 'Microsoft') AS "InvoiceIssuerName",
    CASE WHEN category IN ('Usage', 'Purchase')
         THEN coalesce(payg_cost, {_product('payg_price', 'quantity', 'exchange_rate')}, cost) ELSE cost END
        AS "ListCost",
    CASE WHEN category <> 'Tax' AND payg_price >= 0 THEN {_product('payg_price', 'exchange_rate')} END
        AS "ListUnitPrice",
    CASE WHEN category = 'Tax' THEN NULL
         WHEN lower(replace(pricing_model, ' ', '')) = 'ondemand' THEN 'Standard'
         WHEN lower(replace(pricing_model, ' ', '')) = 'spot' THEN 'Dynamic'
         WHEN on_commitment THEN 'Committed' END AS "PricingCategory",
    pricing_currency AS "PricingCurrency",
    CASE WHEN category <> 'Tax' AND unit_price >= 0 THEN unit_price END AS "PricingCurrencyContractedUnitPrice",
    CASE WHEN dataset = '{ACTUAL}' THEN CAST(0 AS {MONEY}) ELSE cost_in_pricing_currency END
        AS "PricingCurrencyEffectiveCost",
    CASE WHEN category <> 'Tax' AND payg_price >= 0 THEN payg_price END AS "PricingCurrencyListUnitPrice",
    CASE WHEN category <> 'Tax' THEN quantity END AS "PricingQuantity",
    CASE WHEN category <> 'Tax' THEN coalesce(u.focus_unit, c_.unit_of_measure) END AS "PricingUnit",
    'Microsoft' AS "ProviderName",
    coalesce(publisher_name, 'Microsoft') AS "PublisherName",
    lower(replace(location, ' ', '')) AS "RegionId",
    location AS "RegionName",
    resource_id AS "ResourceId",
    CASE WHEN resource_id IS NOT NULL
         THEN coalesce(resource_name, NULLIF(regexp_extract(resource_id, '([^/]+)/?$', 1), '')) END AS "ResourceName",
    CASE WHEN resource_id IS NOT NULL THEN coalesce(NULLIF(arm_type, ''), 'Resource') END AS "ResourceType",
    coalesce(s.service_category, 'Other') AS "ServiceCategory",
    coalesce(s.service_name, c_.meter_category, c_.consumed_service, c_.product_name, 'Azure') AS "ServiceName",
    coalesce(s.service_subcategory, 'Other (Other)') AS "ServiceSubcategory",
    product_id AS "SkuId",
    meter_name AS "SkuMeter",
    CAST(NULL AS VARCHAR) AS "SkuPriceDetails",
    CAST(NULL AS VARCHAR) AS "SkuPriceId",
    CASE WHEN starts_with(subscription_id, '/') THEN subscription_id
         WHEN subscription_id IS NOT NULL THEN '/subscriptions/' || subscription_id END AS "SubAccountId",
    subscription_name AS "SubAccountName",
    CASE WHEN subscription_id IS NOT NULL THEN 'Subscription' END AS "SubAccountType",
    tags_json AS "Tags",
    dataset AS x_source_dataset,
    charge_type AS x_charge_type,
    pricing_model AS x_pricing_model,
    CASE WHEN cost_in_usd IS NOT NULL AND dataset = '{AMORTIZED}' AND on_commitment AND ct IN {_in(COMMITMENT_USAGE)}
         THEN CAST(0 AS {MONEY}) ELSE cost_in_usd END AS x_billed_cost_in_usd,
    CASE WHEN cost_in_usd IS NOT NULL AND dataset = '{ACTUAL}' THEN CAST(0 AS {MONEY}) ELSE cost_in_usd END
        AS x_effective_cost_in_usd,
    exchange_rate AS x_billing_exchange_rate,
    ms_billing_account_id AS x_billing_account_id,
    ms_billing_account_name AS x_billing_account_name,
    billing_profile_id AS x_billing_profile_id,
    billing_profile_name AS x_billing_profile_name,
    invoice_section_id AS x_invoice_section_id,
    invoice_section_name AS x_invoice_section_name,
    cost_center AS x_cost_center,
    enrollment_account_name AS x_account_name,
    enrollment_account_owner AS x_account_owner_id,
    pricing_currency AS x_pricing_currency,
    c_.unit_of_measure AS x_pricing_unit_description,
    publisher_type AS x_publisher_category,
    resource_group AS x_resource_group_name,
    NULLIF(arm_type, '') AS x_resource_type,
    c_.meter_category AS x_sku_meter_category,
    meter_subcategory AS x_sku_meter_subcategory,
    meter_id AS x_sku_meter_id,
    part_number AS x_sku_part_number,
    offer_id AS x_sku_offer_id,
    additional_info AS x_sku_details
  FROM m AS c_ LEFT JOIN services AS s ON s.meter_category = c_.meter_category
       LEFT JOIN units AS u ON u.unit_of_measure = c_.unit_of_measure),
"""

def _plain(amount: str) -> str:
    """A DECIMAL as text without its trailing zeros (12.500000000000000000 -> 12.5)."""
    return f"rtrim(rtrim(CAST({amount} AS VARCHAR), '0'), '.')"


# Per billing account: the rows' sums against the two exports' own totals (NULL accounts compare as '').
_CHECKED = f"""produced AS (SELECT coalesce("BillingAccountId", '') AS account, sum("BilledCost") AS billed,
                     sum("EffectiveCost") AS effective FROM mapped GROUP BY 1),
actual_total AS (SELECT coalesce(account_id, '') AS account, sum(cost) AS billed FROM actual GROUP BY 1),
amortized_total AS (SELECT coalesce(account_id, '') AS account, sum(cost) AS effective FROM amortized GROUP BY 1),
expected AS (SELECT coalesce(a.account, z.account) AS account, a.billed, z.effective
             FROM actual_total AS a FULL JOIN amortized_total AS z ON a.account = z.account),
mismatch AS (SELECT coalesce(e.account, p.account) AS account,
                    coalesce(p.billed, 0) AS got_billed, coalesce(e.billed, 0) AS want_billed,
                    coalesce(p.effective, 0) AS got_effective, coalesce(e.effective, 0) AS want_effective
             FROM expected AS e FULL JOIN produced AS p ON e.account = p.account
             WHERE coalesce(p.billed, 0) <> coalesce(e.billed, 0)
                OR coalesce(p.effective, 0) <> coalesce(e.effective, 0)),
verdict AS (SELECT CASE WHEN count(*) = 0 THEN true ELSE error(format(
    'money check: billing account {{}} of {{}} {{}}: sum(BilledCost) {{}} but the ActualCost export {{}} totals {{}}; '
    || 'sum(EffectiveCost) {{}}, the AmortizedCost export {{}}. The two exports do not hold the same charges '
    || '(re-export both for the same scope and month), or leave one out with setting focus.exclude',
    first(account ORDER BY account), ?, ?, {_plain('first(got_billed ORDER BY account)')}, ?,
    {_plain('first(want_billed ORDER BY account)')}, {_plain('first(got_effective ORDER BY account)')},
    {_plain('first(want_effective ORDER BY account)')})) END AS ok FROM mismatch)
SELECT mapped.* FROM mapped, verdict WHERE verdict.ok
"""
