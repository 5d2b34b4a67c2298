"""CUR 2.0 in "create new" mode: every refresh of a month is a new execution folder beside the old ones.

AWS writes ``metadata/BILLING_PERIOD=YYYY-MM/<delivery time>/<export>-Manifest.json`` and the data beside
it on every refresh and never removes the earlier deliveries. Restated costs reach the database only if
the import takes the newest execution of each month, every time; these tests restate a month twice
through the real S3 listing (moto) and check the exact rows, cost and line items loaded.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from open_finops_aws.sample import generate_sample, restate, upload

from open_finops.naming import period_table

PERIODS = ("2024-01", "2024-02", "2024-03")


def import_args(bucket: str, endpoint: str) -> list[str]:
    return ["aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", endpoint, "--data-dir", "data",
            "--json", "-n", "exec"]


def month(query, period: str) -> tuple[int, Decimal]:
    table = period_table("exec", period)
    ((rows, cost),) = query(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{table}"')
    return rows, cost


def line_items_from(query, sample_root: Path, keys: tuple[str, ...], data_format: str, period: str) -> int:
    """How many loaded line items of ``period`` come from the data files ``keys``."""
    reader = "read_parquet" if data_format == "parquet" else "read_csv"
    files = [str(sample_root / k) for k in keys]
    loaded = {i for (i,) in query(f'SELECT identity_line_item_id FROM aws_cur."{period_table("exec", period)}"')}
    con = duckdb.connect()
    try:
        written = {i for (i,) in con.execute(f"SELECT identity_line_item_id FROM {reader}(?)", [files]).fetchall()}
    finally:
        con.close()
    return len(loaded & written)


@pytest.mark.parametrize("data_format", ["csv", "parquet"])
def test_each_new_execution_folder_restates_its_month_and_the_old_deliveries_stay_unread(
    tmp_path, s3, bucket, s3_endpoint, finops, query, data_format
):
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v2", layout="execution-folder",
                             data_format=data_format, export_name="exec", periods=PERIODS, rows_per_period=900)
    upload(sample.root, bucket, s3)
    assert finops(*import_args(bucket, s3_endpoint)).code == 0
    before = {p: month(query, p) for p in ("2024-01", "2024-03")}

    once = restate(sample, "2024-02", seed=5, rows=1_300)
    twice = restate(once, "2024-02", seed=6, rows=700)
    upload(twice.root, bucket, s3)  # both refreshes delivered since the last import
    first = finops(*import_args(bucket, s3_endpoint))
    third = restate(twice, "2024-02", seed=7, rows=1_100)
    upload(third.root, bucket, s3)
    second = finops(*import_args(bucket, s3_endpoint))

    deliveries = {t.periods["2024-02"].version_id: t.periods["2024-02"] for t in (sample, once, twice, third)}
    assert len(deliveries) == 4  # four execution folders of February, all still in the bucket
    for totals in deliveries.values():
        for key in (totals.manifest_key, *totals.data_keys):
            s3.head_object(Bucket=bucket, Key=key)
    for result, newest in ((first, twice), (second, third)):
        assert result.code == 0, result.err
        assert [(p["billing_period"], p["status"], p["version_id"]) for p in result.json()["periods"]] == [
            ("2024-01", "skipped", sample.periods["2024-01"].version_id),
            ("2024-02", "loaded", newest.periods["2024-02"].version_id),
            ("2024-03", "skipped", sample.periods["2024-03"].version_id),
        ]
    new = third.periods["2024-02"]
    rows, cost = month(query, "2024-02")
    assert rows == new.rows == 1_100
    if data_format == "csv":
        assert cost == new.unblended_cost  # exact: CSV carries the decimal text
    else:
        assert abs(cost - new.unblended_cost) < Decimal("0.000001")  # Parquet carries doubles
    assert line_items_from(query, sample.root, new.data_keys, data_format, "2024-02") == new.rows
    for stale in (sample, once, twice):
        assert line_items_from(query, sample.root, stale.periods["2024-02"].data_keys, data_format, "2024-02") == 0
    assert {p: month(query, p) for p in ("2024-01", "2024-03")} == before

    history = finops("aws", "show-state", "-n", "exec", "-B", "2024-02", "--data-dir", "data", "--json").json()
    assert [(h["version_id"], h["status"], h["is_current"]) for h in history] == [
        (sample.periods["2024-02"].version_id, "completed", False),
        (twice.periods["2024-02"].version_id, "completed", False),
        (new.version_id, "completed", True),
    ]
    # Nothing newer: the next run reads no data file.
    assert {p["status"] for p in finops(*import_args(bucket, s3_endpoint)).json()["periods"]} == {"skipped"}
