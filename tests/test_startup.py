"""Start-up stays light: help, plugin listing and a vendor's help import none of the heavy libraries.

Each command runs in a fresh interpreter with the plugins that are installed (the real ones in the
``aws``/``all``/``dev`` environments, none in ``core``), so a plugin that imports boto3 at the top of its
entry-point module fails this test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from finops_support import clean_environ

from open_finops import __version__

HEAVY = ("dlt", "duckdb", "boto3", "botocore", "pyarrow", "isal", "pandas", "plotly")
# Our own modules that only running an import needs (a plugin declaring its settings must not load them),
# and what the two commands people time the tool by do without: importlib.metadata (email, zipfile,
# socket: a sixth of start-up) and rich.
NOT_AT_START = ("open_finops.ingest.engine", "open_finops.database", "importlib.metadata", "rich")

PROBE = """
import json, sys
from open_finops.cli.app import main
code = main(sys.argv[1:])
loaded = sorted(m for m in {heavy!r} if m in sys.modules)
sys.stderr.write("\\nPROBE " + json.dumps({{"code": code, "heavy": loaded}}) + "\\n")
"""


def probe(*argv: str, modules: tuple[str, ...] = HEAVY) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=modules), *argv],
        capture_output=True, text=True, env=clean_environ(), timeout=120,
    )
    line = [x for x in completed.stderr.splitlines() if x.startswith("PROBE ")]
    assert line, completed.stderr
    return json.loads(line[-1].removeprefix("PROBE "))


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["plugins", "list"], ["plugins", "list", "--json"], ["pipelines", "list"], ["aws", "--help"],
     ["azure", "--help"], ["docker", "--help"], ["report", "--help"], ["--version"], ["config", "show"],
     ["config", "show", "--json"], ["config", "show", "--defaults"]],
    ids=" ".join,
)
def test_light_commands_import_no_heavy_library(argv: list[str]) -> None:
    result = probe(*argv)
    # aws/docker --help exit 2 when their plugin is not installed: the stand-in must be light too.
    assert result["code"] in (0, 2)
    assert result["heavy"] == []


@pytest.mark.parametrize("argv", [["--help"], ["plugins", "list"]], ids=" ".join)
def test_help_and_plugin_listing_load_neither_the_import_engine_nor_importlib_metadata_nor_rich(
    argv: list[str],
) -> None:
    result = probe(*argv, modules=NOT_AT_START)
    assert (result["code"], result["heavy"]) == (0, [])


def test_python_dash_m_open_finops_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "open_finops", "--version"],
        capture_output=True, text=True, env=clean_environ(), timeout=120,
    )
    assert (completed.returncode, completed.stdout) == (0, f"open-finops {__version__} (plugin API 1.0)\n")


def test_python_dash_m_open_finops_passes_the_exit_code_on() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "open_finops", "no-such-command"],
        capture_output=True, text=True, env=clean_environ(), timeout=120,
    )
    assert completed.returncode == 2
    assert "No such command 'no-such-command'" in completed.stderr
