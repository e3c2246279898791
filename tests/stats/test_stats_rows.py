"""Checking one row of an imported register (pure): every rule names its field in both languages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yima.registration.codes import make_uscc
from yima.standard import load_standard
from yima.stats.rows import BadRow, EntityRow, check_header, check_values, parse_row

STANDARD = load_standard()

TODAY = date(2026, 11, 25)
USCC = make_uscc("llc", "500107", 1, 0)
INDIVIDUAL = make_uscc("individual_business", "500107", 2, 0)


def record(**changes: str) -> dict[str, str]:
    row = {"uscc": USCC, "name": "重庆云帆科技有限公司", "entity_type": "domestic_enterprise", "industry_code": "I6513",
           "registered_capital": "1000000.00", "established_on": "2019-03-01", "cancelled_on": "",
           "address": "重庆市九龙坡区科城路60号"}
    row.update(changes)
    return row


def test_a_good_row_becomes_an_entity_with_a_canonical_industry_code():
    row = parse_row(2, record(industry_code="i6513", cancelled_on="2020-01-02"), TODAY, STANDARD)
    assert row == EntityRow(USCC, "重庆云帆科技有限公司", "domestic_enterprise", "I6513", Decimal("1000000.00"),
                            date(2019, 3, 1), date(2020, 1, 2), "重庆市九龙坡区科城路60号")
    assert row.as_text()[4:7] == ("1000000.00", "2019-03-01", "2020-01-02")


def test_yima_types_and_the_other_categories_are_accepted():
    assert isinstance(parse_row(2, record(entity_type="llc"), TODAY, STANDARD), EntityRow)
    assert isinstance(parse_row(2, record(uscc=INDIVIDUAL, entity_type="individual_business"), TODAY, STANDARD),
                      EntityRow)


@pytest.mark.parametrize("changes,field,rule", [
    ({"uscc": USCC[:-1] + ("0" if USCC[-1] != "0" else "1")}, "uscc", "import.uscc"),
    ({"uscc": "91500107MA5U0000XX"}, "uscc", "import.uscc"),
    ({"uscc": INDIVIDUAL}, "uscc", "import.uscc_category"),
    ({"entity_type": "state_organ"}, "entity_type", "import.entity_type"),
    ({"industry_code": "Z9999"}, "industry_code", "import.industry_code"),
    ({"industry_code": "C"}, "industry_code", "import.industry_code"),
    ({"industry_code": "C6513"}, "industry_code", "import.industry_code"),
    ({"registered_capital": "-1"}, "registered_capital", "import.registered_capital"),
    ({"registered_capital": "1.005"}, "registered_capital", "import.registered_capital"),
    ({"registered_capital": "一百万"}, "registered_capital", "import.registered_capital"),
    ({"registered_capital": "NaN"}, "registered_capital", "import.registered_capital"),
    ({"established_on": "2019/03/01"}, "established_on", "import.established_on"),
    ({"established_on": "2019-3-1"}, "established_on", "import.established_on"),
    ({"established_on": "2019-W10-1"}, "established_on", "import.established_on"),  # ISO, but not YYYY-MM-DD
    ({"cancelled_on": "20200102"}, "cancelled_on", "import.cancelled_on"),
    ({"established_on": "2027-01-01"}, "established_on", "import.established_on_future"),
    ({"cancelled_on": "2019-02-28"}, "cancelled_on", "import.dates_order"),
    ({"name": "  "}, "name", "import.name"),
])
def test_a_bad_row_names_its_line_field_and_reason(changes, field, rule):
    """Also the second time the same value comes (the checks of repeating values are remembered),
    with the same finding."""
    row = parse_row(17, record(**changes), TODAY, STANDARD)
    assert isinstance(row, BadRow)
    assert (row.line, row.finding.field, row.finding.rule) == (17, field, rule)
    assert row.finding.zh != row.finding.en
    assert "第17行" in row.message and "line 17" in row.message
    again = parse_row(18, record(**changes), TODAY, STANDARD)
    assert isinstance(again, BadRow) and (again.line, again.finding) == (18, row.finding)
    assert isinstance(parse_row(19, record(), TODAY, STANDARD), EntityRow)


def test_a_remembered_date_is_decided_again_for_another_day():
    """A date in the future is refused today and accepted once its day has come."""
    future = record(established_on="2026-11-26")
    assert parse_row(2, future, TODAY, STANDARD).finding.rule == "import.established_on_future"
    assert isinstance(parse_row(2, future, date(2026, 11, 26), STANDARD), EntityRow)
    assert parse_row(2, future, TODAY, STANDARD).finding.rule == "import.established_on_future"


def test_a_header_without_a_column_is_refused():
    assert check_header(["address", "uscc", "name", "entity_type", "industry_code", "registered_capital",
                         "established_on", "cancelled_on", "extra"]) == [1, 2, 3, 4, 5, 6, 7, 0]
    with pytest.raises(Exception, match="cancelled_on"):
        check_header(["uscc", "name", "entity_type", "industry_code", "registered_capital", "established_on",
                      "address"])


def test_a_name_of_characters_seen_in_passing_names_still_fails_on_a_new_character():
    """Row checks remember the characters of names that passed; a name with one unseen bad
    character is still refused by the name rule."""
    assert isinstance(parse_row(2, record(), TODAY, STANDARD), EntityRow)
    assert isinstance(parse_row(3, record(), TODAY, STANDARD), EntityRow)  # now from the remembered characters
    hidden = "text.hidden_character"
    for bad, rule in (("重庆云帆科技有限公司A", "name.latin"), ("重庆云帆\u200b科技有限公司", hidden),
                      ("重庆云帆<科技有限公司", "name.markup"), ("重庆云帆科技有限公司\u3164", hidden)):
        row = parse_row(4, record(name=bad), TODAY, STANDARD)
        assert isinstance(row, BadRow) and row.finding.rule == rule, (bad, row)


@pytest.mark.parametrize(("written", "stored"), [("1e3", "1000"), ("+12.50", "12.50"), ("１２", "12"), ("0.5", "0.5")])
def test_a_capital_goes_to_the_database_in_one_written_form(written, stored):
    """Whatever form Decimal accepted, the row carries plain digits, which SQLite's NUMERIC columns
    and PostgreSQL's COPY both read as the same amount."""
    checked = check_values(2, list(record(registered_capital=written).values()), TODAY, STANDARD)
    assert not isinstance(checked, BadRow) and checked[4] == stored
