"""A fake vendor, "acme", for the FOCUS tests: its "import" is two small tables written straight into the
DuckDB file, and its FOCUS transforms are the runners below, named by dotted path as a real plugin's are.

No tests live here; test_focus_build.py and test_focus_export.py share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from finops_fakes import make_plugin, registry_of

from open_finops import Pipeline
from open_finops.focus import FocusSource
from open_finops.focus import columns as focus_columns
from open_finops.plugins import Registry


@dataclass(frozen=True)
class Charge:
    export_name: str
    billing_period: str
    service: str
    cost: str
    category: str = "Usage"
    tags: str | None = None
    account: str = "acme-account-007"


def write_acme(data_dir: Path, charges: Iterable[Charge], versions: dict[tuple[str, str], str]) -> Path:
    """Replace acme's "imported" data: its charges and the current version of each export's period."""
    import duckdb

    path = Path(data_dir) / "finops.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS acme_billing")
        con.execute("CREATE OR REPLACE TABLE acme_billing.charges (export_name VARCHAR, billing_period VARCHAR, "
                    "service VARCHAR, cost DECIMAL(38,18), category VARCHAR, tags VARCHAR, account VARCHAR)")
        con.execute("CREATE OR REPLACE TABLE acme_billing.versions (export_name VARCHAR, billing_period VARCHAR, "
                    "version_id VARCHAR)")
        for c in charges:
            con.execute("INSERT INTO acme_billing.charges VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [c.export_name, c.billing_period, c.service, Decimal(c.cost), c.category, c.tags, c.account])
        for (export_name, period), version in versions.items():
            con.execute("INSERT INTO acme_billing.versions VALUES (?, ?, ?)", [export_name, period, version])
    finally:
        con.close()
    return path


# FOCUS columns the fake fills from its charges; every other contract column is NULL.
_FILLED = {
    "BilledCost": "cost",
    "EffectiveCost": "cost",
    "ListCost": "cost",
    "ContractedCost": "cost",
    "BillingAccountId": "account",
    "BillingCurrency": "'EUR'",
    "BillingPeriodStart": "CAST(billing_period || '-01 00:00:00+00' AS TIMESTAMPTZ)",
    "BillingPeriodEnd": "CAST(billing_period || '-01 00:00:00+00' AS TIMESTAMPTZ) + INTERVAL 27 DAY",
    "ChargePeriodStart": "CAST(billing_period || '-01 00:00:00+00' AS TIMESTAMPTZ)",
    "ChargePeriodEnd": "CAST(billing_period || '-01 00:00:00+00' AS TIMESTAMPTZ) + INTERVAL 1 HOUR",
    "ChargeCategory": "category",
    "ChargeFrequency": "CASE WHEN category = 'Usage' THEN 'Usage-Based' ELSE 'One-Time' END",
    "InvoiceIssuerName": "'Acme Cloud'",
    "ProviderName": "'Acme Cloud'",
    "PublisherName": "'Acme Cloud'",
    "ServiceCategory": "'Compute'",
    "ServiceSubcategory": "'Virtual Machines'",
    "ServiceName": "service",
    "Tags": "tags",
}


def focus_select(overrides: dict[str, str] | None = None, drop: tuple[str, ...] = (),
                 extra: dict[str, str] | None = None) -> str:
    """The fake's SELECT: every contract column (less ``drop``), ``extra`` columns, filtered by ? ?."""
    filled = {**_FILLED, **(overrides or {})}
    items = [
        f"{filled.get(c.name, f'CAST(NULL AS {c.type})')} AS \"{c.name}\""
        for c in focus_columns.COLUMNS if c.name not in drop
    ]
    items += [f"{expression} AS \"{name}\"" for name, expression in (extra or {}).items()]
    return f"SELECT {', '.join(items)} FROM acme_billing.charges WHERE export_name = ? AND billing_period = ?"


def _sources(con: Any, sql: str, transform_version: str = "1") -> list[FocusSource]:
    rows = con.execute("SELECT export_name, billing_period, version_id FROM acme_billing.versions ORDER BY 1, 2")
    return [
        FocusSource(vendor="acme", export_name=e, billing_period=p, version_id=v, sql=sql, params=(e, p),
                    transform_version=transform_version)
        for e, p, v in rows.fetchall()
    ]


