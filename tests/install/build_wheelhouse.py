"""Build a wheel of each distribution into a wheelhouse, for the install-scenario environments of tox.

Usage: python tests/install/build_wheelhouse.py WHEELHOUSE

Each project is built with ``pip wheel --no-deps`` from a clean copy of its sources: an in-tree build
would reuse a stale ``build/`` folder (a module deleted from the checkout can live on in the wheel) and
would write ``build/`` and ``*.egg-info`` into the checkout while an editable environment installs from it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PLUGIN_PROJECTS = ("plugins/aws", "plugins/azure", "plugins/docker", "plugins/report",
                   "examples/finops-hello-plugin")
_LEFTOVERS = shutil.ignore_patterns(
    "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".tox", ".venv*", ".pytest_cache", ".hypothesis",
    ".dlt", ".node",
)
# A project's own data/ and tests/ folders are run-time leftovers and test code; a package's data/
# (open_finops_aws/data, package data) must stay.
_TOP_LEVEL_ONLY = {"data", "tests"}


def leftovers(root: Path):
    """copytree's ignore function for one project rooted at ``root``."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set(_LEFTOVERS(directory, names))
        if Path(directory) == root:
            ignored |= _TOP_LEVEL_ONLY & set(names)
        return ignored

    return ignore


def copy_core(destination: Path) -> None:
    """The root project: its top-level files (pyproject.toml, README.md, ...) and ``src/``."""
    destination.mkdir()
    for item in CHECKOUT.iterdir():
        if item.is_file():
            shutil.copy2(item, destination / item.name)
    shutil.copytree(CHECKOUT / "src", destination / "src", ignore=leftovers(CHECKOUT / "src"))


def build(wheelhouse: Path) -> list[Path]:
    shutil.rmtree(wheelhouse, ignore_errors=True)
    wheelhouse.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="open-finops-sources-") as scratch:
        sources = [Path(scratch) / "open-finops"]
        copy_core(sources[0])
        for project in PLUGIN_PROJECTS:
            sources.append(Path(scratch) / project.replace("/", "-"))
            shutil.copytree(CHECKOUT / project, sources[-1], ignore=leftovers(CHECKOUT / project))
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(wheelhouse), *map(str, sources)],
            check=True,
        )
    wheels = sorted(wheelhouse.glob("*.whl"))
    if len(wheels) != 1 + len(PLUGIN_PROJECTS):
        raise SystemExit(f"expected {1 + len(PLUGIN_PROJECTS)} wheels in {wheelhouse}, found {len(wheels)}")
    return wheels


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.split("\n\n")[1])
    for wheel in build(Path(sys.argv[1])):
        print(wheel.name)
