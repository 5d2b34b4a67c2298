"""Table naming: export names and billing periods become safe, stable, collision-free SQL identifiers."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from open_finops import naming

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")

export_names = st.text(min_size=1, max_size=90).filter(lambda s: s.strip())
# Names close to the clean form collide more easily than arbitrary unicode, so draw those too.
near_clean = st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_\-. ]{0,70}", fullmatch=True)
any_export = st.one_of(export_names, near_clean)
periods = st.builds("{:04d}-{:02d}".format, st.integers(2000, 2099), st.integers(1, 12))


def is_safe(identifier: str) -> bool:
    return bool(IDENTIFIER.match(identifier)) and len(identifier) <= naming.MAX_LENGTH


def test_a_clean_export_name_is_kept_as_it_is() -> None:
    assert naming.export_identifier("cur") == "cur"
    assert naming.export_identifier("my_cur_2") == "my_cur_2"
    assert naming.period_table("cur", "2024-03") == "cur_2024_03"
    assert naming.unified_view("cur") == "cur_unified"


def test_an_unclean_name_gets_a_readable_stem_and_a_hash_of_the_original() -> None:
    identifier = naming.export_identifier("My-CUR")
    assert re.fullmatch(r"my_cur_[0-9a-f]{8}", identifier)
    assert naming.export_identifier("2024 report").startswith("x_2024_report_")


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_export_name_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="export name must not be empty"):
        naming.export_identifier(name)


@pytest.mark.parametrize("period", ["2024-13", "2024-1", "24-01", "2024/01"])
def test_a_malformed_period_is_rejected(period: str) -> None:
    with pytest.raises(ValueError, match="is not of the form YYYY-MM"):
        naming.period_table("cur", period)


@given(any_export)
def test_every_export_name_becomes_a_safe_identifier(name: str) -> None:
    assert is_safe(naming.export_identifier(name))


@given(any_export, periods)
def test_every_derived_name_is_a_safe_identifier(name: str, period: str) -> None:
    for identifier in (naming.period_table(name, period), naming.export_table(name), naming.unified_view(name)):
        assert is_safe(identifier), identifier


@given(any_export)
def test_naming_is_stable(name: str) -> None:
    assert naming.export_identifier(name) == naming.export_identifier(name)


@given(any_export, any_export)
def test_distinct_export_names_never_share_an_identifier(a: str, b: str) -> None:
    assume(a != b)
    assert naming.export_identifier(a) != naming.export_identifier(b)


@given(any_export)
def test_a_name_spelled_like_another_names_hashed_identifier_does_not_take_it(name: str) -> None:
    hashed = naming.export_identifier(name)
    assume(hashed != name)
    assert naming.export_identifier(hashed) != hashed


@given(any_export, periods, any_export, periods)
def test_distinct_export_and_period_pairs_never_share_a_table(a: str, p: str, b: str, q: str) -> None:
    assume((a, p) != (b, q))
    assert naming.period_table(a, p) != naming.period_table(b, q)


@given(any_export, any_export, periods)
def test_tables_and_views_of_different_kinds_never_collide(a: str, b: str, period: str) -> None:
    period_tables = {naming.period_table(a, period), naming.period_table(b, period)}
    others = {naming.export_table(a), naming.export_table(b), naming.unified_view(a), naming.unified_view(b)}
    assert not period_tables & others
    assert naming.unified_view(a) not in {naming.export_table(a), naming.export_table(b)}


@given(any_export, st.text(min_size=1, max_size=40))
def test_staging_tables_are_safe_and_never_an_export_table(name: str, load_id: str) -> None:
    final = naming.period_table(name, "2024-01")
    staging = naming.staging_table(final, load_id)
    assert is_safe(staging)
    assert staging != final
    assert naming.export_identifier(staging) != staging


def test_dataset_names_must_be_clean_identifiers() -> None:
    assert naming.dataset_identifier("billing") == "billing"
    for bad in ("Billing", "bill-ing", "1billing", "a" * 64, "a__b"):
        with pytest.raises(ValueError, match="dataset name"):
            naming.dataset_identifier(bad)


def test_quote_identifier_doubles_embedded_quotes() -> None:
    assert naming.quote_identifier('we"ird') == '"we""ird"'


@pytest.mark.parametrize("name", ["cur\n", "cur\r\n", "cur\x00"])
def test_a_trailing_newline_or_control_character_never_passes_as_clean(name: str) -> None:
    # Python's "$" matches before a final newline: the clean-name check must match the whole name.
    assert is_safe(naming.export_identifier(name))
    assert naming.export_identifier(name) != "cur"
    with pytest.raises(ValueError):
        naming.dataset_identifier(name)
