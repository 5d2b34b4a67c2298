"""AWS CUR to FOCUS: money adds up exactly, CUR v1 and CUR 2.0 give the same FOCUS rows, every line item
type lands in the right FOCUS columns, and the build follows what the importer loaded."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from open_finops_aws.focus import parse_categories, select_sql, service_categories, units
from open_finops_aws.manifests import athena_name
from open_finops_aws.sample import generate_sample, restate

from open_finops.cli.app import main
from open_finops.focus.columns import SERVICE_SUBCATEGORIES
from open_finops.naming import period_table
from open_finops.state import LoadStateStore

PERIODS = ("2024-01", "2024-02")
# Enough rows, with this seed, for every line item type of the generator, upfront fees included.
ROWS, SEED = 12_000, 1
LINE_ITEM_TYPES = {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
                   "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "RIFee", "Fee", "Tax", "Credit", "Refund"}
# Columns only CUR 2.0 has (account names), those that name the export itself, and Tags, whose keys CUR 2.0
# holds only as AWS snake-cased them (compared on their own below).
NOT_COMPARED = {"x_ExportName", "x_SourceVersionId", "BillingAccountName", "SubAccountName", "Tags"}


def run(*args: object) -> None:
    code = main([str(a) for a in args])
    assert code == 0, f"finops {' '.join(map(str, args))} exited {code}"


def import_export(root: Path, data: Path, export_name: str, *extra: str) -> None:
    run("aws", "import-cur", "--from-dir", root, "--prefix", "cur", "--export-name", export_name,
        "--data-dir", data, "--quiet", *extra)


@pytest.fixture(scope="module")
def both_versions(tmp_path_factory):
    """CUR v1 and CUR 2.0 CSV exports of the same line items (net unblended cost from February on), each
    imported and built into FOCUS in a data directory of its own (in one, the same payer's periods would be
    counted once, from CUR 2.0), then both focus.costs tables side by side in a third database, to compare."""
    root = tmp_path_factory.mktemp("focus-aws")
    samples = {}
    for version in ("v1", "v2"):
        name = f"cur-{version}"
        samples[version] = generate_sample(root / "bucket", cur_version=version, export_name=name,
                                           data_format="csv", periods=PERIODS, rows_per_period=ROWS, seed=SEED,
                                           drift_columns_from="2024-02")
        import_export(root / "bucket", root / f"data-{version}", name)
        run("focus", "build", "--data-dir", root / f"data-{version}", "--quiet")
    (root / "data").mkdir()
    con = duckdb.connect(str(root / "data" / "finops.duckdb"))
    try:
        for version in ("v1", "v2"):
            con.execute(f"ATTACH '{root / f'data-{version}' / 'finops.duckdb'}' AS {version} (READ_ONLY)")
        con.execute("CREATE SCHEMA focus")
        con.execute("CREATE TABLE focus.costs AS SELECT * FROM v1.focus.costs UNION ALL BY NAME "
                    "SELECT * FROM v2.focus.costs")
        con.execute("CREATE SCHEMA aws_cur")  # the imported tables, which some tests join to
        for catalog, table in con.execute("SELECT database_name, table_name FROM duckdb_tables() "
                                          "WHERE schema_name = 'aws_cur' AND database_name IN ('v1', 'v2') "
                                          "AND table_name LIKE 'cur_v_\\_%' ESCAPE '\\'").fetchall():
            con.execute(f'CREATE TABLE aws_cur."{table}" AS SELECT * FROM {catalog}.aws_cur."{table}"')
    finally:
        con.close()
    return root / "data", samples


def select(data: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(data / "finops.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def focus_totals(data: Path, export_name: str, period: str) -> tuple[Decimal, Decimal]:
    ((billed, effective),) = select(
        data, 'SELECT sum("BilledCost"), sum("EffectiveCost") FROM focus.costs '
              'WHERE "x_ExportName" = ? AND "x_BillingPeriod" = ?', [export_name, period])
    return billed, effective


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("period", PERIODS)
def test_billed_and_effective_cost_equal_the_exports_totals_exactly(both_versions, version, period):
    data, samples = both_versions
    totals = samples[version].periods[period]

    billed, effective = focus_totals(data, f"cur-{version}", period)

    if totals.net_unblended_cost is None:  # January: no net columns, unblended is the bill
        assert billed == totals.unblended_cost
    else:  # February: the negotiated discount is in the net columns, and on the bill
        assert billed == totals.net_unblended_cost != totals.unblended_cost
    assert effective == totals.amortized_cost
    assert effective != billed  # the sample has commitments: amortising them changes the total


def test_the_exports_hold_every_kind_of_line_item(both_versions):
    data, _ = both_versions
    for version in ("v1", "v2"):
        kinds = {t for (t,) in select(data, 'SELECT DISTINCT "x_LineItemType" FROM focus.costs '
                                            'WHERE "x_ExportName" = ?', [f"cur-{version}"])}
        assert kinds == LINE_ITEM_TYPES
        ((ri_upfront, marketplace),) = select(
            data, 'SELECT count(*) FILTER (WHERE "x_LineItemType" = \'Fee\' AND "CommitmentDiscountId" IS NOT NULL), '
                  'count(*) FILTER (WHERE "PublisherName" <> \'AWS\') FROM focus.costs WHERE "x_ExportName" = ?',
            [f"cur-{version}"])
        assert ri_upfront > 0 and marketplace > 0


def test_cur_v1_and_cur_2_0_of_the_same_line_items_give_the_same_focus_rows(both_versions):
    data, _ = both_versions
    columns = [c for (c,) in select(data, "SELECT column_name FROM information_schema.columns "
                                          "WHERE table_schema = 'focus' AND table_name = 'costs'")]
    compared = ", ".join(f'"{c}"' for c in columns if c not in NOT_COMPARED)
    for period in PERIODS:
        only_in = {}
        for one, other in (("cur-v1", "cur-v2"), ("cur-v2", "cur-v1")):
            of_export = f'SELECT {compared} FROM focus.costs WHERE "x_ExportName" = ? AND "x_BillingPeriod" = ?'
            only_in[one] = select(data, f"{of_export} EXCEPT ALL {of_export}", [one, period, other, period])
        assert only_in == {"cur-v1": [], "cur-v2": []}
    # The same tags: CUR v1 keeps the keys' case (CostCenter), CUR 2.0 has them as AWS wrote them (cost_center).
    pairs = select(data, 'SELECT a."Tags", b."Tags" FROM focus.costs a JOIN focus.costs b USING ("x_LineItemId") '
                         'WHERE a."x_ExportName" = \'cur-v1\' AND b."x_ExportName" = \'cur-v2\' '
                         'AND a."x_BillingPeriod" = b."x_BillingPeriod"')
    assert len(pairs) == 2 * ROWS
    v1_keys = set()
    for v1, v2 in pairs:
        v1_tags = json.loads(v1) if v1 else {}
        v1_keys |= set(v1_tags)
        assert {athena_name(k): v for k, v in v1_tags.items()} == (json.loads(v2) if v2 else {})
    assert v1_keys == {"Team", "Env", "CostCenter"}
    assert select(data, 'SELECT count(*) FROM focus.costs WHERE "x_ExportName" = \'cur-v2\' '
                        'AND ("BillingAccountName" IS NULL OR "SubAccountName" IS NULL)') == [(0,)]


EXPECTED_CHARGES = {
    # line item type: ChargeCategory, ChargeClass, ChargeFrequency, PricingCategory,
    #                 CommitmentDiscountCategory, CommitmentDiscountType, CommitmentDiscountStatus
    "Usage": ("Usage", None, "Usage-Based", "Standard", None, None, None),
    "DiscountedUsage": ("Usage", None, "Usage-Based", "Committed", "Usage", "Reserved Instance", "Used"),
    "SavingsPlanCoveredUsage": ("Usage", None, "Usage-Based", "Committed", "Spend", "Savings Plan", "Used"),
    "SavingsPlanNegation": ("Usage", None, "Usage-Based", "Committed", "Spend", "Savings Plan", "Used"),
    "SavingsPlanRecurringFee": ("Purchase", None, "Recurring", "Standard", "Spend", "Savings Plan", None),
    "SavingsPlanUpfrontFee": ("Purchase", None, "One-Time", "Standard", "Spend", "Savings Plan", None),
    "RIFee": ("Purchase", None, "Recurring", "Standard", "Usage", "Reserved Instance", None),
    "Tax": ("Tax", None, "Recurring", None, None, None, None),
    "Credit": ("Credit", None, "One-Time", None, None, None, None),
    "Refund": ("Adjustment", "Correction", "One-Time", None, None, None, None),
}


def test_each_line_item_type_maps_to_its_focus_charge_and_commitment_columns(both_versions):
    data, _ = both_versions

    charges = ('"ChargeCategory", "ChargeClass", "ChargeFrequency", "PricingCategory", "CommitmentDiscountCategory", '
               '"CommitmentDiscountType", "CommitmentDiscountStatus" FROM focus.costs')
    found = select(data, f'SELECT DISTINCT "x_LineItemType", {charges} WHERE "x_LineItemType" <> \'Fee\' '
                         'AND coalesce("x_UsageType", \'\') NOT LIKE \'%SpotUsage%\'')
    spot = select(data, f'SELECT DISTINCT "x_LineItemType", {charges} WHERE "x_UsageType" LIKE \'%SpotUsage%\'')

    assert {row[0]: row[1:] for row in found} == EXPECTED_CHARGES
    assert len(found) == len(EXPECTED_CHARGES)
    assert spot == [("Usage", "Usage", None, "Usage-Based", "Dynamic", None, None, None)]
    fees = select(data, 'SELECT DISTINCT "CommitmentDiscountId" IS NOT NULL, "ChargeCategory", "ChargeFrequency" '
                        'FROM focus.costs WHERE "x_LineItemType" = \'Fee\' ORDER BY 1')
    assert fees == [(False, "Purchase", "Recurring"), (True, "Purchase", "One-Time")]


# Every FOCUS money column, per line item type, against the one CUR column (or value) it must come from,
# and the columns a wrong mapping would take instead; the sample makes each of those differ on some rows.
# FOCUS 1.0: BilledCost is the invoiced cost after negotiated discounts (net unblended); EffectiveCost is
# amortised after discounts; ListCost is at public on-demand prices; ContractedCost and ContractedUnitPrice
# are at the negotiated price before commitment discounts.
NET, UNBLENDED = "c.line_item_net_unblended_cost", "c.line_item_unblended_cost"
PUBLIC = "c.pricing_public_on_demand_cost"
NET_RATE = "CAST(c.line_item_net_unblended_rate AS DECIMAL(38,18))"
RATE = "CAST(c.line_item_unblended_rate AS DECIMAL(38,18))"
PUBLIC_RATE = "CAST(c.pricing_public_on_demand_rate AS DECIMAL(38,18))"
RI_EFFECTIVE, SP_EFFECTIVE = "c.reservation_effective_cost", "c.savings_plan_savings_plan_effective_cost"
USAGE, ON_DEMAND = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"), ("Usage", "SavingsPlanCoveredUsage")
ZEROED = ("SavingsPlanNegation", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee", "RIFee")
MONEY_RULES = [  # (FOCUS column, line item types, the right source, wrong sources)
    ("BilledCost", None, NET, (UNBLENDED,)),
    ("EffectiveCost", ("Usage", "Tax", "Credit", "Refund"), NET, (UNBLENDED,)),
    ("EffectiveCost", ("DiscountedUsage",), RI_EFFECTIVE, (NET, PUBLIC)),
    ("EffectiveCost", ("SavingsPlanCoveredUsage",), SP_EFFECTIVE, (NET, PUBLIC)),
    ("EffectiveCost", ZEROED, "0", (NET,)),
    ("PricingCurrencyEffectiveCost", USAGE, "f.\"EffectiveCost\"", (NET, UNBLENDED)),
    ("ListCost", USAGE, PUBLIC, (UNBLENDED, NET)),
    ("ListCost", ("SavingsPlanNegation",), "0", (UNBLENDED,)),
    ("ListCost", ("Tax", "Credit", "Refund"), NET, (PUBLIC,)),
    ("ContractedCost", ON_DEMAND, NET, (UNBLENDED, PUBLIC)),
    ("ContractedCost", ("DiscountedUsage",), PUBLIC, (NET,)),
    ("ContractedCost", ("SavingsPlanNegation",), "0", (NET,)),
    ("ListUnitPrice", USAGE, PUBLIC_RATE, (RATE, NET_RATE)),
    ("PricingCurrencyListUnitPrice", USAGE, PUBLIC_RATE, (RATE,)),
    ("ContractedUnitPrice", ON_DEMAND, NET_RATE, (RATE, PUBLIC_RATE)),
    ("PricingCurrencyContractedUnitPrice", ON_DEMAND, NET_RATE, (RATE,)),
    ("ContractedUnitPrice", ("DiscountedUsage",), PUBLIC_RATE, (RATE,)),
]


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize(("column", "types", "right", "wrong"), MONEY_RULES,
                         ids=[f"{r[0]}-{'+'.join(r[1] or ('all',))}" for r in MONEY_RULES])
def test_each_focus_money_column_comes_from_the_one_right_cur_column(both_versions, version, column, types,
                                                                     right, wrong):
    data, _ = both_versions
    rows = (f'FROM focus.costs f JOIN aws_cur."{period_table(f"cur-{version}", "2024-02")}" c '
            'ON f."x_LineItemId" = c.identity_line_item_id WHERE f."x_ExportName" = ? AND f."x_BillingPeriod" = ?')
    params = [f"cur-{version}", "2024-02"]
    if types:
        rows += f" AND c.line_item_line_item_type IN ({', '.join('?' for _ in types)})"
        params += list(types)
    checks = ", ".join(f"count(*) FILTER (WHERE {right} IS DISTINCT FROM {w})" for w in wrong)

    ((compared, mismatched, *told_apart),) = select(
        data, f'SELECT count(*), count(*) FILTER (WHERE f."{column}" IS DISTINCT FROM {right}), {checks} {rows}',
        params)

    assert compared > 0 and mismatched == 0
    assert all(n > 0 for n in told_apart), f"the sample cannot tell {right} from {wrong}"


def test_effective_cost_zeroes_negations_and_commitment_fees_and_amortises_covered_usage(both_versions):
    data, _ = both_versions

    effective = dict(select(
        data, 'SELECT "x_LineItemType" || CASE WHEN "CommitmentDiscountId" IS NULL THEN \'\' ELSE \'+c\' END, '
              'sum("EffectiveCost") FILTER (WHERE "EffectiveCost" <> 0) FROM focus.costs GROUP BY 1'))

    assert {k: v for k, v in effective.items() if v is None} == {
        "SavingsPlanNegation+c": None, "SavingsPlanRecurringFee+c": None, "SavingsPlanUpfrontFee+c": None,
        "RIFee+c": None, "Fee+c": None,
    }
    assert effective["DiscountedUsage+c"] > 0 and effective["SavingsPlanCoveredUsage+c"] > 0


def test_prices_quantities_and_skus_follow_the_focus_rules_for_each_category(both_versions):
    data, _ = both_versions
    ((taxed, priced_usage, negative_prices, consumed),) = select(data, """
        SELECT count(*) FILTER (WHERE "ChargeCategory" = 'Tax' AND ("PricingQuantity" IS NOT NULL
                                OR "ListUnitPrice" IS NOT NULL OR "SkuId" IS NOT NULL OR "SkuPriceId" IS NOT NULL)),
               count(*) FILTER (WHERE "ChargeCategory" IN ('Usage', 'Purchase') AND "PricingQuantity" IS NOT NULL
                                AND "PricingUnit" IS NOT NULL AND "ListUnitPrice" IS NOT NULL
                                AND "ContractedUnitPrice" IS NOT NULL AND "SkuId" IS NOT NULL
                                AND "SkuPriceId" IS NOT NULL),
               count(*) FILTER (WHERE "ListUnitPrice" < 0 OR "ContractedUnitPrice" < 0),
               count(*) FILTER (WHERE "ChargeCategory" = 'Usage' AND "ConsumedQuantity" > 0
                                AND "ConsumedUnit" IS NOT NULL)
        FROM focus.costs""")
    ((usage_and_purchases, usage),) = select(
        data, "SELECT count(*) FILTER (WHERE \"ChargeCategory\" IN ('Usage', 'Purchase')), "
              "count(*) FILTER (WHERE \"ChargeCategory\" = 'Usage') FROM focus.costs")

    assert (taxed, negative_prices) == (0, 0)
    assert priced_usage == usage_and_purchases
    assert consumed == usage


def test_list_and_contracted_cost_are_unit_price_times_quantity_for_usage(both_versions):
    data, _ = both_versions
    mismatches = select(data, """
        SELECT "x_LineItemType", count(*) FROM focus.costs
        WHERE "ChargeCategory" = 'Usage' AND "ChargeClass" IS NULL
          AND (abs(CAST("ListUnitPrice" AS DOUBLE) * CAST("PricingQuantity" AS DOUBLE) - CAST("ListCost" AS DOUBLE))
                 > 1e-6
               OR abs(CAST("ContractedUnitPrice" AS DOUBLE) * CAST("PricingQuantity" AS DOUBLE)
                      - CAST("ContractedCost" AS DOUBLE)) > 1e-6)
        GROUP BY 1""")
    assert mismatches == []


def test_services_resources_tags_and_publishers(both_versions):
    data, _ = both_versions

    categories = set(select(data, 'SELECT DISTINCT "x_UsageType", "ServiceCategory", "ServiceSubcategory" '
                                  'FROM focus.costs WHERE "x_UsageType" IN (\'EBS:VolumeUsage.gp3\', '
                                  '\'DataTransfer-Out-Bytes\', \'BoxUsage:m5.large\', \'Lambda-GB-Second\')'))
    # One category per service (FOCUS 1.2): an EBS volume and EC2's data transfer are EC2's, Compute.
    assert categories == {
        ("EBS:VolumeUsage.gp3", "Compute", "Virtual Machines"),
        ("DataTransfer-Out-Bytes", "Compute", "Virtual Machines"),
        ("BoxUsage:m5.large", "Compute", "Virtual Machines"),
        ("Lambda-GB-Second", "Compute", "Serverless Compute"),
    }
    types = dict(select(data, 'SELECT DISTINCT regexp_extract("ResourceId", \'^(i-|vol-|arn:aws:[a-z]+)\'), '
                              '"ResourceType" FROM focus.costs WHERE "ResourceId" LIKE \'i-%\' '
                              'OR "ResourceId" LIKE \'vol-%\' OR "ResourceId" LIKE \'arn:aws:lambda%\''))
    assert types == {"i-": "EC2 Instance", "vol-": "EBS Volume", "arn:aws:lambda": "Lambda Function"}
    tags = [json.loads(t) for (t,) in select(data, 'SELECT DISTINCT "Tags" FROM focus.costs WHERE "Tags" IS NOT NULL')]
    assert {key for t in tags for key in t} == {"Team", "Env", "CostCenter", "team", "env", "cost_center"}
    assert select(data, 'SELECT DISTINCT "PublisherName", "ServiceCategory" FROM focus.costs '
                        'WHERE "PublisherName" <> \'AWS\'') == [("Acme Software Inc.", "Other")]
    assert select(data, 'SELECT DISTINCT "ProviderName" FROM focus.costs') == [("AWS",)]


def test_parquet_cur_2_0_keeps_the_imported_sums_exactly(tmp_path):
    sample = generate_sample(tmp_path / "bucket", cur_version="v2", export_name="pq", data_format="parquet",
                             periods=("2024-03",), rows_per_period=3_000)
    import_export(tmp_path / "bucket", tmp_path / "data", "pq")
    run("focus", "build", "--data-dir", tmp_path / "data", "--quiet")

    ((imported,),) = select(tmp_path / "data", "SELECT sum(line_item_unblended_cost) FROM aws_cur.pq_2024_03")
    billed, effective = focus_totals(tmp_path / "data", "pq", "2024-03")

    assert billed == imported
    # The importer reads CUR 2.0 Parquet doubles; they round-trip to within 1e-6 of the generator's totals.
    assert abs(billed - sample.periods["2024-03"].unblended_cost) < Decimal("0.000001")
    assert abs(effective - sample.periods["2024-03"].amortized_cost) < Decimal("0.000001")


def test_a_restated_period_is_rebuilt_and_the_others_are_skipped(tmp_path, finops):
    sample = generate_sample(tmp_path / "bucket", cur_version="v1", export_name="team", periods=PERIODS,
                             rows_per_period=1_500)
    import_export(tmp_path / "bucket", tmp_path / "data", "team")
    finops("focus", "build", "--data-dir", tmp_path / "data")
    restated = restate(sample, "2024-02", seed=5, rows=1_200)
    import_export(tmp_path / "bucket", tmp_path / "data", "team")

    result = finops("focus", "build", "--data-dir", tmp_path / "data")

    assert result.code == 0, result.err
    assert result.out.splitlines() == ["aws team 2024-01: up to date", "aws team 2024-02: built 1,200 rows"]
    billed, effective = focus_totals(tmp_path / "data", "team", "2024-02")
    assert (billed, effective) == (restated.periods["2024-02"].unblended_cost,
                                   restated.periods["2024-02"].amortized_cost)
    versions = select(tmp_path / "data", 'SELECT DISTINCT "x_SourceVersionId" FROM focus.costs '
                                         'WHERE "x_BillingPeriod" = \'2024-02\'')
    assert versions == [(restated.periods["2024-02"].version_id,)]


def test_the_single_table_strategy_is_read_one_period_at_a_time(tmp_path, finops):
    sample = generate_sample(tmp_path / "bucket", cur_version="v2", export_name="one", data_format="csv",
                             periods=PERIODS, rows_per_period=800)
    import_export(tmp_path / "bucket", tmp_path / "data", "one", "--table-strategy", "single")

    result = finops("focus", "build", "--data-dir", tmp_path / "data")

    assert result.out.splitlines() == ["aws one 2024-01: built 800 rows", "aws one 2024-02: built 800 rows"]
    for period in PERIODS:
        totals = sample.periods[period]
        assert focus_totals(tmp_path / "data", "one", period) == (totals.unblended_cost, totals.amortized_cost)


def test_a_cur_table_with_few_columns_still_gives_valid_focus(tmp_path, finops):
    """An export configured with few columns: absent columns become NULL or FOCUS defaults."""
    data = tmp_path / "data"
    data.mkdir()
    con = duckdb.connect(str(data / "finops.duckdb"))
    con.execute("CREATE SCHEMA aws_cur")
    con.execute("CREATE TABLE aws_cur.slim_2024_05 (line_item_line_item_type VARCHAR, line_item_product_code VARCHAR, "
                "line_item_usage_amount DECIMAL(38,18), line_item_unblended_cost DECIMAL(38,18), "
                "bill_payer_account_id VARCHAR, billing_period VARCHAR)")
    con.execute("INSERT INTO aws_cur.slim_2024_05 VALUES ('Usage', 'AmazonS3', 3, 1.5, '000000000042', '2024-05'), "
                "('Tax', 'AmazonS3', 1, 0.3, '000000000042', '2024-05')")
    store = LoadStateStore(con)
    load = store.start(vendor="aws", export_name="slim", billing_period="2024-05", version_id="v-1",
                       format_version="v2", destination="duckdb:aws_cur", table_name="slim_2024_05")
    store.complete(load, rows=2, files=1, bytes=100)
    con.close()

    result = finops("focus", "build", "--data-dir", data)

    assert result.code == 0, result.out
    assert select(data, 'SELECT "ChargeCategory", "BilledCost", "BillingAccountId", "BillingCurrency", '
                        '"BillingPeriodStart"::VARCHAR, "BillingPeriodEnd"::VARCHAR, "ServiceName", '
                        '"ServiceCategory", "InvoiceIssuerName" FROM focus.costs ORDER BY 1 DESC') == [
        ("Usage", Decimal("1.5"), "000000000042", "USD", "2024-05-01 00:00:00+00", "2024-06-01 00:00:00+00",
         "AmazonS3", "Storage", "AWS"),
        ("Tax", Decimal("0.3"), "000000000042", "USD", "2024-05-01 00:00:00+00", "2024-06-01 00:00:00+00",
         "AmazonS3", "Storage", "AWS"),
    ]


def test_line_items_the_sample_does_not_generate(tmp_path, finops):
    """Spot usage, an EDP discount, and a usage line restating the previous month."""
    data = tmp_path / "data"
    data.mkdir()
    con = duckdb.connect(str(data / "finops.duckdb"))
    con.execute("CREATE SCHEMA aws_cur")
    con.execute("CREATE TABLE aws_cur.rare_2024_05 (line_item_line_item_type VARCHAR, pricing_term VARCHAR, "
                "line_item_product_code VARCHAR, line_item_usage_amount DECIMAL(38,18), pricing_unit VARCHAR, "
                "line_item_unblended_cost DECIMAL(38,18), line_item_usage_start_date TIMESTAMPTZ, "
                "bill_billing_period_start_date TIMESTAMPTZ, bill_payer_account_id VARCHAR, billing_period VARCHAR)")
    con.execute("""INSERT INTO aws_cur.rare_2024_05 VALUES
        ('Usage', 'Spot', 'AmazonEC2', 2, 'Hrs', 0.05, '2024-05-03 10:00:00+00', '2024-05-01 00:00:00+00', 'p',
         '2024-05'),
        ('EdpDiscount', NULL, 'AmazonEC2', 1, NULL, -0.01, '2024-05-03 10:00:00+00', '2024-05-01 00:00:00+00', 'p',
         '2024-05'),
        ('Usage', 'OnDemand', 'AmazonEC2', 1, 'Hrs', 0.2, '2024-04-30 23:00:00+00', '2024-05-01 00:00:00+00', 'p',
         '2024-05')""")
    store = LoadStateStore(con)
    load = store.start(vendor="aws", export_name="rare", billing_period="2024-05", version_id="v-1",
                       format_version="v1", destination="duckdb:aws_cur", table_name="rare_2024_05")
    store.complete(load, rows=3, files=1, bytes=100)
    con.close()

    result = finops("focus", "build", "--data-dir", data)

    assert result.code == 0, result.out
    assert select(data, 'SELECT "x_LineItemType", "ChargeCategory", "ChargeClass", "PricingCategory", '
                        '"ConsumedQuantity" FROM focus.costs ORDER BY "BilledCost"') == [
        ("EdpDiscount", "Credit", None, None, None),
        ("Usage", "Usage", None, "Dynamic", Decimal(2)),
        ("Usage", "Usage", "Correction", "Standard", None),
    ]


def test_commitments_amortise_at_their_net_cost_where_the_export_has_it(tmp_path, finops):
    """With a negotiated discount on commitments, CUR has net variants of the amortisation columns; FOCUS's
    EffectiveCost is after discounts, so the net ones win (the sample generator has no such discount)."""
    data = tmp_path / "data"
    data.mkdir()
    con = duckdb.connect(str(data / "finops.duckdb"))
    con.execute("CREATE SCHEMA aws_cur")
    money = ", ".join(f"{c} DECIMAL(38,18)" for c in (
        "line_item_unblended_cost", "line_item_net_unblended_cost", "reservation_effective_cost",
        "reservation_net_effective_cost", "savings_plan_savings_plan_effective_cost",
        "savings_plan_net_savings_plan_effective_cost", "reservation_unused_amortized_upfront_fee_for_billing_period",
        "reservation_net_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee",
        "reservation_net_unused_recurring_fee"))
    con.execute(f"CREATE TABLE aws_cur.net_2024_05 (identity_line_item_id VARCHAR, line_item_line_item_type VARCHAR, "
                f"reservation_reservation_arn VARCHAR, savings_plan_savings_plan_arn VARCHAR, {money}, "
                "bill_payer_account_id VARCHAR, billing_period VARCHAR)")
    con.execute("""INSERT INTO aws_cur.net_2024_05 VALUES
        ('ri', 'DiscountedUsage', 'arn:ri', NULL, 0, 0, 0.10, 0.095, NULL, NULL, NULL, NULL, NULL, NULL,
         'p', '2024-05'),
        ('sp', 'SavingsPlanCoveredUsage', NULL, 'arn:sp', 0.5, 0.5, NULL, NULL, 0.30, 0.285, NULL, NULL, NULL, NULL,
         'p', '2024-05'),
        ('fee', 'RIFee', 'arn:ri', NULL, 7, 7, NULL, NULL, NULL, NULL, 2.0, 1.9, 1.0, 0.95, 'p', '2024-05')""")
    store = LoadStateStore(con)
    load = store.start(vendor="aws", export_name="net", billing_period="2024-05", version_id="v-1",
                       format_version="v1", destination="duckdb:aws_cur", table_name="net_2024_05")
    store.complete(load, rows=3, files=1, bytes=100)
    con.close()

    result = finops("focus", "build", "--data-dir", data)

    assert result.code == 0, result.out
    assert dict(select(data, 'SELECT "x_LineItemId", "EffectiveCost" FROM focus.costs')) == {
        "ri": Decimal("0.095"), "sp": Decimal("0.285"), "fee": Decimal("2.85")}


def test_a_loaded_table_that_went_missing_is_reported(tmp_path, finops):
    generate_sample(tmp_path / "bucket", cur_version="v1", export_name="gone", periods=("2024-01",),
                    rows_per_period=200)
    import_export(tmp_path / "bucket", tmp_path / "data", "gone")
    con = duckdb.connect(str(tmp_path / "data" / "finops.duckdb"))
    con.execute("DROP VIEW aws_cur.gone_unified")
    con.execute("DROP TABLE aws_cur.gone_2024_01")
    con.close()

    result = finops("focus", "build", "--data-dir", tmp_path / "data")

    assert result.code == 1
    assert ("the load state says aws_cur.gone_2024_01 holds gone 2024-01, but that table is missing; "
            "re-import it with finops aws import-cur --reset") in result.out


def test_the_demo_builds_exports_and_summarises(tmp_path, finops):
    data = tmp_path / "data"
    assert finops("aws", "demo", "--rows-per-month", "400", "--data-dir", data, "--quiet").code == 0

    built = finops("focus", "build", "--data-dir", data, "--json")
    exported = finops("focus", "export", "--data-dir", data, "--out", tmp_path / "focus.parquet", "--json")
    summary = finops("focus", "summary", "--data-dir", data, "--json")

    # The demo's two exports hold the same payer's bill: FOCUS counts it once, from CUR 2.0.
    assert (built.json()["built"], built.json()["superseded"]) == (3, 3)
    assert {(p["export_name"], p["status"], p["source_format"]) for p in built.json()["periods"]} == {
        ("demo-cur-v2", "built", "CUR 2.0"), ("demo-cur-v1", "superseded", "CUR v1")}
    assert exported.json()["rows"] == 1_200
    assert pq.read_metadata(tmp_path / "focus.parquet").num_rows == 1_200
    per_month = dict(select(data, "SELECT billing_period, sum(line_item_unblended_cost) FROM "
                                  "aws_cur.demo_cur_v2_unified GROUP BY 1"))
    assert per_month == dict(select(data, "SELECT billing_period, sum(line_item_unblended_cost) FROM "
                                          "aws_cur.demo_cur_v1_unified GROUP BY 1"))
    billed: dict[str, Decimal] = {}
    for r in summary.json():
        billed[r["billing_period"]] = billed.get(r["billing_period"], Decimal(0)) + Decimal(r["billed_cost"])
        assert r["exports"] == ["demo-cur-v2"]
    assert billed == per_month


def test_the_demo_names_the_overlap_in_build_summary_and_exports_list(tmp_path, finops):
    data = tmp_path / "data"
    assert finops("aws", "demo", "--rows-per-month", "200", "--data-dir", data, "--quiet").code == 0

    built = finops("focus", "build", "--data-dir", data)
    summary = finops("focus", "summary", "--data-dir", data)
    listed = {e["export_name"]: e["focus"] for e in finops("exports", "list", "--data-dir", data, "--json").json()}

    assert ("aws demo-cur-v1 2024-01: not counted; billing account 012345678901 is counted from demo-cur-v2, "
            "not here (CUR 2.0 preferred over CUR v1)") in built.out
    assert "demo-cur-v2; demo-cur-v1 not counted (same billing account)" in summary.out
    assert listed == {"demo-cur-v1": {"counted": [], "not_counted": ["2024-01", "2024-02", "2024-03"]},
                      "demo-cur-v2": {"counted": ["2024-01", "2024-02", "2024-03"], "not_counted": []}}


def test_the_aws_plugin_lists_its_focus_pipeline(finops):
    pipelines = {p["name"]: p for p in finops("pipelines", "list", "--json").json()}
    assert (pipelines["aws-focus"]["kind"], pipelines["aws-focus"]["reads"]) == ("focus", ["aws_cur.*"])


def test_every_row_of_the_service_category_table_is_a_focus_category_and_subcategory():
    rows = service_categories()

    assert len(rows) > 100
    assert [r for r in rows if r.service_subcategory not in SERVICE_SUBCATEGORIES.get(r.service_category, ())] == []
    assert {r.service_code for r in rows} >= {"AmazonEC2", "AmazonS3", "AWSLambda", "AmazonRDS", "AWSDataTransfer"}


def test_a_product_code_listed_twice_in_the_category_table_is_refused():
    text = "service_code,service_category,service_subcategory\n" \
           "AmazonS3,Storage,Object Storage\nAmazonS3,Storage,Backup Storage\n"
    with pytest.raises(ValueError, match="AmazonS3 is listed twice"):
        parse_categories(text)


def test_each_service_name_has_one_category_and_one_subcategory(both_versions):
    data, _ = both_versions

    spread = select(data, 'SELECT "ServiceName", count(DISTINCT "ServiceCategory"), '
                          'count(DISTINCT "ServiceSubcategory") FROM focus.costs GROUP BY 1 '
                          'HAVING count(DISTINCT "ServiceCategory") > 1 OR count(DISTINCT "ServiceSubcategory") > 1')
    services = select(data, 'SELECT count(DISTINCT "ServiceName") FROM focus.costs')

    assert spread == [] and services[0][0] > 5


def test_units_follow_the_focus_unit_format_through_the_package_units_map(both_versions):
    data, _ = both_versions

    found = {unit for (unit,) in select(data, 'SELECT DISTINCT "PricingUnit" FROM focus.costs WHERE "PricingUnit" '
                                              'IS NOT NULL UNION SELECT DISTINCT "ConsumedUnit" FROM focus.costs '
                                              'WHERE "ConsumedUnit" IS NOT NULL')}
    pairs = set(select(data, 'SELECT DISTINCT "x_UsageType", "PricingUnit" FROM focus.costs WHERE "x_UsageType" IN '
                             '(\'BoxUsage:m5.large\', \'EBS:VolumeUsage.gp3\', \'Lambda-GB-Second\')'))

    assert pairs == {("BoxUsage:m5.large", "Hours"), ("EBS:VolumeUsage.gp3", "GB-Months"),
                     ("Lambda-GB-Second", "GB-Seconds")}
    assert not found & {"Hrs", "GB-Mo", "Lambda-GB-Second"}
    assert set(units().values()) >= found - {"Metrics", "Requests", "GB", "Dollar"}


def test_the_units_map_names_each_cur_unit_once_and_only_focus_time_words():
    mapped = units()
    time_words = {"Years", "Months", "Days", "Hours", "Minutes", "Seconds"}
    assert mapped["Hrs"] == "Hours" and mapped["GB-Mo"] == "GB-Months"
    assert all(value.rpartition("-")[2] in time_words for value in mapped.values() if "-" in value)


def test_cur_v1_falls_back_to_product_region_where_region_code_is_empty(tmp_path, finops):
    data = tmp_path / "data"
    data.mkdir()
    con = duckdb.connect(str(data / "finops.duckdb"))
    con.execute("CREATE SCHEMA aws_cur")
    con.execute("CREATE TABLE aws_cur.v1r_2024_05 (line_item_line_item_type VARCHAR, line_item_product_code VARCHAR, "
                "line_item_unblended_cost DECIMAL(38,18), bill_payer_account_id VARCHAR, product_region_code VARCHAR, "
                "product_region VARCHAR, product_location VARCHAR, billing_period VARCHAR)")
    con.execute("INSERT INTO aws_cur.v1r_2024_05 VALUES "
                "('Usage', 'AmazonEC2', 1, '000000000042', '', 'eu-west-1', 'EU (Ireland)', '2024-05'), "
                "('Usage', 'AmazonEC2', 2, '000000000042', 'us-east-1', 'us-east-1', 'US East (N. Virginia)', "
                "'2024-05')")
    store = LoadStateStore(con)
    load = store.start(vendor="aws", export_name="v1r", billing_period="2024-05", version_id="v-1",
                       format_version="v1", destination="duckdb:aws_cur", table_name="v1r_2024_05")
    store.complete(load, rows=2, files=1, bytes=100)
    con.close()

    assert finops("focus", "build", "--data-dir", data).code == 0

    assert select(data, 'SELECT "RegionId", "RegionName" FROM focus.costs ORDER BY "BilledCost"') == [
        ("eu-west-1", "EU (Ireland)"), ("us-east-1", "US East (N. Virginia)")]


def test_focus_1_2_columns_are_filled_where_cur_has_the_data(both_versions):
    data, _ = both_versions

    ((meters, issuers, publishers),) = select(
        data, 'SELECT count(*) FILTER (WHERE "ChargeCategory" IN (\'Usage\', \'Purchase\') '
              'AND "SkuMeter" IS DISTINCT FROM "x_UsageType"), list(DISTINCT "InvoiceIssuerName"), '
              'list(DISTINCT "PublisherName" ORDER BY "PublisherName") FROM focus.costs')

    assert meters == 0
    assert issuers == ["AWS"]  # AWS invoices Marketplace charges too, as its own FOCUS export says
    assert publishers == ["AWS", "Acme Software Inc."]


# Tag keys as users write them: case, digits, spaces, colons and slashes; one of AWS's own keys.
V1_TAGS = {"user:Team": "web", "user:Cost Center": "CC 42", "user:app/tier:2": "front", "user:env": "prod",
           "user:team": "lower", "aws:createdBy": "IAMUser:alice"}


def _write_tagged_exports(root: Path, tags: dict[str, str]) -> None:
    """One line item as a CUR v1 export (a tag column per key) and as a CUR 2.0 export (AWS's resource_tags map,
    whose keys AWS writes in its own snake_case), both CSV, hand-written as AWS delivers them."""
    import gzip

    common = {"identity/LineItemId": "li-1", "bill/PayerAccountId": "000000000042",
              "lineItem/LineItemType": "Usage", "lineItem/ProductCode": "AmazonEC2",
              "lineItem/UnblendedCost": "1.25", "lineItem/ResourceId": "i-0abc"}
    v1 = {**common, **{f"resourceTags/{k}": v for k, v in tags.items()}}
    v1_columns = [{"category": n.split("/", 1)[0], "name": n.split("/", 1)[1],
                   "type": "BigDecimal" if n.endswith("Cost") else "OptionalString"} for n in v1]
    folder = root / "cur" / "tagged-v1" / "20240501-20240601"
    folder.mkdir(parents=True)
    header = ",".join(v1)
    (folder / "tagged-v1-1.csv.gz").write_bytes(gzip.compress(f"{header}\n{','.join(v1.values())}\n".encode()))
    (folder / "tagged-v1-Manifest.json").write_text(json.dumps({
        "assemblyId": "a-1", "columns": v1_columns, "compression": "GZIP", "contentType": "text/csv",
        "billingPeriod": {"start": "20240501T000000.000Z", "end": "20240601T000000.000Z"},
        "reportKeys": ["cur/tagged-v1/20240501-20240601/tagged-v1-1.csv.gz"]}))

    v2 = {athena_name(k): v for k, v in common.items()}
    v2["resource_tags"] = json.dumps({athena_name(k.replace(":", "_", 1)): v for k, v in tags.items()})
    data = root / "cur" / "tagged-v2" / "data" / "BILLING_PERIOD=2024-05"
    meta = root / "cur" / "tagged-v2" / "metadata" / "BILLING_PERIOD=2024-05"
    data.mkdir(parents=True)
    meta.mkdir(parents=True)
    quoted = ",".join('"' + v.replace('"', '""') + '"' for v in v2.values())
    (data / "tagged-v2-00001.csv.gz").write_bytes(gzip.compress(f"{','.join(v2)}\n{quoted}\n".encode()))
    (meta / "tagged-v2-Manifest.json").write_text(json.dumps({
        "executionId": "e-1", "billingPeriod": {"start": "2024-05-01T00:00:00.000Z", "end": "2024-06-01T00:00:00.000Z"},
        "columns": [{"name": n, "type": "map<string,string>" if n == "resource_tags" else
                     "decimal" if n.endswith("cost") else "string"} for n in v2],
        "dataFiles": ["s3://b/cur/tagged-v2/data/BILLING_PERIOD=2024-05/tagged-v2-00001.csv.gz"]}))


def _tags_of(data: Path, export_name: str) -> str:
    ((tags,),) = select(data, 'SELECT "Tags" FROM focus.costs WHERE "x_ExportName" = ?', [export_name])
    return tags


def test_tag_keys_are_kept_as_users_wrote_them_and_aws_keys_keep_their_prefix(tmp_path):
    _write_tagged_exports(tmp_path / "bucket", V1_TAGS)
    for name in ("tagged-v1", "tagged-v2"):  # one data directory each: the same payer's period is counted once
        import_export(tmp_path / "bucket", tmp_path / name, name)
        run("focus", "build", "--data-dir", tmp_path / name, "--quiet")

    v1 = _tags_of(tmp_path / "tagged-v1", "tagged-v1")
    assert json.loads(v1) == {"Team": "web", "Cost Center": "CC 42", "app/tier:2": "front", "env": "prod",
                              "team": "lower", "aws:createdBy": "IAMUser:alice"}
    assert select(tmp_path / "tagged-v1", """SELECT json_extract_string("Tags", '$.Team'),
        json_extract_string("Tags", '$."Cost Center"'), json_extract_string("Tags", '$."aws:createdBy"')
        FROM focus.costs""") == [("web", "CC 42", "IAMUser:alice")]
    # CUR 2.0 holds the keys only as AWS snake-cased them: the user prefix goes, aws_ is aws: again.
    assert json.loads(_tags_of(tmp_path / "tagged-v2", "tagged-v2")) == {
        "team": "lower", "cost_center": "CC 42", "app_tier_2": "front", "env": "prod",
        "aws:created_by": "IAMUser:alice"}


def test_cur_v1_and_cur_2_0_give_the_same_tags_text_for_keys_whose_case_survives(tmp_path):
    tags = {"user:team": "web", "user:cost_center": "CC 42", "user:env2": "prod"}
    _write_tagged_exports(tmp_path / "bucket", tags)
    texts = []
    for name in ("tagged-v1", "tagged-v2"):
        import_export(tmp_path / "bucket", tmp_path / name, name)
        run("focus", "build", "--data-dir", tmp_path / name, "--quiet")
        texts.append(_tags_of(tmp_path / name, name))
    assert texts[0] == texts[1]
    assert json.loads(texts[0]) == {"cost_center": "CC 42", "env2": "prod", "team": "web"}


# What AWS allows in a tag key: letters and digits of any script, spaces, and _ . : / = + - @ (not aws: first).
TAG_KEYS = st.text(st.one_of(st.characters(categories=("L", "N")), st.sampled_from(" _.:/=+-@")),
                   min_size=1, max_size=40).filter(lambda k: not k.lower().startswith("aws:"))


@settings(max_examples=40, deadline=None)
@given(tags=st.dictionaries(TAG_KEYS, st.text(st.characters(categories=("L", "N")), min_size=1, max_size=10),
                            min_size=1, max_size=6))
def test_any_user_tag_key_comes_out_as_written(tags):
    """The keys reach Tags as the manifest's headers spell them, whatever characters they hold; each is a
    column of its own whose snake_case name may be anything (the importer de-duplicates those)."""
    con = duckdb.connect()
    try:
        columns = {f"resource_tags_user_k{i}": "VARCHAR" for i in range(len(tags))}
        con.execute("CREATE TABLE t (line_item_line_item_type VARCHAR, bill_payer_account_id VARCHAR, "
                    + ", ".join(f"{c} VARCHAR" for c in columns) + ")")
        con.execute(f"INSERT INTO t VALUES ('Usage', 'p', {', '.join('?' for _ in tags)})", list(tags.values()))
        sources = {c: f"resourceTags/user:{k}" for c, k in zip(columns, tags, strict=True)}
        sql, params = select_sql("main", "t", {**columns, "line_item_line_item_type": "VARCHAR",
                                               "bill_payer_account_id": "VARCHAR"}, "2024-05",
                                 service_categories(), units(), sources)
        ((text,),) = con.execute(f'SELECT "Tags" FROM ({sql})', params).fetchall()
    finally:
        con.close()
    assert json.loads(text) == {k: v.strip() for k, v in tags.items()}
