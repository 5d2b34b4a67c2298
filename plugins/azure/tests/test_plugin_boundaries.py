"""The Azure plugin depends on core only: it imports no other plugin, and nothing of core but the
public plugin API (tests/test_public_api.py checks the latter for every plugin of the repository)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SOURCES = sorted((Path(__file__).resolve().parents[1] / "src").rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_plugin_sources_are_there_to_check():
    assert {p.name for p in SOURCES} >= {"plugin.py", "manifests.py", "sources.py", "cli.py"}


def test_no_module_of_the_plugin_imports_another_plugin():
    for path in SOURCES:
        others = {m for m in imported_modules(path) if m.split(".")[0].startswith(("open_finops_", "finops_"))
                  and m.split(".")[0] != "open_finops_azure"}
        assert others == set(), f"{path.name} imports {sorted(others)}"


def test_running_an_import_loads_no_other_plugin_module(tmp_path: Path):
    code = (
        "import sys\n"
        "from open_finops_azure.sample import generate_sample\n"
        "from support import import_dir\n"
        "from open_finops.api import LocalSource\n"
        f"root = __import__('pathlib').Path({str(tmp_path)!r})\n"
        "generate_sample(root / 'c', export_name='costs', rows_per_period=5)\n"
        "summary = import_dir(LocalSource(root / 'c'), root / 'data')\n"
        "assert summary.periods[0].status == 'loaded', summary.periods\n"
        "print(sorted(m for m in sys.modules if m.startswith(('open_finops_aws', 'open_finops_docker'))))\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).parent, env={"PYTHONPATH": str(Path(__file__).parent),
                                                         "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"
