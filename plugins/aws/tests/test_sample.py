"""The sample CUR generator: faithful layouts and manifests, totals that match the files, the awkward
parts of real data (leading zeros, empty first batches, schema drift, restatements)."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from open_finops_aws.sample import SampleExport, generate_sample, restate, upload
from open_finops_aws.sample.columns import V1_TYPES, V2_TYPES

from open_finops.errors import UsageError

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def manifest(sample: SampleExport, period: str) -> dict:
    return json.loads((sample.root / sample.periods[period].manifest_key).read_text())


def read_period(sample: SampleExport, period: str) -> pa.Table:
    """A period's rows as a reader sees them: CSV cells as text (nothing guessed), Parquet as stored."""
    totals = sample.periods[period]
    tables = []
    for key in totals.data_keys:
        path = sample.root / key
        if sample.data_format == "csv":
            as_text = pacsv.ConvertOptions(column_types=dict.fromkeys(totals.columns, pa.string()),
                                           strings_can_be_null=True)
            tables.append(pacsv.read_csv(path, convert_options=as_text))
        else:
            tables.append(pq.read_table(path))
    return pa.concat_tables(tables)


def decimals(column: pa.ChunkedArray) -> list[Decimal | None]:
    # Parquet doubles: repr gives the shortest decimal that round-trips, i.e. the value as written.
    return [None if v is None else Decimal(v if isinstance(v, str) else repr(v)) for v in column.to_pylist()]


def name(sample: SampleExport, legacy: str) -> str:
    """A column's name as this sample writes it, from its legacy name."""
    from open_finops_aws.sample.columns import snake

    return legacy if (sample.cur_version, sample.data_format) == ("v1", "csv") else snake(legacy)


def amortized_from_files(sample: SampleExport, table: pa.Table) -> Decimal:
    """The amortised rule of generate_sample's docstring, applied to what the files hold."""
    col = {legacy: table.column(name(sample, legacy)) for legacy in (
        "lineItem/LineItemType", "lineItem/UnblendedCost", "reservation/EffectiveCost",
        "savingsPlan/SavingsPlanEffectiveCost", "reservation/ReservationARN",
    )}
    types = col["lineItem/LineItemType"].to_pylist()
    # Where the period has net unblended cost, the negotiated discount counts too.
    net = name(sample, "lineItem/NetUnblendedCost")
    unblended = decimals(table.column(net if net in table.column_names else name(sample, "lineItem/UnblendedCost")))
    ri = decimals(col["reservation/EffectiveCost"])
    sp = decimals(col["savingsPlan/SavingsPlanEffectiveCost"])
    arns = col["reservation/ReservationARN"].to_pylist()
    total = Decimal(0)
    for kind, cost, ri_cost, sp_cost, arn in zip(types, unblended, ri, sp, arns, strict=True):
        if kind in ("Usage", "Tax", "Credit", "Refund") or (kind == "Fee" and arn is None):
            total += cost
        elif kind == "DiscountedUsage":
            total += ri_cost
        elif kind == "SavingsPlanCoveredUsage":
            total += sp_cost
    return total


@pytest.fixture(scope="module")
def rich_v1(tmp_path_factory: pytest.TempPathFactory) -> SampleExport:
    """Enough rows that every line item type turns up."""
    return generate_sample(tmp_path_factory.mktemp("v1"), rows_per_period=40_000, files_per_period=3,
                           untagged_rows=2_000)


# Layouts and manifests


