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


class StateError(OpenFinopsError):
    """The load-state table disagrees with what is being asked of it."""
