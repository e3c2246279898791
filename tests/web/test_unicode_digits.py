"""Digits that ``str.isdigit`` accepts but ``int`` does not ('²', '³', '①') never reach ``int``.

Found by schemathesis on one search field; the same pattern sat in every place below, each a 500
waiting for a hostile form field, header or row id. Each is a plain function: no database.
"""

from __future__ import annotations

import pytest

from yima.errors import DomainError
from yima.ranges import row_id_text
from yima.registration.pages import form_anchor, form_field, form_words
from yima.web.errors import field_words

NOT_ASCII_DIGITS = ["²", "³", "①", "1²", "١"]  # the last is a decimal digit int() would take


@pytest.mark.parametrize("text", NOT_ASCII_DIGITS)
def test_a_row_id_of_other_digits_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        row_id_text(text, "suggestion_id")
    assert caught.value.findings[0].rule == "suggestion_id.number"
    assert row_id_text("12", "suggestion_id") == 12


@pytest.mark.parametrize("text", NOT_ASCII_DIGITS)
def test_field_paths_with_other_digits_are_named_as_they_are(text: str) -> None:
    assert field_words(f"shareholders.{text}.name") == (f"shareholders.{text}.name",) * 2
    assert field_words("shareholders.1.name")[0].startswith("第2位")
    assert form_field(f"addresses.{text}.text") == "domicile_text"
    assert form_field(f"shareholders.{text}.name") == "shareholders"
    assert form_field("addresses.2.text") == "site_1"
    assert form_anchor(f"sh_{text}") == ""
    form_words(f"addresses.{text}.text")  # answers words, never raises
