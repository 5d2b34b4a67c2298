"""What the docs say about the example matches the example: quoted code and the importer's size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1]
CHECKOUT = EXAMPLE.parents[1]
PLUGINS_DOC = CHECKOUT / "docs" / "plugins.md"
IMPORTER = EXAMPLE / "src" / "finops_hello" / "importer.py"
QUOTE = re.compile(r"```python\n# (examples/finops-hello-plugin/\S+\.py)\n(.*?)\n```", re.DOTALL)


@pytest.fixture
def plugins_doc() -> str:
    if not PLUGINS_DOC.is_file():
        pytest.skip(f"{PLUGINS_DOC} is not here: the example was copied out of the open-finops checkout")
    return PLUGINS_DOC.read_text()


def test_the_code_docs_plugins_md_quotes_from_the_example_is_in_its_sources(plugins_doc: str) -> None:
    quotes = QUOTE.findall(plugins_doc)
    quoted = " ".join(code for _path, code in quotes)

    for path, code in quotes:
        assert code in (CHECKOUT / path).read_text(), f"docs/plugins.md quotes {path} as it no longer is:\n{code}"
    for name in ("def parse(", "def import_command(", "def register_manifest_parsers(", "def greet(", "def run("):
        assert name in quoted, f"docs/plugins.md no longer quotes {name}"


def test_the_docs_give_the_importers_real_size(plugins_doc: str) -> None:
    lines = len(IMPORTER.read_text().splitlines())
    readme, doc = (" ".join(text.split()) for text in ((EXAMPLE / "README.md").read_text(), plugins_doc))

    assert lines < 200
    assert f"is the whole importer, {lines} lines with its docstrings" in readme
    assert f"is {lines} lines including its docstrings" in doc
