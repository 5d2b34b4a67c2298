"""The import engine, driven the way any vendor drives it: a folder of exports, a manifest parser, DuckDB.

The vendor here is the fake "acme" (``finops_fakes.parse_acme_manifest``): a JSON manifest per period
version naming gzip CSV (or Parquet) data files and declaring typed columns. Everything else is real:
core's LocalSource, the engine, dlt, and a DuckDB file.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from finops_fakes import ACME_PARSER, registry_of, working_plugin

from open_finops.api import (
    Destination,
    ImportOptions,
    LocalSource,
    ManifestParser,
    SourceError,
    VendorTerms,
    run_import,
)
from open_finops.database import connect, database_path
from open_finops.ingest import readers, swap
from open_finops.naming import period_table, staging_table
from open_finops.state import LoadStateStore

read_csv = readers.iter_csv

TERMS = VendorTerms("acme", export_noun="Acme export", publisher="Acme")
COLUMNS = {"line_id": "string", "account": "string", "cost": "decimal"}


def write_version(root: Path, period: str, version: str, rows: list[tuple], *, export: str = "bill",
                  files: int = 2, columns: dict[str, str] | None = None, folder: str | None = None,
                  mtime: float | None = None) -> Path:
    """One version of one period: data files under ``export/period/version/``, the manifest beside them."""
    columns = columns or COLUMNS
    base = root / export / period / (folder or version)
    base.mkdir(parents=True, exist_ok=True)
    uris = []
    for i in range(files):
        part = rows[i::files]
        name = f"{export}/{period}/{folder or version}/part-{i}.csv.gz"
        lines = [",".join(columns)] + [",".join(str(v) for v in row) for row in part]
        (root / name).write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
        uris.append(name)
    manifest = base / "acme-Manifest.json"
    manifest.write_text(json.dumps({"export": export, "period": period, "version": version, "files": uris,
                                    "columns": columns}))
    if mtime is not None:
        os.utime(manifest, (mtime, mtime))
    return manifest


def rows_of(n: int, cost: str = "1.25", offset: int = 0) -> list[tuple]:
    return [(f"id-{offset + i:05d}", f"{i % 3:012d}", cost) for i in range(n)]


def import_acme(root: Path, data: Path, *, dataset: str = "acme", parsers=(ACME_PARSER,), **options):
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", dataset), **options)
    return run_import(opts, TERMS, LocalSource(root), list(parsers))


def query(data: Path, sql: str) -> list[tuple]:
    con = connect(database_path(data), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def history(data: Path, period: str) -> list[tuple[str, str, bool]]:
    con = connect(database_path(data), read_only=True)
    try:
        return [(r.version_id, r.status, r.is_current)
                for r in LoadStateStore(con, create=False).history("acme", "bill", period)]
    finally:
        con.close()


def tables(data: Path) -> set[str]:
    """Our tables in the dataset; dlt's own ``_dlt_*`` tables are checked to hold no row of a finished load."""
    names = {r[0] for r in query(data, "SELECT table_name FROM information_schema.tables WHERE table_schema='acme'")}
    for name in (n for n in names if n.startswith("_dlt_")):
        assert query(data, f'SELECT count(*) FROM acme."{name}"') == [(0,)], name
    return {n for n in names if not n.startswith("_dlt_")}


class CountingSource(LocalSource):
    """A LocalSource that counts the data files handed out."""

    copies = 0

    def local_copy(self, key, scratch, on_bytes=None):
        type(self).copies += 1
        return super().local_copy(key, scratch, on_bytes)


def test_each_period_is_loaded_exactly_with_its_declared_types_and_recorded_current(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(1000, "0.000000001"))
    write_version(root, "2024-02", "v-b", rows_of(7, "123456789012.123456789"))

    summary = import_acme(root, data)

    assert [(p.billing_period, p.status, p.rows, p.files) for p in summary.periods] == [
        ("2024-01", "loaded", 1000, 2), ("2024-02", "loaded", 7, 2),
    ]
    table = period_table("bill", "2024-02")
    (count, total, account_type, sample_account), = query(
        data, f'SELECT count(*), sum(cost), typeof(any_value(cost)), min(account) FROM acme."{table}"')
    assert (count, total) == (7, Decimal("864197523084.864197523"))
    assert account_type.startswith("DECIMAL") and sample_account == "000000000000"  # text keeps its zeros
    assert query(data, 'SELECT sum(cost) FROM acme."bill_unified"') == [(Decimal("864197523084.864198523"),)]
    assert history(data, "2024-01") == [("v-a", "completed", True)]


