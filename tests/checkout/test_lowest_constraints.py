"""tests/install/lowest_constraints.py: the floors the tox environment `lowest` installs and tests."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
SCRIPT = CHECKOUT / "tests" / "install" / "lowest_constraints.py"


def load_script():
    # As when it runs as a script: its folder first on the path, for build_wheelhouse's list of projects.
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec = importlib.util.spec_from_file_location("lowest_constraints", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return module


lowest = load_script()


def projects(root: Path, **dependencies: list[str]) -> tuple[str, ...]:
    for name, declared in dependencies.items():
        folder = root / name
        folder.mkdir(parents=True)
        listed = ", ".join(f'"{requirement}"' for requirement in declared)
        (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\ndependencies = [{listed}]\n')
    return tuple(dependencies)


def test_each_dependency_is_pinned_to_its_floor_whatever_its_extras_and_ceiling(tmp_path: Path) -> None:
    names = projects(tmp_path, core=["dlt[duckdb,parquet]>=1.18.1", "typer>=0.27,<0.29", "Rich >= 13"],
                     plugin=["open-finops==0.1.0", "boto3>=1.34", "pyarrow>=16"])

    assert lowest.floors(names, tmp_path) == {
        "boto3": "1.34", "dlt": "1.18.1", "pyarrow": "16", "rich": "13", "typer": "0.27",
    }


def test_our_own_distributions_are_left_out(tmp_path: Path) -> None:
    names = projects(tmp_path, plugin=["open-finops==0.1.0", "open-finops-aws==0.1.0", "plotly>=5.20"])

    assert lowest.floors(names, tmp_path) == {"plotly": "5.20"}


@pytest.mark.parametrize("requirement", ["duckdb", "duckdb<3", "duckdb==2.0.1", "duckdb~=2.0", "duckdb>2"])
def test_a_dependency_without_a_floor_is_refused_naming_it(tmp_path: Path, requirement: str) -> None:
    names = projects(tmp_path, core=["pluggy>=1.5", requirement])

    with pytest.raises(lowest.FloorError, match=rf"core/pyproject.toml: '{requirement}' declares no floor"):
        lowest.floors(names, tmp_path)


def test_two_projects_declaring_different_floors_are_refused(tmp_path: Path) -> None:
    names = projects(tmp_path, core=["pyarrow>=16"], plugin=["PyArrow>=17"])

    with pytest.raises(lowest.FloorError, match="pyarrow: core declares >=16 and plugin >=17"):
        lowest.floors(names, tmp_path)


def test_the_script_writes_pip_constraints_for_every_project_of_the_checkout(tmp_path: Path) -> None:
    out = tmp_path / "lowest.txt"

    subprocess.run([sys.executable, str(SCRIPT), str(out)], check=True)

    pins = dict(line.split("==") for line in out.read_text().splitlines())
    assert pins == lowest.floors()
    # One from core, one from each plugin that has dependencies of its own.
    assert {"duckdb", "boto3", "azure-storage-blob", "plotly"} <= set(pins)
