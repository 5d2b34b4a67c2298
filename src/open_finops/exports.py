"""Core's vendor-neutral description of one version of a billing export.

A manifest parser turns a vendor's manifest file into an :class:`ExportVersion`; everything downstream
(listing, state, loading) works from that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from open_finops.periods import check_period

DATA_FORMATS = ("csv", "parquet")
COMPRESSIONS = (None, "gzip", "zip", "snappy")
# Types a vendor's declared column types are mapped to; loaders turn them into Arrow types.
COLUMN_TYPES = ("string", "decimal", "timestamp", "date", "integer", "boolean", "interval", "json")


@dataclass(frozen=True)
class DataFile:
    """One data file of an export version.

    ``uri`` is the file's key in its source, or a ``scheme://bucket/key`` URI, which must then name the
    source being read (the source's ``data_key`` checks it); ``size`` is filled in from the listing when
    the source lists it. ``rows`` is the number of data
    rows the manifest declares for the file, where it declares one: the import then refuses a file that
    holds another number (where it declares none, an empty file is reported as a warning).
    """

    uri: str
    format: str
    compression: str | None = None
    size: int | None = None
    rows: int | None = None

    def __post_init__(self) -> None:
        if self.rows is not None and (isinstance(self.rows, bool) or not isinstance(self.rows, int) or self.rows < 0):
            raise ValueError(f"data file {self.uri!r}: rows must be a whole number of at least 0, not {self.rows!r}")
        if self.format not in DATA_FORMATS:
            raise ValueError(f"data file {self.uri!r}: format must be one of {DATA_FORMATS}")
        if self.compression not in COMPRESSIONS:
            raise ValueError(f"data file {self.uri!r}: compression {self.compression!r} is not supported")


@dataclass(frozen=True)
class Column:
    """A column the manifest declares, with its vendor type and core's normalised type.

    ``aliases`` are other names the same column may carry inside a data file (AWS writes legacy CUR
    Parquet with Athena-style names); the reader accepts any of them, the table uses ``name``.
    """

    name: str
    type: str = "string"
    vendor_type: str | None = None
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name!r}: type {self.type!r} is not one of {COLUMN_TYPES}")


@dataclass(frozen=True)
class ExportVersion:
    """One version of one billing period of one export, as its manifest describes it.

    ``export_root`` is the folder (a key prefix ending in ``/``; ``""`` for the whole source) under which
    every data file of this version must lie, as the vendor's layout defines it from the manifest's own
    key: the engine refuses a manifest naming a file anywhere else. Manifests of one period with the same
    root are versions of one export (the newest is loaded); with different roots they are two exports
    sharing a name, and the import refuses to choose. ``None`` (a parser that does not say) means the
    folder the import lists (its prefix and export name). ``superseded`` is filled in by the listing:
    the keys of the older manifests of the same period that were found and not chosen.

    ``written_at`` is when the vendor says this version was written (seconds since the epoch, from the
    manifest itself): when set, it orders the versions of one period instead of the objects' modification
    times, which a copy (``azcopy``, ``aws s3 sync``) does not keep. ``header_types`` is for a manifest
    that declares no ``columns``: the types of the columns a data file's header may name (matched by
    normalised name); a header column not among them is text.
    """

    vendor: str
    export_name: str
    billing_period: str
    version_id: str
    format_version: str
    manifest_key: str
    data_files: tuple[DataFile, ...] = field(default_factory=tuple)
    columns: tuple[Column, ...] = field(default_factory=tuple)
    export_root: str | None = None
    superseded: tuple[str, ...] = ()
    written_at: float | None = None
    header_types: tuple[Column, ...] = ()

    def __post_init__(self) -> None:
        check_period(self.billing_period)
        if not self.version_id:
            raise ValueError(f"manifest {self.manifest_key!r} has no version id")
        if self.export_root and not self.export_root.endswith("/"):
            object.__setattr__(self, "export_root", self.export_root + "/")
