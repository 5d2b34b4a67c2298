"""The hello-greetings pipeline: a few rows loaded through core's dlt runner.

Its settings live in the plugin's own config section, ``[hello]``: ``names`` (a list, or a
comma-separated ``OPEN_FINOPS_HELLO_NAMES``) and ``destination`` (``duckdb`` by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from open_finops.api import Config

DATASET = "hello"
TABLE = "greetings"


def configured_names(config: Config) -> list[str]:
    value = config.get("hello", "names", default=["world"])
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return [str(name) for name in value]


def run(config: Config, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Load one greeting per name; return a summary of what was loaded."""
    from open_finops.api import dlt_destination, drop_working_dir, new_pipeline

    data_dir = config.data_dir()
    destination_name = config.get("hello", "destination", default="duckdb")
    greeted = list(names) if names is not None else configured_names(config)
    rows = [{"name": name, "greeting": f"Hello, {name}!"} for name in greeted]
    pipeline = new_pipeline("finops_hello", dlt_destination(destination_name, data_dir), DATASET, data_dir)
    pipeline.run(rows, table_name=TABLE, write_disposition="append")
    drop_working_dir(pipeline)
    return {"rows": len(rows), "table": f"{DATASET}.{TABLE}", "destination": destination_name}