def test_v1_assembly_layout_keeps_data_and_a_manifest_copy_in_the_assembly_folder(tmp_path: Path):
    sample = generate_sample(tmp_path, export_name="acme-cur", prefix="billing/cur", bucket="acme-bills")

    jan = sample.periods["2024-01"]
    folder = f"billing/cur/acme-cur/20240101-20240201/{jan.version_id}"
    assert jan.manifest_key == "billing/cur/acme-cur/20240101-20240201/acme-cur-Manifest.json"
    assert jan.data_keys == (f"{folder}/acme-cur-1.csv.gz", f"{folder}/acme-cur-2.csv.gz")
    copy = tmp_path / folder / "acme-cur-Manifest.json"
    assert copy.read_bytes() == (tmp_path / jan.manifest_key).read_bytes()
    assert files_under(tmp_path) == {
        key for p in sample.periods.values() for key in (p.manifest_key, *p.data_keys, *p.extra_keys)
    }
    m = manifest(sample, "2024-01")
    assert m["assemblyId"] == jan.version_id
    assert m["reportKeys"] == list(jan.data_keys)
    assert (m["account"], m["bucket"], m["reportName"]) == ("012345678901", "acme-bills", "acme-cur")
    assert (m["charset"], m["compression"], m["contentType"]) == ("UTF-8", "GZIP", "text/csv")
    assert m["billingPeriod"] == {"start": "20240101T000000.000Z", "end": "20240201T000000.000Z"}
    assert m["additionalArtifactKeys"] == [] and len(m["reportId"]) == 64


def test_v1_manifest_columns_declare_category_name_and_cur_types(tmp_path: Path):
    sample = generate_sample(tmp_path)
    columns = manifest(sample, "2024-01")["columns"]

    assert [f"{c['category']}/{c['name']}" for c in columns] == list(sample.periods["2024-01"].columns)
    assert {c["type"] for c in columns} == set(V1_TYPES)
    by_name = {f"{c['category']}/{c['name']}": c["type"] for c in columns}
    assert by_name["lineItem/UnblendedCost"] == "BigDecimal"
    assert by_name["identity/TimeInterval"] == "Interval"
    assert by_name["lineItem/UsageStartDate"] == "DateTime"
    assert by_name["resourceTags/user:Team"] == "OptionalString"


def test_v1_overwrite_csv_puts_the_data_beside_the_manifest(tmp_path: Path):
    sample = generate_sample(tmp_path, layout="overwrite", export_name="cur", prefix="")

    feb = sample.periods["2024-02"]
    assert feb.manifest_key == "cur/20240201-20240301/cur-Manifest.json"
    assert feb.data_keys == ("cur/20240201-20240301/cur-1.csv.gz", "cur/20240201-20240301/cur-2.csv.gz")
    assert feb.extra_keys == ()


def test_v1_overwrite_parquet_uses_the_legacy_athena_layout(tmp_path: Path):
    sample = generate_sample(tmp_path, layout="overwrite", data_format="parquet", export_name="cur")

    jan = sample.periods["2024-01"]
    assert jan.manifest_key == "cur/cur/20240101-20240201/cur-Manifest.json"
    assert jan.data_keys == (
        "cur/cur/cur/year=2024/month=1/cur-00001.snappy.parquet",
        "cur/cur/cur/year=2024/month=1/cur-00002.snappy.parquet",
    )
    # The Athena artefacts sit beside the data and are not line items.
    assert set(jan.extra_keys) == {"cur/cur/crawler-cfn.yml",
                                   "cur/cur/cost_and_usage_data_status/cost_and_usage_data_status.parquet"}
    m = manifest(sample, "2024-01")
    assert (m["compression"], m["contentType"]) == ("Parquet", "Parquet")
    schema = pq.read_schema(tmp_path / jan.data_keys[0])
    assert schema.names == list(jan.columns)
    assert "line_item_unblended_cost" in schema.names and "savings_plan_savings_plan_a_r_n" in schema.names
    assert schema.field("line_item_unblended_cost").type == pa.float64()
    assert schema.field("line_item_usage_start_date").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("resource_tags_user_team").type == pa.string()


