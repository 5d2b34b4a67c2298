"""``focus build`` where the billing data is in a warehouse: the dbt packages, run by dbt, by billing period.

The load state says which export periods were loaded into another destination than the DuckDB file (and
at which source version). For each such database, ``focus build`` writes a small dbt project into the data
directory (``.dbt/``: the generated packages, a profile whose password comes from the environment, never
from the file) and runs ``dbt build`` in-process: the vendor models rebuild the periods whose source
version or transform changed (``delete+insert`` on vendor, export and period), the ``focus.costs`` view
counts each billing account's period once, and the FOCUS rules run as dbt tests.

dbt is an optional extra (``open-finops[dbt]``), imported only here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from open_finops.destination import Destination
from open_finops.errors import OpenFinopsError, UsageError
from open_finops.focus.build import BuildReport, PeriodResult
from open_finops.focus.dbt_package import TRANSFORM_COLUMN, model_name, package_files
from open_finops.focus.mapping import FocusMapping
from open_finops.focus.overlap import OverlapRule
from open_finops.focus.protocol import FocusSource
from open_finops.secrets import mask_secrets

EXTRA = "open-finops[dbt]"
ADAPTERS = {"postgres": "dbt-postgres", "duckdb": "dbt-duckdb"}
SCHEMA = "focus"
PROJECT_DIR = ".dbt"
PASSWORD_VARIABLE = "OPEN_FINOPS_DBT_PASSWORD"


def missing_dbt(destination_name: str) -> str | None:
    """What to install to build FOCUS on this destination with dbt; None when it is installed."""
    adapter = ADAPTERS.get(destination_name)
    if adapter is None:
        return f"FOCUS cannot be built on destination {destination_name!r} yet"
    if not _installed("dbt.cli.main") or not _installed(f"dbt.adapters.{destination_name}"):
        return (f"FOCUS for the billing data in {destination_name} is built with dbt, which is not installed; "
                f"install it with: pip install '{EXTRA}' (dbt-core and {adapter})")
    return None


def _installed(module: str) -> bool:
    # dbt-adapters alone installs the "dbt" namespace: look for dbt-core's own module and the adapter's.
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def require_dbt(destination_name: str) -> None:
    problem = missing_dbt(destination_name)
    if problem:
        raise UsageError(problem)


@dataclass(frozen=True)
class WarehouseSource:
    """One export's billing period loaded into a warehouse, as the dbt variable ``finops_sources`` lists it."""

    vendor: str
    export_name: str
    billing_period: str
    version_id: str
    schema: str
    table: str
    source_format: str
    preference: int
    tag_keys: tuple[tuple[str, str], ...] = ()  # the mapping's tag column -> key, from the manifest's names

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.vendor, self.export_name, self.billing_period)

    def as_focus_source(self) -> FocusSource:
        """For the overlap rule, which ranks FocusSources."""
        return FocusSource(vendor=self.vendor, export_name=self.export_name, billing_period=self.billing_period,
                           version_id=self.version_id, sql=f"dbt model {model_name(self.vendor)}",
                           source_format=self.source_format, preference=self.preference)


def warehouse_loads(records: Iterable[Any]) -> dict[str, list[Any]]:
    """The current load records of other destinations than the DuckDB file, by location (``name@host:port/db``)."""
    found: dict[str, list[Any]] = {}
    for record in records:
        where = Destination.from_key(record.destination)
        if where is None or where.is_duckdb or not record.table_name:
            continue
        found.setdefault(f"{where.name}@{where.location}", []).append(record)
    return found


def sources_of(records: Iterable[Any], mappings: dict[str, FocusMapping],
               source_names: dict[str, dict[str, str]] | None = None) -> list[WarehouseSource]:
    """The sources of these loads; ``source_names`` (by load id: column -> its name in the manifest) give
    the tag keys, which a load without them takes from its column names (see mapping.TagMap)."""
    sources = []
    for record in records:
        mapping = mappings.get(record.vendor)
        if mapping is None:
            continue
        if mapping.formats and (record.format_version or "") not in {key for key, _, _ in mapping.formats}:
            # e.g. AWS's own FOCUS export, which the native build passes through: the mapping would read
            # none of its columns and count its money as 0
            raise UsageError(
                f"{record.vendor} {record.export_name} {record.billing_period} in {record.destination} is a "
                f"{record.format_version or 'unknown'} export, which FOCUS with dbt does not read (it maps "
                f"{', '.join(name for _, name, _ in mapping.formats)}); import that export into DuckDB "
                "(the default destination), where focus build passes it through")
        source_format, preference = mapping.source_format(record.format_version)
        names = (source_names or {}).get(record.load_id, {})
        tag_keys = tuple(mapping.tags.column_keys(names, names).items()) if mapping.tags is not None else ()
        sources.append(WarehouseSource(record.vendor, record.export_name, record.billing_period, record.version_id,
                                       Destination.from_key(record.destination).dataset, record.table_name,
                                       source_format, preference, tag_keys))
    return sorted(sources, key=lambda s: s.key)


