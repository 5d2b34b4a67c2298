"""docs/installation.md names every distribution, every extra and every plugin folder that exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
GUIDE = (CHECKOUT / "docs" / "installation.md").read_text()
PLUGINS = sorted(p.parent for p in CHECKOUT.glob("plugins/*/pyproject.toml"))


def test_every_plugin_distribution_has_a_row_and_the_count_in_words_is_right():
    names = [tomllib.loads((p / "pyproject.toml").read_text())["project"]["name"] for p in PLUGINS]
    words = {4: "four", 5: "five", 6: "six", 7: "seven"}

    for name in names:
        assert re.search(rf"^\| `{name}` \|", GUIDE, re.MULTILINE), name
    assert f"It is {words[len(names) + 1]} distributions" in GUIDE


def test_every_extra_has_its_pip_install_line():
    extras = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

    for extra in extras:
        assert f"pip install 'open-finops[{extra}]'" in GUIDE, extra


def test_the_editable_install_names_every_plugin_folder():
    (line,) = [line for line in GUIDE.splitlines() if line.startswith("pip install -e . ")]

    assert line.split() == ["pip", "install", "-e", "."] + [w for p in PLUGINS for w in ("-e", f"plugins/{p.name}")]


def test_the_floors_the_guide_quotes_are_the_ones_the_pyprojects_declare():
    declared = {}
    for project in (CHECKOUT, *PLUGINS):
        for requirement in tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]:
            floor = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)", requirement)
            if floor:
                declared[floor[1].lower()] = floor[2]
    quoted = re.findall(r"`([A-Za-z0-9._-]+)>=([0-9][0-9A-Za-z.]*)`", GUIDE)

    assert quoted
    for name, version in quoted:
        assert declared.get(name.lower()) == version, f"the guide quotes {name}>={version}"
