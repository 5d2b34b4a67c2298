"""The stack's .env: every value init writes reads back unchanged, and Compose would not expand it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from open_finops_docker import envfile

from open_finops.errors import ConfigError

writable = st.text(st.characters(blacklist_characters="'"), max_size=40).filter(str.isprintable)


@given(value=writable)
def test_written_values_read_back_unchanged(value: str) -> None:
    line = f"NAME={envfile.quote('NAME', value)}"
    assert envfile.parse(line) == {"NAME": value}


@given(value=writable)
def test_dollar_signs_are_always_inside_single_quotes(value: str) -> None:
    quoted = envfile.quote("NAME", value)
    if "$" in value or " " in value or "#" in value:
        assert quoted.startswith("'") and quoted.endswith("'")


@pytest.mark.parametrize("value", ["it's", "two\nlines", "tab\there", "form\x0cfeed"])
def test_values_a_dotenv_file_cannot_hold_are_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="PASSWORD"):
        envfile.quote("PASSWORD", value)


def test_comments_blank_lines_and_quotes_are_read_like_compose_reads_them() -> None:
    text = "# comment\n\nA=1\nB='x y' \nC=\"z\"\nexport D=plain # trailing\n"
    assert envfile.parse(text) == {"A": "1", "B": "x y", "C": "z", "D": "plain"}
