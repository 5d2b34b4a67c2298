"""Table naming: export names and billing periods to safe, stable, collision-free SQL identifiers.

A name that is already a clean identifier is kept as it is. Anything else (upper case, punctuation,
unicode, a leading digit, a reserved suffix, excessive length) is normalised and given a short hash of the
original, so two different export names never map to the same table.
"""

from __future__ import annotations

import hashlib
import re

from open_finops.periods import check_period

# The column every imported table carries: which billing period a row belongs to.
PERIOD_COLUMN = "billing_period"
MAX_LENGTH = 63  # PostgreSQL's identifier limit, the tightest of the destinations we support
_CLEAN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")  # no "__", no trailing "_"
# Names we derive from an export's stem, and the hash suffix of a normalised name: a clean name that ends
# like one of them could equal another export's derived name, so it is hashed too.
_RESERVED = re.compile(r"(_unified|_staging(_[a-z0-9]+)?|_\d{4}_\d{2}|_[0-9a-f]{8})\Z")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def export_identifier(export_name: str) -> str:
    """The identifier stem for an export: ``"my-cur"`` -> ``"my_cur_1a2b3c4d"``, ``"cur"`` -> ``"cur"``."""
    if not isinstance(export_name, str) or not export_name.strip():
        raise ValueError("export name must not be empty")
    is_clean = (
        _CLEAN.fullmatch(export_name) is not None
        and _RESERVED.search(export_name) is None
        and len(export_name) <= MAX_LENGTH - 20
    )
    if is_clean:
        return export_name
    stem = re.sub(r"[^a-z0-9]+", "_", export_name.lower()).strip("_") or "export"
    if not stem[0].isalpha():
        stem = f"x_{stem}"
    stem = stem[: MAX_LENGTH - 30].rstrip("_")
    return f"{stem}_{_digest(export_name)}"


def period_suffix(period: str) -> str:
    check_period(period)
    return period.replace("-", "_")


def period_table(export_name: str, period: str) -> str:
    """The table of one billing period (``separate`` strategy): ``<export>_YYYY_MM``.

    A single underscore: dlt reserves ``__`` for nested tables and rewrites names that contain it.
    """
    return f"{export_identifier(export_name)}_{period_suffix(period)}"


def export_table(export_name: str) -> str:
    """The table of a whole export (``single`` strategy)."""
    return export_identifier(export_name)


def unified_view(export_name: str) -> str:
    """The view over all of an export's period tables: ``<export>_unified``."""
    return f"{export_identifier(export_name)}_unified"


def staging_table(final_table: str, load_id: str) -> str:
    """Where a load is written before it replaces ``final_table`` in one transaction."""
    token = re.sub(r"[^a-z0-9]", "", load_id.lower())[:12] or _digest(load_id)
    return f"{final_table[: MAX_LENGTH - 22]}_staging_{token}"


def dataset_identifier(name: str) -> str:
    """Validate a dataset (schema) name from configuration; it is used as a SQL identifier."""
    if not isinstance(name, str) or not _CLEAN.fullmatch(name) or len(name) > MAX_LENGTH:
        raise ValueError(
            f"dataset name {name!r} is invalid: use lowercase letters, digits and single underscores"
        )
    return name


def quote_identifier(name: str) -> str:
    """Quote an identifier for SQL (DuckDB and PostgreSQL both use double quotes)."""
    return '"' + name.replace('"', '""') + '"'
