"""Write pip constraints that pin every dependency our distributions declare to its floor.

Usage: python tests/install/lowest_constraints.py OUT

A floor in a pyproject (``duckdb>=2.0.1``) tells pip that the code works with that version; the tox
environment ``lowest`` installs with these constraints and runs the tests, so the claim is tested, not
assumed. The floors are read from the pyprojects, their one home. Our own distributions (pinned ``==``)
are left out; a dependency with no floor is refused, since no version of it would be tested.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from build_wheelhouse import CHECKOUT, PLUGIN_PROJECTS

# Every distribution the wheelhouse builds, so a plugin added there has its floors tested too.
PROJECTS = (".", *PLUGIN_PROJECTS)
_OWN = re.compile(r"open-finops(-[a-z]+)?")
_REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<specifiers>.*)")
_FLOOR = re.compile(r">=\s*(?P<version>[0-9][0-9A-Za-z.]*)")


class FloorError(Exception):
    """A declared dependency that cannot be pinned to a floor."""


def floors(projects: tuple[str, ...] = PROJECTS, root: Path = CHECKOUT) -> dict[str, str]:
    """Each third-party distribution the projects depend on, with the lowest version they allow."""
    found: dict[str, tuple[str, str]] = {}
    for project in projects:
        declared = tomllib.loads((root / project / "pyproject.toml").read_text())["project"]["dependencies"]
        for requirement in declared:
            parsed = _REQUIREMENT.fullmatch(requirement.strip())
            if parsed is None:
                raise FloorError(f"{project}/pyproject.toml: cannot read the requirement {requirement!r}")
            name = re.sub(r"[-_.]+", "-", parsed["name"]).lower()
            if _OWN.fullmatch(name):
                continue
            floor = _FLOOR.search(parsed["specifiers"])
            if floor is None:
                raise FloorError(f"{project}/pyproject.toml: {requirement!r} declares no floor (>=)")
            earlier = found.setdefault(name, (floor["version"], project))
            if earlier[0] != floor["version"]:
                raise FloorError(f"{name}: {earlier[1]} declares >={earlier[0]} and {project} >={floor['version']};"
                                 f" declare one floor")
    return {name: version for name, (version, _) in sorted(found.items())}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    try:
        pins = floors()
    except FloorError as exc:
        print(f"lowest_constraints: {exc}", file=sys.stderr)
        return 1
    Path(argv[0]).write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