def test_each_load_records_its_columns_as_the_manifest_spelled_them(root: Path, data: Path):
    # Naming a column for the database loses case and punctuation (a tag key's "Team"); the load state
    # keeps the manifest's spelling beside the table's name, per load, for steps that run without the source.
    columns = {"Line ID": "string", "resourceTags/user:Team": "string", "Cost/Total": "decimal"}
    write_version(root, "2024-01", "v-a", [("a", "web", "1.5")], files=1, columns=columns)
    import_acme(root, data)

    con = connect(database_path(data), read_only=True)
    try:
        store = LoadStateStore(con, create=False)
        (record,) = store.current_versions("acme")
        table_columns = [name for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'acme' AND table_name = ?",
            [record.table_name]).fetchall()]
        recorded = store.source_columns(record.load_id)
        assert store.source_columns("no-such-load") == {}
    finally:
        con.close()
    assert recorded == {"line_id": "Line ID", "resource_tags_user_team": "resourceTags/user:Team",
                        "cost_total": "Cost/Total"}
    assert set(recorded) <= set(table_columns)


def test_a_second_run_skips_loaded_versions_without_reading_a_data_file(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(10))
    import_acme(root, data)
    CountingSource.copies = 0

    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"))
    summary = run_import(opts, TERMS, CountingSource(root), [ACME_PARSER])

    assert [p.status for p in summary.periods] == ["skipped"]
    assert CountingSource.copies == 0


def test_a_new_version_replaces_the_period_whole_and_the_history_keeps_both(root: Path, data: Path):
    manifest = write_version(root, "2024-01", "v-a", rows_of(10, "1.00"))
    import_acme(root, data)
    manifest.unlink()
    write_version(root, "2024-01", "v-b", rows_of(4, "2.50", offset=100))

    summary = import_acme(root, data)

    assert [(p.status, p.rows) for p in summary.periods] == [("loaded", 4)]
    table = period_table("bill", "2024-01")
    assert query(data, f'SELECT count(*), sum(cost), min(line_id) FROM acme."{table}"') == [
        (4, Decimal("10.00"), "id-00100")]
    assert history(data, "2024-01") == [("v-a", "completed", False), ("v-b", "completed", True)]
    assert tables(data) == {table, "bill_unified"}  # no staging table left


@pytest.mark.parametrize("strategy", ["separate", "single"])
@pytest.mark.parametrize("fault", ["swap", "state"])
def test_a_failure_inside_the_swap_leaves_the_old_data_and_the_old_state(
    root: Path, data: Path, monkeypatch: pytest.MonkeyPatch, strategy: str, fault: str
):
    manifest = write_version(root, "2024-01", "v-a", rows_of(10, "1.00"))
    import_acme(root, data, strategy=strategy)
    manifest.unlink()
    write_version(root, "2024-01", "v-b", rows_of(4, "2.50"))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full in the middle of the swap")

    # Either the last data statement of the swap fails, or recording the new version as current does.
    target = (swap, "create_unified_view" if strategy == "separate" else "replace_period_rows")
    if fault == "state":
        target = (LoadStateStore, "complete")
    monkeypatch.setattr(*target, explode)
    summary = import_acme(root, data, strategy=strategy)

    assert [p.status for p in summary.periods] == ["failed"]
    assert "disk full in the middle of the swap" in summary.periods[0].error
    table = period_table("bill", "2024-01") if strategy == "separate" else "bill"
    assert query(data, f'SELECT count(*), sum(cost) FROM acme."{table}"') == [(10, Decimal("10.00"))]
    assert history(data, "2024-01") == [("v-a", "completed", True), ("v-b", "failed", False)]
    assert not any("_staging_" in t for t in tables(data))


