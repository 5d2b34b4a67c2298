"""The plugin API is one module, ``open_finops.api``: it is light to import, and plugins use nothing else.

Every plugin in this repository (the first-party ones and the third-party example) is written against it;
a plugin that reaches into another core module would break when core reorganises, so this test fails.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import open_finops
from open_finops import api

CHECKOUT = Path(__file__).resolve().parents[1]
PLUGIN_SOURCES = sorted(
    path for pattern in ("plugins/*/src/**/*.py", "examples/*/src/**/*.py") for path in CHECKOUT.glob(pattern)
)


def core_imports(path: Path) -> list[tuple[int, str]]:
    """Every ``open_finops...`` import of a module, as (line, what is imported from where)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "open_finops":
            found.extend((node.lineno, f"{node.module}:{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names
                         if alias.name.split(".")[0] == "open_finops")
    return found


def test_every_name_the_api_lists_exists() -> None:
    assert [name for name in api.__all__ if not hasattr(api, name)] == []
    assert [name for name in open_finops.__all__ if not hasattr(open_finops, name)] == []


def test_the_api_gives_plugins_focus_column_contract_as_core_checks_it() -> None:
    from open_finops.focus.columns import NAMES

    assert tuple(c.name for c in api.FOCUS_COLUMNS) == NAMES
    assert {c.type for c in api.FOCUS_COLUMNS} == {"VARCHAR", "DECIMAL(38,18)", "TIMESTAMPTZ"}


def test_the_api_imports_no_heavy_library() -> None:
    probe = ("import sys, open_finops.api; "
             "print(sorted(m for m in ('dlt', 'duckdb', 'pyarrow', 'boto3') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert completed.stdout.strip() == "[]", completed.stderr


def test_the_plugins_of_this_repository_exist_to_be_checked() -> None:
    found = {p.relative_to(CHECKOUT).parts[1] for p in PLUGIN_SOURCES}
    assert found >= {"aws", "azure", "docker", "report", "finops-hello-plugin"}


@pytest.mark.parametrize("path", PLUGIN_SOURCES, ids=lambda p: str(p.relative_to(CHECKOUT)))
def test_a_plugin_imports_only_the_public_api(path: Path) -> None:
    allowed_top = set(open_finops.__all__)
    outside = [
        f"line {line}: {what}" for line, what in core_imports(path)
        if not (what.startswith("open_finops.api:") or
                (what.startswith("open_finops:") and what.split(":")[1] in allowed_top))
    ]
    assert outside == []


def test_the_names_type_checkers_see_are_the_names_the_api_serves() -> None:
    tree = ast.parse(Path(api.__file__).read_text())
    (block,) = [node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    declared = {(alias.asname or alias.name): (node.module, alias.name)
                for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert declared == api._HOMES
    assert sorted(api.__all__) == sorted(declared)


def test_importing_the_api_loads_a_name_only_when_a_plugin_uses_it() -> None:
    probe = ("import sys, open_finops.api as api; engine = 'open_finops.ingest.engine'; "
             "before = engine in sys.modules; "
             "from open_finops.api import CommandGroup, VendorTerms; light = engine in sys.modules; "
             "from open_finops.api import run_import; print(before, light, engine in sys.modules, "
             "run_import.__module__)")
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert completed.stdout.split() == ["False", "False", "True", "open_finops.ingest.engine"], completed.stderr


def test_a_name_the_api_does_not_have_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'run_everything'"):
        api.run_everything  # noqa: B018
    with pytest.raises(ImportError):
        exec("from open_finops.api import run_everything", {})
