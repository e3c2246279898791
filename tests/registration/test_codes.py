from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from yima.registration.codes import (
    ENTITY_CATEGORY,
    USCC_ALPHABET,
    is_valid_org_code,
    is_valid_uscc,
    make_uscc,
    org_code_check_char,
    org_code_of,
    uscc_check_char,
)

# Codes of real enterprises, as printed on their business licences.
REAL_CODES = [
    "91350100M000100Y43",
    "91110000600037341L",
    "914403001922038216",  # Huawei Technologies Co., Ltd.
    "91440300708461136T",  # Shenzhen Tencent Computer Systems Co., Ltd.
    "91330100716105852F",  # Alibaba (China) Co., Ltd.
    "911000001000013428",  # Bank of China Limited
    "91110108551385082Q",  # Beijing Xiaomi Technology Co., Ltd.
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert is_valid_uscc(code)
    assert stdnum_uscc.is_valid(code)
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_carry_valid_organisation_codes(code: str) -> None:
    org = org_code_of(code)
    assert len(org) == 9
    assert is_valid_org_code(org)
    assert org_code_check_char(org[:8]) == org[8]


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_change_is_refused(code: str) -> None:
    for position in range(18):
        for replacement in USCC_ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert not is_valid_uscc(changed), changed


def test_known_organisation_code_check_characters() -> None:
    assert org_code_check_char("M000100Y") == "4"
    assert org_code_check_char("60003734") == "1"


def test_organisation_check_character_x_and_zero() -> None:
    # a weighted sum of 1 (mod 11) gives check value 10, written X; 0 (mod 11) gives 11, written 0
    assert org_code_check_char("00000006") == "X"  # 6 x 2 = 12
    assert org_code_check_char("00000000") == "0"


def test_malformed_organisation_bodies_are_refused() -> None:
    for body in ["1234567", "123456789", "1234567a", "1234-678"]:
        with pytest.raises(ValueError):
            org_code_check_char(body)
    assert not is_valid_org_code("12345678")
    assert not is_valid_org_code("1234567a9")


def test_malformed_codes_are_invalid() -> None:
    assert not is_valid_uscc("")
    assert not is_valid_uscc("91350100M000100Y4")  # 17 characters
    assert not is_valid_uscc("91350100M000100Y43 ")
    assert not is_valid_uscc("91350100m000100y43")  # not normalised
    assert not is_valid_uscc("91350100M000100I43")  # I is not in the character set
    assert not is_valid_uscc("9135A100M000100Y43")  # division must be digits


def test_letter_authority_codes_are_accepted_when_check_is_right() -> None:
    first17 = "N2110108MA0000000"  # a rural collective economic organisation
    code = first17 + uscc_check_char(first17)
    assert is_valid_uscc(code)


def test_uscc_check_char_refuses_malformed_input() -> None:
    for bad in ["91350100M000100Y", "91350100M000100Y43", "91350100M000100O4"]:
        with pytest.raises(ValueError):
            uscc_check_char(bad)


def test_org_code_of_refuses_invalid_code() -> None:
    with pytest.raises(ValueError):
        org_code_of("91350100M000100Y44")


def test_entity_categories_follow_gb32100() -> None:
    assert ENTITY_CATEGORY == {
        "llc": "91",
        "joint_stock": "91",
        "sole_proprietorship": "91",
        "partnership": "91",
        "individual_business": "92",
        "farmer_cooperative": "93",
    }


@pytest.mark.parametrize("entity_type", sorted(ENTITY_CATEGORY))
def test_generated_codes_are_valid_for_yima_and_stdnum(entity_type: str) -> None:
    code = make_uscc(entity_type, "350104", 42, 70_000_000)
    assert len(code) == 18
    assert code[:2] == ENTITY_CATEGORY[entity_type]
    assert code[2:8] == "350104"
    assert code[8:16] == "70000042"
    assert is_valid_uscc(code)
    assert stdnum_uscc.is_valid(code)
    assert is_valid_org_code(org_code_of(code))


def test_generated_codes_of_different_sequences_differ() -> None:
    codes = {make_uscc("llc", "350104", sequence, 70_000_000) for sequence in range(2_000)}
    assert len(codes) == 2_000
    assert all(is_valid_uscc(code) for code in codes)


def test_generated_code_at_the_top_of_the_block() -> None:
    code = make_uscc("llc", "110108", 0, 99_999_999)
    assert code[8:16] == "99999999"
    assert is_valid_uscc(code)


def test_sequence_overflowing_eight_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="overflows 8 digits"):
        make_uscc("llc", "350104", 1, 99_999_999)


@pytest.mark.parametrize(
    ("entity_type", "division", "sequence", "block", "message"),
    [
        ("company", "350104", 1, 0, "unknown entity type"),
        ("llc", "35010", 1, 0, "division code"),
        ("llc", "35010A", 1, 0, "division code"),
        ("llc", "３５０１０４", 1, 0, "division code"),
        ("llc", "350104", -1, 0, "negative"),
        ("llc", "350104", 1, -5, "negative"),
    ],
)
def test_malformed_inputs_are_refused(
    entity_type: str, division: str, sequence: int, block: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_uscc(entity_type, division, sequence, block)


@settings(max_examples=300, deadline=None)
@given(body=st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17), last=st.sampled_from(USCC_ALPHABET))
def test_the_fast_validation_agrees_with_stdnums_check_character(body: str, last: str) -> None:
    """``is_valid_uscc`` sums the MOD 31 weights itself; stdnum's check character decides the same."""
    code = body[:2] + "500107" + body[8:] + last
    assert is_valid_uscc(code) == (stdnum_uscc.calc_check_digit(code[:17]) == last)


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_the_check_character_is_stdnums(body: str) -> None:
    assert uscc_check_char(body) == stdnum_uscc.calc_check_digit(body)


_REFERENCE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXYIOZSVa٣ -"


@settings(max_examples=300)
@given(st.text(alphabet=_REFERENCE_CHARS, min_size=16, max_size=19), st.booleans())
def test_the_check_equals_the_definition_on_any_text(text: str, fix_check: bool) -> None:
    """``is_valid_uscc`` (which remembers the sums of code heads it has seen) decides every text as
    GB 32100 defines it: 18 characters of the set, digits in positions 3-8, the check character
    right. Half the texts get their right check character, so that valid codes come up too."""
    if fix_check and len(text) == 18 and set(text[:17]) <= set(USCC_ALPHABET):
        text = text[:17] + uscc_check_char(text[:17])
    expected = (len(text) == 18 and set(text) <= set(USCC_ALPHABET) and text[2:8].isdigit()
                and uscc_check_char(text[:17]) == text[17])
    assert is_valid_uscc(text) == expected
    assert is_valid_uscc(text) == expected  # again, from the remembered head
