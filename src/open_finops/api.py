"""The plugin API: everything a plugin may import from open-finops, in one place.

A plugin imports from ``open_finops.api`` (or the few names ``open_finops`` itself re-exports) and from
nothing else in the package: every other module is core's own and may change in any release. The names
below are stable within a plugin-API major version (see ``docs/plugins.md``). Importing this module is
cheap: nothing here imports dlt, duckdb, pyarrow or boto3 until it is called.

The groups:

- contributions and hooks: what plugins return from their hooks, including the settings they declare;
- errors: our exception types, turned into exit codes by the command line;
- exports: core's description of one version of a billing export, which manifest parsers return;
- the import engine: a vendor's source and parsers in, periods loaded, skipped or failed out;
- the command line: settings, shared options, output helpers and the import report;
- services: configuration, naming, the database, the dlt runner, load state, FOCUS (``FOCUS_COLUMNS`` is
  the column contract of ``focus.costs`` a FOCUS transform's SELECT returns, in order, with each column's
  name, SQL type and rules).
"""

from __future__ import annotations

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
from open_finops.focus.protocol import FocusSource
from open_finops.hookspecs import hookimpl
from open_finops.ingest.engine import (
    STRATEGIES,
    ImportOptions,
    ImportSummary,
    PeriodResult,
    VendorTerms,
    find_versions,
    run_import,
)
from open_finops.ingest.sources import BillingSource, LocalSource, ObjectInfo, check_key, key_from_uri, plain_key
from open_finops.naming import (
    PERIOD_COLUMN,
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

__all__ = [
    "FOCUS_COLUMNS",
    "PERIOD_COLUMN",
    "PLUGIN_API_VERSION",
    "STRATEGIES",
    "BillingSource",
    "Column",
    "Command",
    "CommandGroup",
    "Config",
    "ConfigError",
    "ConfigOption",
    "DataDirOption",
    "DataFile",
    "Destination",
    "DestinationError",
    "DiskFullError",
    "ExportVersion",
    "Expr",
    "FocusMapping",
    "FocusRunner",
    "FocusSource",
    "ImportOptions",
    "ImportRunner",
    "ImportSummary",
    "JsonOption",
    "LoadRecord",
    "LoadStateStore",
    "LocalSource",
    "Lookup",
    "ManifestError",
    "ManifestParser",
    "ObjectInfo",
    "OpenFinopsError",
    "Origin",
    "PeriodResult",
    "Pipeline",
    "QuietOption",
    "Registry",
    "Resolved",
    "ServiceRunner",
    "Setting",
    "SettingsSection",
    "SourceError",
    "Sql",
    "Stage",
    "StateError",
    "TagMap",
    "UsageError",
    "VendorTerms",
    "check_key",
    "check_period",
    "console",
    "current_registry",
    "database_path",
    "dataset_identifier",
    "disk_full",
    "dlt_destination",
    "drop_working_dir",
    "duckdb_select",
    "export_table",
    "find_versions",
    "hookimpl",
    "human_bytes",
    "import_and_report",
    "key_from_uri",
    "list_exports",
    "literal",
    "load_config",
    "load_settings",
    "loaded_versions",
    "located",
    "mask_secrets",
    "money",
    "month",
    "month_range",
    "months_from",
    "new_pipeline",
    "open_database",
    "period_table",
    "plain_key",
    "print_json",
    "progress",
    "quote_identifier",
    "rate",
    "run_import",
    "show_state",
    "table_columns",
    "table_exists",
    "text",
    "timestamp",
    "unified_view",
]
