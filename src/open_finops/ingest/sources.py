"""Where a billing export is read from: the protocol a vendor's source implements, and a local folder.

A source does three small things: list the objects under a prefix, read a small object (a manifest)
whole, and give a local path for a data file (the file itself, or a downloaded scratch copy). Every
failure is a :class:`~open_finops.errors.SourceError` that names the object and says what to check.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable

from open_finops.errors import SourceError, UsageError


@dataclass(frozen=True)
class ObjectInfo:
    """One listed object: its key relative to the source's root, its size, and when it was written."""

    key: str
    size: int
    last_modified: float


@runtime_checkable
class BillingSource(Protocol):
    """What the engine needs from the place a vendor's exports live."""

    description: str  # for messages: "s3://bucket", "folder /srv/cur", ...

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, at any depth."""
        ...

    def read(self, key: str) -> bytes:
        """A small object (a manifest), whole."""
        ...

    def local_copy(self, key: str, scratch: Path, on_bytes: Callable[[int], None] | None = None) -> tuple[Path, bool]:
        """A local path holding the data file ``key``, and whether it is a temporary copy to delete after use.

        ``on_bytes`` is called with byte counts as they arrive, for progress.
        """
        ...


def key_from_uri(uri: str) -> str:
    """``s3://bucket/a/b`` -> ``a/b`` (any scheme); a plain key is returned as it is."""
    scheme, sep, rest = uri.partition("://")
    if sep and scheme.isalnum():
        return rest.partition("/")[2]
    return uri


def check_key(key: str) -> str:
    """A key from a manifest is data: refuse one that climbs out of the export's root."""
    parts = PurePosixPath(key).parts
    if key.startswith("/") or ".." in parts:
        raise SourceError(f"object key {key!r} points outside the export; the manifest is not trustworthy")
    return key


class LocalSource:
    """A folder holding an export store's contents (what ``aws s3 sync`` or ``azcopy`` leaves).

    ``flag`` names the option that chose the folder, for the message when it is not one.
    """

    def __init__(self, root: Path, *, flag: str = "--from-dir") -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise UsageError(f"{flag} {root} is not a folder; give the folder that holds the export's files")
        self.description = f"folder {self.root}"

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if path != self.root and self.root not in path.parents:
            raise SourceError(f"object key {key!r} points outside {self.root}")
        return path

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        base = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not base.exists():
            return
        for dirpath, _dirnames, filenames in os.walk(base):
            for name in filenames:
                path = Path(dirpath) / name
                stat = path.stat()
                yield ObjectInfo(path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime)

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise SourceError(f"{key} does not exist in {self.description}") from None
        except OSError as exc:
            raise SourceError(f"{key} cannot be read from {self.description}: {exc.strerror}") from None

    def local_copy(self, key: str, scratch: Path, on_bytes: Callable[[int], None] | None = None) -> tuple[Path, bool]:
        """The file itself: it is local already (the bool says it is not a temporary copy)."""
        path = self._path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise SourceError(
                f"data file {key} listed in the manifest does not exist in {self.description}; "
                "the export may be incomplete or still being written"
            ) from None
        if on_bytes is not None:
            on_bytes(size)
        return path, False
