"""Where a billing export is read from: the protocol a vendor's source implements, and a local folder.

A source does four small things: list the objects under a prefix, read a small object (a manifest)
whole, say which of its objects a manifest's data file URI names, and give a local path for a data file
(the file itself, or a downloaded scratch copy). Every failure is a
:class:`~open_finops.errors.SourceError` that names the object and says what to check.
"""

from __future__ import annotations

import os
import re
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

    def data_key(self, uri: str) -> str:
        """The key, in this source, of the data file a manifest names as ``uri``.

        ``uri`` is a plain key or a URI with a scheme (``s3://bucket/key``). A URI must name this very
        store: one naming another bucket or scheme raises SourceError naming it, never a key read from
        here instead. Two spellings of one object give one key, so a file listed twice is seen as such
        (:func:`plain_key` does the checks every source shares).
        """
        ...

    def local_copy(self, key: str, scratch: Path, on_bytes: Callable[[int], None] | None = None) -> tuple[Path, bool]:
        """A local path holding the data file ``key``, and whether it is a temporary copy to delete after use.

        ``on_bytes`` is called with byte counts as they arrive, for progress.
        """
        ...


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def split_uri(uri: str) -> tuple[str | None, str]:
    """``s3://bucket/a/b`` -> ``("s3://bucket", "a/b")`` (the scheme lower-cased); a plain key -> ``(None, key)``."""
    scheme, sep, rest = uri.partition("://")
    if sep and _SCHEME.fullmatch(scheme):
        store, _, key = rest.partition("/")
        return f"{scheme.lower()}://{store}", key
    return None, uri


def key_from_uri(uri: str) -> str:
    """``s3://bucket/a/b`` -> ``a/b`` (any scheme); a plain key is returned as it is.

    It does not look at the bucket: to read a manifest's data file, use the source's ``data_key``, which
    refuses a URI naming another store.
    """
    return split_uri(uri)[1]


def plain_key(uri: str, store: str | None) -> str:
    """The key part of a data file's ``uri``, checked the way every source checks it.

    ``store`` is the source's own ``scheme://bucket``; a URI naming another one is refused. ``None``
    means the source does not know which store it holds (a local copy whose origin was not given), and
    then a URI's key is taken whatever its store. Refused too: an empty key, a key starting with ``/``,
    and ``.`` or ``..`` segments (no exporter writes one, and stores disagree on what they mean).
    """
    named, key = split_uri(uri)
    if named is not None and store is not None and named != store.lower().rstrip("/"):
        raise SourceError(f"data file {uri!r} is not in {store}, the store being read; a manifest may only name "
                          "its own export's files")
    if named is not None and named.endswith("://"):
        raise SourceError(f"data file {uri!r} names no bucket; a manifest may only name its own export's files")
    if not key or key.endswith("/"):
        raise SourceError(f"data file {uri!r} names no object")
    segments = key.split("/")
    if key.startswith("/") or ".." in segments:
        raise SourceError(f"data file {uri!r} points outside the export; the manifest is not trustworthy")
    if "." in segments:
        raise SourceError(f"data file {uri!r} has a '.' segment; no exporter writes one, the manifest is not "
                          "trustworthy")
    return key


def check_key(key: str) -> str:
    """A key from a manifest is data: refuse one that climbs out of the export's root."""
    parts = PurePosixPath(key).parts
    if key.startswith("/") or ".." in parts:
        raise SourceError(f"object key {key!r} points outside the export; the manifest is not trustworthy")
    return key


class LocalSource:
    """A folder holding an export store's contents (what ``aws s3 sync`` or ``azcopy`` leaves).

    ``flag`` names the option that chose the folder, for the message when it is not one. ``origin`` is
    the store the folder is a copy of (``s3://bucket``), when known: a manifest's data URI naming any
    other store is then refused. Without it, a URI's key is looked up in the folder whatever its bucket.
    """

    def __init__(self, root: Path, *, flag: str = "--from-dir", origin: str | None = None) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise UsageError(f"{flag} {root} is not a folder; give the folder that holds the export's files")
        self.origin = origin
        self.description = f"folder {self.root}" + (f" (a copy of {origin})" if origin else "")

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

    def data_key(self, uri: str) -> str:
        """The key with empty segments dropped: in a folder ``a//b`` and ``a/b`` are one file (S3 keys
        written under a prefix ending in ``/`` hold ``//``; a synced copy does not)."""
        return "/".join(part for part in plain_key(uri, self.origin).split("/") if part)

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
