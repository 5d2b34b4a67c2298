"""Table naming: export names and billing periods become safe, stable, readable SQL identifiers.

Readable stems of two names can be equal (``demo-cur``, ``demo.cur``); the hashed stems never are, and the
import engine gives a newcomer the hashed one in that case (tests/test_ingest.py).
"""

from __future__ import annotations

import re

import pytest
from dlt.common.normalizers.naming.snake_case import NamingConvention
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


def test_an_unclean_name_gets_a_readable_stem() -> None:
    assert naming.export_identifier("My-CUR") == "my_cur"
    assert naming.period_table("demo-cur-v1", "2024-01") == "demo_cur_v1_2024_01"
    assert naming.unified_view("demo-cur-v1") == "demo_cur_v1_unified"
    assert naming.export_identifier("2024 report") == "x_2024_report"
    assert naming.export_identifier("Kostenübersicht (EU)") == "kosten_bersicht_eu"


def test_the_hashed_stem_adds_a_hash_of_the_original_name() -> None:
    assert re.fullmatch(r"my_cur_[0-9a-f]{8}", naming.hashed_identifier("My-CUR"))
    assert naming.hashed_identifier("My-CUR") != naming.hashed_identifier("my-cur")


@pytest.mark.parametrize("name", ["cur_unified", "cur_2024_01", "cur_staging", "cur_staging_ab12", "cur_1a2b3c4d",
                                  "Cur-Unified", "cur 2024 01"])
def test_a_stem_that_ends_like_a_derived_name_is_hashed_at_once(name: str) -> None:
    assert re.fullmatch(r"cur_.*_[0-9a-f]{8}", naming.export_identifier(name))


def test_recorded_tables_give_back_the_stem_they_were_named_from() -> None:
    assert naming.ExportNames.of_table("demo_cur_v1_d8778679_2024_01", "2024-01").stem == "demo_cur_v1_d8778679"
    assert naming.ExportNames.of_table("cur", "2024-01").view == "cur_unified"


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
def test_distinct_export_names_never_share_a_hashed_identifier(a: str, b: str) -> None:
    assume(a != b)
    assert naming.hashed_identifier(a) != naming.hashed_identifier(b)


@given(any_export)
def test_a_name_spelled_like_another_names_hashed_identifier_does_not_take_it(name: str) -> None:
    hashed = naming.hashed_identifier(name)
    assert naming.export_identifier(hashed) != hashed
    assert is_safe(naming.export_identifier(name)) and is_safe(hashed)


@given(any_export, periods, any_export, periods)
def test_distinct_export_and_period_pairs_never_share_a_hashed_table(a: str, p: str, b: str, q: str) -> None:
    assume((a, p) != (b, q))
    table = naming.ExportNames(naming.hashed_identifier(a)).period_table(p)
    assert table != naming.ExportNames(naming.hashed_identifier(b)).period_table(q)


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
    # Python's "$" matches before a final newline: the clean-name check must match the whole name. Its
    # readable stem is "cur", like the export "cur"'s: the engine hashes whichever comes second.
    assert naming.export_identifier(name) == "cur"
    assert naming.hashed_identifier(name) != naming.hashed_identifier("cur")
    with pytest.raises(ValueError):
        naming.dataset_identifier(name)


_CUR_LIKE = st.text(alphabet=st.sampled_from("abcXYZ019_/:-+*@| .éÄ$"), min_size=1, max_size=30)


@given(st.one_of(_CUR_LIKE, st.text(min_size=1, max_size=30)))
def test_column_identifier_names_a_column_as_dlts_snake_case_does(name: str) -> None:
    """The DuckDB import names columns without dlt; other destinations' tables are named by dlt: one name."""
    assume(name.strip())
    assert naming.column_identifier(name) == NamingConvention().normalize_identifier(name)


@pytest.mark.parametrize(("source", "column"), [
    ("lineItem/UnblendedCost", "line_item_unblended_cost"),
    ("resourceTags/user:CostCenter", "resource_tags_user_cost_center"),
    ("bill_billing_period_start_date", "bill_billing_period_start_date"),
    ("1st column_", "_1st_columnx"),
])
def test_column_identifier_of_cur_names(source: str, column: str) -> None:
    assert naming.column_identifier(source) == column


def test_a_blank_column_name_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        naming.column_identifier("  ")
