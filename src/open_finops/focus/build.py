"""``focus build``: materialise ``focus.costs`` from every installed FOCUS transform, incrementally.

``focus.costs`` holds one row per source line item of every vendor, export and billing period.
``focus.build_state`` remembers which source version (and which transform version) each period was built
from; a period is rebuilt only when one of them changed, and a period its transform no longer lists is
removed. Exports that hold the same billing account's period are counted once (:mod:`.overlap`): the
others are built without that account's rows, and ``focus.build_state`` records which accounts each
export's period holds and which it leaves out. Each period is replaced in one transaction (delete,
insert, check the FOCUS rules, record the state), so a reader never sees half a period and a failure
leaves the previous rows in place.

The caller owns the connection: it holds the database lock for the whole build.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from open_finops.contributions import Pipeline
from open_finops.errors import OpenFinopsError
from open_finops.focus import columns as focus_columns
from open_finops.focus.overlap import Overlap, OverlapRule, dropped_accounts, resolve
from open_finops.focus.protocol import FocusSource
from open_finops.focus.rules import violations
from open_finops.focus.versions import DEFAULT as DEFAULT_VERSION
from open_finops.focus.versions import pricing_category_sql
from open_finops.naming import quote_identifier as q
from open_finops.state import transaction

SCHEMA = "focus"
COSTS = f"{SCHEMA}.costs"
BUILD_STATE = f"{SCHEMA}.build_state"
_PERIOD_FILTER = "\"x_Vendor\" = ? AND \"x_ExportName\" = ? AND \"x_BillingPeriod\" = ?"


@dataclass
class PeriodResult:
    """What happened to one export's billing period: built, skipped (up to date), superseded (every billing
    account it holds is counted from another export), excluded (by setting focus.exclude), removed or failed.
    ``overlaps`` are the overlaps this period takes part in, whichever side it is on."""

    vendor: str
    export_name: str
    billing_period: str
    status: str
    pipeline: str
    version_id: str | None = None
    rows: int | None = None
    seconds: float | None = None
    error: str | None = None
    source_format: str = ""
    overlaps: list[Overlap] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["overlaps"] = [o.as_dict() for o in self.overlaps]
        return out

    def overlap_notes(self) -> list[str]:
        """One sentence per overlap, said from this export's side."""
        notes = []
        for o in self.overlaps:
            if o.kept == self.export_name:
                notes.append(f"billing account {o.billing_account} is also in {', '.join(o.dropped)}, "
                             f"counted from here only ({o.reason})")
            else:
                notes.append(f"billing account {o.billing_account} is counted from {o.kept}, not here ({o.reason})")
        return notes


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
    # Added after the first release: the billing accounts a period holds and those it leaves out (JSON lists).
    state = _table_columns(con, "build_state")
    for name in ("accounts", "dropped_accounts"):
        if name not in state:
            con.execute(f"ALTER TABLE {BUILD_STATE} ADD COLUMN {name} VARCHAR")


def _table_columns(con: Any, table: str) -> dict[str, str]:
    from open_finops.database import table_columns

    return table_columns(con, SCHEMA, table)


def _fingerprint(source: FocusSource, version: str) -> str:
    return f"contract {focus_columns.CONTRACT_VERSION}, transform {source.transform_version}, FOCUS {version}"


def built_versions(con: Any, where: str = "", params: Sequence[Any] = ()) -> set[str]:
    """The FOCUS versions the periods of ``focus.costs`` were built in (from their fingerprints); none when
    nothing records them."""
    if not _table_columns(con, "build_state"):
        return set()
    rows = con.execute(f"SELECT DISTINCT fingerprint FROM {BUILD_STATE}{where}", list(params)).fetchall()
    return {fp.rpartition("FOCUS ")[2] if "FOCUS " in fp else "1.0" for (fp,) in rows}


def build(
    con: Any,
    pipelines: Iterable[Pipeline],
    *,
    config: Any,
    reset: bool = False,
    on_period: Callable[[PeriodResult], None] | None = None,
    focus_version: str = DEFAULT_VERSION,
) -> BuildReport:
    """Build or refresh every period the given FOCUS pipelines offer, as FOCUS ``focus_version``; ``reset``
    rebuilds them all."""
    with _any_row_order(con):
        return _build(con, pipelines, config=config, reset=reset, on_period=on_period, focus_version=focus_version)


