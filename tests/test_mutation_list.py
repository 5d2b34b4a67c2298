"""The kept mutations (tests/mutation/mutations.py) still fit the code: each one's original text occurs
exactly once in its file, and the tests it names exist. A module changed under a mutation fails here at
once, with the mutation's name, instead of at the next ``tox -e mutation``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

MUTATION_DIR = Path(__file__).resolve().parent / "mutation"
sys.path.insert(0, str(MUTATION_DIR))

from mutations import MUTATIONS  # noqa: E402

ROOT = MUTATION_DIR.parent.parent


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_each_mutation_still_applies_and_names_tests_that_exist(mutation):
    text = (ROOT / mutation.file).read_text(encoding="utf-8")

    assert text.count(mutation.original) == 1, f"update tests/mutation/mutations.py: {mutation.name}"
    assert mutation.original != mutation.replacement
    paths = [a for a in mutation.tests if a.endswith(".py")]
    assert paths and all((ROOT / p.split("::")[0]).exists() for p in paths)


def test_mutation_names_are_unique():
    names = [m.name for m in MUTATIONS]
    assert len(names) == len(set(names))
