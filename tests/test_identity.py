from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from yima.errors import DomainError
from yima.identity import age_on, make_id_number, validate_id_number

# The example of python-stdnum's documentation, and the specimen of GB 11643-1999.
VALID = "360426199101010071"
SPECIMEN = "11010519491231002X"


def test_valid_number_gives_birth_date() -> None:
    assert validate_id_number(VALID) == date(1991, 1, 1)
    assert validate_id_number(SPECIMEN) == date(1949, 12, 31)


def test_lower_case_x_and_surrounding_spaces_are_accepted() -> None:
    assert validate_id_number(" " + SPECIMEN.lower() + " ") == date(1949, 12, 31)


@pytest.mark.parametrize(
    "value",
    ["", "36042619910101007", "3604261991010100711", "36042619910101007A", "3604261991O1010071",
     "360426199101010X71", "110105491231002", "３６０４２６１９９１０１０１００７１"],
)
def test_malformed_number_breaks_the_format_rule(value: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_id_number(value, field="legal_representative.id_number")
    finding = caught.value.finding
    assert finding.rule == "id_number.format"
    assert finding.field == "legal_representative.id_number"
    assert finding.zh and finding.en


def test_wrong_check_digit_breaks_the_check_digit_rule() -> None:
    with pytest.raises(DomainError) as caught:
        validate_id_number(VALID[:17] + "2", field="shareholders[0].id_number")
    assert caught.value.finding.rule == "id_number.check_digit"
    assert caught.value.finding.field == "shareholders[0].id_number"


def test_every_single_digit_change_is_caught() -> None:
    for position in range(18):
        for digit in "0123456789X":
            if digit == VALID[position] or (digit == "X" and position < 17):
                continue
            changed = VALID[:position] + digit + VALID[position + 1:]
            with pytest.raises(DomainError):
                validate_id_number(changed)


@pytest.mark.parametrize("birth", ["19910230", "19911301", "19910000", "00000101"])
def test_impossible_birth_date_breaks_the_birth_date_rule(birth: str) -> None:
    first17 = "360426" + birth + "007"
    number = first17 + ric.calc_check_digit(first17 + "0")
    with pytest.raises(DomainError) as caught:
        validate_id_number(number)
    assert caught.value.finding.rule == "id_number.birth_date"


def test_birth_after_today_breaks_the_birth_date_rule() -> None:
    number = make_id_number("110101", date(2030, 5, 1), 1)
    assert validate_id_number(number) == date(2030, 5, 1)
    with pytest.raises(DomainError) as caught:
        validate_id_number(number, today=date(2025, 1, 1))
    assert caught.value.finding.rule == "id_number.birth_date"


def test_default_field_name() -> None:
    with pytest.raises(DomainError) as caught:
        validate_id_number("123")
    assert caught.value.finding.field == "id_number"


def test_made_numbers_are_valid_here_and_for_stdnum() -> None:
    for seq in (0, 1, 2, 123, 999):
        number = make_id_number("110101", date(1990, 3, 7), seq)
        assert len(number) == 18
        assert number[:14] == "11010119900307"
        assert validate_id_number(number) == date(1990, 3, 7)
        assert ric.is_valid(number)


def test_made_number_matches_a_known_one() -> None:
    assert make_id_number("360426", date(1991, 1, 1), 7) == VALID
    assert make_id_number("110105", date(1949, 12, 31), 2) == SPECIMEN


@pytest.mark.parametrize(
    ("division", "seq"), [("11010", 1), ("11010A", 1), ("110101", -1), ("110101", 1000)]
)
def test_make_id_number_refuses_malformed_parts(division: str, seq: int) -> None:
    with pytest.raises(ValueError):
        make_id_number(division, date(1990, 1, 1), seq)


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(1990, 6, 15), date(2025, 6, 14), 34),
        (date(1990, 6, 15), date(2025, 6, 15), 35),
        (date(2007, 1, 1), date(2025, 1, 1), 18),
        (date(2007, 1, 2), date(2025, 1, 1), 17),
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2020, 2, 29), 20),
        (date(2025, 1, 1), date(2025, 1, 1), 0),
    ],
)
def test_age_in_completed_years(birth: date, today: date, age: int) -> None:
    assert age_on(birth, today) == age
