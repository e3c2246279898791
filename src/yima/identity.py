"""Citizen identity numbers (公民身份号码), GB 11643-1999.

GB 11643-1999 clause 5 (structure): 6-digit address code (GB/T 2260 division), 8-digit birth
date YYYYMMDD, 3-digit sequence code (odd for men, even for women) and one check character,
computed by ISO 7064:1983 MOD 11-2 (0-9, or X for 10).

The MOD 11-2 arithmetic and the date reading are python-stdnum's (``stdnum.cn.ric``). Its
``validate`` is not used as a whole because it also requires the address code to be in stdnum's
own copy of the division table; divisions are renamed and merged every year, so a person born in
a division since abolished, or in one newer than the stdnum release, would be refused. The
address code is therefore checked for form only. The 15-digit first-generation numbers
(GB 11643-1989) are refused: they ceased to be valid identity documents on 1 January 2013.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from yima.errors import DomainError

_FORMAT = re.compile(r"[0-9]{17}[0-9X]")


def _check_digit(first17: str) -> str:
    # stdnum's calc_check_digit reads all but the last character, so give it a placeholder.
    return ric.calc_check_digit(first17 + "0")


def validate_id_number(value: str, field: str = "id_number", today: date | None = None) -> date:
    """The birth date of a valid 18-character identity number; ``DomainError`` otherwise.

    A trailing lower-case ``x`` is accepted as ``X``. When ``today`` is given, a birth date after
    it is refused.
    """
    number = value.strip().upper()
    if _FORMAT.fullmatch(number) is None:
        raise DomainError(
            "id_number.format", field,
            "公民身份号码应为18位：前17位为数字，最后一位为数字或X",
            "An identity number has 18 characters: 17 digits, then a digit or X",
        )
    if _check_digit(number[:17]) != number[17]:
        raise DomainError(
            "id_number.check_digit", field,
            "公民身份号码校验码不正确，请核对号码",
            "The identity number's check character is wrong; please check the number",
        )
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        birth = None
    if birth is None or (today is not None and birth > today):
        raise DomainError(
            "id_number.birth_date", field,
            "公民身份号码中的出生日期无效",
            "The birth date in the identity number is not a valid date",
        )
    return birth


def age_on(birth: date, today: date) -> int:
    """Age in completed years; someone born on 29 February turns a year older on 1 March."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def make_id_number(division: str, birth: date, seq: int) -> str:
    """A well-formed identity number for demonstration and test data (never a real person's)."""
    if re.fullmatch(r"[0-9]{6}", division) is None:
        raise ValueError(f"division must be 6 digits (GB/T 2260), got {division!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"sequence code must be 0-999, got {seq}")
    if not 1000 <= birth.year <= 9999:
        raise ValueError(f"birth year must have 4 digits, got {birth.year}")
    first17 = f"{division}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return first17 + _check_digit(first17)