def acme_sources(con: Any, *, config: Any) -> list[FocusSource]:
    """The well-behaved transform; ``[acme] transform_version`` plays a plugin upgrade."""
    return _sources(con, focus_select(extra={"x_Note": "'from acme'"}),
                    str(config.get("acme", "transform_version", None, "1")))


# An export's kind follows its name's first word, as a plugin would know it from the manifest.
ACME_FORMATS = {"native": ("Acme FOCUS", 100), "new": ("Acme v2", 20), "old": ("Acme v1", 10)}


def acme_sources_ranked(con: Any, *, config: Any) -> list[FocusSource]:
    """The well-behaved transform, saying what kind of export each is and how much it is preferred."""
    return [
        FocusSource(vendor=s.vendor, export_name=s.export_name, billing_period=s.billing_period,
                    version_id=s.version_id, sql=s.sql, params=s.params,
                    source_format=ACME_FORMATS.get(s.export_name.split("-")[0], ("", 0))[0],
                    preference=ACME_FORMATS.get(s.export_name.split("-")[0], ("", 0))[1])
        for s in _sources(con, focus_select())
    ]


def acme_sources_without_billed_cost(con: Any, *, config: Any) -> list[FocusSource]:
    return _sources(con, focus_select(drop=("BilledCost",)))


def acme_sources_with_unprefixed_column(con: Any, *, config: Any) -> list[FocusSource]:
    return _sources(con, focus_select(extra={"Note": "'not prefixed'"}))


def acme_sources_refund_category(con: Any, *, config: Any) -> list[FocusSource]:
    """Writes ChargeCategory 'Refund' for refunds, which FOCUS does not allow."""
    return _sources(con, focus_select({"ChargeCategory": "CASE WHEN cost < 0 THEN 'Refund' ELSE category END"}))


def acme_sources_failing(con: Any, *, config: Any) -> list[FocusSource]:
    raise RuntimeError("acme's billing tables are unreadable")


def acme_sources_of_another_vendor(con: Any, *, config: Any) -> list[FocusSource]:
    return [FocusSource(vendor="zeta", export_name="e", billing_period="2024-01", version_id="v",
                        sql=focus_select(), params=("e", "2024-01"))]


def focus_registry(*runners: str) -> Registry:
    """A registry whose one plugin, acme, contributes a FOCUS pipeline per runner in this module."""
    pipelines = [
        Pipeline(name=f"acme-focus-{i}" if i else "acme-focus", vendor="acme", kind="focus",
                 description="Acme billing as FOCUS.", runner=f"test_focus_fakes:{runner}",
                 reads=("acme_billing.*",))
        for i, runner in enumerate(runners or ("acme_sources",))
    ]
    return registry_of(make_plugin("acme", register_pipelines=lambda: pipelines))


JANUARY = [
    Charge("main", "2024-01", "Compute Engine", "10.25", tags='{"team":"web"}'),
    Charge("main", "2024-01", "Compute Engine", "4.75"),
    Charge("main", "2024-01", "Object Store", "1.000000000000000001"),
    Charge("main", "2024-01", "Object Store", "-2.5", category="Credit"),
]
FEBRUARY = [
    Charge("main", "2024-02", "Compute Engine", "20"),
    Charge("main", "2024-02", "Sales tax", "3.1", category="Tax"),
]


def acme_sources_with_commitments(con: Any, *, config: Any) -> list[FocusSource]:
    """Purchase rows are commitment discount purchases, priced "Standard" as FOCUS 1.2 wants."""
    commitment = "CASE WHEN category = 'Purchase' THEN {} END"
    return _sources(con, focus_select({
        "CommitmentDiscountId": commitment.format("'sp-1'"),
        "CommitmentDiscountCategory": commitment.format("'Spend'"),
        "CommitmentDiscountType": commitment.format("'Savings Plan'"),
        "ChargeFrequency": "CASE WHEN category = 'Usage' THEN 'Usage-Based' ELSE 'One-Time' END",
        "PricingCategory": "CASE WHEN category IN ('Usage', 'Purchase') THEN 'Standard' END",
    }))
