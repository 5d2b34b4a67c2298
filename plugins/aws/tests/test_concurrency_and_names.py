"""Two imports at once into one DuckDB file, and names chosen to break SQL or escape the data folder.

The DuckDB file, opened read-write for the whole import, is the lock: a second import waits up to
``[project] lock_timeout`` seconds, then names the process holding the file; if the first finishes in time,
the second goes on and skips what the first loaded. Export names, prefixes and manifest keys come from
a bucket we do not control: they are quoted as identifiers, bound as values, and never followed out of
the ``--from-dir`` folder.
"""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from faultproxy import FaultProxy, stall_mid_body
from open_finops_aws.sample import generate_sample, upload
from subproc import WAIT, finops_process

from open_finops.naming import period_table, unified_view

TOLERANCE = Decimal("0.000001")


def totals(query, table: str) -> tuple[int, Decimal]:
    ((rows, cost),) = query(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{table}"')
    return rows, cost


def assert_exact(query, sample, export_name: str = "cur") -> None:
    for period, expected in sample.periods.items():
        rows, cost = totals(query, period_table(export_name, period))
        assert rows == expected.rows and abs(cost - expected.unblended_cost) <= TOLERANCE


# --- Two imports at once ---------------------------------------------------------------------------------

@pytest.fixture
def export(tmp_path: Path, s3, bucket: str):
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v2", export_name="cur",
                             periods=("2024-01", "2024-02"), rows_per_period=2_000, files_per_period=2)
    upload(sample.root, bucket, s3)
    return sample


def s3_import(bucket: str, endpoint: str, *extra: str) -> list[str]:
    return ["aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", endpoint, "--data-dir", "data",
            *extra]


def write_config(tmp_path: Path, lock_timeout: float) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f"[project]\nlock_timeout = {lock_timeout}\n", encoding="utf-8")
    return config


def test_a_second_import_waits_its_lock_timeout_then_names_the_process_holding_the_file(
    tmp_path: Path, export, finops, query, bucket, s3_endpoint
):
    config = write_config(tmp_path, 2)
    stall = stall_mid_body(export.periods["2024-01"].data_keys[0])
    with FaultProxy(s3_endpoint, [stall]) as proxy:
        first = finops_process(*s3_import(bucket, proxy.url, "--quiet"))
        try:
            stall.wait_stalled()  # the first import is loading, with the database open
            started = time.monotonic()
            second = finops(*s3_import(bucket, s3_endpoint, "--quiet", "-c", config))
            waited = time.monotonic() - started
        finally:
            stall.release()
            first.wait(timeout=WAIT)

    assert second.code == 1
    line = second.err.strip()
    assert line.startswith("Error: database ") and f"is locked by process {first.pid} (python" in line
    assert "which may be an import" in line and "waited 2s" in line
    assert len(line.splitlines()) == 1
    assert 2 <= waited < 15
    assert first.returncode == 0, first.stderr.read()
    assert_exact(query, export)


def test_a_second_import_that_gets_the_lock_in_time_skips_what_the_first_loaded(
    tmp_path: Path, export, finops, query, bucket, s3_endpoint
):
    config = write_config(tmp_path, 60)
    stall = stall_mid_body(export.periods["2024-01"].data_keys[0])
    with FaultProxy(s3_endpoint, [stall]) as proxy:
        first = finops_process(*s3_import(bucket, proxy.url, "--quiet"))
        try:
            stall.wait_stalled()
            threading.Timer(2.0, stall.release).start()  # the first import finishes while the second waits
            started = time.monotonic()
            second = finops(*s3_import(bucket, s3_endpoint, "--json", "-c", config))
            waited = time.monotonic() - started
        finally:
            stall.release()
            first.wait(timeout=WAIT)

    assert first.returncode == 0, first.stderr.read()
    assert second.code == 0, second.err
    assert waited >= 2.0
    assert [(p["billing_period"], p["status"]) for p in second.json()["periods"]] == [
        ("2024-01", "skipped"), ("2024-02", "skipped"),
    ]
    assert_exact(query, export)
    history = query("SELECT billing_period, status FROM billing_state.load_state ORDER BY 1")
    assert history == [("2024-01", "completed"), ("2024-02", "completed")]  # loaded once each


# --- Hostile names -------------------------------------------------------------------------------------

HOSTILE = ['x"; DROP TABLE y; --', "cur'; DELETE FROM billing_state.load_state; --", "Équipe coûts 2024 ☁"]


