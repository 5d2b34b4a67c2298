"""The FOCUS contract: the columns of ``focus.costs``, their types, and the values FOCUS allows.

Every FOCUS 1.2 column is here (the 1.0 ones and those 1.1 and 1.2 added: ServiceSubcategory,
CapacityReservationId/Status, CommitmentDiscountQuantity/Unit, SkuMeter, SkuPriceDetails, InvoiceId,
BillingAccountType, SubAccountType, PricingCurrency and its three PricingCurrency* amounts). A transform
must produce all of them (NULL where it has nothing); it may add its own columns prefixed ``x_``, as the
specification allows. Types are DuckDB's: FOCUS Decimal is
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
CONTRACT_VERSION = "2"
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


# FOCUS 1.2's allowed values (columns/servicesubcategory.md of the 1.2 release; focus-validator 2.x checks
# the same table, rule ServiceSubcategory-C-004-M). 1.1's shorter names ("Relational", "Disk") are gone.
SERVICE_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "AI and Machine Learning": ("AI Platforms", "Bots", "Generative AI", "Machine Learning",
                                "Natural Language Processing", "Other (AI and Machine Learning)"),
    "Analytics": ("Analytics Platforms", "Business Intelligence", "Data Processing", "Search", "Streaming Analytics",
                  "Other (Analytics)"),
    "Business Applications": ("Productivity and Collaboration", "Other (Business Applications)"),
    "Compute": ("Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines",
                "Other (Compute)"),
    "Databases": ("Caching", "Data Warehouses", "Ledger Databases", "NoSQL Databases", "Relational Databases",
                  "Time Series Databases", "Other (Databases)"),
    "Developer Tools": ("Developer Platforms", "Continuous Integration and Deployment", "Development Environments",
                        "Source Code Management", "Quality Assurance", "Other (Developer Tools)"),
    "Identity": ("Identity and Access Management", "Other (Identity)"),
    "Integration": ("API Management", "Messaging", "Workflow Orchestration", "Other (Integration)"),
    "Internet of Things": ("IoT Analytics", "IoT Platforms", "Other (Internet of Things)"),
    "Management and Governance": ("Architecture", "Compliance", "Cost Management", "Data Governance",
                                  "Disaster Recovery", "Endpoint Management", "Observability", "Support",
                                  "Other (Management and Governance)"),
    "Media": ("Content Creation", "Gaming", "Media Streaming", "Mixed Reality", "Other (Media)"),
    "Migration": ("Data Migration", "Resource Migration", "Other (Migration)"),
    "Mobile": ("Other (Mobile)",),
    "Multicloud": ("Multicloud Integration", "Other (Multicloud)"),
    "Networking": ("Application Networking", "Content Delivery", "Network Connectivity", "Network Infrastructure",
                   "Network Routing", "Network Security", "Other (Networking)"),
    "Security": ("Secret Management", "Security Posture Management", "Threat Detection and Response",
                 "Other (Security)"),
    "Storage": ("Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms",
                "Other (Storage)"),
    "Web": ("Application Platforms", "Other (Web)"),
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
    _string("CapacityReservationId", "Conditional", "1.1"),
    _string("CapacityReservationStatus", "Conditional", "1.1", allowed=("Used", "Unused")),
    _string("CommitmentDiscountCategory", "Conditional", allowed=("Spend", "Usage")),
    _string("CommitmentDiscountId", "Conditional"),
    _string("CommitmentDiscountName", "Conditional"),
    _decimal("CommitmentDiscountQuantity", "Conditional", "1.1"),
    _string("CommitmentDiscountStatus", "Conditional", allowed=("Used", "Unused")),
    _string("CommitmentDiscountType", "Conditional"),
    _string("CommitmentDiscountUnit", "Conditional", "1.1"),
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
    _string("SkuMeter", "Conditional", "1.1"),
    FocusColumn("SkuPriceDetails", JSON, "JSON", "Conditional", "1.1"),
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