@pytest.mark.parametrize("where", ["load", "swap"])
def test_ctrl_c_records_the_load_as_interrupted_and_keeps_the_old_version(
    root: Path, data: Path, monkeypatch: pytest.MonkeyPatch, where: str
):
    manifest = write_version(root, "2024-01", "v-a", rows_of(10, "1.00"))
    import_acme(root, data)
    manifest.unlink()
    write_version(root, "2024-01", "v-b", rows_of(4, "2.50"))

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    def interrupt_after_the_rows(*args, **kwargs):
        yield from read_csv(*args, **kwargs)
        raise KeyboardInterrupt

    # While DuckDB inserts the batches into the staging table (raised in the stream it reads), or inside
    # the swap's transaction (rolled back on our connection, which must then still record the interruption).
    if where == "load":
        monkeypatch.setattr(readers, "iter_csv", interrupt_after_the_rows)
    else:
        monkeypatch.setattr(swap, "create_unified_view", interrupt)
    with pytest.raises(KeyboardInterrupt):
        import_acme(root, data)

    assert history(data, "2024-01") == [("v-a", "completed", True), ("v-b", "interrupted", False)]
    assert query(data, f'SELECT count(*) FROM acme."{period_table("bill", "2024-01")}"') == [(10,)]
    assert tables(data) == {period_table("bill", "2024-01"), "bill_unified"}


def test_a_load_left_running_by_a_killed_import_is_cleaned_up_and_the_period_loaded(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(10))
    con = connect(database_path(data))
    store = LoadStateStore(con)
    final = period_table("bill", "2024-01")
    load_id = store.start(vendor="acme", export_name="bill", billing_period="2024-01", version_id="v-a",
                          destination="duckdb:acme", table_name=final)
    staged = staging_table(final, load_id)
    con.execute(f'CREATE SCHEMA acme; CREATE TABLE acme."{staged}" AS SELECT 1 AS x')
    scratch = data / ".tmp" / load_id
    scratch.mkdir(parents=True)
    con.close()

    summary = import_acme(root, data)

    assert [p.status for p in summary.periods] == ["loaded"]
    assert history(data, "2024-01") == [("v-a", "interrupted", False), ("v-a", "completed", True)]
    assert staged not in tables(data) and not scratch.exists()


def _killed_load(data: Path, destination: str, *, stage_in: str | None = None, period: str = "2024-01") -> str:
    """What a SIGKILL leaves: a load recorded ``running`` and its staging table (in ``stage_in``)."""
    con = connect(database_path(data))
    final = period_table("bill", period)
    load_id = LoadStateStore(con).start(vendor="acme", export_name="bill", billing_period=period,
                                        version_id="v-killed", destination=destination, table_name=final)
    staged = staging_table(final, load_id)
    if stage_in is not None:
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{stage_in}"; '
                    f'CREATE TABLE "{stage_in}"."{staged}" AS SELECT 1 AS x')
    con.close()
    return staged


def _schema_tables(data: Path, schema: str) -> set[str]:
    return {r[0] for r in query(data, f"SELECT table_name FROM information_schema.tables "
                                      f"WHERE table_schema = '{schema}'")}


@pytest.mark.parametrize("next_dataset", ["acme", "foo"])
def test_a_staging_table_a_killed_import_left_in_its_own_dataset_is_dropped_by_the_next_import(
        root: Path, data: Path, next_dataset: str):
    write_version(root, "2024-01", "v-a", rows_of(10, "1.00"))
    import_acme(root, data, dataset="foo")  # foo's January, loaded
    staged = _killed_load(data, "duckdb:foo", stage_in="foo")  # then an import into --dataset foo was killed

    summary = import_acme(root, data, dataset=next_dataset)  # the next import, into any dataset

    assert staged not in _schema_tables(data, "foo")
    assert [p.status for p in summary.periods] == ["loaded" if next_dataset == "acme" else "skipped"]
    assert query(data, f'SELECT count(*), sum(cost) FROM foo."{period_table("bill", "2024-01")}"') == [
        (10, Decimal("10.00"))]
    con = connect(database_path(data), read_only=True)
    try:
        killed = [r for r in LoadStateStore(con, create=False).history("acme", "bill", "2024-01")
                  if r.version_id == "v-killed"]
    finally:
        con.close()
    assert [(r.status, r.error) for r in killed] == [
        ("interrupted", "the import stopped before this load finished")]