@pytest.mark.parametrize("data_format, extension", [("csv", "csv.gz"), ("parquet", "snappy.parquet")])
def test_v2_layout_and_manifest(tmp_path: Path, data_format: str, extension: str):
    sample = generate_sample(tmp_path, cur_version="v2", data_format=data_format, export_name="cur2",
                             bucket="acme-bills", files_per_period=3)

    jan = sample.periods["2024-01"]
    assert jan.manifest_key == "cur/cur2/metadata/BILLING_PERIOD=2024-01/cur2-Manifest.json"
    assert jan.data_keys == tuple(
        f"cur/cur2/data/BILLING_PERIOD=2024-01/cur2-0000{n}.{extension}" for n in (1, 2, 3)
    )
    m = manifest(sample, "2024-01")
    assert m["executionId"] == jan.version_id
    assert m["dataFiles"] == [f"s3://acme-bills/{key}" for key in jan.data_keys]
    assert m["exportName"] == "cur2"
    assert m["exportArn"].startswith("arn:aws:bcm-data-exports:us-east-1:012345678901:export/cur2-")
    assert m["billingPeriod"] == {"start": "2024-01-01T00:00:00.000Z", "end": "2024-02-01T00:00:00.000Z"}
    assert [c["name"] for c in m["columns"]] == list(jan.columns)
    assert {c["type"] for c in m["columns"]} == set(V2_TYPES)
    types = {c["name"]: c["type"] for c in m["columns"]}
    assert types["resource_tags"] == "map<string,string>" and types["discount"] == "map<string,double>"
    assert (types["line_item_unblended_cost"], types["line_item_usage_start_date"]) == ("double", "timestamp")


def test_v2_parquet_maps_are_maps_and_csv_maps_are_json_text(tmp_path: Path):
    parquet = generate_sample(tmp_path / "p", cur_version="v2", data_format="parquet", untagged_rows=0)
    csv = generate_sample(tmp_path / "c", cur_version="v2", data_format="csv", untagged_rows=0)

    schema = pq.read_schema(parquet.root / parquet.periods["2024-01"].data_keys[0])
    assert schema.field("resource_tags").type == pa.map_(pa.string(), pa.string())
    assert schema.field("discount").type == pa.map_(pa.string(), pa.float64())
    tags = [t for t in read_period(csv, "2024-01").column("resource_tags").to_pylist() if t]
    assert tags and all(set(json.loads(t)) <= {"user_team", "user_env"} for t in tags)
    products = read_period(parquet, "2024-01").column("product").to_pylist()
    assert all(dict(p)["product_name"] for p in products)


def test_v2_execution_folders_keep_every_delivery_and_the_newest_sorts_last(tmp_path: Path):
    sample = generate_sample(tmp_path, cur_version="v2", layout="execution-folder", export_name="cur2")
    restated = restate(sample, "2024-01")

    old, new = sample.periods["2024-01"], restated.periods["2024-01"]
    assert old.manifest_key == "cur/cur2/metadata/BILLING_PERIOD=2024-01/20240203T031405Z/cur2-Manifest.json"
    assert old.data_keys[0] == "cur/cur2/data/BILLING_PERIOD=2024-01/20240203T031405Z/cur2-00001.csv.gz"
    assert new.manifest_key > old.manifest_key
    assert all((tmp_path / key).exists() for key in (*old.data_keys, old.manifest_key, *new.data_keys))
    assert json.loads((tmp_path / new.manifest_key).read_text())["executionId"] == new.version_id


def test_one_seed_one_export_byte_for_byte(tmp_path: Path):
    first = generate_sample(tmp_path / "a", seed=3)
    second = generate_sample(tmp_path / "b", seed=3)
    other = generate_sample(tmp_path / "c", seed=4)

    for period, totals in first.periods.items():
        assert second.periods[period] == totals
        for key in totals.data_keys:
            assert gzip.decompress((tmp_path / "a" / key).read_bytes()) == \
                gzip.decompress((tmp_path / "b" / key).read_bytes())
        assert other.periods[period].unblended_cost != totals.unblended_cost


# Totals


@pytest.mark.parametrize(
    "cur_version, data_format, layout",
    [("v1", "csv", "assembly"), ("v1", "parquet", "overwrite"), ("v2", "csv", None), ("v2", "parquet", None)],
)
def test_totals_equal_a_reread_of_the_files(tmp_path: Path, cur_version, data_format, layout):
    sample = generate_sample(tmp_path, cur_version=cur_version, data_format=data_format, layout=layout,
                             rows_per_period=6_000, files_per_period=3)

    for period, totals in sample.periods.items():
        table = read_period(sample, period)
        assert table.num_rows == totals.rows
        assert sum(decimals(table.column(name(sample, "lineItem/UnblendedCost")))) == totals.unblended_cost
        assert amortized_from_files(sample, table) == totals.amortized_cost
        assert totals.bytes == sum((tmp_path / k).stat().st_size for k in totals.data_keys)
        assert list(table.column_names) == list(totals.columns)


