"""CUR manifests are parsed into core's ExportVersion, and anything else is refused with ManifestError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from open_finops_aws.manifests import parse_v1, parse_v2

from open_finops.errors import ManifestError
from open_finops.plugins import discover

V1_KEY = "cur/mycur/20240101-20240201/mycur-Manifest.json"
V2_KEY = "cur/mycur/metadata/BILLING_PERIOD=2024-03/mycur-Manifest.json"


def v1_manifest(**overrides) -> dict:
    doc = {
        "assemblyId": "a1b2",
        "account": "012345678901",
        "columns": [
            {"category": "identity", "name": "LineItemId", "type": "String"},
            {"category": "bill", "name": "PayerAccountId", "type": "String"},
            {"category": "lineItem", "name": "UnblendedCost", "type": "BigDecimal"},
            {"category": "lineItem", "name": "UsageStartDate", "type": "DateTime"},
            {"category": "identity", "name": "TimeInterval", "type": "Interval"},
            {"category": "resourceTags", "name": "user:Team", "type": "OptionalString"},
        ],
        "compression": "GZIP",
        "contentType": "text/csv",
        "billingPeriod": {"start": "20240101T000000.000Z", "end": "20240201T000000.000Z"},
        "reportKeys": [f"cur/mycur/20240101-20240201/a1b2/mycur-{n}.csv.gz" for n in (1, 2)],
    }
    doc.update(overrides)
    return doc


def v2_manifest(**overrides) -> dict:
    doc = {
        "executionId": "exec-42",
        "billingPeriod": {"start": "2024-03-01T00:00:00.000Z", "end": "2024-04-01T00:00:00.000Z"},
        "dataFiles": ["s3://bkt/cur/mycur/data/BILLING_PERIOD=2024-03/mycur-00001.snappy.parquet"],
        "columns": [
            {"name": "bill_payer_account_id", "type": "string"},
            {"name": "line_item_unblended_cost", "type": "double"},
            {"name": "line_item_usage_start_date", "type": "timestamp"},
            {"name": "resource_tags", "type": "map<string,string>"},
        ],
    }
    doc.update(overrides)
    return doc


def test_v1_manifest_becomes_an_export_version_with_typed_columns():
    version = parse_v1(V1_KEY, json.dumps(v1_manifest()).encode())
    assert (version.vendor, version.export_name, version.billing_period) == ("aws", "mycur", "2024-01")
    assert version.version_id == "a1b2" and version.format_version == "v1"
    assert [(f.format, f.compression) for f in version.data_files] == [("csv", "gzip"), ("csv", "gzip")]
    types = {c.name: c.type for c in version.columns}
    assert types == {
        "identity/LineItemId": "string",
        "bill/PayerAccountId": "string",
        "lineItem/UnblendedCost": "decimal",
        "lineItem/UsageStartDate": "timestamp",
        "identity/TimeInterval": "interval",
        "resourceTags/user:Team": "string",
    }


def test_v2_manifest_keeps_s3_uris_and_maps_types():
    version = parse_v2(V2_KEY, json.dumps(v2_manifest()).encode())
    assert version.billing_period == "2024-03" and version.version_id == "exec-42"
    assert version.data_files[0].uri.startswith("s3://bkt/") and version.data_files[0].format == "parquet"
    assert {c.name: c.type for c in version.columns} == {
        "bill_payer_account_id": "string",
        "line_item_unblended_cost": "decimal",
        "line_item_usage_start_date": "timestamp",
        "resource_tags": "json",
    }


def test_v2_manifest_whose_period_disagrees_with_its_folder_is_refused():
    body = json.dumps(v2_manifest(billingPeriod={"start": "2024-05-01T00:00:00Z"})).encode()
    with pytest.raises(ManifestError, match="does not match its folder"):
        parse_v2(V2_KEY, body)


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (json.dumps(v1_manifest(assemblyId=None)).encode(), "assemblyId"),
        (json.dumps(v1_manifest(reportKeys="x")).encode(), "reportKeys"),
        (json.dumps(v1_manifest(billingPeriod={"start": "soon"})).encode(), "not a date"),
        (json.dumps(v1_manifest(columns=[{"type": "String"}])).encode(), "column entry has no name"),
    ],
)
def test_broken_v1_manifests_name_the_key_and_the_problem(body, message):
    with pytest.raises(ManifestError, match=message) as info:
        parse_v1(V1_KEY, body)
    assert V1_KEY in str(info.value)


def test_parsers_recognise_period_manifests_but_not_the_assembly_copy():
    parsers = {p.name: p for p in discover().parsers_for_vendor("aws")}
    v1, v2 = parsers["aws-cur-v1"], parsers["aws-cur-v2"]
    assert v1.matches(V1_KEY)
    assert not v1.matches("cur/mycur/20240101-20240201/a1b2/mycur-Manifest.json")
    assert v2.matches(V2_KEY)
    assert v2.matches("cur/mycur/metadata/BILLING_PERIOD=2024-03/20240305T101010Z/mycur-Manifest.json")
    assert not v2.matches(V1_KEY) and not v1.matches(V2_KEY)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
manifest_like = st.fixed_dictionaries(
    {},
    optional={
        "assemblyId": json_values, "executionId": json_values, "reportKeys": json_values,
        "dataFiles": json_values, "columns": json_values, "billingPeriod": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(doc=st.one_of(json_values, manifest_like), raw=st.binary(max_size=40))
def test_anything_that_is_not_a_valid_manifest_raises_our_error_only(doc, raw):
    for parse, key in ((parse_v1, V1_KEY), (parse_v2, V2_KEY)):
        for body in (json.dumps(doc).encode(), raw):
            try:
                version = parse(key, body)
            except ManifestError:
                continue
            # Whatever is accepted is a coherent description.
            assert version.version_id and version.billing_period and version.export_name == "mycur"
