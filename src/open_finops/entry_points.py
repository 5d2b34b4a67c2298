"""The entry points of one group, read from the installed distributions' own files.

``importlib.metadata`` finds the same entry points, but importing it loads ``email``, ``zipfile``, ``socket``
and ``urllib``: 33 ms, a sixth of ``finops --help`` (benchmarks/README.md).
The files are simple and specified (PyPA "Recording installed projects" and "Entry points"), so this module
reads them itself, as ``importlib.metadata`` does: every folder on ``sys.path``, each ``*.dist-info`` or
``*.egg-info`` in it, the first distribution of a name on the path shadowing later ones, and its
``entry_points.txt`` read as INI sections. Distributions inside zip files on ``sys.path`` are not read.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?(\[.*\]\s*)?$")
_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class EntryPoint:
    """One ``name = module:attr`` of a group, and the distribution that declares it."""

    name: str
    value: str
    distribution: str | None
    version: str | None

    def load(self) -> object:
        """Import the module and return the object the value names (the module itself without ``:attr``)."""
        import importlib

        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"{self.value!r} is not an object reference like 'package.module:name'")
        obj: object = importlib.import_module(match["module"])
        for attribute in filter(None, (match["attr"] or "").split(".")):
            obj = getattr(obj, attribute)
        return obj


def entry_points(group: str, path: Iterable[str] | None = None) -> list[EntryPoint]:
    """Every entry point of ``group`` that the distributions installed on ``path`` (``sys.path``) declare."""
    found: list[EntryPoint] = []
    for folder in _distributions(sys.path if path is None else path):
        text = _read(os.path.join(folder, "entry_points.txt"))
        if text is None:
            continue
        declared = [(name, value) for section, name, value in _entries(text) if section == group]
        if declared:
            distribution, version = _name_and_version(folder)
            found.extend(EntryPoint(name, value, distribution, version) for name, value in declared)
    return found


def _distributions(path: Iterable[str]) -> Iterator[str]:
    """The metadata folder of each distribution on ``path``, the first of each normalised name only."""
    seen: set[str] = set()
    for entry in path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:  # a zip file, or a folder that does not exist
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            key = _SEPARATORS.sub("_", stem.partition("-")[0]).lower()
            folder = os.path.join(entry or ".", name)
            if key not in seen and os.path.isdir(folder):
                seen.add(key)
                yield folder


def _entries(text: str) -> Iterator[tuple[str, str, str]]:
    """(section, name, value) of each ``name = value`` line of an INI text; comments and blanks skipped."""
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        name, equals, value = line.partition("=")
        if equals and name.strip():
            yield section, name.strip(), value.strip()


def _name_and_version(folder: str) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` from the headers of a distribution's METADATA (PKG-INFO for egg-info)."""
    text = _read(os.path.join(folder, "METADATA")) or _read(os.path.join(folder, "PKG-INFO")) or ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the headers end at the first blank line; the long description follows
        key, colon, value = line.partition(":")
        if colon and key in ("Name", "Version"):
            fields.setdefault(key, value.strip())
    return fields.get("Name"), fields.get("Version")


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None
