"""Bad input to `finops aws import-cur`: a clear refusal, never a traceback, never a change to loaded data.

Every case first imports a good export, then breaks a new version (or the source, or a setting) and runs
the import again. It must exit with 1 (the data or the store is at fault) or 2 (the command line or the
configuration is), print one line on stderr that names the file or setting at fault, print a traceback
only with --debug, and leave every loaded table and every current version exactly as they were.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from iamserver import IamServer, free_port, running_iam_server
from open_finops_aws.sample import SampleExport, generate_sample, restate, upload

Snapshot = tuple[list[tuple], list[tuple]]


def snapshot(query, data_dir: Path) -> Snapshot:
    """Every loaded table's row count and cost sum, and every period's current version."""
    tables = [r[0] for r in query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'aws_cur' AND table_type = 'BASE TABLE'"
        " AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' ORDER BY 1", data_dir)]
    data = [(t, *query(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{t}"', data_dir)[0])
            for t in tables]
    current = query("SELECT export_name, billing_period, version_id, table_name FROM billing_state.load_state"
                    " WHERE is_current ORDER BY 1, 2", data_dir)
    return data, current


def assert_refused(result, code: int, *names: str) -> str:
    """Exit ``code``, one line on stderr naming each of ``names``, no traceback."""
    lines = result.err.strip().splitlines()
    assert result.code == code, result.err
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    assert "Traceback" not in result.err
    for name in names:
        assert name in lines[0]
    return lines[0]


# --- A good export read through --from-dir, then broken -------------------------------------------------

@dataclass
class Loaded:
    cur: SampleExport  # CUR v1, CSV.gz
    pq: SampleExport  # CUR 2.0, Parquet
    before: Snapshot


def from_dir_args(root: Path, *extra: str | Path) -> list[str | Path]:
    return ["aws", "import-cur", "--from-dir", root, "-p", "cur", "--data-dir", "data", "--quiet", *extra]


@pytest.fixture
def loaded(tmp_path: Path, finops, query) -> Loaded:
    """Two exports side by side in one folder (a v1 CSV one and a CUR 2.0 Parquet one), both imported."""
    root = tmp_path / "bucket"
    cur = generate_sample(root, cur_version="v1", export_name="cur", periods=("2024-01", "2024-02"),
                          rows_per_period=800)
    pq = generate_sample(root, cur_version="v2", data_format="parquet", export_name="pq",
                         periods=("2024-01", "2024-02"), rows_per_period=800)
    first = finops(*from_dir_args(root))
    assert first.code == 0, first.err
    return Loaded(cur, pq, snapshot(query, tmp_path / "data"))


def rewrite_gzip_csv(path: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    lines = gzip.decompress(path.read_bytes()).split(b"\n")
    path.write_bytes(gzip.compress(b"\n".join(change(lines))))


def malformed_manifest(loaded: Loaded) -> tuple[list[str], int, list[str]]:
    new = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    (loaded.cur.root / new.manifest_key).write_text('{"assemblyId": "x", "reportKeys": [', encoding="utf-8")
    return [], 1, [new.manifest_key, "not valid JSON"]


def missing_data_file(loaded: Loaded):
    new = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    (loaded.cur.root / new.data_keys[0]).unlink()
    return [], 1, [new.data_keys[0], "does not exist"]


def truncated_gzip(loaded: Loaded):
    new = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    path = loaded.cur.root / new.data_keys[1]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return [], 1, [new.data_keys[1], "truncated gzip"]


def header_not_in_manifest(loaded: Loaded):
    new = restate(loaded.cur, "2024-02", seed=3).periods["2024-02"]
    rename = lambda lines: [lines[0].replace(b"lineItem/UnblendedCost", b"lineItem/UnblendedCostX"), *lines[1:]]  # noqa: E731
    rewrite_gzip_csv(loaded.cur.root / new.data_keys[0], rename)
    return [], 1, [new.data_keys[0], "header does not match the manifest", "lineItem/UnblendedCost"]


def parquet_that_is_not_parquet(loaded: Loaded):
    new = restate(loaded.pq, "2024-02", seed=3).periods["2024-02"]
    (loaded.pq.root / new.data_keys[0]).write_bytes(b"PAR1" + b"this is a CSV file saved under the wrong name\n" * 20)
    return [], 1, [new.data_keys[0], "Parquet"]


def period_without_data_files(loaded: Loaded):
    new = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    manifest = loaded.cur.root / new.manifest_key
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**doc, "reportKeys": []}), encoding="utf-8")
    return [], 1, ["'cur'", "2024-01", "lists no data files"]


def period_without_rows(loaded: Loaded):
    new = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    for key in new.data_keys:
        rewrite_gzip_csv(loaded.cur.root / key, lambda lines: [lines[0], b""])  # the header line only
    return [], 1, ["'cur'", "2024-01", "has no rows"]


def start_date_not_a_month(loaded: Loaded):
    return ["--start-date", "2024-1"], 2, ["--start-date", "'2024-1'", "YYYY-MM"]


def start_after_end(loaded: Loaded):
    return ["-s", "2024-02", "-e", "2024-01"], 2, ["--start-date 2024-02", "--end-date 2024-01"]


def config_not_toml(loaded: Loaded):
    bad = loaded.cur.root.parent / "config.toml"
    bad.write_text('[aws\nbucket = "x"\n', encoding="utf-8")
    return ["-c", str(bad)], 2, [str(bad), "not valid TOML"]


def unknown_destination(loaded: Loaded):
    return ["--destination", "nosuchdb", "--reset"], 2, ["'nosuchdb'", "is not supported", "duckdb, postgres"]


CASES = [malformed_manifest, missing_data_file, truncated_gzip, header_not_in_manifest,
         parquet_that_is_not_parquet, period_without_data_files, period_without_rows, start_date_not_a_month,
         start_after_end, config_not_toml, unknown_destination]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_refused_in_one_line_and_changes_no_loaded_data(case, loaded, finops, query, tmp_path):
    extra, code, names = case(loaded)

    result = finops(*from_dir_args(loaded.cur.root, *extra))

    assert_refused(result, code, *names)
    assert snapshot(query, tmp_path / "data") == loaded.before
    debug = finops("--debug", *from_dir_args(loaded.cur.root, *extra))
    assert debug.code == code and "Traceback (most recent call last)" in debug.err
    assert debug.err.strip().splitlines()[-1] == result.err.strip()


def test_a_bad_period_does_not_stop_the_other_periods(loaded, finops, query, tmp_path):
    broken = restate(loaded.cur, "2024-01", seed=3).periods["2024-01"]
    (loaded.cur.root / broken.data_keys[0]).write_bytes(b"\x1f\x8b not really gzip")
    fixed = restate(loaded.cur, "2024-02", seed=4).periods["2024-02"]

    result = finops(*from_dir_args(loaded.cur.root, "--json"))

    assert result.code == 1
    statuses = {(p["export_name"], p["billing_period"]): p["status"] for p in result.json()["periods"]}
    assert statuses[("cur", "2024-01")] == "failed" and statuses[("cur", "2024-02")] == "loaded"
    current = dict(((e, p), v) for e, p, v, _ in snapshot(query, tmp_path / "data")[1])
    assert current[("cur", "2024-01")] == loaded.cur.periods["2024-01"].version_id
    assert current[("cur", "2024-02")] == fixed.version_id


# --- The S3 store: missing bucket, no credentials, denied access, nobody listening ---------------------

def s3_args(bucket: str, endpoint: str, *extra: str) -> list[str]:
    return ["aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", endpoint, "--data-dir", "data",
            "--quiet", *extra]


@pytest.fixture
def loaded_from_s3(tmp_path: Path, s3, bucket: str, s3_endpoint: str, finops, query) -> Snapshot:
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name="cur",
                             periods=("2024-01",), rows_per_period=500)
    upload(sample.root, bucket, s3)
    assert finops(*s3_args(bucket, s3_endpoint)).code == 0
    return snapshot(query, tmp_path / "data")


def test_a_bucket_that_does_not_exist(loaded_from_s3, finops, query, tmp_path, s3_endpoint):
    result = finops(*s3_args("no-such-bucket-here", s3_endpoint))

    assert_refused(result, 1, "'no-such-bucket-here'", "does not exist", "--bucket")
    assert snapshot(query, tmp_path / "data") == loaded_from_s3
    assert "Traceback" in finops("--debug", *s3_args("no-such-bucket-here", s3_endpoint)).err


def test_no_credentials(loaded_from_s3, finops, query, tmp_path, bucket, s3_endpoint, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    result = finops(*s3_args(bucket, s3_endpoint, "--reset"))

    assert_refused(result, 1, "no AWS credentials", "--profile")
    assert snapshot(query, tmp_path / "data") == loaded_from_s3
    assert "Traceback" in finops("--debug", *s3_args(bucket, s3_endpoint, "--reset")).err


def test_an_unreachable_endpoint_gives_up_within_bounded_time(loaded_from_s3, query, tmp_path, bucket):
    endpoint = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on
    started = time.monotonic()
    process = subprocess.run([sys.executable, "-m", "open_finops", *s3_args(bucket, endpoint, "--reset")],
                             capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started

    assert process.returncode == 1
    assert process.stderr.strip() == (
        f"Error: cannot reach the S3 endpoint for s3://{bucket} at {endpoint}; check --endpoint-url and the network"
    )
    assert elapsed < 60, f"took {elapsed:.1f}s"  # retries with backoff, then a clear answer; about 3 s here
    assert snapshot(query, tmp_path / "data") == loaded_from_s3


@pytest.fixture
def iam_server() -> Iterator[IamServer]:
    with running_iam_server() as server:
        yield server


def test_access_denied(iam_server: IamServer, tmp_path: Path, finops, query, monkeypatch):
    s3 = iam_server.client("s3")
    s3.create_bucket(Bucket="cur-denied")
    sample = generate_sample(tmp_path / "bucket", bucket="cur-denied", cur_version="v1", export_name="cur",
                             periods=("2024-01",), rows_per_period=500)
    upload(sample.root, "cur-denied", s3)
    new = restate(sample, "2024-01", seed=3).periods["2024-01"]
    new_assembly = new.data_keys[0].rsplit("/", 1)[0]
    reader = iam_server.user_keys("cur-reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": "*"},
        # The restated version's data files are off limits: the import gets as far as reading them.
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::cur-denied/{new_assembly}/*"},
    ]})
    nobody = iam_server.user_keys("nobody", None)
    for name, value in reader.items():
        monkeypatch.setenv(name, value)
    assert finops(*s3_args("cur-denied", iam_server.endpoint)).code == 0
    before = snapshot(query, tmp_path / "data")
    upload(sample.root, "cur-denied", s3)
    iam_server.enforce_iam()

    denied_file = finops(*s3_args("cur-denied", iam_server.endpoint))

    line = assert_refused(denied_file, 1, "access denied", "2024-01", new_assembly)
    assert "s3:GetObject" in line
    assert snapshot(query, tmp_path / "data") == before
    for name, value in nobody.items():
        monkeypatch.setenv(name, value)
    denied_listing = finops(*s3_args("cur-denied", iam_server.endpoint))
    assert_refused(denied_listing, 1, "access denied", "prefix 'cur/'", "s3://cur-denied", "s3:ListBucket")
    assert snapshot(query, tmp_path / "data") == before
    assert "Traceback" in finops("--debug", *s3_args("cur-denied", iam_server.endpoint)).err
