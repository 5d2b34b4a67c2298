"""Errors a user can act on.

Library code raises these; the CLI layer (``open_finops.cli.app.main``) is the one place that turns them
into a message on stderr and an exit code. Messages are one line, name the thing at fault and say what to
do about it.
"""

from __future__ import annotations


class OpenFinopsError(Exception):
    """An error whose message is meant for the user. Exit code 1 unless a subclass says otherwise."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class UsageError(OpenFinopsError):
    """The command line, configuration or environment asks for something that cannot be done (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """The configuration file or an override is invalid."""


class PluginNotInstalled(UsageError):
    """A command belongs to a known vendor whose plugin is not installed."""


class PluginError(OpenFinopsError):
    """A plugin failed to load or contributed something invalid."""


class ManifestError(OpenFinopsError):
    """A billing export's manifest cannot be understood."""


class SourceError(OpenFinopsError):
    """Reading a billing export from its store failed (missing object, access denied, unreachable)."""


class DestinationError(OpenFinopsError):
    """The destination database cannot be reached, is busy, or is not installed."""


class DestinationUnreachable(DestinationError):
    """No connection to the destination could be made: every later period would wait and fail alike."""


class StateError(OpenFinopsError):
    """The load-state table disagrees with what is being asked of it."""


class DiskFullError(OpenFinopsError):
    """A disk (or a quota) ran out of space while writing; what was already loaded is unchanged."""


# DuckDB says "failed to offload data block ... 'max_temp_directory_size'" when its temp directory (beside
# the database) cannot grow: that limit is the free space of the disk unless the user set one.
_DISK_FULL_TEXT = ("No space left on device", "Disk quota exceeded", "max_temp_directory_size")


def disk_full(exc: BaseException, path: object = None) -> DiskFullError | None:
    """A DiskFullError naming the file being written, if ``exc`` (or anything it wraps: dlt's step
    errors, DuckDB's IO errors, boto3's download errors) comes from a full disk; else None.

    ``path`` names the file when the error does not (a download written through a file handle).
    """
    import errno
    import re

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskFullError):
            return current
        text = str(current)
        full = isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT)
        if full or any(words in text for words in _DISK_FULL_TEXT):
            named = getattr(current, "filename", None) if isinstance(current, OSError) else None
            path = named if named is not None else path
            if path is None:
                found = re.search(r"""file "([^"]+)"|: '([^']+)'\s*$""", text)
                path = next((g for g in found.groups() if g), None) if found else None
            where = f" writing {path}" if path else ""
            return DiskFullError(f"no space left on device{where}; free space on that disk (or use a data directory "
                                 "on a larger one) and run again")
        inner = getattr(current, "exception", None)
        current = inner if isinstance(inner, BaseException) else (current.__cause__ or current.__context__)
    return None