def test_a_killed_load_whose_dataset_is_gone_or_whose_destination_is_unreadable_does_not_stop_the_next_import(
        root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(3))
    data.mkdir()
    _killed_load(data, "duckdb:dropped_since")  # its schema no longer exists
    _killed_load(data, "not a destination key", period="2024-02")

    summary = import_acme(root, data)

    assert [p.status for p in summary.periods] == ["loaded"]
    con = connect(database_path(data), read_only=True)
    try:
        records = {r.billing_period: r for r in LoadStateStore(con, create=False).latest("acme", "bill")}
    finally:
        con.close()
    assert records["2024-02"].status == "interrupted"
    assert records["2024-02"].error == (
        "the import stopped before this load finished; its staging table "
        f"{staging_table(period_table('bill', '2024-02'), records['2024-02'].load_id)} may be left in "
        "'not a destination key'; drop it by hand")


def test_the_same_export_loads_into_a_second_dataset_instead_of_being_skipped(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(5))
    import_acme(root, data, dataset="acme")

    summary = import_acme(root, data, dataset="acme_copy")

    assert [p.status for p in summary.periods] == ["loaded"]
    assert query(data, f'SELECT count(*) FROM acme_copy."{period_table("bill", "2024-01")}"') == [(5,)]


def test_of_several_manifests_for_one_period_the_newest_is_loaded(root: Path, data: Path):
    write_version(root, "2024-01", "exec-new", rows_of(3, "9.00"), folder="20240205T000000Z", mtime=2_000_000_000)
    write_version(root, "2024-01", "exec-old", rows_of(8, "1.00"), folder="20240201T000000Z", mtime=1_000_000_000)

    summary = import_acme(root, data)

    assert [(p.version_id, p.rows) for p in summary.periods] == [("exec-new", 3)]


def test_single_strategy_adds_a_new_column_and_older_periods_read_it_as_null(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(2))
    write_version(root, "2024-02", "v-b", [("id-9", "a", "1.5", "eu")],
                  columns={**COLUMNS, "region": "string"}, files=1)

    import_acme(root, data, strategy="single")

    assert query(data, 'SELECT billing_period, count(*), count(region) FROM acme."bill" GROUP BY 1 ORDER BY 1') == [
        ("2024-01", 2, 0), ("2024-02", 1, 1)]


def test_a_data_file_whose_header_differs_from_the_manifest_fails_the_period_only(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(3))
    manifest = write_version(root, "2024-02", "v-b", rows_of(3))
    doc = json.loads(manifest.read_text())
    doc["columns"] = {**COLUMNS, "undeclared_in_file": "string"}
    manifest.write_text(json.dumps(doc))

    summary = import_acme(root, data)

    assert [p.status for p in summary.periods] == ["loaded", "failed"]
    assert "header does not match the manifest" in summary.periods[1].error
    assert history(data, "2024-02") == [("v-b", "failed", False)]


def test_a_parquet_file_with_a_column_the_manifest_does_not_declare_is_refused(
    root: Path, data: Path, monkeypatch: pytest.MonkeyPatch
):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from open_finops.exports import Column, DataFile, ExportVersion

    folder = root / "bill" / "2024-01" / "v-a"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"line_id": ["a"], "account": ["1"], "cost": [1.5], "surprise": ["x"]}),
                   folder / "part-0.parquet")
    (folder / "acme-Manifest.json").write_text("{}")

    def parse(key: str, body: bytes) -> ExportVersion:
        return ExportVersion(
            vendor="acme", export_name="bill", billing_period="2024-01", version_id="v-a", format_version="v1",
            manifest_key=key, data_files=(DataFile(uri="bill/2024-01/v-a/part-0.parquet", format="parquet"),),
            columns=tuple(Column(name=n, type=t) for n, t in COLUMNS.items()),
        )

    monkeypatch.setattr("finops_fakes.parse_acme_manifest", parse)
    summary = import_acme(root, data)

    assert [p.status for p in summary.periods] == ["failed"]
    assert "columns not declared in the manifest: ['surprise']" in summary.periods[0].error