@contextmanager
def _any_row_order(con: Any) -> Iterator[None]:
    """Let DuckDB insert a period's rows in any order while building (they carry none), on every core
    instead of in the SELECT's order: a 4M-row period built in 30.7 s instead of 37.4 s under the default
    memory limit (benchmarks/README.md). The connection's setting is restored afterwards."""
    (before,) = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


def _build(con: Any, pipelines: Iterable[Pipeline], *, config: Any, reset: bool,
           on_period: Callable[[PeriodResult], None] | None, focus_version: str) -> BuildReport:
    ensure_tables(con)
    rule = OverlapRule.from_config(config)
    built = {
        (v, e, p): _Built(version, fingerprint, pipeline, _json_list(accounts), _json_list(dropped) or [])
        for v, e, p, version, fingerprint, pipeline, accounts, dropped in con.execute(
            "SELECT vendor, export_name, billing_period, version_id, fingerprint, pipeline, accounts, "
            f"dropped_accounts FROM {BUILD_STATE}"
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
        if rule.excludes(source):
            if key in built:
                _forget(con, key)
            record(PeriodResult(*key, "excluded", pipeline_name, source.version_id, rows=0,
                                source_format=source.source_format))
    candidates = {key: value for key, value in offered.items() if not rule.excludes(value[0])}

    # Only a period offered by two or more exports of a vendor can overlap: ask those for their accounts.
    exports_per_period = Counter((vendor, period) for vendor, _export, period in candidates)
    accounts: dict[tuple[str, str, str], list[str]] = {}
    for key, (source, pipeline_name) in sorted(candidates.items()):
        if exports_per_period[(source.vendor, source.billing_period)] < 2:
            continue
        try:
            accounts[key] = _accounts_of(con, source, built.get(key), focus_version)
        except Exception as exc:  # a SELECT that does not run: that period fails, the others go on
            record(PeriodResult(*key, "failed", pipeline_name, source.version_id, source_format=source.source_format,
                                error=f"its billing accounts could not be read: {type(exc).__name__}: {exc}"))
    for key in {k for k in candidates if exports_per_period[(k[0], k[2])] >= 2} - set(accounts):
        del candidates[key]
    overlaps = resolve(accounts, {key: source for key, (source, _) in candidates.items()}, rule)
    drops = dropped_accounts(overlaps)

    for key, (source, pipeline_name) in sorted(candidates.items()):
        dropped = drops.get(key, [])
        mine = [o for o in overlaps if (o.vendor, o.billing_period) == (key[0], key[2])
                and key[1] in (o.kept, *o.dropped)]
        previous = built.get(key)
        if (not reset and previous is not None and previous.version_id == source.version_id
                and previous.fingerprint == _fingerprint(source, focus_version) and previous.dropped == dropped):
            result = PeriodResult(*key, "skipped", pipeline_name, source.version_id)
        elif key in accounts and set(accounts[key]) <= set(dropped):
            result = _supersede(con, source, pipeline_name, accounts[key], focus_version)
        else:
            result = _build_period(con, source, pipeline_name, accounts.get(key), dropped, focus_version)
        result.source_format = source.source_format
        result.overlaps = mine
        record(result)

    for key, previous in sorted(built.items()):
        pipeline_name = previous.pipeline
        if pipeline_name in listed_by and key not in offered:
            _forget(con, key)
            record(PeriodResult(*key, "removed", pipeline_name))
    return report


@dataclass(frozen=True)
class _Built:
    """What ``focus.build_state`` says of one period built before."""

    version_id: str
    fingerprint: str
    pipeline: str
    accounts: list[str] | None
    dropped: list[str]


def _json_list(text: str | None) -> list[str] | None:
    return None if text is None else list(json.loads(text))


def _forget(con: Any, key: tuple[str, str, str]) -> None:
    with transaction(con):
        con.execute(f"DELETE FROM {COSTS} WHERE {_PERIOD_FILTER}", list(key))
        con.execute(f"DELETE FROM {BUILD_STATE} WHERE vendor = ? AND export_name = ? AND billing_period = ?",
                    list(key))


def _accounts_of(con: Any, source: FocusSource, previous: _Built | None, version: str) -> list[str]:
    """The billing accounts a source's period holds; remembered from the last build while nothing changed."""
    if (previous is not None and previous.accounts is not None and previous.version_id == source.version_id
            and previous.fingerprint == _fingerprint(source, version)):
        return previous.accounts
    found = con.execute(
        f"SELECT DISTINCT CAST(\"BillingAccountId\" AS VARCHAR) FROM ({source.sql}) AS focus_source "
        "WHERE \"BillingAccountId\" IS NOT NULL ORDER BY 1", list(source.params)).fetchall()
    return [row[0] for row in found]


def _record_state(con: Any, source: FocusSource, pipeline_name: str, rows: int, accounts: Sequence[str] | None,
                  dropped: Sequence[str], version: str) -> None:
    key = list(source.key)
    con.execute(f"DELETE FROM {BUILD_STATE} WHERE vendor = ? AND export_name = ? AND billing_period = ?", key)
    con.execute(
        f"INSERT INTO {BUILD_STATE} (vendor, export_name, billing_period, version_id, fingerprint, pipeline, rows, "
        "built_at, accounts, dropped_accounts) VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?, ?)",
        [*key, source.version_id, _fingerprint(source, version), pipeline_name, rows,
         None if accounts is None else json.dumps(list(accounts)), json.dumps(list(dropped))],
    )


def _supersede(con: Any, source: FocusSource, pipeline_name: str, accounts: Sequence[str],
               version: str) -> PeriodResult:
    """Every account of this period is counted from another export: it keeps no rows of its own."""
    with transaction(con):
        con.execute(f"DELETE FROM {COSTS} WHERE {_PERIOD_FILTER}", list(source.key))
        _record_state(con, source, pipeline_name, 0, accounts, accounts, version)
    return PeriodResult(*source.key, "superseded", pipeline_name, source.version_id, rows=0)


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


def _build_period(con: Any, source: FocusSource, pipeline_name: str, accounts: Sequence[str] | None,
                  dropped: Sequence[str], version: str) -> PeriodResult:
    started = time.monotonic()
    result = PeriodResult(*source.key, "built", pipeline_name, source.version_id)
    try:
        with transaction(con):
            result.rows = _replace_period(con, source, pipeline_name, accounts, dropped, version)
    except Exception as exc:
        result.status = "failed"
        result.error = str(exc) if isinstance(exc, SourceRejected) else f"{type(exc).__name__}: {exc}"
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _replace_period(con: Any, source: FocusSource, pipeline_name: str, accounts: Sequence[str] | None,
                    dropped: Sequence[str], version: str) -> int:
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
    # The values FOCUS versions disagree on are set here, the same for every vendor (see .versions).
    by_version = {"PricingCategory": pricing_category_sql(version)}
    values = [*(by_version.get(n, q(n)) for n in (*focus_columns.NAMES, *extras)),
              *(f"CAST(? AS {type_})" for _name, type_ in focus_columns.IDENTITY_COLUMNS)]
    # Rows of accounts counted from another export stay out; a NULL account stays in (and breaks a rule).
    without = (" WHERE NOT coalesce(CAST(\"BillingAccountId\" AS VARCHAR) IN ("
               + ", ".join("?" for _ in dropped) + "), false)") if dropped else ""
    row = con.execute(
        f"INSERT INTO {COSTS} ({', '.join(q(t) for t in targets)}) "
        f"SELECT {', '.join(values)} FROM ({source.sql}) AS focus_source{without}",
        [*key, source.version_id, *source.params, *dropped],
    ).fetchone()
    rows = int(row[0]) if row else 0
    broken = violations(con, COSTS, _PERIOD_FILTER, key)
    if broken:
        listed = "; ".join(f"{n:,} row(s): {what}" for what, n in broken[:5])
        raise SourceRejected(f"its rows break FOCUS rules ({listed}); nothing was written for this period")
    _record_state(con, source, pipeline_name, rows, accounts, dropped, version)
    return rows
