"""Parsers for Azure Cost Management exports: the manifest layout, and the older layout without one.

With a manifest (the exports experience Microsoft introduced in 2024)::

    <root folder>/<export name>/<YYYYMMDD-YYYYMMDD>/[<yyyyMMddHHmm>/]<run id>/manifest.json
                                                                        .../part_<n>_<m>.csv[.gz] | .parquet

``manifest.json`` names the run (``runInfo.runId``, ``runInfo.submittedTime``), the dataset
(``exportConfig.type``: ActualCost, AmortizedCost, FocusCost; ``exportConfig.dataVersion``), the format
(``deliveryConfig.fileFormat``, ``compressionMode``) and every data file with its row count
(``blobs[].blobName``, ``blobs[].dataRowCount``, ``blobs[].byteCount``). It lists no columns.

Without a manifest (the older exports)::

    <root folder>/<export name>/<YYYYMMDD-YYYYMMDD>/<export name>_<guid>.csv

where each run writes a new file and the newest file of a period is its current version.

Either way one version of one month is one run; its columns come from the files' headers, typed by
:data:`open_finops_azure.columns.HEADER_TYPES`. Anything we cannot trust raises ManifestError naming the key.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from open_finops.api import DataFile, ExportVersion, ManifestError, ManifestParser
from open_finops_azure import VENDOR
from open_finops_azure.columns import HEADER_TYPES

# The export types whose rows are cost and usage details (the other datasets, price sheets and
# reservation data, are not billing periods of cost).
EXPORT_TYPES = {"actualcost": "ActualCost", "amortizedcost": "AmortizedCost", "focuscost": "FocusCost"}
LEGACY = "legacy"

MANIFEST_PATTERN = r"(^|/)\d{8}-\d{8}/(.+/)?_?manifest\.json$"
LEGACY_PATTERN = r"(^|/)([^/]+)/\d{8}-\d{8}/\2_[0-9A-Fa-f]{8}(-?[0-9A-Fa-f]{4}){3}-?[0-9A-Fa-f]{12}\.csv$"

_RANGE = re.compile(r"(?:^|/)(\d{8})-(\d{8})/")


def _load(key: str, body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"manifest {key} is not valid JSON ({exc}); the export may still be being "
                            "written") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"manifest {key} is not a JSON object")
    return doc


def _section(doc: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise ManifestError(f"manifest {key} has no {name!r} object; it is not a Cost Management export manifest")
    return value


def _text(section: dict[str, Any], key: str, path: str) -> str:
    value = section.get(path.rsplit(".", 1)[-1])
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"manifest {key} has no valid {path!r}; it is not a Cost Management export manifest")
    return value.strip()


def _count(value: Any, key: str, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ManifestError(f"manifest {key}: {path} {value!r} is not a count")
    return value


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def layout(key: str, what: str = "manifest") -> tuple[str, str, str, str]:
    """``(export name, billing period, export root, range folder)`` from a key below
    ``<export>/<YYYYMMDD-YYYYMMDD>/``: the range folder is the month, whatever lies below it."""
    matches = list(_RANGE.finditer(key))
    if not matches:
        raise ManifestError(f"{what} {key} is not below a <YYYYMMDD-YYYYMMDD> folder")
    match = matches[-1]
    try:
        start, end = _day(match[1]), _day(match[2])
    except ValueError:
        raise ManifestError(f"{what} {key}: folder {match[1]}-{match[2]} is not a date range") from None
    if (start.year, start.month) != (end.year, end.month) or end < start:
        raise ManifestError(f"{what} {key}: folder {match[1]}-{match[2]} is not one month; Azure writes one "
                            "folder per month for monthly and month-to-date exports: import those")
    head = key[: match.start()]
    export_name = head.rsplit("/", 1)[-1] if head else ""
    if not export_name:
        raise ManifestError(f"{what} {key} has no <export name> folder above its date range folder")
    root = key[: match.end()]
    return export_name, f"{start.year:04d}-{start.month:02d}", root, f"{match[1]}-{match[2]}"


def _timestamp(key: str, text: str, path: str) -> float:
    # Azure writes seven fractional digits (2024-02-03T16:48:35.8845785Z); Python reads at most six.
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?", text)
    if match is None:
        raise ManifestError(f"manifest {key}: {path} {text!r} is not a timestamp")
    try:
        stamp = datetime.fromisoformat(match[1] + (match[2] or "")[:7] + ("+00:00" if match[3] in (None, "Z")
                                                                           else match[3]))
    except ValueError:
        raise ManifestError(f"manifest {key}: {path} {text!r} is not a timestamp") from None
    return stamp.astimezone(UTC).timestamp()


def _format_of(name: str, file_format: str, compression: str) -> tuple[str, str | None]:
    lower = name.lower()
    if lower.endswith(".parquet"):
        return "parquet", None
    if lower.endswith(".csv.gz") or lower.endswith(".gz"):
        return "csv", "gzip"
    if lower.endswith(".csv"):
        return "csv", None
    if file_format.lower() == "parquet":
        return "parquet", None
    return "csv", "gzip" if compression.lower() == "gzip" else None


def parse_manifest(key: str, body: bytes) -> ExportVersion:
    """A manifest.json of the exports experience: one run of one month of one export."""
    doc = _load(key, body)
    export_name, period, root, folder = layout(key)
    config = _section(doc, key, "exportConfig")
    run = _section(doc, key, "runInfo")
    delivery = doc.get("deliveryConfig") if isinstance(doc.get("deliveryConfig"), dict) else {}
    kind = _text(config, key, "exportConfig.type")
    if kind.lower() not in EXPORT_TYPES:
        raise ManifestError(f"manifest {key}: export type {kind!r} is not cost and usage details (ActualCost, "
                            "AmortizedCost or FocusCost); pass --export-name to import the cost exports only")
    run_id = _text(run, key, "runInfo.runId")
    written = _timestamp(key, _text(run, key, "runInfo.submittedTime"), "runInfo.submittedTime")
    start = run.get("startDate")
    if isinstance(start, str) and re.match(r"\d{4}-\d{2}", start) and start[:7] != period:
        raise ManifestError(f"manifest {key}: runInfo.startDate {start} is not in its folder's month {folder}; "
                            "the manifest is not trustworthy")
    blobs = doc.get("blobs")
    if not isinstance(blobs, list):
        raise ManifestError(f"manifest {key} has no 'blobs' list; it is not a Cost Management export manifest")
    file_format = str(delivery.get("fileFormat") or "Csv")
    compression = str(delivery.get("compressionMode") or "None")
    files = []
    for position, blob in enumerate(blobs, start=1):
        name = blob.get("blobName") if isinstance(blob, dict) else None
        if not isinstance(name, str) or not name:
            raise ManifestError(f"manifest {key}: blob {position} has no blobName")
        rows = _count(blob.get("dataRowCount"), key, f"blobs[{position}].dataRowCount") \
            if blob.get("dataRowCount") is not None else None
        fmt, packed = _format_of(name, file_format, compression)
        files.append(DataFile(uri=name.lstrip("/"), format=fmt, compression=packed, rows=rows))
    if "blobCount" in doc and _count(doc["blobCount"], key, "blobCount") != len(files):
        raise ManifestError(f"manifest {key} declares blobCount {doc['blobCount']} but lists {len(files)} blobs; "
                            "the manifest is not trustworthy")
    declared = [f.rows for f in files]
    if "dataRowCount" in doc and None not in declared:
        total = _count(doc["dataRowCount"], key, "dataRowCount")
        if total != sum(declared):  # type: ignore[arg-type]
            raise ManifestError(f"manifest {key} declares dataRowCount {total:,} but its blobs add up to "
                                f"{sum(declared):,}; the manifest is not trustworthy")  # type: ignore[arg-type]
    try:
        return ExportVersion(vendor=VENDOR, export_name=export_name, billing_period=period, version_id=run_id,
                             format_version=EXPORT_TYPES[kind.lower()], manifest_key=key, data_files=tuple(files),
                             export_root=root, written_at=written, header_types=HEADER_TYPES)
    except ValueError as exc:
        raise ManifestError(f"manifest {key}: {exc}") from None


def parse_legacy(key: str, body: bytes) -> ExportVersion:
    """A data file of the older layout, which is its own manifest: ``<export>_<guid>.csv``. The newest
    file of a month is current (the listing orders them by modification time)."""
    export_name, period, root, _ = layout(key, "data file")
    guid = key.rsplit("/", 1)[-1][len(export_name) + 1: -len(".csv")]
    return ExportVersion(vendor=VENDOR, export_name=export_name, billing_period=period, version_id=guid,
                         format_version=LEGACY, manifest_key=key, data_files=(DataFile(uri=key, format="csv"),),
                         export_root=root, header_types=HEADER_TYPES)


@dataclasses.dataclass(frozen=True)
class Declared:
    """The parsers of an import whose dataset type the user declared (``--dataset-type``): an export of the
    older layout is taken to hold that dataset, and a manifest that says another is refused."""

    dataset_type: str

    def parse_legacy(self, key: str, body: bytes) -> ExportVersion:
        return dataclasses.replace(parse_legacy(key, body), format_version=self.dataset_type)

    def parse_manifest(self, key: str, body: bytes) -> ExportVersion:
        version = parse_manifest(key, body)
        if version.format_version != self.dataset_type:
            raise ManifestError(f"manifest {key} says the export holds {version.format_version}, not the declared "
                                f"{self.dataset_type}; the dataset type is for exports without a manifest: drop "
                                "--dataset-type ([azure] dataset_type), or pass --export-name to choose one export")
        return version


# Named as the dataset types, so a parser's dotted path can name one (core loads parsers by dotted path).
ActualCost = Declared("ActualCost")
AmortizedCost = Declared("AmortizedCost")
FocusCost = Declared("FocusCost")


def declared_parsers(parsers: list[ManifestParser], dataset_type: str | None) -> list[ManifestParser]:
    """``parsers`` with this plugin's two parsers bound to a declared dataset type (None: as they are)."""
    if dataset_type is None:
        return list(parsers)
    bound = {"open_finops_azure.manifests:parse_legacy": f"{__name__}:{dataset_type}.parse_legacy",
             "open_finops_azure.manifests:parse_manifest": f"{__name__}:{dataset_type}.parse_manifest"}
    return [dataclasses.replace(p, parse=bound.get(p.parse, p.parse)) for p in parsers]
