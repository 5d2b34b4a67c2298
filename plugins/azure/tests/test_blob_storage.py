"""finops azure import-exports from Blob Storage: Azurite on 127.0.0.1, the real azure-storage-blob client,
and the CLI a user runs. Each way of failing to reach the exports is one clear line and a non-zero exit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KEY
from open_finops_azure.sample import generate_sample
from support import sums

CONTAINER = "costexports"


def finops(*argv: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPEN_FINOPS_", "AZURE_"))}
    return subprocess.run([sys.executable, "-m", "open_finops", *argv], capture_output=True, text=True,
                          env={**base, "COLUMNS": "200", **(env or {})}, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def uploaded(azurite, tmp_path_factory):
    """An EA actual CSV.gz export and a FOCUS Parquet export, uploaded to the container."""
    root = tmp_path_factory.mktemp("container")
    actual = generate_sample(root, export_name="actual", data_format="csv.gz", periods=["2024-01", "2024-02"],
                             rows_per_period=120, seed=3)
    focus = generate_sample(root, export_name="focus", dataset="focus", data_format="parquet",
                            periods=["2024-01"], rows_per_period=80, seed=4)
    azurite.upload(CONTAINER, root)
    return actual, focus


def test_an_import_from_blob_storage_loads_every_month_exactly_and_a_rerun_skips(azurite, uploaded, tmp_path):
    actual, focus = uploaded
    data = tmp_path / "data"
    args = ("azure", "import-exports", "-C", CONTAINER, "-p", "exports", "--data-dir", str(data), "-q", "--json")

    ran = finops(*args, env={"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string()})

    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout)
    assert sorted((p["export_name"], p["billing_period"], p["status"], p["version_id"]) for p in summary["periods"]) \
        == sorted([("actual", p, "loaded", t.run_id) for p, t in actual.periods.items()]
                  + [("focus", "2024-01", "loaded", focus.periods["2024-01"].run_id)])
    for period, totals in actual.periods.items():
        assert sums(data, f"actual_{period.replace('-', '_')}", "cost_in_billing_currency") == (
            totals.rows, totals.actual_cost)
    focus_totals = focus.periods["2024-01"]
    assert sums(data, "focus_2024_01", "billed_cost") == (focus_totals.rows, focus_totals.actual_cost)
    assert sums(data, "focus_2024_01", "effective_cost")[1] == focus_totals.amortized_cost
    assert KEY not in ran.stdout + ran.stderr

    again = finops(*args, "--connection-string", azurite.connection_string())
    assert again.returncode == 0, again.stderr
    assert {p["status"] for p in json.loads(again.stdout)["periods"]} == {"skipped"}


def test_list_manifests_names_each_months_run_and_whether_it_is_loaded(azurite, uploaded, tmp_path):
    actual, _ = uploaded
    ran = finops("azure", "list-manifests", "-C", CONTAINER, "-p", "exports", "-n", "actual", "--json",
                 "--connection-string", azurite.connection_string(), "--data-dir", str(tmp_path / "none"))

    assert ran.returncode == 0, ran.stderr
    rows = json.loads(ran.stdout)
    assert [(r["billing_period"], r["type"], r["run_id"], r["rows"], r["loaded"]) for r in rows] == [
        (p, "ActualCost", t.run_id, t.rows, False) for p, t in actual.periods.items()]


def one_error_line(ran: subprocess.CompletedProcess) -> str:
    assert ran.returncode != 0
    assert "Traceback" not in ran.stderr
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, ran.stderr
    return lines[0]


def test_a_wrong_account_key_is_access_denied_in_one_line(azurite, uploaded, tmp_path):
    wrong = "A" * 86 + "=="
    ran = finops("azure", "import-exports", "-C", CONTAINER, "--connection-string", azurite.connection_string(wrong),
                 "--data-dir", str(tmp_path), "-q")

    line = one_error_line(ran)
    assert line.startswith("Error: access denied to prefix '' in container 'costexports' at http://127.0.0.1:")
    assert "account key or SAS" in line and wrong not in line


def test_a_missing_container_is_named(azurite, uploaded, tmp_path):
    ran = finops("azure", "import-exports", "-C", "nosuch", "--connection-string", azurite.connection_string(),
                 "--data-dir", str(tmp_path), "-q")

    assert one_error_line(ran) == (f"Error: container 'nosuch' does not exist in container 'nosuch' at "
                                   f"{azurite.endpoint}; check --container and the account")


def test_a_bad_connection_string_is_one_line_without_the_string(tmp_path):
    ran = finops("azure", "import-exports", "-C", CONTAINER, "--connection-string", "AccountKey=s3cr3t;nonsense",
                 "--data-dir", str(tmp_path), "-q")

    line = one_error_line(ran)
    assert "is not a valid Azure Storage connection string" in line and "s3cr3t" not in line


def test_an_unreachable_endpoint_is_one_line(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    connection = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={KEY};"
                  f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;")

    ran = finops("azure", "import-exports", "-C", CONTAINER, "--connection-string", connection,
                 "--data-dir", str(tmp_path), "-q")

    assert one_error_line(ran) == (f"Error: cannot reach container 'costexports' at http://127.0.0.1:{port}/"
                                   "devstoreaccount1; check --account-url (or the connection string's endpoint) "
                                   "and the network")
