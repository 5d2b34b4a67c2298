"""The plugin API: everything a plugin may import from open-finops, in one place.

A plugin imports from ``open_finops.api`` (or the few names ``open_finops`` itself re-exports) and from
nothing else in the package: every other module is core's own and may change in any release. The names
below are stable within a plugin-API major version (see ``docs/plugins.md``). Importing this module is
cheap: each name is imported from its home module when a plugin first uses it (a plugin's entry point that
needs only ``CommandGroup`` does not load the import engine), and nothing imports dlt, duckdb, pyarrow or
boto3 until it is called.

The groups:

- contributions and hooks: what plugins return from their hooks, including the settings they declare;
- errors: our exception types, turned into exit codes by the command line;
- exports: core's description of one version of a billing export, which manifest parsers return;
- the import engine: a vendor's source and parsers in, periods loaded, skipped or failed out;
- the command line: settings, shared options, output helpers and the import report;
- services: configuration, naming, the database, the dlt runner, load state (``LoadStateStore.source_columns``
  gives a load's column names as its manifest spelled them), FOCUS (``FOCUS_COLUMNS`` is
  the column contract of ``focus.costs`` a FOCUS transform's SELECT returns, in order, with each column's
  name, SQL type and rules).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The imports below are for type checkers and readers only (__all__ is built from _HOMES at run time).
# ruff: noqa: F401
if TYPE_CHECKING:  # at run time each name comes from _HOMES on first use
    from open_finops.api_version import PLUGIN_API_VERSION
    from open_finops.cli.context import ConfigOption, load_settings
    from open_finops.cli.imports import DataDirOption, JsonOption, QuietOption, human_bytes, import_and_report
    from open_finops.cli.output import console, print_json, progress
    from open_finops.cli.state_cmd import list_exports, loaded_versions, show_state
    from open_finops.config import Config, load_config
    from open_finops.contributions import Command, CommandGroup, ManifestParser, Pipeline
    from open_finops.database import database_path, open_database, table_columns, table_exists
    from open_finops.destination import Destination
    from open_finops.errors import (
        ConfigError,
        DestinationError,
        DiskFullError,
        ManifestError,
        OpenFinopsError,
        SourceError,
        StateError,
        UsageError,
        disk_full,
    )
    from open_finops.exports import Column, DataFile, ExportVersion
    from open_finops.focus.columns import COLUMNS as FOCUS_COLUMNS
    from open_finops.focus.mapping import (
        Expr,
        FocusMapping,
        Lookup,
        Sql,
        Stage,
        TagMap,
        duckdb_select,
        literal,
        money,
        rate,
        text,
        timestamp,
    )
    from open_finops.focus.protocol import NATIVE_FOCUS, FocusSource
    from open_finops.hookspecs import hookimpl
    from open_finops.ingest.engine import (
        ImportOptions,
        ImportSummary,
        PeriodResult,
        find_versions,
        run_import,
    )
    from open_finops.ingest.sources import BillingSource, LocalSource, ObjectInfo, check_key, key_from_uri, plain_key
    from open_finops.ingest.terms import VendorTerms
    from open_finops.naming import (
        PERIOD_COLUMN,
        STRATEGIES,
        dataset_identifier,
        export_table,
        period_table,
        quote_identifier,
        unified_view,
    )
    from open_finops.periods import check_period, month, month_range, months_from
    from open_finops.plugins import Registry, current_registry
    from open_finops.runner import destination as dlt_destination
    from open_finops.runner import drop_working_dir, located, new_pipeline
    from open_finops.runners import FocusRunner, ImportRunner, ServiceRunner
    from open_finops.secrets import mask_secrets
    from open_finops.settings import Origin, Resolved, Setting, SettingsSection
    from open_finops.state import LoadRecord, LoadStateStore

# Each name of the API and the module that defines it (tests/test_public_api.py checks this against the
# imports above).
_HOMES: dict[str, tuple[str, str]] = {
    "FOCUS_COLUMNS": ("open_finops.focus.columns", "COLUMNS"),
    "PERIOD_COLUMN": ("open_finops.naming", "PERIOD_COLUMN"),
    "PLUGIN_API_VERSION": ("open_finops.api_version", "PLUGIN_API_VERSION"),
    "STRATEGIES": ("open_finops.naming", "STRATEGIES"),
    "BillingSource": ("open_finops.ingest.sources", "BillingSource"),
    "Column": ("open_finops.exports", "Column"),
    "Command": ("open_finops.contributions", "Command"),
    "CommandGroup": ("open_finops.contributions", "CommandGroup"),
    "Config": ("open_finops.config", "Config"),
    "ConfigError": ("open_finops.errors", "ConfigError"),
    "ConfigOption": ("open_finops.cli.context", "ConfigOption"),
    "DataDirOption": ("open_finops.cli.imports", "DataDirOption"),
    "DataFile": ("open_finops.exports", "DataFile"),
    "Destination": ("open_finops.destination", "Destination"),
    "DestinationError": ("open_finops.errors", "DestinationError"),
    "DiskFullError": ("open_finops.errors", "DiskFullError"),
    "ExportVersion": ("open_finops.exports", "ExportVersion"),
    "Expr": ("open_finops.focus.mapping", "Expr"),
    "FocusMapping": ("open_finops.focus.mapping", "FocusMapping"),
    "FocusRunner": ("open_finops.runners", "FocusRunner"),
    "FocusSource": ("open_finops.focus.protocol", "FocusSource"),
    "ImportOptions": ("open_finops.ingest.engine", "ImportOptions"),
    "ImportRunner": ("open_finops.runners", "ImportRunner"),
    "ImportSummary": ("open_finops.ingest.engine", "ImportSummary"),
    "JsonOption": ("open_finops.cli.imports", "JsonOption"),
    "LoadRecord": ("open_finops.state", "LoadRecord"),
    "LoadStateStore": ("open_finops.state", "LoadStateStore"),
    "LocalSource": ("open_finops.ingest.sources", "LocalSource"),
    "Lookup": ("open_finops.focus.mapping", "Lookup"),
    "ManifestError": ("open_finops.errors", "ManifestError"),
    "ManifestParser": ("open_finops.contributions", "ManifestParser"),
    "NATIVE_FOCUS": ("open_finops.focus.protocol", "NATIVE_FOCUS"),
    "ObjectInfo": ("open_finops.ingest.sources", "ObjectInfo"),
    "OpenFinopsError": ("open_finops.errors", "OpenFinopsError"),
    "Origin": ("open_finops.settings", "Origin"),
    "PeriodResult": ("open_finops.ingest.engine", "PeriodResult"),
    "Pipeline": ("open_finops.contributions", "Pipeline"),
    "QuietOption": ("open_finops.cli.imports", "QuietOption"),
    "Registry": ("open_finops.plugins", "Registry"),
    "Resolved": ("open_finops.settings", "Resolved"),
    "ServiceRunner": ("open_finops.runners", "ServiceRunner"),
    "Setting": ("open_finops.settings", "Setting"),
    "SettingsSection": ("open_finops.settings", "SettingsSection"),
    "SourceError": ("open_finops.errors", "SourceError"),
    "Sql": ("open_finops.focus.mapping", "Sql"),
    "Stage": ("open_finops.focus.mapping", "Stage"),
    "StateError": ("open_finops.errors", "StateError"),
    "TagMap": ("open_finops.focus.mapping", "TagMap"),
    "UsageError": ("open_finops.errors", "UsageError"),
    "VendorTerms": ("open_finops.ingest.terms", "VendorTerms"),
    "check_key": ("open_finops.ingest.sources", "check_key"),
    "check_period": ("open_finops.periods", "check_period"),
    "console": ("open_finops.cli.output", "console"),
    "current_registry": ("open_finops.plugins", "current_registry"),
    "database_path": ("open_finops.database", "database_path"),
    "dataset_identifier": ("open_finops.naming", "dataset_identifier"),
    "disk_full": ("open_finops.errors", "disk_full"),
    "dlt_destination": ("open_finops.runner", "destination"),
    "drop_working_dir": ("open_finops.runner", "drop_working_dir"),
    "duckdb_select": ("open_finops.focus.mapping", "duckdb_select"),
    "export_table": ("open_finops.naming", "export_table"),
    "find_versions": ("open_finops.ingest.engine", "find_versions"),
    "hookimpl": ("open_finops.hookspecs", "hookimpl"),
    "human_bytes": ("open_finops.cli.imports", "human_bytes"),
    "import_and_report": ("open_finops.cli.imports", "import_and_report"),
    "key_from_uri": ("open_finops.ingest.sources", "key_from_uri"),
    "list_exports": ("open_finops.cli.state_cmd", "list_exports"),
    "literal": ("open_finops.focus.mapping", "literal"),
    "load_config": ("open_finops.config", "load_config"),
    "load_settings": ("open_finops.cli.context", "load_settings"),
    "loaded_versions": ("open_finops.cli.state_cmd", "loaded_versions"),
    "located": ("open_finops.runner", "located"),
    "mask_secrets": ("open_finops.secrets", "mask_secrets"),
    "money": ("open_finops.focus.mapping", "money"),
    "month": ("open_finops.periods", "month"),
    "month_range": ("open_finops.periods", "month_range"),
    "months_from": ("open_finops.periods", "months_from"),
    "new_pipeline": ("open_finops.runner", "new_pipeline"),
    "open_database": ("open_finops.database", "open_database"),
    "period_table": ("open_finops.naming", "period_table"),
    "plain_key": ("open_finops.ingest.sources", "plain_key"),
    "print_json": ("open_finops.cli.output", "print_json"),
    "progress": ("open_finops.cli.output", "progress"),
    "quote_identifier": ("open_finops.naming", "quote_identifier"),
    "rate": ("open_finops.focus.mapping", "rate"),
    "run_import": ("open_finops.ingest.engine", "run_import"),
    "show_state": ("open_finops.cli.state_cmd", "show_state"),
    "table_columns": ("open_finops.database", "table_columns"),
    "table_exists": ("open_finops.database", "table_exists"),
    "text": ("open_finops.focus.mapping", "text"),
    "timestamp": ("open_finops.focus.mapping", "timestamp"),
    "unified_view": ("open_finops.naming", "unified_view"),
}

__all__ = list(_HOMES)


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # the next use is a plain global lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
