"""Parsers for CUR manifests: legacy CUR (v1) and Data Exports (CUR 2.0, and AWS's own FOCUS tables).

Data Exports delivers every table it offers (CUR 2.0, "FOCUS 1.0 with AWS columns", "FOCUS 1.2 with AWS
columns") in the same layout with the same manifest; only the columns differ. A manifest whose columns are
FOCUS's is a FOCUS export: its ``format_version`` is ``focus-1.2`` or ``focus-1.0``, the newest FOCUS
version whose columns it has (:func:`focus_version_of`).

Each turns one manifest object into core's :class:`~open_finops.manifest.ExportVersion`. Anything that is
not a manifest we understand raises :class:`~open_finops.errors.ManifestError` naming the key, never an
unhandled exception: manifests come from a bucket we do not control.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from open_finops.api import Column, DataFile, ExportVersion, ManifestError
from open_finops_aws import VENDOR

# v1 declares Redshift-ish types; CUR 2.0 declares Athena/Glue-ish ones. Both map to core's types.
_V1_TYPES = {
    "string": "string",
    "optionalstring": "string",
    "bigdecimal": "decimal",
    "optionalbigdecimal": "decimal",
    "datetime": "timestamp",
    "optionaldatetime": "timestamp",
    "interval": "interval",
}
_MANIFEST_SUFFIX = "-Manifest.json"


def _normalise_v2_type(vendor_type: str) -> str:
    t = vendor_type.strip().lower()
    if t.startswith(("map", "struct", "array", "json")):
        return "json"
    if t.startswith(("decimal", "double", "float", "bigdecimal", "numeric", "real")):
        return "decimal"
    if t.startswith(("timestamp", "datetime")):
        return "timestamp"
    if t == "date":
        return "date"
    if t in ("bigint", "int", "integer", "long", "smallint", "tinyint"):
        return "integer"
    if t in ("boolean", "bool"):
        return "boolean"
    return "string"


def athena_name(name: str) -> str:
    """The column name AWS writes in legacy CUR Parquet: ``reservation/ReservationARN`` ->
    ``reservation_reservation_a_r_n`` (every capital letter starts a word)."""
    spaced = re.sub(r"([A-Z])", r"_\1", name).lower()
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", spaced)).strip("_")


FOCUS_FORMAT_PREFIX = "focus-"
# Columns every FOCUS version has and no CUR does: a manifest with these is a FOCUS export.
_FOCUS_MARKERS = ("BilledCost", "ChargeCategory", "BillingAccountId")


def focus_version_of(column_names: set[str]) -> str | None:
    """The FOCUS version of a Data Exports table from its columns: the newest version that introduced a
    column it has (FOCUS 1.2 added BillingAccountType, InvoiceId, PricingCurrency, ...); None for a CUR."""
    from open_finops.api import FOCUS_COLUMNS

    if not all(name in column_names for name in _FOCUS_MARKERS):
        return None
    versions = [c.introduced for c in FOCUS_COLUMNS if c.name in column_names]
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def export_name_from_key(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if not name.endswith(_MANIFEST_SUFFIX) or len(name) == len(_MANIFEST_SUFFIX):
        raise ManifestError(f"manifest {key}: file name must be <export>{_MANIFEST_SUFFIX}")
    return name[: -len(_MANIFEST_SUFFIX)]


def _load(key: str, body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"manifest {key} is not valid JSON ({exc}); the export may be incomplete") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"manifest {key} is not a JSON object")
    return doc


def _field(doc: dict[str, Any], key: str, name: str, kind: type | tuple[type, ...]) -> Any:
    value = doc.get(name)
    # An empty file list is still a manifest: a period without data (yet), which the import reports as such.
    if not isinstance(value, kind) or (isinstance(value, str) and not value):
        raise ManifestError(f"manifest {key} has no valid {name!r}; it is not a CUR manifest we can read")
    return value


def _date(key: str, bp: dict[str, Any], which: str) -> date:
    value = bp.get(which)
    if value is None:
        raise ManifestError(f"manifest {key}: billingPeriod.{which} is missing")
    if not isinstance(value, str):
        raise ManifestError(f"manifest {key}: billingPeriod.{which} {value!r} is not a date")
    match = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})", value)
    try:
        if not match:
            raise ValueError(value)
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ManifestError(f"manifest {key}: billingPeriod.{which} {value!r} is not a date") from None


def _period(key: str, doc: dict[str, Any]) -> str:
    day = _date(key, _field(doc, key, "billingPeriod", dict), "start")
    return f"{day.year:04d}-{day.month:02d}"


def _v1_layout(key: str, doc: dict[str, Any]) -> tuple[str, str]:
    """A v1 manifest's billing period and export root, from ``<root>/<YYYYMMDD-YYYYMMDD>/<export>-Manifest.json``.

    The period folder must say what ``billingPeriod`` says, start and end: a manifest in another month's
    folder would load that month's rows as its own and leave the real month stale. Every data file of
    the export (assembly folders, overwrite mode, the Athena ``year=/month=`` layout) lies under the
    folder that holds the period folders.
    """
    bp = _field(doc, key, "billingPeriod", dict)
    start = _date(key, bp, "start")
    end = _date(key, bp, "end") if "end" in bp else None
    parts = key.split("/")
    folder = parts[-2] if len(parts) >= 2 else ""
    match = re.fullmatch(r"(\d{8})-(\d{8})", folder)
    if match is None:
        raise ManifestError(f"manifest {key} is not in a <YYYYMMDD-YYYYMMDD> period folder")
    expected = f"{start:%Y%m%d}-{end:%Y%m%d}" if end is not None else f"{start:%Y%m%d}-{match[2]}"
    if folder != expected:
        raise ManifestError(f"manifest {key}: billingPeriod {start:%Y%m%d}-{end or start:%Y%m%d} does not match its "
                            f"folder {folder}; the manifest is not trustworthy")
    root = "/".join(parts[:-2])
    return f"{start.year:04d}-{start.month:02d}", f"{root}/" if root else ""


def _format_of(name: str, declared: str | None) -> tuple[str, str | None]:
    lower = name.lower()
    if lower.endswith(".parquet"):
        return "parquet", None
    if lower.endswith((".csv.gz", ".gz")):
        return "csv", "gzip"
    if lower.endswith(".csv.zip") or lower.endswith(".zip"):
        return "csv", "zip"
    if lower.endswith(".csv"):
        return "csv", None
    if declared and "parquet" in declared.lower():
        return "parquet", None
    return "csv", "gzip"


def _columns(key: str, doc: dict[str, Any], *, v1: bool) -> tuple[Column, ...]:
    raw = doc.get("columns", [])
    if not isinstance(raw, list):
        raise ManifestError(f"manifest {key}: 'columns' must be a list")
    columns = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ManifestError(f"manifest {key}: a column entry has no name")
        vendor_type = str(item.get("type") or "String")
        if v1:
            category = item.get("category")
            name = f"{category}/{item['name']}" if isinstance(category, str) and category else item["name"]
            core_type = _V1_TYPES.get(vendor_type.lower(), "string")
            aliases: tuple[str, ...] = (athena_name(name),)  # how legacy CUR Parquet names the column
        else:
            name = item["name"]
            core_type = _normalise_v2_type(vendor_type)
            aliases = ()
        columns.append(Column(name=name, type=core_type, vendor_type=vendor_type, aliases=aliases))
    return tuple(columns)


def _data_files(key: str, entries: list, field: str, declared: str | None) -> tuple[DataFile, ...]:
    files = []
    for entry in entries:
        if not isinstance(entry, str) or not entry:
            raise ManifestError(f"manifest {key}: {field} holds a non-string entry")
        fmt, compression = _format_of(entry, declared)
        files.append(DataFile(uri=entry, format=fmt, compression=compression))
    return tuple(files)


def _version(key: str, doc: dict[str, Any], *, period: str, version_id: str, format_version: str,
             files: tuple[DataFile, ...], export_root: str) -> ExportVersion:
    try:
        return ExportVersion(
            vendor=VENDOR,
            export_name=export_name_from_key(key),
            billing_period=period,
            version_id=version_id,
            format_version=format_version,
            manifest_key=key,
            data_files=files,
            columns=_columns(key, doc, v1=format_version == "v1"),
            export_root=export_root,
        )
    except ValueError as exc:
        raise ManifestError(f"manifest {key}: {exc}") from None


def parse_v1(key: str, body: bytes) -> ExportVersion:
    """Legacy CUR: ``assemblyId``, ``reportKeys`` (object keys), ``columns`` with categories."""
    doc = _load(key, body)
    assembly_id = _field(doc, key, "assemblyId", str)
    report_keys = _field(doc, key, "reportKeys", list)
    declared = doc.get("contentType") or doc.get("compression")
    files = _data_files(key, report_keys, "reportKeys", declared if isinstance(declared, str) else None)
    period, root = _v1_layout(key, doc)
    return _version(key, doc, period=period, version_id=assembly_id, format_version="v1", files=files,
                    export_root=root)


def parse_v2(key: str, body: bytes) -> ExportVersion:
    """CUR 2.0: ``executionId``, ``dataFiles`` as ``s3://`` URIs, snake_case ``columns``."""
    doc = _load(key, body)
    execution_id = _field(doc, key, "executionId", str)
    files = _data_files(key, _field(doc, key, "dataFiles", list), "dataFiles", None)
    period = _period(key, doc)
    folder = re.search(r"(?:^|/)metadata/BILLING_PERIOD=(\d{4}-\d{2})/", key)
    if folder is None:
        raise ManifestError(f"manifest {key} is not in a metadata/BILLING_PERIOD=YYYY-MM folder")
    if folder[1] != period:
        raise ManifestError(f"manifest {key}: billingPeriod {period} does not match its folder {folder[1]}")
    # <prefix>/<export>/metadata/BILLING_PERIOD=P/... describes <prefix>/<export>/data/BILLING_PERIOD=P/...
    base = key[: folder.start()] + ("/" if folder[0].startswith("/") else "")
    declared = doc.get("columns")
    names = {c.get("name") for c in declared if isinstance(c, dict)} if isinstance(declared, list) else set()
    focus = focus_version_of(names)
    return _version(key, doc, period=period, version_id=execution_id,
                    format_version=f"{FOCUS_FORMAT_PREFIX}{focus}" if focus else "v2", files=files,
                    export_root=f"{base}data/BILLING_PERIOD={period}/")
