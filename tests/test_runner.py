"""The dlt runner: working files under the data directory, telemetry off, destinations by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from finops_support import clean_environ

from open_finops import runner
from open_finops.destination import Destination
from open_finops.errors import UsageError

# Runs in a fresh interpreter: dlt reads its environment when it first starts, and the home directory
# must be one the test can inspect.
LOAD = """
import json, sys
from pathlib import Path
from open_finops import runner
from open_finops.database import connect, database_path

data_dir = Path(sys.argv[1])
pipeline = runner.new_pipeline("probe", runner.destination("duckdb", data_dir), "probe_data", data_dir)
pipeline.run([{"id": 1}, {"id": 2}], table_name="things")

from dlt.common.runtime import anon_tracker
from dlt.common.runtime.run_context import active

context = active()
working_dir = pipeline.working_dir
con = connect(database_path(data_dir), read_only=True)
rows = con.execute("SELECT count(*) FROM probe_data.things").fetchone()[0]
con.close()
runner.drop_working_dir(pipeline)
print(json.dumps({
    "working_dir": working_dir,
    "dlt_data_dir": context.data_dir,
    "telemetry": context.runtime_config.dlthub_telemetry,
    "tracker_endpoint": anon_tracker._ANON_TRACKER_ENDPOINT,
    "rows": rows,
    "working_dir_left": Path(working_dir).exists(),
}))
"""


@pytest.fixture(autouse=True)
def dlt_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner sets these in os.environ; start without them and put them back as they were."""
    for name in ("DLT_DATA_DIR", "RUNTIME__DLTHUB_TELEMETRY", "RUNTIME__LOG_LEVEL"):
        monkeypatch.setenv(name, "recorded so that teardown restores it")
        monkeypatch.delenv(name)


def load_in_subprocess(data_dir: Path, home: Path, **env: str) -> dict:
    home.mkdir(exist_ok=True)
    completed = subprocess.run(
        [sys.executable, "-c", LOAD, str(data_dir)],
        capture_output=True, text=True, timeout=300, env=clean_environ(HOME=str(home), **env),
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1])


def test_a_pipeline_keeps_its_working_files_under_the_data_dir_with_telemetry_off(tmp_path: Path) -> None:
    data_dir, home = tmp_path / "data", tmp_path / "home"

    result = load_in_subprocess(data_dir, home)

    assert result["rows"] == 2
    assert Path(result["working_dir"]).is_relative_to(data_dir / ".dlt" / "pipelines")
    assert result["dlt_data_dir"] == str(data_dir.resolve() / ".dlt")
    assert result["telemetry"] is False and result["tracker_endpoint"] is None
    assert not (home / ".dlt").exists() and list(home.iterdir()) == []
    assert result["working_dir_left"] is False  # drop_working_dir removed it; the data stays in DuckDB


def test_telemetry_stays_on_when_the_user_turned_it_on(tmp_path: Path) -> None:
    result = load_in_subprocess(tmp_path / "data", tmp_path / "home", RUNTIME__DLTHUB_TELEMETRY="true")
    assert result["telemetry"] is True


def test_prepare_environment_points_dlt_at_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)

    runner.prepare_environment(Path("relative-data"))

    assert os.environ["DLT_DATA_DIR"] == str(tmp_path / "relative-data" / ".dlt")
    assert os.environ["RUNTIME__DLTHUB_TELEMETRY"] == "false"
    assert os.environ["RUNTIME__LOG_LEVEL"] == "CRITICAL"  # dlt logs each retry with a traceback


def test_new_pipeline_creates_its_working_dir_under_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    pipeline = runner.new_pipeline("in_process", runner.destination("duckdb", data_dir), "ds", data_dir)

    assert Path(pipeline.pipelines_dir) == data_dir / ".dlt" / "pipelines"
    assert Path(pipeline.working_dir) == data_dir / ".dlt" / "pipelines" / "in_process"


def test_duckdb_destination_defaults_to_the_data_dirs_database(tmp_path: Path) -> None:
    destination = runner.destination("duckdb", tmp_path / "data")
    assert destination.destination_name == "duckdb"
    assert str(destination.config_params["credentials"]) == str(tmp_path / "data" / "finops.duckdb")


def test_other_destinations_resolve_by_dlt_name(tmp_path: Path) -> None:
    assert runner.destination("postgres", tmp_path).destination_name == "postgres"


@pytest.mark.parametrize("name", ["nosuchdb", "snowflake", "bigquery", "filesystem", "athena", "sqlalchemy",
                                  "mssql", "clickhouse", "databricks", "motherduck", "DuckDB", "postgresql"])
def test_a_destination_not_declared_supported_is_a_usage_error_listing_the_supported_ones(
        tmp_path: Path, name: str) -> None:
    # dlt knows most of these names; the swap does not work on them, so they are refused before any work.
    with pytest.raises(UsageError) as caught:
        runner.destination(name, tmp_path)
    assert caught.value.message == (
        f"destination {name!r} is not supported; the supported destinations are duckdb, postgres "
        "(each tested for real: docs/configuration.md#destinations)")
    with pytest.raises(UsageError):
        Destination(name, "aws_cur")


def test_a_state_row_of_a_destination_no_longer_supported_is_read_as_no_destination() -> None:
    assert Destination.from_key("snowflake:aws_cur") is None
    assert Destination.from_key("postgres:aws_cur") == Destination("postgres", "aws_cur")
