"""Faults while an import runs: the process killed mid-load, and S3 answering with transient errors.

A killed import must leave the previous version of its period exactly as it was, be recorded as never
current, and be cleaned up by the next run, which completes the period. Throttling, 5xx answers and a
connection reset in the middle of a data file are retried (boto3's standard mode, s3transfer for the
body) and the import ends with the exact rows of the export, none twice.
"""

from __future__ import annotations

import signal
from decimal import Decimal
from pathlib import Path

import pytest
from faultproxy import LISTING, FaultProxy, error_status, reset_mid_body, stall_mid_body
from open_finops_aws.sample import generate_sample, restate, upload
from open_finops_aws.sources import MAX_ATTEMPTS
from subproc import WAIT, finops_process, wait_for

from open_finops.naming import period_table

TOLERANCE = Decimal("0.000001")


def totals(query, table: str) -> tuple[int, Decimal]:
    ((rows, cost),) = query(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{table}"')
    return rows, cost


def history(finops, period: str) -> list[tuple[str, str, bool]]:
    result = finops("aws", "show-state", "-n", "cur", "-B", period, "--data-dir", "data", "--json")
    assert result.code == 0, result.err
    return [(h["version_id"], h["status"], h["is_current"]) for h in result.json()]


@pytest.fixture
def export(tmp_path: Path, s3, bucket: str):
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name="cur",
                             periods=("2024-01", "2024-02"), rows_per_period=3_000, files_per_period=3)
    upload(sample.root, bucket, s3)
    return sample


def test_an_import_killed_mid_load_keeps_the_previous_version_and_the_next_run_completes_the_period(
    tmp_path: Path, export, s3, finops, query, bucket, s3_endpoint
):
    args = ("aws", "import-cur", "-b", bucket, "-p", "cur", "--data-dir", "data", "--quiet")
    assert finops(*args, "--endpoint-url", s3_endpoint).code == 0
    table = period_table("cur", "2024-01")
    old = export.periods["2024-01"]
    before = totals(query, table)
    assert before[0] == old.rows and abs(before[1] - old.unblended_cost) <= TOLERANCE

    # AWS restates the month; the download of one new data file stops halfway until the test says.
    # Big enough that the unstalled files' rows fill row groups DuckDB writes to the file before commit.
    database = tmp_path / "data" / "finops.duckdb"
    loaded = database.stat().st_size
    restated = restate(export, "2024-01", seed=5, rows=400_000)
    upload(restated.root, bucket, s3)
    new = restated.periods["2024-01"]
    stall = stall_mid_body(new.data_keys[0])
    with FaultProxy(s3_endpoint, [stall]) as proxy:
        process = finops_process(*args, "--endpoint-url", proxy.url)
        try:
            stall.wait_stalled()
            # The other files' rows have reached the staging table: the database file has grown.
            wait_for(lambda: database.stat().st_size > loaded, "rows reached DuckDB", process)
        finally:
            process.kill()
            process.wait(timeout=WAIT)
    assert process.returncode == -signal.SIGKILL

    assert totals(query, table) == before  # queryable, and exactly the previous version
    assert history(finops, "2024-01") == [
        (old.version_id, "completed", True),
        (new.version_id, "interrupted", False),  # the killed attempt: never current, and shown as dead
    ]

    again = finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--data-dir", "data", "--json",
                   "--endpoint-url", s3_endpoint)

    assert again.code == 0, again.err
    rows, cost = totals(query, table)
    assert rows == new.rows and abs(cost - new.unblended_cost) <= TOLERANCE
    assert totals(query, period_table("cur", "2024-02"))[0] == export.periods["2024-02"].rows
    assert history(finops, "2024-01") == [
        (old.version_id, "completed", False),
        (new.version_id, "interrupted", False),
        (new.version_id, "completed", True),
    ]
    leftovers = query("SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%staging%'")
    assert leftovers == []
    # What the killed process had written to disk (scratch copies, any load files) is gone too.
    assert not list((tmp_path / "data").glob(".dlt/pipelines/*/normalize/**/*.parquet"))
    assert not list((tmp_path / "data").glob(".tmp/*"))


def test_throttling_server_errors_and_a_reset_mid_file_are_retried_without_duplicating_rows(
    export, finops, query, bucket, s3_endpoint
):
    january, february = export.periods["2024-01"], export.periods["2024-02"]
    rules = [
        error_status("GET", LISTING, times=2, status=503, code="SlowDown"),
        error_status("GET", january.manifest_key, times=2, status=500, code="InternalError"),
        error_status("HEAD", january.data_keys[0], times=1, status=503, code="SlowDown"),
        reset_mid_body(january.data_keys[1]),
        error_status("GET", february.data_keys[0], times=2, status=503, code="SlowDown"),
        reset_mid_body(february.data_keys[2]),
    ]
    with FaultProxy(s3_endpoint, rules) as proxy:
        result = finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", proxy.url,
                        "--data-dir", "data", "--json")

    assert result.code == 0, result.err
    assert [r.fired for r in rules] == [r.times for r in rules]  # every fault did happen
    for period in (january, february):
        rows, cost = totals(query, period_table("cur", period.billing_period))
        assert rows == period.rows and abs(cost - period.unblended_cost) <= TOLERANCE
    loaded = {p["billing_period"]: (p["rows"], p["files"], p["bytes"]) for p in result.json()["periods"]}
    assert loaded == {p.billing_period: (p.rows, 3, p.bytes) for p in (january, february)}
    cut = proxy.requests_for("GET", january.data_keys[1])
    assert [s.outcome.split()[0] for s in cut] == ["reset", "forwarded"]  # fetched again, from its start


def test_a_store_that_keeps_failing_is_given_up_on_after_bounded_attempts(
    export, finops, query, bucket, s3_endpoint
):
    args = ["aws", "import-cur", "-b", bucket, "-p", "cur", "--data-dir", "data", "--quiet"]
    assert finops(*args, "--endpoint-url", s3_endpoint).code == 0
    before = totals(query, period_table("cur", "2024-01"))

    with FaultProxy(s3_endpoint, [error_status("GET", LISTING, times=100, status=503, code="SlowDown")]) as proxy:
        result = finops(*args, "--endpoint-url", proxy.url, "--reset")

    assert result.code == 1
    assert result.err.strip() == (
        f"Error: S3 error SlowDown on prefix 'cur/' in s3://{bucket} at {proxy.url}"
    )
    assert len(proxy.seen) == 1 + MAX_ATTEMPTS  # botocore's max_attempts counts the retries after the first
    assert totals(query, period_table("cur", "2024-01")) == before