def test_nothing_found_names_the_vendors_export_noun_where_it_looked_and_its_flags(root: Path, data: Path):
    with pytest.raises(SourceError, match=r"no manifest of any Acme export found under prefix 'nowhere' in folder "
                                          r".*; check --prefix and --export-name$"):
        import_acme(root, data, prefix="nowhere")
    terms = VendorTerms("acme", prefix_flag="--path", export_flag="--name")
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"), export_name="x")
    with pytest.raises(SourceError, match=r"no manifest of export 'x' found .*; check --path and --name$"):
        run_import(opts, terms, LocalSource(root), [ACME_PARSER])


def test_only_the_parsers_of_the_importing_vendor_are_used(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(2))
    other = ManifestParser(name="other-v1", vendor="other", format_version="v1", description="x",
                           key_pattern=ACME_PARSER.key_pattern, parse="finops_fakes:no_such_function")

    summary = import_acme(root, data, parsers=(other, ACME_PARSER))

    assert [p.status for p in summary.periods] == ["loaded"]


def test_state_show_and_exports_list_show_every_vendor_and_a_killed_first_load(root: Path, data: Path, cli):
    write_version(root, "2024-01", "v-a", rows_of(3))
    import_acme(root, data)
    con = connect(database_path(data))
    LoadStateStore(con).start(vendor="zeta", export_name="z", billing_period="2024-03", version_id="z1",
                              destination="duckdb:zeta", table_name="z_2024_03")
    con.close()
    registry = registry_of(working_plugin())

    state = json.loads(cli(registry, "state", "show", "--data-dir", str(data), "--json").stdout)
    exports = json.loads(cli(registry, "exports", "list", "--data-dir", str(data), "--json").stdout)
    only_acme = json.loads(cli(registry, "state", "show", "--vendor", "acme", "--data-dir", str(data),
                               "--json").stdout)

    assert [(r["vendor"], r["billing_period"], r["status"], r["is_current"]) for r in state] == [
        ("acme", "2024-01", "completed", True), ("zeta", "2024-03", "interrupted", False)]
    assert [r["vendor"] for r in only_acme] == ["acme"]
    assert exports == [{"vendor": "acme", "export_name": "bill", "destination": "duckdb:acme", "dataset": "acme",
                        "tables": ["bill_2024_01"], "periods": ["2024-01"], "rows": 3, "view": "bill_unified"}]


