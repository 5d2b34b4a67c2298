"""The ``azure-exports`` pipeline: an import configured entirely by ``[azure]`` / ``OPEN_FINOPS_AZURE_*``."""

from __future__ import annotations

from typing import Any


def run_pipeline(config) -> dict[str, Any]:
    """Import runner: the Config in force in, a JSON-friendly summary out. A failed period raises."""
    from open_finops.api import current_registry, run_import
    from open_finops_azure import VENDOR, settings

    src = settings.source_settings(config)
    options = settings.import_options(config, src)
    from open_finops_azure.manifests import declared_parsers

    parsers = declared_parsers(current_registry().parsers_for_vendor(VENDOR), settings.dataset_type(config))
    summary = run_import(options, settings.TERMS, settings.open_source(src, flags=False), parsers)
    summary.raise_for_failures()
    return summary.as_dict()
