"""Helpers of the hello plugin's tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from finops_hello import plugin

from open_finops.plugins import PluginInfo, Registry, build_registry

EXPORT = "team_costs"
# Variables of core and dlt a subprocess must not inherit from the shell that started pytest.
INHERITED = ("OPEN_FINOPS_", "DLT_", "RUNTIME__", "DESTINATION__")


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self):
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


def registry() -> Registry:
    return build_registry([(PluginInfo(name="hello", distribution="finops-hello-plugin"), plugin)])


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(INHERITED)}


def query(data: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data / "finops.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def period_totals(data: Path, period: str, export: str = EXPORT) -> tuple[int, Decimal]:
    """Rows and total cost of one period's table in the hello dataset."""
    ((rows, cost),) = query(data, f'SELECT count(*), sum(cost) FROM hello."{export}_{period.replace("-", "_")}"')
    return rows, cost


def hello_tables(data: Path) -> set[str]:
    """The hello dataset's tables and views, without dlt's own ``_dlt_*`` tables."""
    rows = query(data, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'hello'")
    return {name for (name,) in rows if not name.startswith("_dlt_")}