def test_amortized_differs_from_unblended_where_commitments_apply(rich_v1: SampleExport):
    for totals in rich_v1.periods.values():
        assert totals.amortized_cost != totals.unblended_cost


@pytest.mark.parametrize("cur_version", ["v1", "v2"])
def test_the_money_columns_differ_as_on_a_real_bill(tmp_path: Path, cur_version: str):
    """Net unblended (discounts), unblended, public on-demand and amortised cost each have their own values,
    so a FOCUS mapping that reads the wrong column gives a wrong number."""
    sample = generate_sample(tmp_path, cur_version=cur_version, periods=("2024-01", "2024-02"),
                             drift_columns_from="2024-02", rows_per_period=20_000)
    feb = sample.periods["2024-02"]
    table = read_period(sample, "2024-02")

    def column(legacy: str) -> list:
        return table.column(name(sample, legacy)).to_pylist()

    rows = list(zip(column("lineItem/LineItemType"), column("lineItem/UsageType"),
                    decimals(table.column(name(sample, "lineItem/UsageAmount"))),
                    decimals(table.column(name(sample, "lineItem/UnblendedCost"))),
                    decimals(table.column(name(sample, "lineItem/NetUnblendedCost"))),
                    map(Decimal, column("lineItem/NetUnblendedRate")),
                    decimals(table.column(name(sample, "pricing/publicOnDemandCost"))), strict=True))
    discounted = [r for r in rows if r[4] != r[3]]
    assert discounted and {r[0] for r in discounted} == {"Usage"}
    assert all(net < unblended for _, _, _, unblended, net, _, _ in discounted)
    assert all(net == amount * rate for _, _, amount, _, net, rate, _ in rows)  # the net rate explains it
    spot = [r for r in rows if r[1] and "SpotUsage" in r[1]]
    assert spot and all(public > unblended for _, _, _, unblended, _, _, public in spot)
    assert {r[0] for r in rows if r[6] is not None and r[6] != r[3]} >= {"Usage", "DiscountedUsage"}
    assert feb.net_unblended_cost < feb.unblended_cost
    assert len({feb.amortized_cost, feb.net_unblended_cost, feb.unblended_cost}) == 3
    assert sample.periods["2024-01"].net_unblended_cost is None  # no net columns, no discount shown


def test_costs_are_plain_decimals_with_up_to_ten_places(rich_v1: SampleExport):
    costs = read_period(rich_v1, "2024-01").column("lineItem/UnblendedCost").to_pylist()

    assert all("E" not in c and "e" not in c for c in costs)
    assert {len(c.split(".")[1]) for c in costs} == {10}
    assert any(not c.endswith("0") for c in costs)  # the tenth place is used
    assert any(c.startswith("-") for c in costs)  # credits, refunds, negations


# Realism


def test_rows_cover_the_line_item_types_and_their_commitment_columns(rich_v1: SampleExport):
    wanted = ["lineItem/LineItemType", "lineItem/UnblendedCost", "lineItem/UsageStartDate", "lineItem/UsageAccountId",
              "lineItem/ResourceId", "identity/TimeInterval", "bill/BillingEntity", "product/servicecode",
              "pricing/publicOnDemandCost", "reservation/ReservationARN", "reservation/EffectiveCost",
              "savingsPlan/SavingsPlanEffectiveCost"]
    rows = read_period(rich_v1, "2024-01").select(wanted).to_pylist()
    by_type: dict[str, list[dict]] = {}
    for row in rows:
        by_type.setdefault(row["lineItem/LineItemType"], []).append(row)

    assert set(by_type) >= {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
                            "SavingsPlanRecurringFee", "RIFee", "Fee", "Tax", "Credit", "Refund"}
    assert all(r["reservation/ReservationARN"] and r["reservation/EffectiveCost"] for r in by_type["DiscountedUsage"])
    assert all(Decimal(r["lineItem/UnblendedCost"]) == 0 for r in by_type["DiscountedUsage"])
    assert all(r["savingsPlan/SavingsPlanEffectiveCost"] for r in by_type["SavingsPlanCoveredUsage"])
    assert all(Decimal(r["lineItem/UnblendedCost"]) < 0 for r in by_type["SavingsPlanNegation"] + by_type["Credit"])
    assert all(r["pricing/publicOnDemandCost"] for r in by_type["Usage"])
    assert all(r["lineItem/UsageStartDate"] == "2024-01-01T00:00:00Z" for r in by_type["Tax"])
    assert {r["bill/BillingEntity"] for r in rows} == {"AWS", "AWS Marketplace"}
    assert {r["product/servicecode"] for r in rows} >= {"AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda",
                                                        "AmazonCloudWatch"}
    assert len({r["lineItem/UsageAccountId"] for r in rows}) == 5
    assert len({r["lineItem/ResourceId"] for r in rows}) > 500
    assert {r["identity/TimeInterval"] for r in by_type["Usage"]} > {
        "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z", "2024-01-31T23:00:00Z/2024-02-01T00:00:00Z"
    }


