"""How a vendor's import is named in state and in messages: light, so a plugin's settings module may build
its terms at import time without loading the import engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VendorTerms:
    """How a vendor's import is named in state and in messages."""

    vendor: str
    export_noun: str = "export"  # "CUR export": "no manifest of any CUR export found"
    publisher: str = "the vendor"  # "AWS": "AWS may still be writing it"
    format_flag: str = "--format-version"  # the flag that picks one manifest format
    file_format_flag: str = "--export-format"  # the flag that names the data files' format
    prefix_flag: str = "--prefix"  # the flag that says where the exports are
    export_flag: str = "--export-name"  # the flag that picks one export
