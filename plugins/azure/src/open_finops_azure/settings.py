"""Resolve the Azure plugin's settings: flag, then ``OPEN_FINOPS_AZURE_*``, then ``[azure]``, then defaults.

The result is what core's import engine takes: :class:`~open_finops.api.ImportOptions` and a source
(a :class:`~open_finops_azure.sources.BlobSource`, or core's ``LocalSource`` for ``--from-dir``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from open_finops.api import (
    STRATEGIES,
    Config,
    Destination,
    LocalSource,
    Setting,
    SettingsSection,
    UsageError,
    VendorTerms,
    dataset_identifier,
    month_range,
)
from open_finops_azure import VENDOR

if TYPE_CHECKING:  # the engine is loaded when an import runs, not to declare settings for --help
    from open_finops.api import ImportOptions

SECTION = "azure"
DEFAULT_DATASET = "azure_costs"
# Azure's own variable for a storage connection string, read when neither flag nor setting gives one.
CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"
# What a Cost Management export of cost details holds; a manifest says which, the older layout does not.
DATASET_TYPES = ("ActualCost", "AmortizedCost", "FocusCost")
TERMS = VendorTerms(VENDOR, export_noun="Cost Management export", publisher="Azure",
                    format_flag="--layout", file_format_flag="--export-format")


AZURE = SettingsSection(
    name=SECTION,
    help="The Azure importer: where the Cost Management exports are, which periods, and where their tables go.",
    settings=(
        Setting("container", flag="--container", help="Blob Storage container the exports are written to.",
                example="cost-exports"),
        Setting("prefix", default="", flag="--prefix", help="Root folder of the exports inside the container."),
        Setting("export_name", flag="--export-name", help="Export name; not set: every export found.",
                example="monthly-actual"),
        Setting("account_url", flag="--account-url",
                help="https://<account>.blob.core.windows.net, signed in with DefaultAzureCredential.",
                example="https://mybilling.blob.core.windows.net"),
        Setting("connection_string", secret=True, flag="--connection-string",
                help="Storage connection string (also AZURE_STORAGE_CONNECTION_STRING)."),
        Setting("from_dir", "path", flag="--from-dir",
                help="Read a local copy of the container instead of Blob Storage.", example="/srv/azure-exports"),
        Setting("start_date", "month", flag="--start-date", help="First billing period.", example="2024-01"),
        Setting("end_date", "month", flag="--end-date", help="Last billing period.", example="2024-12"),
        Setting("dataset_type", choices=DATASET_TYPES, flag="--dataset-type",
                help="The dataset exports of the older layout (no manifest) hold, so FOCUS is built from them.",
                example="ActualCost"),
        Setting("reset", "bool", False, flag="--reset", help="Reload every period in range, even if loaded."),
        Setting("table_strategy", choices=STRATEGIES, default="separate", flag="--table-strategy",
                help="separate: a table per period plus <export>_unified; single: one table."),
        Setting("destination", default="duckdb", flag="--destination",
                help="duckdb or postgres (connected the dlt way; docs/configuration.md#destinations)."),
        Setting("dataset", "identifier", DEFAULT_DATASET, flag="--dataset", help="Schema the tables go into."),
    ),
)


def check_inside(value: str | None, flag: str) -> str | None:
    """A prefix or export name is a path inside the container (or the --from-dir folder): no '..' in it."""
    if value is not None and ".." in PurePosixPath(str(value)).parts:
        raise UsageError(f"{flag} {value!r} climbs out of the container with '..'; give a path inside it")
    return value


@dataclass(frozen=True)
class SourceSettings:
    container: str | None
    prefix: str
    export_name: str | None
    account_url: str | None
    connection_string: str | None
    from_dir: Path | None
    start: str | None
    end: str | None


def source_settings(config: Config, *, container=None, prefix=None, export_name=None, account_url=None,
                    connection_string=None, from_dir=None, start=None, end=None) -> SourceSettings:
    get = config.get
    start_value, end_value = month_range(get(SECTION, "start_date", start), get(SECTION, "end_date", end))
    return SourceSettings(
        container=get(SECTION, "container", container),
        prefix=check_inside(str(get(SECTION, "prefix", prefix, "") or ""), "--prefix") or "",
        export_name=check_inside(get(SECTION, "export_name", export_name), "--export-name"),
        account_url=get(SECTION, "account_url", account_url),
        connection_string=get(SECTION, "connection_string", connection_string)
        or config.environ.get(CONNECTION_STRING_ENV) or None,
        from_dir=config.get_path(SECTION, "from_dir", from_dir),
        start=start_value,
        end=end_value,
    )


def open_source(settings: SourceSettings, *, flags: bool = True):
    """The source the settings point at. ``flags=False`` when there is no command line to name (a pipeline
    run from config), so messages name the settings instead of flags."""
    if settings.from_dir is not None:
        return LocalSource(settings.from_dir, flag="--from-dir" if flags else "[azure] from_dir")
    if not settings.container:
        if flags:
            raise UsageError("no container given; pass --container/-C, set [azure] container in config.toml, "
                             "or use --from-dir")
        raise UsageError("no container configured; set [azure] container in config.toml or "
                         "OPEN_FINOPS_AZURE_CONTAINER, or [azure] from_dir for a local copy")
    if not settings.account_url and not settings.connection_string:
        raise UsageError("no storage account given; pass --account-url or --connection-string (or set "
                         f"{CONNECTION_STRING_ENV}), or use --from-dir")
    from open_finops_azure.sources import BlobSource

    return BlobSource(settings.container, account_url=settings.account_url,
                      connection_string=settings.connection_string)


def dataset_type(config: Config, value: str | None = None) -> str | None:
    """The declared dataset type (``--dataset-type``, ``OPEN_FINOPS_AZURE_DATASET_TYPE``, ``[azure]
    dataset_type``) in Microsoft's spelling, or None."""
    raw = config.get(SECTION, "dataset_type", value)
    if raw is None or str(raw).strip() == "":
        return None
    match = next((t for t in DATASET_TYPES if t.lower() == str(raw).strip().lower()), None)
    if match is None:
        raise UsageError(f"dataset type {raw!r} (--dataset-type, [azure] dataset_type) is not one of "
                         f"{', '.join(DATASET_TYPES)}")
    return match


def destination(config: Config, *, name: str | None = None, dataset: str | None = None) -> Destination:
    value = config.get(SECTION, "dataset", dataset, DEFAULT_DATASET)
    try:
        return Destination(str(config.get(SECTION, "destination", name, "duckdb")),
                           dataset_identifier(str(value)))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def import_options(config: Config, src: SourceSettings, *, reset=None, table_strategy=None,
                   destination_name=None, dataset=None, data_dir=None) -> ImportOptions:
    """Everything an import needs: flags first, then ``OPEN_FINOPS_AZURE_*``, then ``[azure]``, then defaults."""
    strategy = str(config.get(SECTION, "table_strategy", table_strategy, "separate"))
    if strategy not in STRATEGIES:
        raise UsageError(f"--table-strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    from open_finops.api import ImportOptions

    return ImportOptions.configured(
        config,
        data_dir=config.data_dir(data_dir),
        destination=destination(config, name=destination_name, dataset=dataset),
        prefix=src.prefix,
        export_name=src.export_name,
        start=src.start,
        end=src.end,
        reset=config.get_bool(SECTION, "reset", reset, False),
        strategy=strategy,
    )
