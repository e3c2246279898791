"""``hidden_character``'s fast path (``str.isprintable`` and a pattern of the blank characters)
decides exactly what the character-by-character rule decides."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from yima.textcheck import _BLANK, _BLANK_PATTERN, hidden_character, is_hidden


def test_the_blank_pattern_matches_the_blank_characters_and_nothing_else() -> None:
    matched = {c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and _BLANK_PATTERN.match(chr(c))}
    assert matched == set(_BLANK)


def test_no_printable_character_outside_the_blanks_is_hidden() -> None:
    """The fast path passes text that is printable and has no blank: no such character is hidden."""
    wrongly_passed = [hex(c) for c in range(sys.maxunicode + 1)
                      if chr(c).isprintable() and c not in _BLANK and is_hidden(chr(c))]
    assert wrongly_passed == []


@settings(max_examples=80, deadline=None)
@given(text=st.text(), multiline=st.booleans())
def test_the_first_hidden_character_is_found_in_any_text(text: str, multiline: bool) -> None:
    first = next((i for i, char in enumerate(text) if is_hidden(char, multiline)), None)
    found = hidden_character(text, "f", multiline)
    assert (found is None) == (first is None)
    if found is not None:
        assert f"Character {first + 1} " in found.en
