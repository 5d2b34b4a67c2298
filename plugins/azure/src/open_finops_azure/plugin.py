"""Entry point of the Azure plugin. Imports only the open_finops plugin API; the commands import the Azure
SDK, pyarrow and dlt inside their bodies."""

from __future__ import annotations

from open_finops import CommandGroup, ManifestParser, Pipeline, hookimpl
from open_finops_azure import VENDOR
from open_finops_azure.manifests import LEGACY_PATTERN, MANIFEST_PATTERN

OPEN_FINOPS_API = ">=1.0,<2"


@hookimpl
def register_commands():
    from open_finops_azure.cli import app

    return [CommandGroup(name="azure", help="Import Azure Cost Management exports (actual, amortized, FOCUS).",
                         app=app)]


@hookimpl
def register_pipelines():
    return [
        Pipeline(
            name="azure-exports",
            vendor=VENDOR,
            kind="import",
            description="Import Azure Cost Management exports from Blob Storage (or a local copy) as configured "
                        "in [azure].",
            runner="open_finops_azure.pipeline:run_pipeline",
        ),
        Pipeline(
            name="azure-focus",
            vendor=VENDOR,
            kind="focus",
            description="Map the FocusCost exports imported into DuckDB onto FOCUS (Microsoft's x_ columns kept).",
            runner="open_finops_azure.focus:focus_sources",
            reads=("azure_costs.*",),
        ),
        Pipeline(
            name="azure-demo",
            vendor=VENDOR,
            kind="demo",
            description="Generate sample actual, amortized and FOCUS cost exports and import them (finops demo).",
            runner="open_finops_azure.cli:demo_runner",
        ),
    ]


@hookimpl
def register_manifest_parsers():
    return [
        ManifestParser(
            name="azure-exports-manifest",
            vendor=VENDOR,
            format_version="manifest",
            description="Exports with a manifest: <export>/<YYYYMMDD-YYYYMMDD>/.../<run id>/manifest.json.",
            key_pattern=MANIFEST_PATTERN,
            parse="open_finops_azure.manifests:parse_manifest",
        ),
        ManifestParser(
            name="azure-exports-legacy",
            vendor=VENDOR,
            format_version="legacy",
            description="Older exports: <export>/<YYYYMMDD-YYYYMMDD>/<export>_<guid>.csv, the newest file current.",
            key_pattern=LEGACY_PATTERN,
            parse="open_finops_azure.manifests:parse_legacy",
            reads_body=False,
        ),
    ]


@hookimpl
def register_settings():
    from open_finops_azure.settings import AZURE

    return [AZURE]
