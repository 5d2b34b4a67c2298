"""The hello-greetings pipeline: a few rows loaded through core's dlt runner.

Its settings live in the plugin's own config section, ``[hello]``, declared in :data:`HELLO`: ``names`` (a list,
or a comma-separated ``OPEN_FINOPS_HELLO_NAMES``) and ``destination`` (``duckdb`` by default). Core converts
and checks them, lists them in ``finops config show`` and warns of a key ``[hello]`` does not declare.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from open_finops.api import Config, Setting, SettingsSection

DATASET = "hello"
TABLE = "greetings"

HELLO = SettingsSection(
    name="hello",
    help="The hello example plugin's greetings pipeline.",
    settings=(
        Setting("names", "list", ["world"], help="Who the hello-greetings pipeline greets."),
        Setting("destination", default="duckdb", help="duckdb, or any dlt destination name."),
    ),
)


def configured_names(config: Config) -> list[str]:
    return config.resolve(HELLO)["names"]


def run(config: Config, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Load one greeting per name; return a summary of what was loaded."""
    from open_finops.api import dlt_destination, drop_working_dir, new_pipeline

    data_dir = config.data_dir()
    destination_name = config.resolve(HELLO)["destination"]
    greeted = list(names) if names is not None else configured_names(config)
    rows = [{"name": name, "greeting": f"Hello, {name}!"} for name in greeted]
    pipeline = new_pipeline("finops_hello", dlt_destination(destination_name, data_dir), DATASET, data_dir)
    pipeline.run(rows, table_name=TABLE, write_disposition="append")
    drop_working_dir(pipeline)
    return {"rows": len(rows), "table": f"{DATASET}.{TABLE}", "destination": destination_name}