def test_identifiers_keep_their_leading_zeros(rich_v1: SampleExport):
    table = read_period(rich_v1, "2024-01")

    assert set(table.column("bill/PayerAccountId").to_pylist()) == {"012345678901"}
    accounts = set(table.column("lineItem/UsageAccountId").to_pylist())
    assert {"004458127733", "000123456789"} <= accounts
    invoices = set(table.column("bill/InvoiceId").to_pylist())
    assert len(invoices) == 2 and all(i.startswith("0") and i.isdigit() for i in invoices)
    # The raw text too, not only what a string-typed reader returns.
    with gzip.open(rich_v1.root / rich_v1.periods["2024-01"].data_keys[0], "rt") as f:
        f.readline()
        assert ',"012345678901",' in f.readline()


def test_tags_are_empty_in_the_first_rows_of_a_periods_first_file(rich_v1: SampleExport):
    table = read_period(rich_v1, "2024-01")
    head, rest = table.slice(0, 2_000), table.slice(2_000)

    for tag in ("resourceTags/user:Team", "resourceTags/user:Env"):
        assert head.column(tag).null_count == head.num_rows
        assert rest.column(tag).null_count < rest.num_rows
    # So a reader that guesses types from its first block gets a column of nulls there.
    first = rich_v1.root / rich_v1.periods["2024-01"].data_keys[0]
    naive = pacsv.open_csv(first, read_options=pacsv.ReadOptions(block_size=1 << 20))
    assert naive.schema.field("resourceTags/user:Team").type == pa.null()


def test_drift_columns_appear_only_from_the_given_period(tmp_path: Path):
    v1 = generate_sample(tmp_path / "v1", periods=("2024-01", "2024-02", "2024-03"),
                         drift_columns_from="2024-02", untagged_rows=0)
    v2 = generate_sample(tmp_path / "v2", cur_version="v2", data_format="parquet",
                         periods=("2024-01", "2024-02"), drift_columns_from="2024-02", untagged_rows=0)

    for sample, new_columns in ((v1, {"resourceTags/user:CostCenter", "lineItem/NetUnblendedCost",
                                      "lineItem/NetUnblendedRate"}),
                                (v2, {"line_item_net_unblended_cost", "line_item_net_unblended_rate"})):
        jan = sample.periods["2024-01"]
        assert not new_columns & set(jan.columns)
        assert jan.net_unblended_cost is None
        for period in list(sample.periods)[1:]:
            totals = sample.periods[period]
            assert new_columns <= set(totals.columns)
            assert new_columns <= set(read_period(sample, period).column_names)
            declared = {c.get("category", "") + "/" + c["name"] if "category" in c else c["name"]
                        for c in manifest(sample, period)["columns"]}
            assert new_columns <= declared
            assert sum(decimals(read_period(sample, period).column(name(sample, "lineItem/NetUnblendedCost")))) \
                == totals.net_unblended_cost < totals.unblended_cost
        declared_jan = {c["name"] for c in manifest(sample, "2024-01")["columns"]}
        assert not {n.rsplit("/", 1)[-1] for n in new_columns} & declared_jan

    def tag_keys(period: str) -> set[str]:
        return {key for tags in read_period(v2, period).column("resource_tags").to_pylist() if tags
                for key, _ in tags}

    assert "user_cost_center" not in tag_keys("2024-01")
    assert "user_cost_center" in tag_keys("2024-02")


