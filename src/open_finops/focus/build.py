"""``focus build``: materialise ``focus.costs`` from every installed FOCUS transform, incrementally.

``focus.costs`` holds one row per source line item of every vendor, export and billing period.
``focus.build_state`` remembers which source version (and which transform version) each period was built
from; a period is rebuilt only when one of them changed, and a period its transform no longer lists is
removed. Each period is replaced in one transaction (delete, insert, check the FOCUS rules, record the
state), so a reader never sees half a period and a failure leaves the previous rows in place.

The caller owns the connection: it holds the database lock for the whole build.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from open_finops.contributions import Pipeline
from open_finops.errors import OpenFinopsError
from open_finops.focus import columns as focus_columns
from open_finops.focus.protocol import FocusSource
from open_finops.focus.rules import violations
from open_finops.naming import quote_identifier as q
from open_finops.state import transaction

SCHEMA = "focus"
COSTS = f"{SCHEMA}.costs"
BUILD_STATE = f"{SCHEMA}.build_state"
_PERIOD_FILTER = "\"x_Vendor\" = ? AND \"x_ExportName\" = ? AND \"x_BillingPeriod\" = ?"


@dataclass
class PeriodResult:
    """What happened to one export's billing period: built, skipped (up to date), removed or failed."""

    vendor: str
    export_name: str
    billing_period: str
    status: str
    pipeline: str
    version_id: str | None = None
    rows: int | None = None
    seconds: float | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BuildReport:
    periods: list[PeriodResult]

    @property
    def failed(self) -> list[PeriodResult]:
        return [p for p in self.periods if p.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for p in self.periods if p.status == status)


class SourceRejected(Exception):
    """A transform's SELECT does not produce valid FOCUS rows; the period is not built."""


def ensure_tables(con: Any) -> None:
    """Create ``focus.costs`` and ``focus.build_state``; add contract columns a newer core defines."""
    columns = [*((c.name, c.type) for c in focus_columns.COLUMNS), *focus_columns.IDENTITY_COLUMNS]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {COSTS} ({', '.join(f'{q(n)} {t}' for n, t in columns)})")
    existing = set(_table_columns(con, "costs"))
    for name, type_ in columns:
        if name not in existing:
            con.execute(f"ALTER TABLE {COSTS} ADD COLUMN {q(name)} {type_}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {BUILD_STATE} (vendor VARCHAR NOT NULL, export_name VARCHAR NOT NULL, "
        "billing_period VARCHAR NOT NULL, version_id VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, "
        "pipeline VARCHAR NOT NULL, rows BIGINT NOT NULL, built_at TIMESTAMPTZ NOT NULL, "
        "PRIMARY KEY (vendor, export_name, billing_period))"
    )


def _table_columns(con: Any, table: str) -> dict[str, str]:
    from open_finops.database import table_columns

    return table_columns(con, SCHEMA, table)


def _fingerprint(source: FocusSource) -> str:
    return f"contract {focus_columns.CONTRACT_VERSION}, transform {source.transform_version}"


def build(
    con: Any,
    pipelines: Iterable[Pipeline],
    *,
    config: Any,
    reset: bool = False,
    on_period: Callable[[PeriodResult], None] | None = None,
) -> BuildReport:
    """Build or refresh every period the given FOCUS pipelines offer; ``reset`` rebuilds them all."""
    ensure_tables(con)
    built = {
        (v, e, p): (version, fingerprint, pipeline)
        for v, e, p, version, fingerprint, pipeline in con.execute(
            f"SELECT vendor, export_name, billing_period, version_id, fingerprint, pipeline FROM {BUILD_STATE}"
        ).fetchall()
    }
    report = BuildReport([])

    def record(result: PeriodResult) -> None:
        report.periods.append(result)
        if on_period is not None:
            on_period(result)

    offered: dict[tuple[str, str, str], tuple[FocusSource, str]] = {}
    listed_by: set[str] = set()
    for pipeline in pipelines:
        try:
            sources = _sources_of(con, pipeline, config)
        except SourceRejected as exc:
            record(PeriodResult(pipeline.vendor, "*", "*", "failed", pipeline.name, error=str(exc)))
            continue
        listed_by.add(pipeline.name)
        for source in sources:
            if source.key in offered:
                other = offered[source.key][1]
                record(PeriodResult(*source.key, "failed", pipeline.name, source.version_id,
                                    error=f"also offered by FOCUS pipeline {other!r}; the one from {other!r} is kept"))
                continue
            offered[source.key] = (source, pipeline.name)

    for key, (source, pipeline_name) in sorted(offered.items()):
        previous = built.get(key)
        if not reset and previous is not None and previous[:2] == (source.version_id, _fingerprint(source)):
            record(PeriodResult(*key, "skipped", pipeline_name, source.version_id))
            continue
        record(_build_period(con, source, pipeline_name))

    for key, (_version, _fp, pipeline_name) in sorted(built.items()):
        if pipeline_name in listed_by and key not in offered:
            with transaction(con):
                con.execute(f"DELETE FROM {COSTS} WHERE {_PERIOD_FILTER}", list(key))
                con.execute(f"DELETE FROM {BUILD_STATE} WHERE vendor = ? AND export_name = ? AND billing_period = ?",
                            list(key))
            record(PeriodResult(*key, "removed", pipeline_name))
    return report


