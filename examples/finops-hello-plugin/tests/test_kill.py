"""A killed import: ``finops hello import`` as a real process, SIGKILLed while it loads a new version.

The DuckDB file is locked by the importer while it runs, so the test watches the file instead: DuckDB
writes each full row group of the staging table to it before the load commits, so the file growing shows
that the new version is being loaded. The new version is large enough (some hundred thousand rows) that
the kill lands long before the swap; the test checks that it did.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from finops_hello.sample import write_sample
from hello_support import EXPORT, clean_environ, hello_tables, period_totals, query

LOADING_TIMEOUT = 120.0


def wait_until_loading(importer: subprocess.Popen, data: Path, loaded: int) -> None:
    """Return once the importer has written rows into the database file (``loaded`` bytes before); fail
    if it ends or takes too long first."""
    database = data / "finops.duckdb"
    deadline = time.monotonic() + LOADING_TIMEOUT
    while database.stat().st_size <= loaded:
        if importer.poll() is not None:
            raise AssertionError(f"the import ended (exit {importer.returncode}) before it was seen loading: "
                                 f"{importer.stderr.read() if importer.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the import wrote no rows into {database} in {LOADING_TIMEOUT:.0f}s")
        time.sleep(0.005)


def test_a_killed_import_leaves_the_old_version_and_the_next_import_completes_the_period(
    finops, tmp_path: Path
) -> None:
    exports, data = tmp_path / "exports", tmp_path / "data"
    old = write_sample(exports, periods=["2024-01"], rows=1_000)["2024-01"]
    assert finops("hello", "import", "--from-dir", str(exports), "--data-dir", str(data), "-q").code == 0
    new = write_sample(exports, periods=["2024-01"], version="2", rows=400_000, files=4, seed=1)["2024-01"]
    loaded = (data / "finops.duckdb").stat().st_size

    importer = subprocess.Popen(
        [sys.executable, "-m", "open_finops", "hello", "import", "--from-dir", str(exports), "--data-dir", str(data),
         "--quiet"],
        env=clean_environ(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_until_loading(importer, data, loaded)
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=60)
        importer.stderr.close()

    assert importer.returncode == -signal.SIGKILL
    # The old version is the period's data, whole; the killed load is still "running" in the state...
    assert period_totals(data, "2024-01") == (old.rows, old.cost)
    assert query(data, "SELECT version_id, status, is_current FROM billing_state.load_state ORDER BY started_at") == [
        ("1", "completed", True), ("2", "running", False)]
    # ...which `finops state show` reports as interrupted: the file opens read-only only when no import holds it.
    state = finops("state", "show", "--billing-period", "2024-01", "--data-dir", str(data), "--json").json()
    assert [(r["version_id"], r["status"], r["is_current"]) for r in state] == [
        ("1", "completed", True), ("2", "interrupted", False)]

    summary = finops("hello", "import", "--from-dir", str(exports), "--data-dir", str(data), "--json").json()

    assert [(p["status"], p["rows"]) for p in summary["periods"]] == [("loaded", 400_000)]
    assert period_totals(data, "2024-01") == (new.rows, new.cost)
    state = finops("state", "show", "--billing-period", "2024-01", "--data-dir", str(data), "--json").json()
    assert [(r["version_id"], r["status"], r["is_current"]) for r in state] == [
        ("1", "completed", False), ("2", "interrupted", False), ("2", "completed", True)]
    assert state[1]["error"] == "the import stopped before this load finished"
    # What the killed load left behind is gone: any load files and its staging table.
    assert list((data / ".dlt" / "pipelines").glob("finops_hello_*")) == []
    assert hello_tables(data) == {f"{EXPORT}_2024_01", f"{EXPORT}_unified"}
