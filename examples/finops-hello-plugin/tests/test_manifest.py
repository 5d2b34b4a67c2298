"""The hello manifest parser: a manifest becomes the version of its period, or a ManifestError naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from finops_hello.importer import parse
from finops_hello.sample import COLUMNS, write_sample
from hello_support import registry

from open_finops.api import Column, DataFile, ExportVersion, ManifestError

KEY = "team_costs/2024-01/hello-manifest.json"
GOOD = {"export": "team_costs", "period": "2024-01", "version": "2024-02-01T06:00:00Z",
        "files": ["part-0.csv", "part-1.csv"], "columns": {"usage_date": "date", "cost": "decimal"}}


def test_a_manifest_becomes_the_version_of_its_period_with_data_keys_beside_it() -> None:
    version = parse(f"exports/{KEY}", json.dumps(GOOD).encode())

    assert version == ExportVersion(
        vendor="hello", export_name="team_costs", billing_period="2024-01", version_id="2024-02-01T06:00:00Z",
        format_version="v1", manifest_key=f"exports/{KEY}",
        data_files=(DataFile("exports/team_costs/2024-01/part-0.csv", "csv"),
                    DataFile("exports/team_costs/2024-01/part-1.csv", "csv")),
        columns=(Column("usage_date", "date"), Column("cost", "decimal")),
    )


def test_the_sample_writes_manifests_the_parser_reads(tmp_path: Path) -> None:
    sample = write_sample(tmp_path, periods=["2024-03"], version="7", files=3)["2024-03"]

    version = parse("team_costs/2024-03/hello-manifest.json", sample.manifest.read_bytes())

    assert (version.version_id, len(version.data_files)) == ("7", 3)
    assert {c.name: c.type for c in version.columns} == COLUMNS


def test_the_registered_parser_recognises_manifests_at_any_depth_and_nothing_else() -> None:
    (parser,) = registry().parsers_for_vendor("hello")

    assert parser.matches(KEY) and parser.matches(f"a/b/{KEY}")
    assert not parser.matches("team_costs/2024-01/part-0.csv")
    assert not parser.matches("hello-manifest.json")  # not in an <export>/<YYYY-MM> folder
    assert parser.load_parse() is parse


def changed(**fields) -> bytes:
    return json.dumps({**GOOD, **fields}).encode()


def without(name: str) -> bytes:
    return json.dumps({k: v for k, v in GOOD.items() if k != name}).encode()


@pytest.mark.parametrize(("body", "message"), [
    (b'{"export": "team_costs", ', "is not valid JSON"),
    (b"\xff\xfe", "is not valid JSON"),
    (b"[1, 2]", "is not a JSON object"),
    (without("version"), "has no valid 'version' (a non-empty str)"),
    (changed(version=""), "has no valid 'version'"),
    (changed(version=7), "has no valid 'version'"),
    (changed(files=[]), "has no valid 'files' (a non-empty list)"),
    (changed(columns={}), "has no valid 'columns' (a non-empty dict)"),
    (changed(columns=["cost"]), "has no valid 'columns'"),
    (changed(period="2024-02"), "describes export 'team_costs' 2024-02, which is not its folder"),
    (changed(export="other"), "describes export 'other' 2024-01, which is not its folder"),
    (changed(files=["../../secrets.csv"]), "'../../secrets.csv' is not the name of a .csv file beside the manifest"),
    (changed(files=["sub/part-0.csv"]), "'sub/part-0.csv' is not the name of a .csv file"),
    (changed(files=["part-0.parquet"]), "'part-0.parquet' is not the name of a .csv file"),
    (changed(files=[3]), "3 is not the name of a .csv file"),
    (changed(files=["a.csv", "a.csv"]), "lists a data file twice"),
    (changed(columns={"cost": "money"}), "column 'cost': type 'money' is not one of"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_manifest_that_cannot_be_trusted_is_a_manifest_error_naming_it(body: bytes, message: str) -> None:
    with pytest.raises(ManifestError) as raised:
        parse(KEY, body)

    assert raised.value.message.startswith(f"manifest {KEY}")
    assert message in raised.value.message


def test_a_period_that_is_not_a_month_is_a_manifest_error() -> None:
    key = "team_costs/2024-13/hello-manifest.json"
    with pytest.raises(ManifestError, match=r"^manifest team_costs/2024-13/hello-manifest.json: billing period"):
        parse(key, changed(period="2024-13"))