def ranked(sources: Sequence[WarehouseSource], rule: OverlapRule) -> list[dict[str, Any]]:
    """``finops_sources``: each source and its rank (0 is counted first), by core's overlap rule."""
    order = sorted(sources, key=lambda s: rule.rank(s.as_focus_source()))
    return [{"vendor": s.vendor, "export_name": s.export_name, "billing_period": s.billing_period,
             "version_id": s.version_id, "schema": s.schema, "table": s.table, "rank": order.index(s),
             "tag_keys": dict(s.tag_keys)}
            for s in sources]


@dataclass(frozen=True)
class Connection:
    """How dbt (and this module) reach the warehouse. The password is never written to a file."""

    kind: str  # postgres or duckdb
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    database: str = ""
    path: str = ""  # duckdb

    def profile(self) -> dict[str, Any]:
        if self.kind == "duckdb":
            return {"type": "duckdb", "path": self.path, "schema": SCHEMA, "threads": 1}
        return {"type": "postgres", "host": self.host, "port": self.port, "user": self.user,
                "password": "{{ env_var('" + PASSWORD_VARIABLE + "', '') }}", "dbname": self.database,
                "schema": SCHEMA, "threads": 1}

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind == "duckdb":
            import duckdb

            with duckdb.connect(self.path) as con:
                return con.execute(sql).fetchall()
        import psycopg2

        with psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                              dbname=self.database) as con, con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(self.query("SELECT 1 FROM information_schema.tables WHERE table_schema = "
                               f"'{schema}' AND table_name = '{table}'"))


def postgres_connection(data_dir: Path, location: str, dataset: str) -> Connection:
    """The configured PostgreSQL credentials, checked to point where the load state says the data is."""
    from open_finops.runner import describe_error, destination, unwrap_error

    reference = destination("postgres", data_dir)
    try:
        spec = reference.spec()
        spec.dataset_name = dataset
        credentials = reference.configuration(spec).credentials
    except Exception as exc:
        raise describe_error(unwrap_error(exc), "postgres") from None
    configured = f"{credentials.host}:{credentials.port}/{credentials.database}"
    if f"postgres@{configured}" != location:
        raise UsageError(f"the billing data is in {location}, but the postgres credentials point at {configured}; "
                         "set DESTINATION__POSTGRES__CREDENTIALS to that database to build its FOCUS")
    return Connection("postgres", credentials.host, int(credentials.port), credentials.username,
                      credentials.password or "", credentials.database)


def write_project(project: Path, mappings: Sequence[FocusMapping], connection: Connection) -> None:
    """The dbt project ``focus build`` runs: the generated packages and a profile for ``connection``."""
    packages = project / "dbt_packages"
    if packages.exists():
        shutil.rmtree(packages)
    for relative, content in package_files(mappings).items():
        path = packages / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    (project / "dbt_project.yml").write_text(
        "# Written by finops focus build; rewritten on every run.\n"
        "name: open_finops_build\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: open_finops\n"
        "model-paths: []\nmacro-paths: []\nseed-paths: []\ntest-paths: []\nanalysis-paths: []\n"
        "snapshot-paths: []\n", encoding="utf-8")
    (project / "profiles.yml").write_text(json.dumps(
        {"open_finops": {"target": "warehouse", "outputs": {"warehouse": connection.profile()}}}, indent=2),
        encoding="utf-8")


