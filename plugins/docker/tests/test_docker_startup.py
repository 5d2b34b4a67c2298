"""``finops docker --help`` stays fast: none of the heavy libraries is imported to show it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("dlt", "duckdb", "boto3", "pyarrow")

SCRIPT = """
import contextlib, io, json, sys
from open_finops.cli.app import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["docker", "--help"])
print(json.dumps({"code": code, "help": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_docker_help_imports_no_heavy_library() -> None:
    env = {**os.environ, "OPEN_FINOPS_PLUGINS": "docker"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["code"] == 0
    for command in ("init", "up", "down", "status", "logs", "build", "run"):
        assert command in report["help"]
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert not loaded & set(HEAVY), f"imported for --help: {sorted(loaded & set(HEAVY))}"
    assert "open_finops_docker.engine" not in report["modules"], "engine code loads when a command runs"
