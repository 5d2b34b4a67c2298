"""FOCUS 1.0 (``--focus-version 1.0``) exported from generated CUR v1 and CUR 2.0 passes the FinOps
Foundation's focus-validator 1.0.0.

The validator pins old pandas, pandera and sqlglot that cannot live beside dlt, so it runs from a virtual
environment of its own, named by ``FOCUS_VALIDATOR`` (its ``focus-validator`` executable). Only the tox
environment ``focus-validator`` runs this folder; every other environment leaves it out by path.

Two quirks of focus-validator 1.0.0, both handled here rather than hidden:

* Its "1.0" rule set still uses draft column names (InvoiceIssuer, Provider, Publisher, ResourceID, and a
  rule over ChargeType); ``finops focus export --validator-aliases`` adds those next to the FOCUS 1.0 ones.
* It reads its currency code list from a path relative to its own site-packages folder, so it is run from
  there.
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from open_finops_aws.sample import generate_sample

from open_finops.cli.app import main

VALIDATOR_ENV = "FOCUS_VALIDATOR"
LINE_ITEM_TYPES = {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
                   "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "RIFee", "Fee", "Tax", "Credit", "Refund"}
DRAFT_NAME_CHECKS = {"InvoiceIssuer_Required", "Provider_Required", "Publisher_Required", "ResourceID_Required",
                     "SkuPriceId_Nullable"}


@dataclass(frozen=True)
class Validator:
    executable: Path
    site_packages: Path

    def run(self, data_file: Path, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.executable), "--data-file", str(data_file), "--validate-version", "1.0", *extra],
            cwd=self.site_packages, capture_output=True, text=True, timeout=600,
        )

    def report(self, data_file: Path, xml_path: Path) -> ET.Element:
        completed = self.run(data_file, "--output-type", "unittest", "--output-destination", str(xml_path))
        assert xml_path.is_file(), completed.stderr
        return ET.parse(xml_path).getroot()


@pytest.fixture(scope="module")
def validator() -> Validator:
    path = os.environ.get(VALIDATOR_ENV)
    if not path:
        pytest.fail(f"{VALIDATOR_ENV} is not set: run this folder with 'tox -e focus-validator', which installs "
                    "focus-validator 1.0.0 in a virtual environment of its own")
    executable = Path(path)
    assert executable.is_file(), f"{VALIDATOR_ENV}={path} is not a file"
    located = subprocess.run(
        [str(executable.parent / "python"), "-c",
         "import pathlib, focus_validator; print(pathlib.Path(focus_validator.__file__).parent.parent)"],
        capture_output=True, text=True, check=True,
    )
    return Validator(executable, Path(located.stdout.strip()))


def finops(*args: object) -> None:
    assert main([str(a) for a in args]) == 0, f"finops {' '.join(map(str, args))} failed"


def export_focus(tmp_path: Path, cur_version: str, data_format: str, *export_flags: str) -> Path:
    """Generate a CUR export with every kind of line item, import it, build FOCUS and export it."""
    name = f"validate-{cur_version}"
    generate_sample(tmp_path / "bucket", cur_version=cur_version, export_name=name, data_format=data_format,
                    periods=("2024-01", "2024-02"), rows_per_period=12_000, seed=1, drift_columns_from="2024-02")
    data = tmp_path / "data"
    finops("aws", "import-cur", "--from-dir", tmp_path / "bucket", "--prefix", "cur", "--export-name", name,
           "--data-dir", data, "--quiet")
    finops("focus", "build", "--data-dir", data, "--quiet", "--focus-version", "1.0")
    out = tmp_path / "focus.parquet"
    finops("focus", "export", "--data-dir", data, "--out", out, "--focus-version", "1.0", *export_flags)
    return out


def failed_checks(report: ET.Element) -> set[str]:
    return {f.get("name") for f in report.iter("failure")}


@pytest.mark.parametrize(("cur_version", "data_format"), [("v1", "csv"), ("v2", "parquet")])
def test_focus_from_cur_passes_the_focus_validator_with_no_failed_check(
    tmp_path, validator, cur_version, data_format
):
    out = export_focus(tmp_path, cur_version, data_format, "--validator-aliases")
    exported = pq.read_table(out, columns=["x_LineItemType", "PublisherName"])
    assert set(exported.column("x_LineItemType").to_pylist()) == LINE_ITEM_TYPES
    assert "Acme Software Inc." in set(exported.column("PublisherName").to_pylist())  # marketplace rows

    console = validator.run(out)
    report = validator.report(out, tmp_path / "report.xml")

    assert "Validation succeeded." in console.stdout, console.stdout + console.stderr
    assert "failed" not in console.stdout
    counts = {k: int(report.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    assert counts["tests"] >= 100  # the whole 1.0 rule set ran
    assert (counts["failures"], counts["errors"], counts["skipped"]) == (0, 0, 0)


def test_without_aliases_only_the_validators_draft_column_names_fail(tmp_path, validator):
    out = export_focus(tmp_path, "v2", "csv")

    report = validator.report(out, tmp_path / "report.xml")

    assert failed_checks(report) == DRAFT_NAME_CHECKS
    assert int(report.get("errors")) == 0
