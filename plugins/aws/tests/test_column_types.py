"""Every column class a CUR manifest declares is stored with its own type, read from CSV or Parquet.

The manifest decides a column's type, never the data: a cost column must be DECIMAL(38,18) even when
it is optional (``OptionalBigDecimal``) or empty in the first rows, a date must be a timestamp, text
stays text. FOCUS casts what it reads, so a cost stored as text still adds up there; these tests look
at the imported table itself (DuckDB's ``information_schema`` and ``typeof``).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dlt.common.normalizers.naming.snake_case import NamingConvention
from open_finops_aws.manifests import athena_name
from open_finops_aws.sample import generate_sample

from open_finops.naming import period_table

# How the importer names a column in the table (dlt's snake_case): lineItem/UnblendedCost -> line_item_unblended_cost.
snake = NamingConvention().normalize_identifier
DECIMAL = "DECIMAL(38,18)"
TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
V1_CLASSES = {  # declared class -> how DuckDB stores it
    "String": "VARCHAR", "OptionalString": "VARCHAR", "BigDecimal": DECIMAL, "OptionalBigDecimal": DECIMAL,
    "DateTime": TIMESTAMP, "OptionalDateTime": TIMESTAMP, "Interval": "VARCHAR",
}
V2_TYPES = {
    "string": "VARCHAR", "double": DECIMAL, "decimal(38,10)": DECIMAL, "timestamp": TIMESTAMP, "date": "DATE",
    "bigint": "BIGINT", "boolean": "BOOLEAN", "map<string,string>": "VARCHAR", "map<string,double>": "VARCHAR",
}

# One v1 column of each class: (category, name, class, three CSV values; "" is empty). The costs are exact
# in binary too, since legacy Parquet carries them as doubles.
V1_COLUMNS = (
    ("identity", "LineItemId", "String", ("li-1", "li-2", "li-3")),
    ("product", "sku", "OptionalString", ("", "0012AB", "X")),
    ("lineItem", "UnblendedCost", "BigDecimal", ("0.0009765625", "123456789.125", "-0.5")),
    ("lineItem", "NetUnblendedCost", "OptionalBigDecimal", ("", "0.25", "-1.125")),
    ("lineItem", "UsageStartDate", "DateTime", ("2024-01-01T00:00:00Z", "2024-01-15T13:00:00Z",
                                                 "2024-01-31T23:00:00Z")),
    ("reservation", "EndTime", "OptionalDateTime", ("", "2025-01-01T00:00:00Z", "")),
    ("identity", "TimeInterval", "Interval", ("2024-01-01T00:00:00Z/2024-01-01T01:00:00Z",) * 3),
)
V1_EXPECTED = {  # column -> the three values as loaded
    "identity_line_item_id": ["li-1", "li-2", "li-3"],
    "product_sku": [None, "0012AB", "X"],
    "line_item_unblended_cost": [Decimal("0.0009765625"), Decimal("123456789.125"), Decimal("-0.5")],
    "line_item_net_unblended_cost": [None, Decimal("0.25"), Decimal("-1.125")],
    "line_item_usage_start_date": [datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 15, 13, tzinfo=UTC),
                                   datetime(2024, 1, 31, 23, tzinfo=UTC)],
    "reservation_end_time": [None, datetime(2025, 1, 1, tzinfo=UTC), None],
    "identity_time_interval": ["2024-01-01T00:00:00Z/2024-01-01T01:00:00Z"] * 3,
}
# One CUR 2.0 column of each declared type: (name, type, three CSV values, the values as loaded).
V2_COLUMNS = (
    ("identity_line_item_id", "string", ("a", "0042", ""), ["a", "0042", None]),
    ("line_item_unblended_cost", "double", ("0.0000000001", "", "-2.5"), [Decimal("1E-10"), None, Decimal("-2.5")]),
    ("line_item_net_unblended_cost", "decimal(38,10)", ("1.1", "2.2", ""), [Decimal("1.1"), Decimal("2.2"), None]),
    ("line_item_usage_start_date", "timestamp", ("2024-03-01T00:00:00Z", "", "2024-03-31T23:00:00Z"),
     [datetime(2024, 3, 1, tzinfo=UTC), None, datetime(2024, 3, 31, 23, tzinfo=UTC)]),
    ("bill_billing_period_start_date", "date", ("2024-03-01", "2024-03-01", ""),
     [datetime(2024, 3, 1).date(), datetime(2024, 3, 1).date(), None]),
    ("line_item_usage_count", "bigint", ("42", "", "-7"), [42, None, -7]),
    ("line_item_is_flagged", "boolean", ("true", "false", ""), [True, False, None]),
    ("resource_tags", "map<string,string>", ('{"user_team":"a"}', "", "{}"), ['{"user_team":"a"}', None, "{}"]),
    ("discount", "map<string,double>", ('{"edp":-0.5}', "", ""), ['{"edp":-0.5}', None, None]),
)


def column_types(query, table: str) -> dict[str, str]:
    return dict(query("SELECT column_name, data_type FROM information_schema.columns "
                      "WHERE table_schema = 'aws_cur' AND table_name = ?", params=[table]))


def import_from(root: Path, finops, *extra: str) -> None:
    result = finops("aws", "import-cur", "--from-dir", root, "-p", "cur", "--data-dir", "data", "--quiet", *extra)
    assert result.code == 0, result.err


def write_csv_gz(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> None:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


def v1_parquet_table() -> pa.Table:
    """The same three rows as legacy CUR Parquet holds them: snake_case names, doubles, timestamps."""
    columns = {}
    for category, name, kind, values in V1_COLUMNS:
        key = athena_name(f"{category}/{name}")
        if kind.endswith("BigDecimal"):
            columns[key] = pa.array([float(v) if v else None for v in values], pa.float64())
        elif kind.endswith("DateTime"):
            columns[key] = pa.array([datetime.fromisoformat(v) if v else None for v in values],
                                    pa.timestamp("ms", tz="UTC"))
        else:
            columns[key] = pa.array([v or None for v in values], pa.string())
    return pa.table(columns)


@pytest.mark.parametrize("data_format", ["csv", "parquet"])
def test_every_cur_v1_column_class_is_stored_with_its_declared_type(tmp_path, finops, query, data_format):
    folder = tmp_path / "bucket" / "cur" / "types" / "20240101-20240201"
    key = f"cur/types/20240101-20240201/types-1.{'csv.gz' if data_format == 'csv' else 'snappy.parquet'}"
    if data_format == "csv":
        write_csv_gz(tmp_path / "bucket" / key, [f"{c}/{n}" for c, n, _, _ in V1_COLUMNS],
                     list(zip(*(values for *_, values in V1_COLUMNS), strict=True)))
    else:
        folder.mkdir(parents=True)
        pq.write_table(v1_parquet_table(), tmp_path / "bucket" / key)
    (folder / "types-Manifest.json").write_text(json.dumps({
        "assemblyId": "a-1", "billingPeriod": {"start": "20240101T000000.000Z", "end": "20240201T000000.000Z"},
        "reportKeys": [key], "contentType": "text/csv" if data_format == "csv" else "Parquet",
        "columns": [{"category": c, "name": n, "type": kind} for c, n, kind, _ in V1_COLUMNS],
    }))

    import_from(tmp_path / "bucket", finops)

    table = period_table("types", "2024-01")
    types = column_types(query, table)
    assert {snake(f"{c}/{n}"): types[snake(f"{c}/{n}")] for c, n, _, _ in V1_COLUMNS} == {
        snake(f"{c}/{n}"): V1_CLASSES[kind] for c, n, kind, _ in V1_COLUMNS}
    loaded = query(f'SELECT {", ".join(V1_EXPECTED)} FROM aws_cur."{table}" ORDER BY identity_line_item_id')
    assert dict(zip(V1_EXPECTED, map(list, zip(*loaded, strict=True)), strict=True)) == V1_EXPECTED


def test_every_cur_2_0_declared_type_is_stored_as_declared(tmp_path, finops, query):
    key = "cur/types2/data/BILLING_PERIOD=2024-03/types2-00001.csv.gz"
    write_csv_gz(tmp_path / "bucket" / key, [c[0] for c in V2_COLUMNS],
                 [tuple(_csv_cell(v) for v in row) for row in zip(*(c[2] for c in V2_COLUMNS), strict=True)])
    manifest = tmp_path / "bucket" / "cur/types2/metadata/BILLING_PERIOD=2024-03/types2-Manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({
        "executionId": "e-1", "billingPeriod": {"start": "2024-03-01T00:00:00.000Z", "end": "2024-04-01T00:00:00.000Z"},
        "dataFiles": [f"s3://bucket/{key}"], "columns": [{"name": n, "type": t} for n, t, _, _ in V2_COLUMNS],
    }))

    import_from(tmp_path / "bucket", finops)

    table = period_table("types2", "2024-03")
    types = column_types(query, table)
    assert {n: types[n] for n, *_ in V2_COLUMNS} == {n: V2_TYPES[t] for n, t, _, _ in V2_COLUMNS}
    names = [n for n, *_ in V2_COLUMNS]
    loaded = query(f'SELECT {", ".join(names)} FROM aws_cur."{table}" ORDER BY line_item_usage_count NULLS FIRST')
    by_count = sorted(range(3), key=lambda i: (V2_COLUMNS[5][3][i] is not None, V2_COLUMNS[5][3][i] or 0))
    assert [list(row) for row in loaded] == [[c[3][i] for c in V2_COLUMNS] for i in by_count]


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if "," in value or '"' in value else value


V1_SAMPLE_TYPES = {"String": "VARCHAR", **V1_CLASSES}


@pytest.mark.parametrize("cur_version", ["v1", "v2"])
@pytest.mark.parametrize("data_format", ["csv", "parquet"])
def test_every_column_of_a_generated_export_has_the_type_its_manifest_declares(
    tmp_path, finops, query, cur_version, data_format
):
    sample = generate_sample(tmp_path / "bucket", cur_version=cur_version, data_format=data_format,
                             export_name="gen", periods=("2024-02",), rows_per_period=300, files_per_period=1,
                             drift_columns_from="2024-02", untagged_rows=300)

    import_from(tmp_path / "bucket", finops)

    declared = json.loads((sample.root / sample.periods["2024-02"].manifest_key).read_text())["columns"]
    if cur_version == "v1":
        expected = {snake(f"{c['category']}/{c['name']}"): V1_CLASSES[c["type"]] for c in declared}
    else:
        expected = {c["name"]: V2_TYPES[c["type"]] for c in declared}
    types = column_types(query, period_table("gen", "2024-02"))
    assert {name: types.get(name) for name in expected} == expected
    assert {c["type"] for c in declared} >= ({"String", "OptionalString", "BigDecimal", "OptionalBigDecimal",
                                              "DateTime", "Interval"} if cur_version == "v1" else
                                             {"string", "double", "timestamp", "map<string,string>",
                                              "map<string,double>"})
