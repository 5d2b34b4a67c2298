"""Which FOCUS version ``focus build`` and ``focus export`` follow: 1.2 by default, 1.0 on request.

``focus.costs`` always holds every column of the contract (:mod:`.columns`); the version decides

* which columns ``focus export`` writes: those the version defines (each column's ``introduced``), plus the
  ``x_`` columns;
* the values that differ between versions, which core sets while it builds, for every vendor: FOCUS 1.0
  prices a commitment discount purchase as ``PricingCategory`` "Committed", 1.2 as "Standard" (the purchase
  itself is bought at its list price; the usage it covers is the committed part).

The version a period was built with is recorded in ``focus.build_state``; switching rebuilds every period,
and an export in another version than the one built is refused.
"""

from __future__ import annotations

from typing import Any

from open_finops.errors import ConfigError
from open_finops.focus import columns as focus_columns

VERSIONS = ("1.0", "1.2")
DEFAULT = "1.2"


def focus_version(config: Any, flag: str | None = None) -> str:
    """The version in force: ``--focus-version``, else setting ``[focus] version``, else 1.2."""
    value = config.get("focus", "version", flag, DEFAULT) if config is not None else (flag or DEFAULT)
    text = str(value).strip()
    if text not in VERSIONS:
        where = config.origin("focus", "version", flag, "--focus-version") if config is not None else "the flag"
        raise ConfigError(f"setting focus.version must be one of {', '.join(VERSIONS)}, not {value!r} (from {where})")
    return text


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def column_names(version: str) -> tuple[str, ...]:
    """The contract's columns that FOCUS ``version`` defines, in contract order."""
    return tuple(c.name for c in focus_columns.COLUMNS if _key(c.introduced) <= _key(version))


def pricing_category_sql(version: str) -> str:
    """The PricingCategory a built row gets in ``version``, from the value the transform produced."""
    if version == "1.0":
        return ("CASE WHEN \"ChargeCategory\" = 'Purchase' AND \"CommitmentDiscountId\" IS NOT NULL "
                "THEN 'Committed' ELSE \"PricingCategory\" END")
    return ("CASE WHEN \"ChargeCategory\" = 'Purchase' AND \"CommitmentDiscountId\" IS NOT NULL "
            "THEN 'Standard' ELSE \"PricingCategory\" END")
