"""AWS's own FOCUS export (Data Exports' "FOCUS 1.2 with AWS columns" and "FOCUS 1.0 with AWS columns") as a
source: imported by `finops aws import-cur` through core's engine, its version detected from its columns,
passed into focus.costs unchanged with its x_ columns, its money exact, and counted once beside a CUR of
the same payer."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from open_finops_aws.sample import generate_sample, upload
from open_finops_aws.sample.focus_export import AWS_COLUMNS, focus_columns, generate_focus_sample

PERIODS = ("2024-01", "2024-02")
ROWS, SEED = 4_000, 3


def totals_by_period(query, data: Path) -> dict[str, tuple[Decimal, Decimal]]:
    return {p: (b, e) for p, b, e in query('SELECT "x_BillingPeriod", sum("BilledCost"), sum("EffectiveCost") '
                                           'FROM focus.costs GROUP BY 1', data)}


def exports_by_period(query, data: Path) -> dict[str, list[str]]:
    rows = query('SELECT "x_BillingPeriod", list(DISTINCT "x_ExportName" ORDER BY "x_ExportName") FROM focus.costs '
                 'GROUP BY 1', data)
    return dict(rows)


@pytest.mark.parametrize("version", ["1.2", "1.0"])
def test_the_focus_export_is_passed_through_with_its_money_exact(tmp_path, finops, query, version):
    sample = generate_focus_sample(tmp_path / "bucket", focus_version=version, export_name="focus", periods=PERIODS,
                                   rows_per_period=ROWS, seed=SEED, drift_columns_from="2024-02")
    data = tmp_path / "data"

    assert finops("aws", "import-cur", "--from-dir", tmp_path / "bucket", "-p", "cur", "--data-dir", data,
                  "--quiet").code == 0
    built = finops("focus", "build", "--data-dir", data)

    assert built.code == 0, built.out + built.err
    # Its version, from its columns alone (the manifest says nothing else), is what the load state records.
    assert query("SELECT DISTINCT format_version FROM billing_state.load_state", data) == [(f"focus-{version}",)]
    for period, written in sample.periods.items():
        billed, effective = totals_by_period(query, data)[period]
        # The export's own sums, exactly; and, since it is the CUR sample's bill, the CUR's totals.
        assert (billed, effective) == (written.billed_cost, written.effective_cost)
        assert billed == (written.net_unblended_cost or written.unblended_cost)
        assert effective == written.amortized_cost != billed
        assert query('SELECT count(*) FROM focus.costs WHERE "x_BillingPeriod" = ?', data, [period]) == [
            (written.rows,)]
    columns = {c for (c,) in query("SELECT column_name FROM information_schema.columns "
                                   "WHERE table_schema = 'focus' AND table_name = 'costs'", data)}
    assert set(AWS_COLUMNS[version]) <= columns  # AWS's own columns kept, under their own names
    written = pa.concat_tables([pq.read_table(tmp_path / "bucket" / t.data_keys[0]) for t in sample.periods.values()])
    filled = ", ".join(f'count("{c}")' for c in AWS_COLUMNS[version])
    assert query(f"SELECT {filled} FROM focus.costs", data) == [
        tuple(written.num_rows - written.column(c).null_count for c in AWS_COLUMNS[version])]


def test_values_pass_through_unchanged_and_columns_the_version_lacks_are_null(tmp_path, finops, query):
    sample = generate_focus_sample(tmp_path / "bucket", focus_version="1.0", export_name="focus", periods=("2024-01",),
                                   rows_per_period=500, seed=SEED)
    data = tmp_path / "data"
    finops("aws", "import-cur", "--from-dir", tmp_path / "bucket", "-p", "cur", "--data-dir", data, "--quiet")
    # Built as the version it is, so that no value differs (a 1.2 build prices a commitment purchase Standard).
    assert finops("focus", "build", "--data-dir", data, "--quiet", "--focus-version", "1.0").code == 0

    written = pq.read_table(tmp_path / "bucket" / sample.periods["2024-01"].data_keys[0]).to_pylist()
    by_id = {(r["ChargePeriodStart"], r["ResourceId"], r["SkuPriceId"], r["BilledCost"]): r for r in written}
    rows = query('SELECT "ChargePeriodStart", "ResourceId", "SkuPriceId", CAST("BilledCost" AS DOUBLE), "Tags", '
                 '"PricingCategory", "ServiceCategory", "ServiceSubcategory", "SkuMeter", "x_UsageType", '
                 '"BillingAccountType" FROM focus.costs', data)
    assert len(rows) == len(written)
    for start, resource, price, billed, tags, category, service_category, subcategory, meter, usage, kind in rows:
        row = by_id[(start, resource, price, billed)]
        assert (json.loads(tags) if tags else None) == (dict(row["Tags"]) if row["Tags"] else None)
        assert category == row["PricingCategory"] and usage == row["x_UsageType"]
        # FOCUS 1.2 requires a ServiceSubcategory a 1.0 export lacks: its category's "Other"; the rest is NULL.
        assert subcategory == f"Other ({service_category})"
        assert meter is None and kind is None
    assert "SkuMeter" not in focus_columns("1.0")


def test_a_cur_and_the_focus_export_of_the_same_payer_are_counted_once(tmp_path, finops, query, monkeypatch):
    bucket = tmp_path / "bucket"
    cur = generate_sample(bucket, cur_version="v2", export_name="cur2", data_format="parquet", periods=PERIODS,
                          rows_per_period=ROWS, seed=SEED, files_per_period=1, untagged_rows=0)
    focus = generate_focus_sample(bucket, export_name="focus12", periods=PERIODS, rows_per_period=ROWS, seed=SEED)
    data = tmp_path / "data"
    assert finops("aws", "import-cur", "--from-dir", bucket, "-p", "cur", "--data-dir", data, "--quiet").code == 0

    built = finops("focus", "build", "--data-dir", data)

    assert built.code == 0, built.out + built.err
    assert "billing account 012345678901 is counted from focus12, not here (FOCUS 1.2 preferred over CUR 2.0)" \
        in " ".join(built.out.split())
    assert exports_by_period(query, data) == {p: ["focus12"] for p in PERIODS}
    for period in PERIODS:
        billed, effective = totals_by_period(query, data)[period]
        assert (billed, effective) == (focus.periods[period].billed_cost, focus.periods[period].effective_cost)
        assert billed == cur.periods[period].unblended_cost  # the same bill, once (the CUR's doubles within 1e-6)

    # The setting chooses the CUR instead.
    monkeypatch.setenv("OPEN_FINOPS_FOCUS_PREFER", "cur2")
    assert finops("focus", "build", "--data-dir", data, "--quiet").code == 0
    assert exports_by_period(query, data) == {p: ["cur2"] for p in PERIODS}


def test_a_focus_export_of_another_payer_is_counted_beside_the_cur(tmp_path, finops, query):
    bucket = tmp_path / "bucket"
    cur = generate_sample(bucket, cur_version="v2", export_name="cur2", data_format="csv", periods=("2024-01",),
                          rows_per_period=ROWS, seed=SEED)
    focus = generate_focus_sample(bucket, export_name="other-payer", periods=("2024-01",), rows_per_period=ROWS,
                                  seed=SEED)
    path = bucket / focus.periods["2024-01"].data_keys[0]
    table = pq.read_table(path)
    index = table.schema.get_field_index("BillingAccountId")
    pq.write_table(table.set_column(index, "BillingAccountId", pa.array(["999999999999"] * table.num_rows)), path)
    data = tmp_path / "data"
    finops("aws", "import-cur", "--from-dir", bucket, "-p", "cur", "--data-dir", data, "--quiet")

    assert finops("focus", "build", "--data-dir", data, "--quiet").code == 0

    assert exports_by_period(query, data) == {"2024-01": ["cur2", "other-payer"]}
    billed, _ = totals_by_period(query, data)["2024-01"]
    assert billed == cur.periods["2024-01"].unblended_cost + focus.periods["2024-01"].billed_cost


def test_the_focus_export_imports_from_s3(tmp_path, finops, query, s3, s3_endpoint, bucket):
    focus = generate_focus_sample(tmp_path / "bucket", export_name="focus12", bucket=bucket, periods=("2024-01",),
                                  rows_per_period=ROWS, seed=SEED)
    upload(focus.root, bucket, s3)
    data = tmp_path / "data"

    imported = finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint,
                      "--data-dir", data, "--json")
    assert imported.code == 0, imported.err
    assert [(p["export_name"], p["status"], p["rows"]) for p in imported.json()["periods"]] == [
        ("focus12", "loaded", ROWS)]
    listed = finops("aws", "list-manifests", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint,
                    "--data-dir", data, "--json")
    assert [(m["export_name"], m["cur_version"], m["loaded"]) for m in listed.json()] == [
        ("focus12", "focus-1.2", True)]
    assert finops("focus", "build", "--data-dir", data, "--quiet").code == 0
    assert totals_by_period(query, data)["2024-01"] == (focus.periods["2024-01"].billed_cost,
                                                        focus.periods["2024-01"].effective_cost)
    # Imported again: nothing changed, nothing loaded.
    again = finops("aws", "import-cur", "-b", bucket, "-p", "cur", "--endpoint-url", s3_endpoint,
                   "--data-dir", data, "--json")
    assert [p["status"] for p in again.json()["periods"]] == ["skipped"]


def test_the_single_table_strategy_holds_every_period_of_the_focus_export(tmp_path, finops, query):
    sample = generate_focus_sample(tmp_path / "bucket", export_name="focus12", periods=PERIODS, rows_per_period=1_000,
                                   seed=SEED)
    data = tmp_path / "data"
    assert finops("aws", "import-cur", "--from-dir", tmp_path / "bucket", "-p", "cur", "--data-dir", data,
                  "--table-strategy", "single", "--quiet").code == 0

    assert finops("focus", "build", "--data-dir", data, "--quiet").code == 0

    assert totals_by_period(query, data) == {p: (t.billed_cost, t.effective_cost) for p, t in sample.periods.items()}