# Restatement


def test_restating_a_v1_period_writes_a_new_assembly_and_repoints_the_manifest(tmp_path: Path):
    sample = generate_sample(tmp_path, rows_per_period=2_000)

    restated = restate(sample, "2024-01", seed=5, rows=1_500)

    old, new = sample.periods["2024-01"], restated.periods["2024-01"]
    assert new.version_id != old.version_id
    assert (new.rows, new.manifest_key) == (1_500, old.manifest_key)
    assert new.unblended_cost != old.unblended_cost and new.amortized_cost != old.amortized_cost
    assert set(new.data_keys).isdisjoint(old.data_keys)
    m = manifest(restated, "2024-01")
    assert (m["assemblyId"], m["reportKeys"]) == (new.version_id, list(new.data_keys))
    assert all((tmp_path / k).exists() for k in old.data_keys)  # AWS leaves old assemblies in place
    assert restated.periods["2024-02"] == sample.periods["2024-02"]
    assert sample.periods["2024-01"] is old  # the original SampleExport is untouched
    table = read_period(restated, "2024-01")
    assert sum(decimals(table.column("lineItem/UnblendedCost"))) == new.unblended_cost


def test_restating_an_overwritten_period_replaces_its_files_in_place(tmp_path: Path):
    sample = generate_sample(tmp_path, cur_version="v2", data_format="parquet", files_per_period=3)
    before = {k: (tmp_path / k).read_bytes() for k in sample.periods["2024-02"].data_keys}

    restated = restate(sample, "2024-02", seed=8)

    new = restated.periods["2024-02"]
    assert new.data_keys == tuple(before) and new.version_id != sample.periods["2024-02"].version_id
    assert all((tmp_path / k).read_bytes() != content for k, content in before.items())
    assert manifest(restated, "2024-02")["executionId"] == new.version_id
    assert sum(decimals(read_period(restated, "2024-02").column("line_item_unblended_cost"))) == new.unblended_cost


def test_restating_with_fewer_files_removes_the_ones_no_longer_listed(tmp_path: Path):
    sample = generate_sample(tmp_path, layout="overwrite", files_per_period=3)
    shrunk = restate(replace(sample, files_per_period=1), "2024-01")

    assert files_under(tmp_path / "cur/sample-cur/20240101-20240201") == {"sample-cur-Manifest.json",
                                                                          "sample-cur-1.csv.gz"}
    assert shrunk.periods["2024-01"].data_keys == ("cur/sample-cur/20240101-20240201/sample-cur-1.csv.gz",)


# Scale, upload and refusals


def test_two_hundred_thousand_rows_generate_in_one_go(tmp_path: Path):
    sample = generate_sample(tmp_path, periods=("2024-03",), rows_per_period=200_000, files_per_period=4)

    totals = sample.periods["2024-03"]
    assert totals.rows == 200_000
    assert sum(pacsv.read_csv(tmp_path / k).num_rows for k in totals.data_keys) == 200_000


def test_upload_puts_every_file_under_its_key(tmp_path: Path, s3, bucket: str):
    sample = generate_sample(tmp_path, bucket=bucket)

    upload(sample.root, bucket, s3)

    listed = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert set(listed) == files_under(tmp_path)
    key = sample.periods["2024-01"].data_keys[0]
    assert listed[key] == (tmp_path / key).stat().st_size


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cur_version": "v3"}, "CUR version 'v3'"),
        ({"data_format": "json"}, "data format 'json'"),
        ({"cur_version": "v2", "layout": "assembly"}, "layout 'assembly' does not exist for CUR v2"),
        ({"periods": ("2024-13",)}, "YYYY-MM"),
        ({"rows_per_period": 0}, "at least 1"),
    ],
)
def test_bad_arguments_are_refused_with_a_usage_error(tmp_path: Path, kwargs, message):
    with pytest.raises(UsageError, match=message):
        generate_sample(tmp_path, **kwargs)


def test_restating_a_period_the_sample_does_not_have_is_refused(tmp_path: Path):
    with pytest.raises(UsageError, match="2023-12 is not in the sample"):
        restate(generate_sample(tmp_path), "2023-12")
