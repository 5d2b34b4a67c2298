"""open-finops: load cloud billing exports into an analytical database and turn them into FOCUS.

This module is the plugin API. It imports nothing heavy: plugins import it at start-up.
"""

from open_finops.api_version import PLUGIN_API_VERSION
from open_finops.contributions import Command, CommandGroup, ManifestParser, Pipeline
from open_finops.errors import OpenFinopsError, UsageError
from open_finops.exports import Column, DataFile, ExportVersion
from open_finops.hookspecs import hookimpl
from open_finops.settings import Setting, SettingsSection

__version__ = "0.1.0"

__all__ = [
    "Column",
    "Command",
    "CommandGroup",
    "DataFile",
    "ExportVersion",
    "ManifestParser",
    "OpenFinopsError",
    "PLUGIN_API_VERSION",
    "Pipeline",
    "Setting",
    "SettingsSection",
    "UsageError",
    "__version__",
    "hookimpl",
]