def run_dbt(project: Path, arguments: Sequence[str], connection: Connection) -> None:
    """``dbt <arguments>`` in-process; one line naming what failed when it does not succeed."""
    from dbt.cli.main import dbtRunner

    previous = os.environ.get(PASSWORD_VARIABLE)
    os.environ[PASSWORD_VARIABLE] = connection.password
    try:
        result = dbtRunner().invoke([*arguments, "--project-dir", str(project), "--profiles-dir", str(project),
                                     # dbt's own log goes to <project>/logs; what failed is our one line
                                     "--log-level", "none", "--no-use-colors", "--no-send-anonymous-usage-stats",
                                     "--no-version-check"])
    finally:
        if previous is None:
            os.environ.pop(PASSWORD_VARIABLE, None)
        else:
            os.environ[PASSWORD_VARIABLE] = previous
    if result.success:
        return
    if result.exception is not None:
        first = (str(result.exception).strip().splitlines() or [type(result.exception).__name__])[0]
        raise OpenFinopsError(mask_secrets(f"dbt {arguments[0]} failed: {first}"))
    failures = [f"{_what(r.node)}: {' '.join(str(r.message).split())}" for r in (result.result or [])
                if str(r.status) in ("error", "fail", "runtime error")]
    detail = "; ".join(failures[:5]) or f"see the dbt log in {project / 'logs'}"
    raise OpenFinopsError(mask_secrets(f"dbt {arguments[0]} failed: {detail}"))


def _what(node: Any) -> str:
    """A model by its name, a FOCUS rule's test by the rule."""
    if str(getattr(node, "resource_type", "")) == "test" and getattr(node, "description", ""):
        return f"FOCUS rule {node.description!r} broken"
    return node.name


def build_in_warehouse(
    project: Path,
    connection: Connection,
    records: Iterable[Any],
    mappings: Sequence[FocusMapping],
    *,
    rule: OverlapRule,
    reset: bool = False,
    focus_version: str,
    on_period: Callable[[PeriodResult], None] | None = None,
    source_names: dict[str, dict[str, str]] | None = None,
) -> BuildReport:
    """Build ``focus.costs`` in the warehouse from the loads ``records`` names, rebuilding only the periods
    whose source version or transform changed (all with ``reset``). ``source_names``: each load's column
    names as its manifest spelled them, by load id (``LoadStateStore.source_columns``)."""
    by_vendor = {m.vendor: m for m in mappings}
    loaded = sources_of(records, by_vendor, source_names)
    excluded = [s for s in loaded if rule.excludes(s.as_focus_source())]
    sources = [s for s in loaded if s not in excluded]
    built: dict[tuple[str, str, str], tuple[str, str]] = {}
    if not reset:
        for vendor in sorted({s.vendor for s in sources}):
            if connection.table_exists(SCHEMA, model_name(vendor)):
                for export_name, period, version, transform in connection.query(
                        f'SELECT DISTINCT "x_ExportName", "x_BillingPeriod", "x_SourceVersionId", '
                        f'"{TRANSFORM_COLUMN}" FROM {SCHEMA}.{model_name(vendor)}'):
                    built[(vendor, export_name, period)] = (version, transform)
    stale = [s for s in sources if built.get(s.key) != (s.version_id, by_vendor[s.vendor].transform_version)]
    variables = {"finops_sources": ranked(sources, rule), "finops_build": [list(s.key) for s in stale],
                 "finops_focus_version": focus_version}
    project.mkdir(parents=True, exist_ok=True)
    write_project(project, mappings, connection)
    started = time.monotonic()
    arguments = ["build", "--vars", json.dumps(variables)]
    if reset:
        arguments.append("--full-refresh")
    run_dbt(project, arguments, connection)
    seconds = round(time.monotonic() - started, 3)
    counts = 'SELECT "x_Vendor", "x_ExportName", "x_BillingPeriod", count(*) FROM {} GROUP BY 1, 2, 3'
    rows = {(v, e, p): int(n) for v, e, p, n in connection.query(counts.format(f"{SCHEMA}.costs"))}
    mapped = {(v, e, p): int(n) for vendor in sorted({s.vendor for s in sources})
              for v, e, p, n in connection.query(counts.format(f"{SCHEMA}.{model_name(vendor)}"))}
    report = BuildReport([])
    for source in loaded:
        pipeline = f"dbt {model_name(source.vendor)}"
        if source in excluded:
            result = PeriodResult(*source.key, "excluded", pipeline, source.version_id, rows=0)
        elif source in stale and mapped.get(source.key) and not rows.get(source.key):
            # every billing account of the period is counted from another export
            result = PeriodResult(*source.key, "superseded", pipeline, source.version_id, rows=0)
        elif source in stale:
            result = PeriodResult(*source.key, "built", pipeline, source.version_id, rows=rows.get(source.key, 0),
                                  seconds=seconds)
        else:
            result = PeriodResult(*source.key, "skipped", pipeline, source.version_id)
        result.source_format = source.source_format
        report.periods.append(result)
        if on_period is not None:
            on_period(result)
    return report