def _sources_of(con: Any, pipeline: Pipeline, config: Any) -> list[FocusSource]:
    try:
        runner = pipeline.load_runner()
        sources = list(runner(con, config=config))
    except Exception as exc:
        detail = exc.message if isinstance(exc, OpenFinopsError) else f"{type(exc).__name__}: {exc}"
        raise SourceRejected(f"FOCUS pipeline {pipeline.name!r} failed: {detail}") from exc
    for source in sources:
        if not isinstance(source, FocusSource):
            raise SourceRejected(
                f"FOCUS pipeline {pipeline.name!r} returned {type(source).__name__}, expected FocusSource"
            )
        if source.vendor != pipeline.vendor:
            raise SourceRejected(f"FOCUS pipeline {pipeline.name!r} of vendor {pipeline.vendor!r} "
                                 f"offered data of vendor {source.vendor!r}")
    return sources


def _build_period(con: Any, source: FocusSource, pipeline_name: str) -> PeriodResult:
    started = time.monotonic()
    result = PeriodResult(*source.key, "built", pipeline_name, source.version_id)
    try:
        with transaction(con):
            result.rows = _replace_period(con, source, pipeline_name)
    except Exception as exc:
        result.status = "failed"
        result.error = str(exc) if isinstance(exc, SourceRejected) else f"{type(exc).__name__}: {exc}"
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _replace_period(con: Any, source: FocusSource, pipeline_name: str) -> int:
    produced = {row[0]: row[1] for row in con.execute(
        f"DESCRIBE SELECT * FROM ({source.sql}) AS focus_source", list(source.params)).fetchall()}
    missing = [name for name in focus_columns.NAMES if name not in produced]
    identity = {name for name, _ in focus_columns.IDENTITY_COLUMNS}
    unknown = [name for name in produced if name not in focus_columns.BY_NAME
               and not name.startswith(focus_columns.EXTRA_PREFIX)]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"misses FOCUS column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"returns column(s) {', '.join(unknown)} that are neither FOCUS nor prefixed x_")
        raise SourceRejected(f"the SELECT of FOCUS pipeline {pipeline_name!r} {' and '.join(problems)}")
    extras = [name for name in produced if name.startswith(focus_columns.EXTRA_PREFIX) and name not in identity]
    existing = _table_columns(con, "costs")
    for name in extras:
        if name not in existing:
            con.execute(f"ALTER TABLE {COSTS} ADD COLUMN {q(name)} {produced[name]}")

    key = list(source.key)
    con.execute(f"DELETE FROM {COSTS} WHERE {_PERIOD_FILTER}", key)
    targets = [*focus_columns.NAMES, *extras, *(name for name, _ in focus_columns.IDENTITY_COLUMNS)]
    values = [*(q(n) for n in (*focus_columns.NAMES, *extras)),
              *(f"CAST(? AS {type_})" for _name, type_ in focus_columns.IDENTITY_COLUMNS)]
    row = con.execute(
        f"INSERT INTO {COSTS} ({', '.join(q(t) for t in targets)}) "
        f"SELECT {', '.join(values)} FROM ({source.sql}) AS focus_source",
        [*key, source.version_id, *source.params],
    ).fetchone()
    rows = int(row[0]) if row else 0
    broken = violations(con, COSTS, _PERIOD_FILTER, key)
    if broken:
        listed = "; ".join(f"{n:,} row(s): {what}" for what, n in broken[:5])
        raise SourceRejected(f"its rows break FOCUS rules ({listed}); nothing was written for this period")
    con.execute(f"DELETE FROM {BUILD_STATE} WHERE vendor = ? AND export_name = ? AND billing_period = ?", key)
    con.execute(
        f"INSERT INTO {BUILD_STATE} VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [*key, source.version_id, _fingerprint(source), pipeline_name, rows],
    )
    return rows