@pytest.mark.parametrize("name", HOSTILE)
def test_an_export_named_to_inject_sql_imports_into_safely_named_tables(
    name: str, tmp_path: Path, s3, bucket: str, s3_endpoint: str, finops, query
):
    import duckdb

    (tmp_path / "data").mkdir()
    con = duckdb.connect(str(tmp_path / "data" / "finops.duckdb"))
    con.execute("CREATE SCHEMA aws_cur; CREATE TABLE aws_cur.y AS SELECT 42 AS sentinel")
    con.close()
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name=name,
                             rows_per_period=700)
    upload(sample.root, bucket, s3)

    result = finops(*s3_import(bucket, s3_endpoint, "--json"))
    again = finops(*s3_import(bucket, s3_endpoint, "--json"))

    assert result.code == 0, result.err
    assert query("SELECT sentinel FROM aws_cur.y") == [(42,)]
    assert_exact(query, sample, name)
    ((rows,),) = query(f'SELECT count(*) FROM aws_cur."{unified_view(name)}"')
    assert rows == sum(p.rows for p in sample.periods.values())
    tables = {r[0] for r in query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'aws_cur'")}
    assert all(t.isascii() and '"' not in t and "'" not in t and " " not in t for t in tables)
    assert {p["export_name"] for p in result.json()["periods"]} == {name}
    assert {p["status"] for p in again.json()["periods"]} == {"skipped"}  # the state found it by its name
    state = finops("aws", "show-state", "-n", name, "--data-dir", "data", "--json").json()
    assert [(s["export_name"], s["billing_period"]) for s in state] == [(name, p) for p in sample.periods]


@pytest.fixture
def outside(tmp_path: Path):
    """A good export next to the --from-dir folder: a path that climbs out would reach it."""
    sample = generate_sample(tmp_path / "outside", cur_version="v1", export_name="cur", periods=("2024-01",),
                             rows_per_period=300)
    (tmp_path / "bucket").mkdir()
    return sample


def from_dir(tmp_path: Path, *extra: str) -> list[str | Path]:
    return ["aws", "import-cur", "--from-dir", tmp_path / "bucket", "--data-dir", "data", "--quiet", *extra]


@pytest.mark.parametrize("flags, flag", [
    (["-p", "../outside"], "prefix"),
    (["-p", "cur/../../outside"], "prefix"),
    (["-p", "/../outside"], "prefix"),
    (["-p", "cur", "-n", "../../outside/cur"], "export_name"),
], ids=["prefix", "prefix-inside-then-out", "absolute-prefix", "export-name"])
def test_a_prefix_that_climbs_out_of_the_from_dir_folder_is_refused(flags, flag, outside, tmp_path: Path, finops):
    result = finops(*from_dir(tmp_path, *flags))

    assert result.code == 2, result.err
    message = (f"Error: setting aws.{flag} must be a path inside the bucket or folder, without '..', not "
               f"{flags[-1]!r} (from flag --{flag.replace('_', '-')})")
    assert result.err.strip() == message
    assert not (tmp_path / "data" / "finops.duckdb").exists()


def test_an_absolute_prefix_is_read_inside_the_from_dir_folder(outside, tmp_path: Path, finops):
    result = finops(*from_dir(tmp_path, "-p", str(tmp_path / "outside")))

    assert result.code == 1
    assert "no manifest of any CUR export found" in result.err and str(tmp_path / "bucket") in result.err


def _loaded_tables(tmp_path: Path) -> list:
    import duckdb

    con = duckdb.connect(str(tmp_path / "data" / "finops.duckdb"), read_only=True)
    try:
        return con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'aws_cur'"
                           " AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\'").fetchall()
    finally:
        con.close()


def test_a_manifest_that_points_outside_the_folder_is_refused(outside, tmp_path: Path, finops):
    # The bucket's own export lists a data file of the export next door, by a path that climbs out.
    inside = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="cur", periods=("2024-01",),
                             rows_per_period=300)
    period = inside.periods["2024-01"]
    manifest = tmp_path / "bucket" / period.manifest_key
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    climbing = f"cur/../../outside/{outside.periods['2024-01'].data_keys[0]}"
    assert (tmp_path / "bucket" / climbing).resolve().is_file()  # followed, the path would reach it
    manifest.write_text(json.dumps({**doc, "reportKeys": [climbing]}), encoding="utf-8")

    result = finops(*from_dir(tmp_path, "-p", "cur"))

    assert result.code == 1
    line = result.err.strip()
    assert len(line.splitlines()) == 1 and climbing in line and "outside" in line
    assert _loaded_tables(tmp_path) == []


@pytest.mark.parametrize("dataset", ['aws"cur', "aws_cur; DROP SCHEMA billing_state", "AWS"])
def test_a_dataset_name_that_is_not_a_plain_identifier_is_refused(dataset: str, tmp_path: Path, finops):
    (tmp_path / "bucket").mkdir()

    result = finops(*from_dir(tmp_path, "--dataset", dataset))

    assert result.code == 2
    assert result.err.strip() == (
        "Error: setting aws.dataset must be a plain name of lowercase letters, digits and single underscores, "
        f"not {dataset!r} (from flag --dataset)"
    )


@pytest.mark.parametrize(("cur_version", "fmt"), [("v1", "csv"), ("v2", "parquet")])
def test_an_export_name_too_long_for_a_local_file_name_imports_from_s3(
    cur_version: str, fmt: str, tmp_path: Path, s3, bucket: str, s3_endpoint: str, finops, query
):
    # S3 keys may be 1,024 bytes; a file name 255. The sample is written under a short name, then put
    # into the bucket under a long one (keys and manifests rewritten), as AWS would deliver it.
    short, long_name = "longname", "e" * 250
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version=cur_version, export_name=short,
                             data_format=fmt, periods=("2024-01",), rows_per_period=500, files_per_period=2)
    for path in sorted(p for p in sample.root.rglob("*") if p.is_file()):
        key = path.relative_to(sample.root).as_posix().replace(short, long_name)
        body = path.read_bytes()
        if path.name.endswith(".json"):
            body = body.replace(short.encode(), long_name.encode())
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert max(len(k["Key"].rsplit("/", 1)[-1]) for k in s3.list_objects_v2(Bucket=bucket)["Contents"]) > 255

    result = finops(*s3_import(bucket, s3_endpoint, "--json"))

    assert result.code == 0, result.err
    assert [p["status"] for p in result.json()["periods"]] == ["loaded"]
    expected = sample.periods["2024-01"]
    ((rows, cost),) = query(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{unified_view(long_name)}"')
    assert rows == expected.rows and abs(cost - expected.unblended_cost) <= TOLERANCE
    assert not any((tmp_path / "data" / ".tmp").rglob("*.part"))
