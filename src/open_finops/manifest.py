"""Core's vendor-neutral description of one version of a billing export.

A manifest parser turns a vendor's manifest file into an :class:`ExportVersion`; everything downstream
(listing, state, loading) works from that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DATA_FORMATS = ("csv", "parquet")
COMPRESSIONS = (None, "gzip", "zip", "snappy")
# Types a vendor's declared column types are mapped to; loaders turn them into Arrow types.
COLUMN_TYPES = ("string", "decimal", "timestamp", "date", "integer", "boolean", "interval", "json")


def check_period(period: str) -> str:
    """Return ``period`` if it is ``YYYY-MM``; raise ValueError otherwise."""
    if not isinstance(period, str) or not PERIOD_PATTERN.fullmatch(period):
        raise ValueError(f"billing period {period!r} is not of the form YYYY-MM")
    return period


@dataclass(frozen=True)
class DataFile:
    """One data file of an export version."""

    uri: str
    format: str
    compression: str | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        if self.format not in DATA_FORMATS:
            raise ValueError(f"data file {self.uri!r}: format must be one of {DATA_FORMATS}")
        if self.compression not in COMPRESSIONS:
            raise ValueError(f"data file {self.uri!r}: compression {self.compression!r} is not supported")


@dataclass(frozen=True)
class Column:
    """A column the manifest declares, with its vendor type and core's normalised type."""

    name: str
    type: str = "string"
    vendor_type: str | None = None

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name!r}: type {self.type!r} is not one of {COLUMN_TYPES}")


@dataclass(frozen=True)
class ExportVersion:
    """One version of one billing period of one export, as its manifest describes it."""

    vendor: str
    export_name: str
    billing_period: str
    version_id: str
    format_version: str
    manifest_key: str
    data_files: tuple[DataFile, ...] = field(default_factory=tuple)
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_period(self.billing_period)
        if not self.version_id:
            raise ValueError(f"manifest {self.manifest_key!r} has no version id")

    @property
    def total_bytes(self) -> int:
        return sum(f.size or 0 for f in self.data_files)
