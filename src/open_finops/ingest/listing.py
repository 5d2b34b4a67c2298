"""Find the manifests of a vendor's exports under a prefix, whatever the folder depth.

Every object under the prefix is listed once and the vendor's registered manifest parsers recognise
manifests by their keys, instead of the engine assuming one layout: real stores differ (assembly folders
or not, ``year=/month=`` folders, one folder per execution). Where several manifests describe one period
(one per execution, or a period refreshed in place), the newest wins. Data file sizes come from the same
listing, so a period's size is known before anything is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from open_finops.contributions import ManifestParser
from open_finops.errors import ManifestError, UsageError
from open_finops.exports import ExportVersion
from open_finops.ingest.sources import BillingSource, ObjectInfo, key_from_uri
from open_finops.periods import in_range


def export_prefix(prefix: str, export_name: str | None) -> str:
    parts = [p.strip("/") for p in (prefix, export_name) if p and p.strip("/")]
    return "/".join(parts) + "/" if parts else ""


def find_versions(
    source: BillingSource,
    parsers: Iterable[ManifestParser],
    *,
    prefix: str = "",
    export_name: str | None = None,
    format_version: str | None = None,
    start: str | None = None,
    end: str | None = None,
    format_flag: str = "--format-version",
) -> list[ExportVersion]:
    """The newest version of every billing period of every export found, by export then period.

    ``format_version`` keeps only the parsers of that format; ``format_flag`` is the vendor's name for
    that choice on its command line, for the message when one period has manifests of two formats.
    """
    parsers = [p for p in parsers if format_version is None or p.format_version == format_version]
    if not parsers:
        raise UsageError(f"no manifest parser for format {format_version!r} is installed")
    sizes: dict[str, int] = {}
    candidates: list[tuple[ObjectInfo, ManifestParser]] = []
    for obj in source.list(export_prefix(prefix, export_name)):
        sizes[obj.key] = obj.size
        parser = next((p for p in parsers if p.matches(obj.key)), None)
        if parser is not None:
            candidates.append((obj, parser))
    newest: dict[tuple[str, str], tuple[tuple[float, str], ExportVersion, ManifestParser]] = {}
    for obj, parser in candidates:
        version = parser.load_parse()(obj.key, source.read(obj.key))
        if export_name is not None and version.export_name != export_name:
            continue
        if not in_range(version.billing_period, start, end):
            continue
        slot = (version.export_name, version.billing_period)
        if slot in newest and newest[slot][1].format_version != version.format_version:
            other = newest[slot][2]
            raise ManifestError(
                f"export {version.export_name!r} has both {other.name} and {parser.name} manifests for "
                f"{version.billing_period}; pass {format_flag} to choose one"
            )
        # Newest by time; the key (a timestamped execution folder) breaks ties between copies written together.
        rank = (obj.last_modified, obj.key)
        if slot not in newest or rank >= newest[slot][0]:
            newest[slot] = (rank, version, parser)
    versions = sorted((v for _, v, _ in newest.values()), key=lambda v: (v.export_name, v.billing_period))
    return [_with_sizes(v, sizes) for v in versions]


def _with_sizes(version: ExportVersion, sizes: dict[str, int]) -> ExportVersion:
    files = tuple(
        f if f.size is not None else dataclasses.replace(f, size=sizes.get(key_from_uri(f.uri)))
        for f in version.data_files
    )
    return dataclasses.replace(version, data_files=files)


def total_bytes(version: ExportVersion) -> int:
    return sum(f.size or 0 for f in version.data_files)
