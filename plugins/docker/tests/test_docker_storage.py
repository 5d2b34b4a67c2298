"""The database file Metabase reads: written by a real import, read by the driver's own DuckDB version.

The driver's DuckDB (settings.DRIVER_DUCKDB_VERSION) is installed from the package registry into a venv
of its own, once per session, and reads the file the way Metabase does: read-only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from open_finops_docker import settings, storage

READ = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute(sys.argv[2]).fetchall()
print(json.dumps({"version": duckdb.__version__, "rows": [[str(v) for v in row] for row in rows]}))
"""
FOCUS_TOTALS = (
    "SELECT ProviderName, strftime(BillingPeriodStart, '%Y-%m'), count(*), sum(BilledCost), sum(EffectiveCost) "
    "FROM focus.costs GROUP BY ALL ORDER BY ALL"
)


@pytest.fixture(scope="session")
def driver_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("driver-duckdb") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"duckdb=={settings.DRIVER_DUCKDB_VERSION}"],
                   check=True, capture_output=True)
    return python


def read_with(python: Path, path: Path, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", READ, str(path), sql], capture_output=True, text=True)


def finops_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPEN_FINOPS_", "AWS_"))}
    done = subprocess.run([str(Path(sys.executable).with_name("finops")), *args], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def pipeline_environment(stack: Path) -> dict[str, str]:
    """The OPEN_FINOPS_* variables compose hands the pipeline container, with .env's values filled in."""
    import re

    import yaml
    from open_finops_docker import envfile

    compose = yaml.safe_load((stack / "compose.yaml").read_text(encoding="utf-8"))
    values = envfile.read(stack / ".env")
    found = {}
    for item in compose["services"]["pipeline"]["environment"]:
        key, _, value = item.partition("=")
        if key.startswith("OPEN_FINOPS_PROJECT_"):
            found[key] = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], value)
    return found


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory after a real import (the AWS plugin's sample exports) and a FOCUS build, run with
    the environment the stack's pipeline container gets, under a config that asks for DuckDB's newest format."""
    pytest.importorskip("open_finops_aws", reason="the real import comes from the AWS plugin's demo")
    work = tmp_path_factory.mktemp("imported")
    finops_cli("docker", "init", "stack", cwd=work)
    env = pipeline_environment(work / "stack")
    assert env["OPEN_FINOPS_PROJECT_DUCKDB_STORAGE_VERSION"] == settings.driver_storage_version(
        settings.DUCKDB_DRIVER_VERSION)
    env.pop("OPEN_FINOPS_PROJECT_DATA_DIR")  # /data inside the container
    (work / "config.toml").write_text('[project]\nduckdb_storage_version = "latest"\n', encoding="utf-8")
    env["OPEN_FINOPS_CONFIG"] = str(work / "config.toml")
    finops_cli("aws", "demo", "--data-dir", "data", "--rows-per-month", "40", "--quiet", cwd=work, env=env)
    finops_cli("focus", "build", "--data-dir", "data", "--quiet", cwd=work, env=env)
    return work / "data"


def test_the_drivers_duckdb_reads_focus_costs_of_a_real_import(imported: Path, driver_duckdb: Path) -> None:
    path = imported / "finops.duckdb"
    done = read_with(driver_duckdb, path, FOCUS_TOTALS)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["version"] == settings.DRIVER_DUCKDB_VERSION
    with duckdb.connect(str(path), read_only=True) as con:
        ours = [[str(v) for v in row] for row in con.execute(FOCUS_TOTALS).fetchall()]
    assert result["rows"] == ours and ours, "the same rows and exact sums as our own DuckDB reads"
    assert storage.unreadable(path) is None


def test_a_file_in_duckdbs_newest_format_is_refused_by_the_driver_then_migrated(
    tmp_path: Path, driver_duckdb: Path, clean_env: Path, finops
) -> None:
    data = clean_env / "data"
    data.mkdir()
    path = data / "finops.duckdb"
    with duckdb.connect(str(path)) as con:  # DuckDB's own default format, as open-finops wrote before
        con.execute("CREATE SCHEMA focus")
        con.execute("CREATE TABLE focus.costs AS "
                    "SELECT 'AWS' AS ProviderName, 12.3456789::DECIMAL(38, 10) AS BilledCost")
        con.execute("CREATE VIEW focus.v AS SELECT sum(BilledCost) AS total FROM focus.costs")
    refused = read_with(driver_duckdb, path, "SELECT 1")
    assert refused.returncode != 0 and "version" in refused.stderr
    assert "finops docker migrate-database" in storage.unreadable(path)

    result = finops("docker", "migrate-database", "--data-dir", str(data))
    assert result.code == 0, result.err
    done = read_with(driver_duckdb, path, "SELECT c.ProviderName, c.BilledCost, v.total FROM focus.costs c, focus.v v")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == [["AWS", "12.3456789000", "12.3456789000"]]
    backups = list(data.glob("finops.duckdb.storage-*"))
    assert len(backups) == 1 and str(backups[0]) in result.out
    again = finops("docker", "migrate-database", "--data-dir", str(data))
    assert again.code == 0 and "nothing to do" in again.out


def test_up_warns_about_a_file_metabase_cannot_read(clean_env: Path, engines, finops) -> None:
    engines.add("docker")
    assert finops("docker", "init", "stack").code == 0
    data = clean_env / "data"
    with duckdb.connect(str(data / "finops.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS a")
    result = finops("docker", "up", "--dir", "stack")
    assert result.code == 0
    assert "cannot read; convert it with 'finops docker migrate-database'" in " ".join(result.out.split())


def test_migrating_without_a_database_says_to_import_first(clean_env: Path, finops) -> None:
    result = finops("docker", "migrate-database", "--data-dir", str(clean_env / "empty"))
    assert result.code != 0 and "import billing data first" in result.err
