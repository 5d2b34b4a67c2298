"""The example is written against the public plugin API only, and stays light to load."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import finops_hello
import pytest
from hello_support import clean_environ

PUBLIC = {"open_finops", "open_finops.api"}
SOURCES = sorted(Path(finops_hello.__file__).parent.glob("*.py"))
HEAVY = ("dlt", "duckdb", "pyarrow", "pandas")
PROBE = f"""
import json, sys
from open_finops.cli.app import main
code = main(sys.argv[1:])
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
sys.stderr.write("\\nPROBE " + json.dumps({{"code": code, "heavy": heavy}}))
"""


def open_finops_imports(path: Path) -> list[str]:
    """Every open_finops module ``path`` imports, at any depth of the file (functions included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return [name for name in found if name.split(".")[0] == "open_finops"]


def test_the_example_imports_only_open_finops_and_its_plugin_api() -> None:
    assert {path.name for path in SOURCES} >= {"plugin.py", "importer.py", "sample.py", "pipeline.py"}
    imported = {f"{path.name}: {name}" for path in SOURCES for name in open_finops_imports(path)}
    assert imported, "the scan found no import of open_finops at all"
    assert {line for line in imported if line.split(": ")[1] not in PUBLIC} == set()


@pytest.mark.parametrize("argv", [["--help"], ["hello", "--help"], ["hello", "import", "--help"]], ids=" ".join)
def test_loading_the_plugin_and_its_help_imports_no_heavy_library(argv: list[str]) -> None:
    ran = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=clean_environ(),
                         timeout=120)
    probe = json.loads(ran.stderr.rpartition("PROBE ")[2])

    assert probe == {"code": 0, "heavy": []}
    assert "hello" in ran.stdout
