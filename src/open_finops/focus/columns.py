"""The FOCUS contract: the columns of ``focus.costs``, their types, and the values FOCUS allows.

Every FOCUS 1.0 column is here, plus the FOCUS 1.1/1.2 columns a billing export can fill
(ServiceSubcategory, InvoiceId, BillingAccountType, SubAccountType, PricingCurrency and its three
PricingCurrency* amounts). A transform must produce all of them (NULL where it has nothing); it may add
its own columns prefixed ``x_``, as the specification allows. Types are DuckDB's: FOCUS Decimal is
DECIMAL(38,18), the type the imported billing data uses, so sums stay exact; DateTime is TIMESTAMPTZ (UTC);
JSON is text.

``not_null`` and ``allowed`` are what ``finops focus build`` checks on every period it builds, so a
transform cannot write a row that breaks a FOCUS rule it could not have got right by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

STRING = "VARCHAR"
DECIMAL = "DECIMAL(38,18)"
DATETIME = "TIMESTAMPTZ"
JSON = "VARCHAR"

# Raised when the contract changes in a way that needs every period rebuilt.
CONTRACT_VERSION = "1"
EXTRA_PREFIX = "x_"


@dataclass(frozen=True)
class FocusColumn:
    name: str
    type: str
    focus_type: str  # the specification's data type: String, Decimal, DateTime, JSON
    level: str  # Mandatory, Recommended, Conditional, Optional
    introduced: str  # FOCUS version
    not_null: bool = False
    allowed: tuple[str, ...] = ()
    non_negative: bool = False

    @property
    def is_decimal(self) -> bool:
        return self.type == DECIMAL

    @property
    def is_datetime(self) -> bool:
        return self.type == DATETIME


def _string(name: str, level: str, introduced: str = "1.0", **kw) -> FocusColumn:
    return FocusColumn(name, STRING, "String", level, introduced, **kw)


def _decimal(name: str, level: str, introduced: str = "1.0", **kw) -> FocusColumn:
    return FocusColumn(name, DECIMAL, "Decimal", level, introduced, **kw)


def _datetime(name: str) -> FocusColumn:
    return FocusColumn(name, DATETIME, "DateTime", "Mandatory", "1.0", not_null=True)


SERVICE_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "AI and Machine Learning": ("Bots", "Generative AI", "Machine Learning", "Natural Language Processing",
                                "Other (AI and Machine Learning)"),
    "Analytics": ("Analytics Platform", "Business Intelligence", "Data Processing", "Search", "Streaming Analytics",
                  "Other (Analytics)"),
    "Business Applications": ("Other (Business Applications)",),
    "Compute": ("Containers", "End User Computing", "Quantum", "Serverless Compute", "Virtual Machines",
                "Other (Compute)"),
    "Databases": ("Caching", "Data Warehouse", "Ledger", "NoSQL", "Relational", "Time Series", "Other (Databases)"),
    "Developer Tools": ("Other (Developer Tools)",),
    "Identity": ("Other (Identity)",),
    "Integration": ("API Management", "Messaging", "Workflow Automation", "Other (Integration)"),
    "Internet of Things": ("Other (Internet of Things)",),
    "Management and Governance": ("Administration", "Architecture", "Compliance", "Cost Management",
                                  "Data Governance", "Disaster Recovery", "Observability", "Support",
                                  "Other (Management and Governance)"),
    "Media": ("Other (Media)",),
    "Migration": ("Other (Migration)",),
    "Mobile": ("Other (Mobile)",),
    "Multicloud": ("Other (Multicloud)",),
    "Networking": ("Content Delivery", "Data Transfer", "Load Balancing", "Network Management", "Network Security",
                   "Other (Networking)"),
    "Security": ("CSPM", "Credentials", "SIEM", "Threat Detection", "Other (Security)"),
    "Storage": ("Backups", "Bulk Transfer", "Disk", "Files", "Object Storage", "Other (Storage)"),
    "Web": ("Other (Web)",),
    "Other": ("Other (Other)",),
}
SERVICE_CATEGORIES = tuple(SERVICE_SUBCATEGORIES)
CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")

COLUMNS: tuple[FocusColumn, ...] = (
    _string("AvailabilityZone", "Recommended"),
    _decimal("BilledCost", "Mandatory", not_null=True),
    _string("BillingAccountId", "Mandatory", not_null=True),
    _string("BillingAccountName", "Mandatory"),
    _string("BillingAccountType", "Conditional", "1.2"),
    _string("BillingCurrency", "Mandatory", not_null=True),
    _datetime("BillingPeriodEnd"),
    _datetime("BillingPeriodStart"),
    _string("ChargeCategory", "Mandatory", not_null=True, allowed=CHARGE_CATEGORIES),
    _string("ChargeClass", "Mandatory", allowed=("Correction",)),
    _string("ChargeDescription", "Mandatory"),
    _string("ChargeFrequency", "Recommended", not_null=True, allowed=("One-Time", "Recurring", "Usage-Based")),
    _datetime("ChargePeriodEnd"),
    _datetime("ChargePeriodStart"),
    _string("CommitmentDiscountCategory", "Conditional", allowed=("Spend", "Usage")),
    _string("CommitmentDiscountId", "Conditional"),
    _string("CommitmentDiscountName", "Conditional"),
    _string("CommitmentDiscountStatus", "Conditional", allowed=("Used", "Unused")),
    _string("CommitmentDiscountType", "Conditional"),
    _decimal("ConsumedQuantity", "Conditional"),
    _string("ConsumedUnit", "Conditional"),
    _decimal("ContractedCost", "Mandatory", not_null=True),
    _decimal("ContractedUnitPrice", "Conditional", non_negative=True),
    _decimal("EffectiveCost", "Mandatory", not_null=True),
    _string("InvoiceId", "Recommended", "1.2"),
    _string("InvoiceIssuerName", "Mandatory", not_null=True),
    _decimal("ListCost", "Mandatory", not_null=True),
    _decimal("ListUnitPrice", "Conditional", non_negative=True),
    _string("PricingCategory", "Conditional", allowed=("Standard", "Dynamic", "Committed", "Other")),
    _string("PricingCurrency", "Conditional", "1.2"),
    _decimal("PricingCurrencyContractedUnitPrice", "Conditional", "1.2", non_negative=True),
    _decimal("PricingCurrencyEffectiveCost", "Conditional", "1.2"),
    _decimal("PricingCurrencyListUnitPrice", "Conditional", "1.2", non_negative=True),
    _decimal("PricingQuantity", "Mandatory"),
    _string("PricingUnit", "Mandatory"),
    _string("ProviderName", "Mandatory", not_null=True),
    _string("PublisherName", "Mandatory", not_null=True),
    _string("RegionId", "Conditional"),
    _string("RegionName", "Conditional"),
    _string("ResourceId", "Conditional"),
    _string("ResourceName", "Conditional"),
    _string("ResourceType", "Conditional"),
    _string("ServiceCategory", "Mandatory", not_null=True, allowed=SERVICE_CATEGORIES),
    _string("ServiceName", "Mandatory", not_null=True),
    _string("ServiceSubcategory", "Mandatory", "1.1", not_null=True,
            allowed=tuple(s for subs in SERVICE_SUBCATEGORIES.values() for s in subs)),
    _string("SkuId", "Conditional"),
    _string("SkuPriceId", "Conditional"),
    _string("SubAccountId", "Conditional"),
    _string("SubAccountName", "Conditional"),
    _string("SubAccountType", "Conditional", "1.2"),
    FocusColumn("Tags", JSON, "JSON", "Conditional", "1.0"),
)

# Filled by core from the source being built, so they always agree with focus.build_state.
IDENTITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("x_Vendor", STRING),
    ("x_ExportName", STRING),
    ("x_BillingPeriod", STRING),
    ("x_SourceVersionId", STRING),
)

BY_NAME = {c.name: c for c in COLUMNS}
NAMES = tuple(c.name for c in COLUMNS)
CURRENCY_PATTERN = "[A-Z]{3}"
