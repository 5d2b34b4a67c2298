"""Restatement into PostgreSQL: the month is replaced as a whole, the others keep their totals, and the
history keeps both versions. (DuckDB is covered in test_import.py.) PostgreSQL, unlike DuckDB, refuses
to drop a table that a view reads, and the ``<export>_unified`` view reads every period table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from open_finops_aws.sample import generate_sample, restate, upload

from open_finops.naming import period_table, unified_view

TOLERANCE = Decimal("0.000001")


@pytest.mark.postgres
def test_a_restated_month_replaces_its_table_in_postgres_and_leaves_the_others(
    tmp_path, s3, bucket, s3_endpoint, finops, postgres_url, monkeypatch
):
    import psycopg2

    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name="restated",
                             periods=("2024-01", "2024-02", "2024-03"), rows_per_period=600)
    upload(sample.root, bucket, s3)
    args = ["aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint, "--data-dir", "data",
            "-d", "postgres", "--json"]
    assert finops(*args).code == 0

    def totals() -> dict[str, tuple[int, Decimal]]:
        with psycopg2.connect(postgres_url) as con, con.cursor() as cur:
            cur.execute(f'SELECT billing_period, count(*), sum(line_item_unblended_cost) '
                        f'FROM aws_cur."{unified_view("restated")}" GROUP BY 1 ORDER BY 1')
            return {p: (n, c) for p, n, c in cur.fetchall()}

    before = totals()
    restated = restate(sample, "2024-02", seed=8, rows=900)
    upload(restated.root, bucket, s3)

    result = finops(*args)

    assert result.code == 0, result.err
    assert [(p["billing_period"], p["status"]) for p in result.json()["periods"]] == [
        ("2024-01", "skipped"), ("2024-02", "loaded"), ("2024-03", "skipped"),
    ]
    after = totals()
    new = restated.periods["2024-02"]
    assert after["2024-02"][0] == new.rows and abs(after["2024-02"][1] - new.unblended_cost) <= TOLERANCE
    assert {p: after[p] for p in ("2024-01", "2024-03")} == {p: before[p] for p in ("2024-01", "2024-03")}
    with psycopg2.connect(postgres_url) as con, con.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM aws_cur."{period_table("restated", "2024-02")}"')
        assert cur.fetchone() == (new.rows,)
    history = finops("aws", "show-state", "-n", "restated", "-B", "2024-02", "--data-dir", "data", "--json").json()
    assert [(h["version_id"], h["status"], h["is_current"]) for h in history] == [
        (sample.periods["2024-02"].version_id, "completed", False),
        (new.version_id, "completed", True),
    ]
