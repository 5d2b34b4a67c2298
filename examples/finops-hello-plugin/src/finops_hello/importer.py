"""The hello importer: folders of plain CSV files, loaded by open-finops' import engine.

The export format (the README has it in full)::

    <root>/[<prefix>/]<export>/<YYYY-MM>/hello-manifest.json
    <root>/[<prefix>/]<export>/<YYYY-MM>/<file>.csv ...

    {"export": "team-costs", "period": "2024-01", "version": "2024-02-01T06:00:00Z",
     "files": ["part-0.csv", "part-1.csv"],
     "columns": {"usage_date": "date", "team": "string", "quantity": "integer", "cost": "decimal"}}

A writer that changes a period writes its new files and then a manifest with a new ``version``. This module is
the whole importer: the source is core's ``LocalSource``, ``parse`` reads a manifest, ``import_command`` is
``finops hello import``; the engine does the rest. It imports only typer and the plugin API, so it is light.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer

from open_finops.api import (
    Column,
    ConfigOption,
    DataDirOption,
    DataFile,
    ExportVersion,
    JsonOption,
    ManifestError,
    QuietOption,
    VendorTerms,
    load_settings,
)

VENDOR = "hello"
DATASET = "hello"
MANIFEST = "hello-manifest.json"
# Searched in every key under the prefix: the manifest of one period of one export.
KEY_PATTERN = r"(^|/)[^/]+/\d{4}-\d{2}/hello-manifest\.json$"
TERMS = VendorTerms(VENDOR, export_noun="hello export", publisher="the tool that writes the export")
FIELDS: dict[str, type] = {"export": str, "period": str, "version": str, "files": list, "columns": dict}
CSV_NAME = re.compile(r"[^/\\.][^/\\]*\.csv")


def parse(key: str, body: bytes) -> ExportVersion:
    """One ``hello-manifest.json`` as the version of the period it describes.

    Anything we cannot trust raises ``ManifestError`` naming ``key``: the manifest comes from a folder we
    do not control, so it must agree with where it lies and may only name CSV files beside it.
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"manifest {key} is not valid JSON ({exc}); the export may be incomplete") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"manifest {key} is not a JSON object; it is not a hello manifest")
    for name, kind in FIELDS.items():
        if not isinstance(doc.get(name), kind) or not doc[name]:
            raise ManifestError(f"manifest {key} has no valid {name!r} (a non-empty {kind.__name__})")
    folder = key.rpartition("/")[0]  # [<prefix>/]<export>/<YYYY-MM>
    if folder.split("/")[-2:] != [doc["export"], doc["period"]]:
        raise ManifestError(
            f"manifest {key} describes export {doc['export']!r} {doc['period']}, which is not its folder"
        )
    files = doc["files"]
    bad = [f for f in files if not isinstance(f, str) or not CSV_NAME.fullmatch(f)]
    if bad:
        raise ManifestError(f"manifest {key}: {bad[0]!r} is not the name of a .csv file beside the manifest")
    if len(set(files)) != len(files):
        raise ManifestError(f"manifest {key} lists a data file twice")
    try:
        return ExportVersion(
            vendor=VENDOR,
            export_name=doc["export"],
            billing_period=doc["period"],
            version_id=doc["version"],
            format_version="v1",
            manifest_key=key,
            data_files=tuple(DataFile(uri=f"{folder}/{name}", format="csv") for name in files),
            columns=tuple(Column(name=name, type=kind) for name, kind in doc["columns"].items()),
        )
    except ValueError as exc:  # a period that is not YYYY-MM, a type core does not know
        raise ManifestError(f"manifest {key}: {exc}") from None


def import_command(
    from_dir: Path = typer.Option(..., "--from-dir", help="Folder holding the exports (<export>/<YYYY-MM>/...)."),
    prefix: str = typer.Option("", "--prefix", "-p", help="Subfolder of --from-dir the export folders are in."),
    export_name: str | None = typer.Option(None, "--export-name", "-n", help="Only this export; default: all."),
    start_date: str | None = typer.Option(None, "--start-date", "-s", help="First billing period, YYYY-MM."),
    end_date: str | None = typer.Option(None, "--end-date", "-e", help="Last billing period, YYYY-MM."),
    reset: bool = typer.Option(False, "--reset", "-r", help="Reload every period in range, even if loaded."),
    data_dir: Path | None = DataDirOption,
    quiet: bool = QuietOption,
    as_json: bool = JsonOption,
    config: Path | None = ConfigOption,
) -> None:
    """Import hello CSV exports into the hello dataset; periods loaded at their current version are skipped."""
    from open_finops.api import (
        Destination,
        ImportOptions,
        LocalSource,
        current_registry,
        import_and_report,
        month_range,
    )

    cfg = load_settings(config)
    start, end = month_range(start_date, end_date)
    options = ImportOptions.configured(
        cfg, data_dir=cfg.data_dir(data_dir), destination=Destination("duckdb", DATASET), prefix=prefix,
        export_name=export_name, start=start, end=end, reset=reset,
    )
    parsers = current_registry().parsers_for_vendor(VENDOR)
    import_and_report(options, TERMS, LocalSource(from_dir), parsers, quiet=quiet, as_json=as_json)
