"""Table naming: export names and billing periods to safe, stable, readable SQL identifiers.

A name that is already a clean identifier is kept as it is; anything else (upper case, punctuation,
unicode, a leading digit, excessive length) is normalised to a readable stem (``demo-cur-v1`` ->
``demo_cur_v1``). Two export names can normalise alike: the import engine checks the load state and gives
the newcomer a stem with a short hash of its original name instead (:func:`hashed_identifier`), and keeps
the names already recorded for an export (:meth:`ExportNames.of_table`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from open_finops.periods import check_period

# The column every imported table carries: which billing period a row belongs to.
PERIOD_COLUMN = "billing_period"
# How an export's periods are laid out: a table per period under a unified view, or one table for all.
STRATEGIES = ("separate", "single")
MAX_LENGTH = 63  # PostgreSQL's identifier limit, the tightest of the destinations we support
_CLEAN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")  # no "__", no trailing "_"
# Names we derive from an export's stem, and the hash suffix of a normalised name: a clean name that ends
# like one of them could equal another export's derived name, so it is hashed too.
_RESERVED = re.compile(r"(_unified|_staging(_[a-z0-9]+)?|_\d{4}_\d{2}|_[0-9a-f]{8})\Z")


def _digest(text: str) -> str:
    import hashlib  # here, not at the top: OpenSSL's bindings are 5 ms of every start-up

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _check_name(export_name: str) -> None:
    if not isinstance(export_name, str) or not export_name.strip():
        raise ValueError("export name must not be empty")


def _stem(export_name: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", export_name.lower()).strip("_") or "export"
    if not stem[0].isalpha():
        stem = f"x_{stem}"
    return stem[: MAX_LENGTH - 30].rstrip("_")


def export_identifier(export_name: str) -> str:
    """The readable identifier stem for an export: ``"demo-cur-v1"`` -> ``"demo_cur_v1"``, ``"cur"`` -> ``"cur"``.

    Two exports can share it (``demo-cur`` and ``demo.cur``): the import engine checks the load state and
    gives the newcomer :func:`hashed_identifier` instead. A stem that ends like a name we derive
    (``_unified``, ``_2024_01``, ...) is hashed at once, so it can never equal another export's table.
    """
    _check_name(export_name)
    clean = _CLEAN.fullmatch(export_name) is not None and len(export_name) <= MAX_LENGTH - 30
    stem = export_name if clean else _stem(export_name)
    if _RESERVED.search(stem):
        return hashed_identifier(export_name)
    return stem


def hashed_identifier(export_name: str) -> str:
    """The stem plus a hash of the original name: ``"My-CUR"`` -> ``"my_cur_1a2b3c4d"``. Distinct names never
    share one."""
    _check_name(export_name)
    return f"{_stem(export_name)}_{_digest(export_name)}"


@dataclass(frozen=True)
class ExportNames:
    """The tables and view of one export in one dataset, from its stem."""

    stem: str

    def period_table(self, period: str) -> str:
        """One billing period's table (``separate`` strategy): ``<stem>_YYYY_MM``.

        A single underscore: dlt reserves ``__`` for nested tables and rewrites names that contain it.
        """
        return f"{self.stem}_{period_suffix(period)}"

    @property
    def table(self) -> str:
        """The whole export's table (``single`` strategy)."""
        return self.stem

    @property
    def view(self) -> str:
        """The view over all of the export's period tables."""
        return f"{self.stem}_unified"

    def is_period_table(self, name: str) -> bool:
        """Whether ``name`` is one of this export's period tables (whoever loaded it)."""
        return re.fullmatch(rf"{re.escape(self.stem)}_\d{{4}}_\d{{2}}", name) is not None

    @classmethod
    def of_table(cls, table: str, period: str) -> ExportNames:
        """The names a recorded table belongs to: ``cur_2024_01`` of 2024-01 -> ``cur``; ``cur`` -> ``cur``."""
        suffix = f"_{period_suffix(period)}"
        return cls(table[: -len(suffix)] if table.endswith(suffix) else table)


def period_suffix(period: str) -> str:
    check_period(period)
    return period.replace("-", "_")


def period_table(export_name: str, period: str) -> str:
    """The readable table of one billing period: ``<export>_YYYY_MM`` (see :class:`ExportNames`)."""
    return ExportNames(export_identifier(export_name)).period_table(period)


def export_table(export_name: str) -> str:
    """The readable table of a whole export (``single`` strategy)."""
    return ExportNames(export_identifier(export_name)).table


def unified_view(export_name: str) -> str:
    """The readable view over all of an export's period tables: ``<export>_unified``."""
    return ExportNames(export_identifier(export_name)).view


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


_REDUCE_ALPHABET = str.maketrans("+-*@|", "x_xal")
_NON_ALPHANUMERIC = re.compile(r"[^a-zA-Z\d_]+")
_BREAK_BEFORE_WORD = re.compile("([^_])([A-Z][a-z]+)")
_BREAK_BEFORE_CAPITAL = re.compile("([a-z0-9])([A-Z])")
_LEADING_DIGITS = re.compile(r"^\d+")
_UNDERSCORES = re.compile("__+")


def column_identifier(name: str) -> str:
    """A source column name as dlt's ``snake_case`` naming convention writes it (``lineItem/UnblendedCost``
    -> ``line_item_unblended_cost``), without importing dlt: the DuckDB import does not otherwise need it.

    The same rules, in the same order (a test holds it to dlt's for any text): trim; ``+-*@|`` become
    ``x_xal``; other runs of non-alphanumerics ``_``; camel case broken into words, lower case; a leading
    digit prefixed with ``_``; trailing ``_`` become ``x``; repeated ``_`` one.
    """
    text = name.strip()
    if not text:
        raise ValueError(f"column name {name!r} is empty")
    text = _NON_ALPHANUMERIC.sub("_", text.translate(_REDUCE_ALPHABET))
    text = _BREAK_BEFORE_WORD.sub(r"\1_\2", text)
    text = _BREAK_BEFORE_CAPITAL.sub(r"\1_\2", text).lower()
    if _LEADING_DIGITS.match(text):
        text = "_" + text
    stripped = text.rstrip("_")
    text = stripped + "x" * (len(text) - len(stripped))
    return _UNDERSCORES.sub("_", text)


def quote_identifier(name: str) -> str:
    """Quote an identifier for SQL (DuckDB and PostgreSQL both use double quotes)."""
    return '"' + name.replace('"', '""') + '"'
