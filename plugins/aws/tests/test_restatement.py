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
    history = finops("aws", "show-state", "-n", "restated", "-B", "2024-02", "--data-dir", "data", "--json",
                     "-d", "postgres").json()
    assert [(h["version_id"], h["status"], h["is_current"]) for h in history] == [
        (sample.periods["2024-02"].version_id, "completed", False),
        (new.version_id, "completed", True),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("fault", [RuntimeError, KeyboardInterrupt])
def test_a_swap_that_fails_in_postgres_keeps_the_old_month_and_never_records_the_new_version_current(
    tmp_path, s3, bucket, s3_endpoint, finops, postgres_url, monkeypatch, fault
):
    """In PostgreSQL the data swap and the load state (in the database) are one transaction: the state
    says a version is current only with its data committed."""
    import psycopg2

    from open_finops.ingest import swap

    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)
    name = f"swapfault_{fault.__name__.lower()}"
    sample = generate_sample(tmp_path / "bucket", bucket=bucket, cur_version="v1", export_name=name,
                             periods=("2024-01",), rows_per_period=300)
    upload(sample.root, bucket, s3)
    args = ["aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint, "--data-dir", "data",
            "-d", "postgres", "--json"]
    assert finops(*args).code == 0
    restated = restate(sample, "2024-01", seed=8, rows=500)
    upload(restated.root, bucket, s3)

    def explode(*args, **kwargs):
        raise fault("disk full in the middle of the swap")

    # The last data statement of the swap: the old table is already dropped and the new one renamed.
    with monkeypatch.context() as patch:
        patch.setattr(swap, "create_unified_view", explode)
        failed = finops(*args)

    def month() -> tuple[int, Decimal]:
        with psycopg2.connect(postgres_url) as con, con.cursor() as cur:
            table = period_table(name, "2024-01")
            cur.execute(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{table}"')
            return cur.fetchone()

    def history() -> list[tuple[str, str, bool]]:
        shown = finops("aws", "show-state", "-n", name, "-B", "2024-01", "--data-dir", "data", "--json",
                       "-d", "postgres").json()
        return [(h["version_id"], h["status"], h["is_current"]) for h in shown]

    old, new = sample.periods["2024-01"], restated.periods["2024-01"]
    assert failed.code == (130 if fault is KeyboardInterrupt else 1)
    count, cost = month()
    assert count == old.rows and abs(cost - old.unblended_cost) <= TOLERANCE
    status = "interrupted" if fault is KeyboardInterrupt else "failed"
    assert history() == [(old.version_id, "completed", True), (new.version_id, status, False)]

    # The next import loads the new version, since the state never claimed it.
    result = finops(*args)
    assert [(p["billing_period"], p["status"]) for p in result.json()["periods"]] == [("2024-01", "loaded")]
    count, cost = month()
    assert count == new.rows and abs(cost - new.unblended_cost) <= TOLERANCE
    assert history()[-1] == (new.version_id, "completed", True)
