"""Find the manifests of CUR exports under a prefix, whatever the folder depth.

We list every object under the prefix and let the registered manifest parsers recognise manifests by
their keys, instead of assuming one layout: real buckets differ (assembly folders or not, ``year=/month=``
folders, one timestamp folder per CUR 2.0 execution). A v1 export keeps a copy of each manifest inside its
assembly folder; the parsers' key patterns only match the period-level manifest, so it is not counted
twice. Where several manifests describe one period (one per CUR 2.0 execution), the newest wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from open_finops.contributions import ManifestParser
from open_finops.errors import ManifestError, UsageError
from open_finops.manifest import ExportVersion
from open_finops_aws.sources import ObjectInfo, key_from_uri


@dataclass
class Listing:
    """What one listing under the prefix found: parsed versions and every object's size."""

    versions: list[ExportVersion] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    def size_of(self, uri: str) -> int | None:
        return self.sizes.get(key_from_uri(uri))


def export_prefix(prefix: str, export_name: str | None) -> str:
    parts = [p.strip("/") for p in (prefix, export_name) if p and p.strip("/")]
    return "/".join(parts) + "/" if parts else ""


def _in_range(period: str, start: str | None, end: str | None) -> bool:
    return (start is None or period >= start) and (end is None or period <= end)


def find_versions(
    source,
    parsers: Iterable[ManifestParser],
    *,
    prefix: str = "",
    export_name: str | None = None,
    cur_version: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Listing:
    """The current version of every billing period of every export found, oldest period first."""
    parsers = [p for p in parsers if cur_version is None or p.format_version == cur_version]
    if not parsers:
        raise UsageError(f"no manifest parser for CUR version {cur_version!r} is installed")
    listing = Listing()
    candidates: list[tuple[ObjectInfo, ManifestParser]] = []
    for obj in source.list(export_prefix(prefix, export_name)):
        listing.sizes[obj.key] = obj.size
        parser = next((p for p in parsers if p.matches(obj.key)), None)
        if parser is not None:
            candidates.append((obj, parser))
    newest: dict[tuple[str, str], tuple[tuple[float, str], ExportVersion]] = {}
    for obj, parser in candidates:
        version = parser.load_parse()(obj.key, source.read(obj.key))
        if export_name is not None and version.export_name != export_name:
            continue
        if not _in_range(version.billing_period, start, end):
            continue
        slot = (version.export_name, version.billing_period)
        if slot in newest and newest[slot][1].format_version != version.format_version:
            raise ManifestError(
                f"export {version.export_name!r} has both CUR v1 and CUR 2.0 manifests for "
                f"{version.billing_period}; pass --cur-version/-v to choose one"
            )
        # Newest by time; a timestamped execution folder breaks ties between copies written together.
        rank = (obj.last_modified, obj.key)
        if slot not in newest or rank >= newest[slot][0]:
            newest[slot] = (rank, version)
    listing.versions = [v for _, v in sorted(newest.values(), key=lambda t: (t[1].export_name, t[1].billing_period))]
    return listing
