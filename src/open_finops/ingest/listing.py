"""Find the manifests of a vendor's exports under a prefix, whatever the folder depth.

Every object under the prefix is listed once and the vendor's registered manifest parsers recognise
manifests by their keys, instead of the engine assuming one layout: real stores differ (assembly folders
or not, ``year=/month=`` folders, one folder per execution). Where several manifests describe one period
of one export (one per execution), the newest wins and the others are named in the version's
``superseded``; manifests of one period in different export folders are refused. Data file sizes come
from the same listing, so a period's size is known before anything is read. ``check_data_files`` is the
boundary every manifest's data file list passes before its period is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from open_finops.contributions import ManifestParser
from open_finops.errors import ManifestError, OpenFinopsError, SourceError, UsageError
from open_finops.exports import DataFile, ExportVersion
from open_finops.ingest.sources import BillingSource, ObjectInfo, split_uri
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
    Several manifests of one period are versions of one export when they share an export root: the
    newest wins and names the others in ``superseded``. Anything else is refused (ManifestError), since
    choosing would drop one export's data without a word.
    """
    parsers = [p for p in parsers if format_version is None or p.format_version == format_version]
    if not parsers:
        raise UsageError(f"no manifest parser for format {format_version!r} is installed")
    listed = export_prefix(prefix, export_name)
    sizes: dict[str, int] = {}
    candidates: list[tuple[ObjectInfo, ManifestParser]] = []
    for obj in source.list(listed):
        sizes[obj.key] = obj.size
        parser = next((p for p in parsers if p.matches(obj.key)), None)
        if parser is not None:
            candidates.append((obj, parser))
    slots: dict[tuple[str, str], list[tuple[tuple[float, str], ExportVersion, ManifestParser]]] = {}
    for obj, parser in candidates:
        # A parser that needs only the key (a data file that is its own manifest) is not handed the body.
        body = source.read(obj.key) if parser.reads_body else b""
        version = parser.load_parse()(obj.key, body)
        if export_name is not None and version.export_name != export_name:
            continue
        if not in_range(version.billing_period, start, end):
            continue
        if version.export_root is None:
            version = dataclasses.replace(version, export_root=listed)
        # Newest by the time the manifest states, else by the object's time; the key (a timestamped execution
        # folder) breaks ties between copies written together.
        written = version.written_at if version.written_at is not None else obj.last_modified
        slots.setdefault((version.export_name, version.billing_period), []).append(
            ((written, obj.key), version, parser))
    versions = [_newest(found, format_flag) for found in slots.values()]
    versions.sort(key=lambda v: (v.export_name, v.billing_period))
    return [_with_sizes(v, sizes, source) for v in versions]


def _newest(found: list[tuple[tuple[float, str], ExportVersion, ManifestParser]], format_flag: str) -> ExportVersion:
    """The one version to load of the manifests found for one period of one export, or ManifestError."""
    found = sorted(found, key=lambda item: item[0], reverse=True)
    newest = found[0][1]
    where = f"export {newest.export_name!r} {newest.billing_period}"
    for _, other, parser in found[1:]:
        if other.format_version != newest.format_version:
            raise ManifestError(
                f"{where} has both {found[0][2].name} and {parser.name} manifests ({newest.manifest_key}, "
                f"{other.manifest_key}); pass {format_flag} to choose one"
            )
    for _, other, _ in found[1:]:
        if other.export_root != newest.export_root:
            raise ManifestError(
                f"{where} has manifests in two export folders, {newest.manifest_key} and {other.manifest_key}; "
                "two exports share that name: pass --prefix to choose one"
            )
    return dataclasses.replace(newest, superseded=tuple(v.manifest_key for _, v, _ in found[1:]))


def _with_sizes(version: ExportVersion, sizes: dict[str, int], source: BillingSource) -> ExportVersion:
    def size(uri: str) -> int | None:
        try:
            return sizes.get(source.data_key(uri))
        except OpenFinopsError:  # refused when the period loads (check_data_files), naming the manifest
            return None

    files = tuple(f if f.size is not None else dataclasses.replace(f, size=size(f.uri)) for f in version.data_files)
    return dataclasses.replace(version, data_files=files)


def check_data_files(version: ExportVersion, source: BillingSource) -> ExportVersion:
    """The checks every vendor's manifest passes before anything of its period is read or staged.

    Each data file must be an object of ``source`` (a URI naming another store is refused by the source),
    every URI of the manifest must name one store, each file must lie under the version's export root,
    and no file may be listed twice, in whatever spelling (``s3://bucket/k`` and ``k``; ``a//b`` and
    ``a/b`` in a folder). A manifest that fails any of them is not trustworthy: ManifestError naming the
    manifest and the file. Returns the version with each data file's ``uri`` replaced by its key.
    """
    manifest = version.manifest_key
    root = version.export_root or ""
    stores: dict[str, str] = {}
    first: dict[str, tuple[int, str]] = {}
    files = []
    for position, data_file in enumerate(version.data_files, start=1):
        uri = data_file.uri
        try:
            key = source.data_key(uri)
        except SourceError as exc:
            raise ManifestError(f"manifest {manifest}: {exc.message}") from None
        store = split_uri(uri)[0]
        if store is not None:
            stores.setdefault(store, uri)
            if len(stores) > 1:
                other = next(iter(stores.values()))
                raise ManifestError(f"manifest {manifest} names data files in two stores, {other!r} and {uri!r}; "
                                    "a manifest may only name its own export's files")
        if not key.startswith(root):
            raise ManifestError(f"manifest {manifest} names data file {uri!r}, outside its export's folder "
                                f"{root!r}; a manifest may only name its own export's files")
        if key in first:
            earlier, spelling = first[key]
            raise ManifestError(f"manifest {manifest} lists data file {key!r} twice (entries {earlier} and {position}: "
                                f"{spelling!r} and {uri!r}); a manifest that lists a file twice is not trustworthy")
        first[key] = (position, uri)
        files.append(dataclasses.replace(data_file, uri=key))
    return dataclasses.replace(version, data_files=tuple(files))


def total_bytes(version: ExportVersion) -> int:
    return sum(f.size or 0 for f in version.data_files)


def check_file_rows(data_file: DataFile, key: str, rows: int) -> str | None:
    """Refuse a data file that held another number of rows than its manifest declares; the warning for
    one that held none where the manifest gives no count to check it against (None otherwise)."""
    if data_file.rows is not None and rows != data_file.rows:
        raise SourceError(
            f"data file {key} holds {rows:,} rows but its manifest declares {data_file.rows:,}; the file is "
            "incomplete or belongs to another version: fetch the export again"
        )
    if rows == 0 and data_file.rows is None:
        return (f"data file {key} holds no rows (a header only), and the manifest gives no row count to check "
                "it against: check that the export is complete")
    return None
