"""`finops aws import-cur` against a real S3-compatible server: every layout and format, exact totals,
skip on re-run, replacement on restatement, both table strategies, schema drift, --from-dir."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from open_finops_aws.sample import generate_sample, restate, upload

from open_finops.naming import export_table, period_table, unified_view

TOLERANCE = Decimal("0.000001")


@pytest.fixture
def export(tmp_path: Path, s3, bucket: str):
    """Generate a sample export, upload it to the bucket, and return it."""

    def make(**kwargs):
        kwargs.setdefault("rows_per_period", 2_000)
        kwargs.setdefault("files_per_period", 3)
        sample = generate_sample(tmp_path / "bucket", bucket=bucket, **kwargs)
        upload(sample.root, bucket, s3)
        return sample

    return make


def import_args(bucket: str, endpoint: str, *extra: str) -> list[str]:
    return ["aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", endpoint, "--data-dir", "data",
            "--json", *extra]


def period_totals(query, table: str) -> tuple[int, Decimal]:
    ((rows, cost),) = query(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{table}"')
    return rows, cost


@pytest.mark.parametrize(
    "cur_version, data_format, layout",
    [
        ("v1", "csv", "assembly"),
        ("v1", "csv", "overwrite"),
        ("v1", "parquet", "overwrite"),
        ("v2", "csv", "overwrite"),
        ("v2", "parquet", "overwrite"),
        ("v2", "csv", "execution-folder"),
    ],
)
def test_every_period_loads_with_the_exact_rows_and_cost_the_export_holds(
    export, finops, query, bucket, s3_endpoint, cur_version, data_format, layout
):
    sample = export(cur_version=cur_version, data_format=data_format, layout=layout, export_name="team-cur")

    result = finops(*import_args(bucket, s3_endpoint, "-n", "team-cur"))

    assert result.code == 0, result.err
    summary = result.json()
    assert [p["billing_period"] for p in summary["periods"]] == list(sample.periods)  # no manifest copy counted
    assert {p["status"] for p in summary["periods"]} == {"loaded"}
    for period, totals in sample.periods.items():
        rows, cost = period_totals(query, period_table("team-cur", period))
        assert rows == totals.rows
        assert abs(cost - totals.unblended_cost) <= TOLERANCE
        loaded = next(p for p in summary["periods"] if p["billing_period"] == period)
        assert (loaded["rows"], loaded["files"], loaded["version_id"]) == (totals.rows, 3, totals.version_id)
        assert loaded["bytes"] == totals.bytes


def test_column_types_come_from_the_manifest_not_from_the_first_rows(export, finops, query, bucket, s3_endpoint):
    export(cur_version="v1", data_format="csv", export_name="cur")
    assert finops(*import_args(bucket, s3_endpoint)).code == 0

    types = dict(query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'aws_cur' AND table_name = 'cur_2024_01'"
    ))
    assert types["bill_payer_account_id"] == "VARCHAR"
    assert types["line_item_unblended_cost"].startswith("DECIMAL")
    assert types["line_item_usage_amount"].startswith("DECIMAL")
    assert types["line_item_usage_start_date"] == "TIMESTAMP WITH TIME ZONE"
    # Empty in the first few thousand rows, still text: not a null-typed column.
    assert types["resource_tags_user_team"] == "VARCHAR"
    account_ids = {r[0] for r in query('SELECT DISTINCT bill_payer_account_id FROM aws_cur."cur_2024_01"')}
    assert any(a.startswith("0") and len(a) == 12 for a in account_ids)
    ((tagged,),) = query("SELECT count(resource_tags_user_team) FROM aws_cur.cur_2024_01")
    assert tagged > 0


def test_a_second_run_with_nothing_new_reads_no_data_file(export, finops, s3, bucket, s3_endpoint):
    sample = export(cur_version="v1", export_name="cur")
    assert finops(*import_args(bucket, s3_endpoint)).code == 0
    # Remove every data file: a run that tried to read one would now fail.
    for totals in sample.periods.values():
        for key in totals.data_keys:
            s3.delete_object(Bucket=bucket, Key=key)

    again = finops(*import_args(bucket, s3_endpoint))
    assert again.code == 0, again.err
    assert {p["status"] for p in again.json()["periods"]} == {"skipped"}

    plain = finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint,
                   "--data-dir", "data", "--quiet")
    assert plain.code == 0
    verbose = finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint,
                     "--data-dir", "data")
    assert "Every billing period is up to date; nothing was read." in verbose.err


def test_a_restated_period_replaces_the_old_one_and_history_keeps_both(
    export, finops, query, s3, bucket, s3_endpoint
):
    sample = export(cur_version="v1", export_name="cur", periods=("2024-01", "2024-02", "2024-03"))
    assert finops(*import_args(bucket, s3_endpoint)).code == 0
    before = {p: period_totals(query, period_table("cur", p)) for p in ("2024-01", "2024-03")}

    restated = restate(sample, "2024-02", seed=9, rows=2_500)
    upload(restated.root, bucket, s3)
    result = finops(*import_args(bucket, s3_endpoint))

    assert result.code == 0, result.err
    statuses = {p["billing_period"]: p["status"] for p in result.json()["periods"]}
    assert statuses == {"2024-01": "skipped", "2024-02": "loaded", "2024-03": "skipped"}
    new = restated.periods["2024-02"]
    rows, cost = period_totals(query, period_table("cur", "2024-02"))
    assert rows == 2_500 and abs(cost - new.unblended_cost) <= TOLERANCE
    assert {p: period_totals(query, period_table("cur", p)) for p in ("2024-01", "2024-03")} == before

    history = finops("aws", "show-state", "-n", "cur", "-B", "2024-02", "--data-dir", "data", "--json").json()
    assert [(h["version_id"], h["is_current"], h["status"]) for h in history] == [
        (sample.periods["2024-02"].version_id, False, "completed"),
        (new.version_id, True, "completed"),
    ]


def test_reset_reloads_every_period_in_range(export, finops, bucket, s3_endpoint):
    export(cur_version="v2", export_name="cur", periods=("2024-01", "2024-02"))
    assert finops(*import_args(bucket, s3_endpoint)).code == 0

    result = finops(*import_args(bucket, s3_endpoint, "--reset", "-s", "2024-02", "-e", "2024-02"))

    assert [(p["billing_period"], p["status"]) for p in result.json()["periods"]] == [("2024-02", "loaded")]


def test_a_column_that_appears_later_is_added_and_older_months_read_null(
    export, finops, query, bucket, s3_endpoint
):
    export(cur_version="v1", export_name="cur", periods=("2024-01", "2024-02"), drift_columns_from="2024-02")
    assert finops(*import_args(bucket, s3_endpoint)).code == 0

    rows = dict(query(
        f"SELECT billing_period, count(line_item_net_unblended_cost) FROM aws_cur.{unified_view('cur')} GROUP BY 1"
    ))
    assert rows["2024-01"] == 0 and rows["2024-02"] > 0


def test_single_strategy_keeps_one_table_and_replaces_a_period_in_place(
    export, finops, query, s3, bucket, s3_endpoint
):
    sample = export(cur_version="v1", export_name="cur", periods=("2024-01", "2024-02"),
                    drift_columns_from="2024-02")
    assert finops(*import_args(bucket, s3_endpoint, "-t", "single")).code == 0
    restated = restate(sample, "2024-01", seed=4, rows=1_000)
    upload(restated.root, bucket, s3)
    assert finops(*import_args(bucket, s3_endpoint, "-t", "single")).code == 0

    table = export_table("cur")
    per_period = {p: (n, c) for p, n, c in query(
        f"SELECT billing_period, count(*), sum(line_item_unblended_cost) FROM aws_cur.{table} GROUP BY 1"
    )}
    assert per_period["2024-01"][0] == 1_000
    assert abs(per_period["2024-01"][1] - restated.periods["2024-01"].unblended_cost) <= TOLERANCE
    assert per_period["2024-02"][0] == sample.periods["2024-02"].rows
    tables = {r[0] for r in query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'aws_cur'"
                                  " AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\'")}
    assert tables == {table}


def test_from_dir_reads_a_local_copy_of_the_bucket(tmp_path, finops, query):
    sample = generate_sample(tmp_path / "synced", cur_version="v2", data_format="parquet", export_name="cur",
                             rows_per_period=1_500)

    result = finops("aws", "import-cur", "--from-dir", tmp_path / "synced", "-p", "cur", "--data-dir", "data",
                    "--json")

    assert result.code == 0, result.err
    for period, totals in sample.periods.items():
        assert period_totals(query, period_table("cur", period))[0] == totals.rows


def test_list_manifests_says_what_is_loaded(export, finops, bucket, s3_endpoint):
    sample = export(cur_version="v1", export_name="cur")
    args = ["aws", "list-manifests", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint,
            "--data-dir", "data", "--json"]
    before = finops(*args).json()
    assert [(m["billing_period"], m["loaded"], m["files"]) for m in before] == [
        (p, False, 3) for p in sample.periods
    ]
    assert [m["bytes"] for m in before] == [t.bytes for t in sample.periods.values()]
    finops(*import_args(bucket, s3_endpoint, "-e", "2024-01"))
    after = finops(*args).json()
    assert [(m["billing_period"], m["loaded"]) for m in after] == [("2024-01", True), ("2024-02", False)]


def test_list_exports_shows_tables_periods_and_rows(export, finops, bucket, s3_endpoint):
    sample = export(cur_version="v1", export_name="cur")
    finops(*import_args(bucket, s3_endpoint))

    (entry,) = finops("aws", "list-exports", "--data-dir", "data", "--json").json()

    assert entry["export_name"] == "cur" and entry["periods"] == list(sample.periods)
    assert entry["rows"] == sum(t.rows for t in sample.periods.values())
    assert entry["view"] == unified_view("cur")


def test_a_format_that_does_not_match_the_files_is_refused(export, finops, bucket, s3_endpoint):
    export(cur_version="v1", data_format="csv", export_name="cur")
    result = finops(*import_args(bucket, s3_endpoint, "-f", "parquet"))
    assert result.code == 2
    assert "holds csv files, not parquet" in result.err and "Traceback" not in result.err


@pytest.mark.postgres
def test_postgres_as_destination(export, finops, bucket, s3_endpoint, postgres_url, monkeypatch):
    import psycopg2

    sample = export(cur_version="v2", data_format="parquet", export_name="cur", drift_columns_from="2024-02")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_url)

    first = finops(*import_args(bucket, s3_endpoint, "-d", "postgres"))
    second = finops(*import_args(bucket, s3_endpoint, "-d", "postgres"))

    assert first.code == 0, first.err
    assert first.err == ""  # --json: the summary on stdout, nothing from dlt on stderr
    assert {p["status"] for p in second.json()["periods"]} == {"skipped"}
    with psycopg2.connect(postgres_url) as con, con.cursor() as cur:
        for period, totals in sample.periods.items():
            cur.execute(f'SELECT count(*), sum(line_item_unblended_cost) FROM aws_cur."{period_table("cur", period)}"')
            rows, cost = cur.fetchone()
            assert rows == totals.rows and abs(cost - totals.unblended_cost) <= TOLERANCE
        cur.execute(f'SELECT billing_period, count(line_item_net_unblended_cost) FROM aws_cur."{unified_view("cur")}"'
                    " GROUP BY 1 ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == list(sample.periods)


def test_an_unconfigured_destination_stops_the_import_at_the_first_period(export, finops, bucket, s3_endpoint):
    export(cur_version="v1", export_name="cur", periods=("2024-01", "2024-02"))

    result = finops(*import_args(bucket, s3_endpoint, "-d", "postgres"))

    assert result.code == 2
    assert result.err == (
        "Error: destination 'postgres' has no credentials configured; set DESTINATION__POSTGRES__CREDENTIALS"
        " (a postgresql:// URL with the user, password, host, port and database) or add [destination.postgres]"
        " credentials to"
        " .dlt/secrets.toml\n"
    )
    history = finops("aws", "show-state", "-n", "cur", "-B", "2024-02", "--data-dir", "data", "--json").json()
    assert history == []  # stopped before the second period