def corrupt_truncated(root: Path, manifest: Path) -> str:
    key = json.loads(manifest.read_text())["files"][1]
    body = (root / key).read_bytes()
    (root / key).write_bytes(body[: len(body) // 2])
    return "is a truncated gzip file"


def corrupt_missing(root: Path, manifest: Path) -> str:
    (root / json.loads(manifest.read_text())["files"][0]).unlink()
    return "listed in the manifest does not exist"


def corrupt_outside(root: Path, manifest: Path) -> str:
    doc = json.loads(manifest.read_text())
    doc["files"][0] = "../../etc/passwd"
    manifest.write_text(json.dumps(doc))
    return "points outside the export"


def corrupt_not_gzip(root: Path, manifest: Path) -> str:
    (root / json.loads(manifest.read_text())["files"][0]).write_bytes(b"line_id,account,cost\nplain,text,1\n")
    return "is not valid gzip"


def corrupt_bad_decimal(root: Path, manifest: Path) -> str:
    key = json.loads(manifest.read_text())["files"][0]
    (root / key).write_bytes(gzip.compress(b"line_id,account,cost\na,1,not-a-number\n"))
    return f"data file {key}: column 'cost', line 2: value 'not-a-number' is not a decimal number"


@pytest.mark.parametrize("corrupt", [corrupt_truncated, corrupt_missing, corrupt_outside, corrupt_not_gzip,
                                     corrupt_bad_decimal])
def test_a_broken_new_version_fails_its_period_names_the_file_and_keeps_the_old_data(root: Path, data: Path,
                                                                                   corrupt):
    old = write_version(root, "2024-01", "v-a", rows_of(6, "1.00"))
    write_version(root, "2024-02", "v-c", rows_of(3))
    import_acme(root, data)
    old.unlink()
    expected = corrupt(root, write_version(root, "2024-01", "v-b", rows_of(9, "7.00")))

    summary = import_acme(root, data)

    assert [(p.billing_period, p.status) for p in summary.periods] == [("2024-01", "failed"), ("2024-02", "skipped")]
    assert expected in summary.periods[0].error
    assert query(data, f'SELECT count(*), sum(cost) FROM acme."{period_table("bill", "2024-01")}"') == [
        (6, Decimal("6.00"))]
    assert history(data, "2024-01")[-1] == ("v-b", "failed", False)
    assert not any("_staging_" in t for t in tables(data))


def test_a_manifest_that_cannot_be_read_stops_the_run_before_anything_is_loaded(root: Path, data: Path):
    write_version(root, "2024-01", "v-a", rows_of(2))
    (write_version(root, "2024-02", "v-b", rows_of(2))).write_text("{not json")

    with pytest.raises(Exception, match="Expecting property name"):
        import_acme(root, data)
    assert not database_path(data).exists() or history(data, "2024-01") == []


def test_a_second_import_waits_for_the_lock_then_names_the_process_holding_it(root: Path, data: Path):
    import subprocess
    import sys

    from open_finops.errors import DestinationError

    write_version(root, "2024-01", "v-a", rows_of(2))
    data.mkdir()
    # DuckDB's lock is per process: another process holds the file, as a running import would.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.read()", str(database_path(data))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DestinationError, match=rf"is locked by process {holder.pid} \(python"):
            import_acme(root, data, lock_timeout=0.3)
    finally:
        holder.communicate("", timeout=30)
    assert [p.status for p in import_acme(root, data).periods] == ["loaded"]  # and goes on once it is free


def test_the_import_report_prints_a_line_per_period_or_json_or_nothing_and_raises_for_failures(
    root: Path, data: Path, capsys: pytest.CaptureFixture[str]
):
    from open_finops.api import OpenFinopsError, import_and_report

    write_version(root, "2024-01", "v-a", rows_of(3))
    broken = write_version(root, "2024-02", "v-b", rows_of(3))
    corrupt_missing(root, broken)
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"))

    def report(**flags):
        capsys.readouterr()
        with pytest.raises(OpenFinopsError) as failed:
            import_and_report(opts, TERMS, LocalSource(root), [ACME_PARSER], **flags)
        out, err = capsys.readouterr()
        return out, err, failed.value.message

    out, err, message = report()
    assert out == "" and "bill 2024-01: loaded 3 rows from 2 files" in err and "2024-02" not in err
    assert message.startswith("1 of 2 billing periods failed; bill 2024-02: data file ")
    out, err, _ = report(quiet=True)
    assert (out, err) == ("", "")
    out, err, _ = report(as_json=True)
    summary = json.loads(out)
    assert err == "" and [(p["billing_period"], p["status"]) for p in summary["periods"]] == [
        ("2024-01", "skipped"), ("2024-02", "failed")]
    assert (summary["loaded"], summary["skipped"], summary["failed"]) == (0, 1, 1)


def test_an_export_gets_its_readable_name_and_a_second_export_with_the_same_one_gets_a_hash_and_a_warning(
    root: Path, data: Path
):
    write_version(root, "2024-01", "v-a", rows_of(2), export="team-costs")
    write_version(root, "2024-01", "v-b", rows_of(3), export="team.costs")

    first = import_acme(root, data, export_name="team-costs").periods[0]
    second = import_acme(root, data, export_name="team.costs").periods[0]
    again = import_acme(root, data).periods

    assert (first.table, first.view, first.warnings) == ("team_costs_2024_01", "team_costs_unified", [])
    assert re.fullmatch(r"team_costs_[0-9a-f]{8}_2024_01", second.table)
    assert second.warnings == [
        f"export 'team.costs' would be named team_costs, which export 'team-costs' already uses in acme; "
        f"its tables are named {second.table.removesuffix('_2024_01')}_* instead"]
    assert [(p.export_name, p.status, p.table) for p in again] == [
        ("team-costs", "skipped", first.table), ("team.costs", "skipped", second.table)]  # names are kept
    assert query(data, f'SELECT count(*) FROM acme."{second.view}"') == [(3,)]


def test_an_export_recorded_under_an_older_hashed_name_keeps_it(root: Path, data: Path):
    from open_finops.naming import hashed_identifier

    legacy = f"{hashed_identifier('team-costs')}_2024_01"
    con = connect(database_path(data))
    store = LoadStateStore(con)
    load_id = store.start(vendor="acme", export_name="team-costs", billing_period="2024-01", version_id="old",
                          destination="duckdb:acme", table_name=legacy)
    con.execute(f'CREATE SCHEMA acme; CREATE TABLE acme."{legacy}" AS SELECT 1 AS x')
    store.complete(load_id, rows=1, files=1, bytes=1)
    con.close()
    write_version(root, "2024-01", "v-new", rows_of(4), export="team-costs")
    write_version(root, "2024-02", "v-feb", rows_of(5), export="team-costs")

    periods = import_acme(root, data).periods

    assert [(p.billing_period, p.table) for p in periods] == [
        ("2024-01", legacy), ("2024-02", legacy.replace("2024_01", "2024_02"))]
    assert query(data, f'SELECT count(*) FROM acme."{periods[0].view}"') == [(9,)]


def test_the_report_prints_a_naming_warning_even_when_quiet(root: Path, data: Path,
                                                           capsys: pytest.CaptureFixture[str]):
    from open_finops.api import import_and_report

    write_version(root, "2024-01", "v-a", rows_of(2), export="team-costs")
    write_version(root, "2024-01", "v-b", rows_of(2), export="team.costs")
    import_acme(root, data, export_name="team-costs")
    opts = ImportOptions(data_dir=data, destination=Destination("duckdb", "acme"), export_name="team.costs")
    capsys.readouterr()

    import_and_report(opts, TERMS, LocalSource(root), [ACME_PARSER], quiet=True)

    assert capsys.readouterr().err.startswith(
        "Warning: team.costs 2024-01: export 'team.costs' would be named team_costs, which export 'team-costs'")


def test_files_of_a_manifest_without_columns_may_differ_and_each_column_is_kept(root: Path, data: Path):
    """With no declared columns each file brings its header: a column only one file has is kept, NULL in
    the other file's rows (DuckDB is filled run by run of one schema, adding columns as they come)."""
    base = root / "bill" / "2024-01" / "v-a"
    base.mkdir(parents=True)
    bodies = {"part-0.csv.gz": "line_id,cost\nid-1,1.50\nid-2,2.50\n",
              "part-1.csv.gz": "line_id,cost,region\nid-3,3.00,eu-west-1\n"}
    for name, body in bodies.items():
        (base / name).write_bytes(gzip.compress(body.encode()))
    (base / "acme-Manifest.json").write_text(json.dumps({
        "export": "bill", "period": "2024-01", "version": "v-a", "columns": {},
        "files": [f"bill/2024-01/v-a/{name}" for name in bodies]}))

    summary = import_acme(root, data, read_workers=1)

    assert [(p.status, p.rows) for p in summary.periods] == [("loaded", 3)]
    table = period_table("bill", "2024-01")
    assert query(data, f'SELECT line_id, cost, region FROM acme."{table}" ORDER BY line_id') == [
        ("id-1", "1.50", None), ("id-2", "2.50", None), ("id-3", "3.00", "eu-west-1")]
