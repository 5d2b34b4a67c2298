"""The report benchmark still runs: tiny size, both contenders, the rows counted. No assertion on time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("report_benchmark.py")


def test_the_report_benchmark_compares_the_command_with_its_queries(tmp_path: Path) -> None:
    pytest.importorskip("open_finops_report", reason="the report benchmark needs the report plugin installed")
    done = subprocess.run([sys.executable, str(SCRIPT), "--rows", "3000", "--workdir", str(tmp_path), "--json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rows"] == 3000 and result["queries"] >= 10
    assert result["queries_seconds"] > 0 and result["report_seconds"] > 0 and result["ratio"] > 0
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
