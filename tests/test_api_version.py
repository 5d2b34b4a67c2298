"""The plugin API version and the ranges plugins declare against it (``OPEN_FINOPS_API``)."""

from __future__ import annotations

import pytest

import open_finops
from open_finops.api_version import PLUGIN_API_VERSION, ApiRange


def test_core_declares_its_plugin_api_version_in_one_place() -> None:
    assert PLUGIN_API_VERSION == "1.0"
    assert open_finops.PLUGIN_API_VERSION is PLUGIN_API_VERSION


@pytest.mark.parametrize(
    ("declared", "version", "inside"),
    [
        (">=1.0,<2", "1.0", True),
        (">=1.0,<2", "1.9", True),
        (">=1.0,<2", "2.0", False),
        (">=1.0,<2", "0.9", False),
        (">=1.2", "1.10", True),  # numbers, not strings: 10 > 2
        ("==1", "1.0", True),  # missing numbers count as zero
        ("==1.0.0", "1.0", True),
        ("!=1.1", "1.1", False),
        (">1.0", "1.0", False),
        ("<=1.0", "1.0", True),
        (" >= 1.0 , < 2 ", "1.5", True),
    ],
)
def test_a_version_is_in_range_when_every_clause_holds(declared: str, version: str, inside: bool) -> None:
    assert ApiRange.parse(declared).contains(version) is inside


@pytest.mark.parametrize(
    ("declared", "newer"),
    [(">=2.0,<3", True), ("==1.1", True), ("<1.0", False), (">=0.1,<1", False), ("!=1.0", False)],
)
def test_a_range_says_whether_it_wants_a_newer_core(declared: str, newer: bool) -> None:
    assert ApiRange.parse(declared).wants_newer("1.0") is newer


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("1.0", "'1.0' is not an operator followed by a version"),
        (">=1.0,", "'' is not an operator followed by a version"),
        ("", "'' is not an operator followed by a version"),
        ("~=1.0", "'~=1.0' is not an operator"),
        (">=1.x", "'>=1.x' is not an operator"),
        (">=v1", "'>=v1' is not an operator"),
        (1.0, "it is a float, not a string"),
    ],
)
def test_a_malformed_range_is_refused_saying_what_is_wrong(declared: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ApiRange.parse(declared)
