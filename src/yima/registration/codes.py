"""Unified social credit codes (统一社会信用代码) and the organisation codes inside them.

Standards followed:

- GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 (with amendment XG1-2016), clause 4
  "code structure": 18 characters from the 31-character set 0-9 and A-Z without I, O, Z, S, V;
  position 1 the registration authority (登记管理部门码), position 2 the entity category
  (机构类别码), positions 3-8 the GB/T 2260 division of the registering office, positions 9-17 the
  subject identifier, which is the GB 11714 organisation code, and position 18 the check
  character: 31 - (sum of value x 3^(i-1) mod 31) mod 31, mapped back to the character set
  (the MOD 31 scheme the standard takes from GB/T 17710).
- GB 11714-1997 《全国组织机构代码编制规则》, clauses 4 and 5: an 8-character body (digits or
  capital letters, A = 10 ... Z = 35) and a check character 11 - (sum of value x weight mod 11)
  with weights 3, 7, 9, 10, 5, 8, 4, 2, written ``X`` for 10 and ``0`` for 11.

Three things are hand-written, and why: the GB 32100 check character is summed from a lookup
table of the MOD 31 weights rather than by ``stdnum.cn.uscc.calc_check_digit``, since it runs
for every row of a register import (ten million rows: stdnum cleans and searches the string for
each character, ten times the cost; tests hold the two equal); python-stdnum has no GB 11714
module; and ``stdnum.cn.uscc.validate`` insists on digits in positions 1-8, which refuses real
codes whose registration authority is a letter (``N`` rural collective economic organisations,
``Y`` other authorities), so the structure check here follows GB 32100 itself (only positions
3-8, the division, are digits).
"""

from __future__ import annotations

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_VALUE = {char: value for value, char in enumerate(USCC_ALPHABET)}
#: GB 32100 weights of positions 1-17: 3^(i-1) mod 31.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_BODY_CHARS = frozenset(_ORG_BODY_ALPHABET)
_ORG_BODY_VALUE = {char: value for value, char in enumerate(_ORG_BODY_ALPHABET)}
_ORG_BODY_MAX = 99_999_999

#: Yima entity type -> GB 32100 registration authority ('9', market regulation, 原工商) followed by
#: the category under that authority: '1' enterprise, '2' individual business (个体工商户),
#: '3' farmer specialised cooperative (农民专业合作社).
ENTITY_CATEGORY: dict[str, str] = {
    "llc": "91",
    "joint_stock": "91",
    "sole_proprietorship": "91",
    "partnership": "91",
    "individual_business": "92",
    "farmer_cooperative": "93",
}


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character (0-9 or X) of an 8-character organisation-code body."""
    if len(first8) != 8 or not _ORG_BODY_CHARS.issuperset(first8):
        raise ValueError(f"organisation code body must be 8 digits or capital letters, got {first8!r}")
    total = sum(map(int.__mul__, map(_ORG_BODY_VALUE.__getitem__, first8), _ORG_WEIGHTS))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def is_valid_org_code(code: str) -> bool:
    """A 9-character GB 11714 organisation code (no hyphen) whose check character is right."""
    if len(code) != 9:
        return False
    try:
        return org_code_check_char(code[:8]) == code[8]
    except ValueError:
        return False


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of the first 17 characters of a credit code."""
    if len(first17) != 17 or not _USCC_CHARS.issuperset(first17):
        raise ValueError(
            f"the first 17 characters of a credit code must come from {USCC_ALPHABET}, got {first17!r}"
        )
    return _check_char(first17)


def _check_char(first17: str) -> str:
    total = sum(map(int.__mul__, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    return USCC_ALPHABET[-total % 31]


#: Positions 1-8 (authority, category, division) of codes seen -> their part of the weighted sum:
#: a register's codes share a few hundred such heads, so a check sums the other nine positions.
_HEAD_SUMS: dict[str, int] = {}
_HEAD_SUMS_LIMIT = 8192
_TAIL_WEIGHTS = _USCC_WEIGHTS[8:]


def is_valid_uscc(code: str) -> bool:
    """An 18-character credit code, exactly as written, with a right GB 32100 check character.

    Input is not cleaned (no case folding, no stripping): callers normalise user input first.
    The GB 11714 check of the embedded organisation code is a separate question, see
    ``is_valid_org_code(org_code_of(code))``.
    """
    if len(code) != 18:
        return False
    head = code[:8]
    total = _HEAD_SUMS.get(head)
    if total is None:
        if not _USCC_CHARS.issuperset(head) or not head[2:].isdigit():
            return False
        total = sum(map(int.__mul__, map(_USCC_VALUE.__getitem__, head), _USCC_WEIGHTS))
        if len(_HEAD_SUMS) < _HEAD_SUMS_LIMIT:
            _HEAD_SUMS[head] = total
    try:  # a character outside the set has no value
        total += sum(map(int.__mul__, map(_USCC_VALUE.__getitem__, code[8:17]), _TAIL_WEIGHTS))
    except KeyError:
        return False
    return USCC_ALPHABET[-total % 31] == code[17]


def org_code_of(uscc: str) -> str:
    """The 9-character organisation code (positions 9-17) of a valid credit code."""
    if not is_valid_uscc(uscc):
        raise ValueError(f"not a valid unified social credit code: {uscc!r}")
    return uscc[8:17]


def make_uscc(entity_type: str, division_code: str, org_sequence: int, org_block_start: int) -> str:
    """Build the credit code for the ``org_sequence``-th entity of a zone's organisation-code block.

    The organisation code body is ``org_block_start + org_sequence`` written as 8 digits; the zone
    is given a block of bodies so that codes it assigns never collide with another zone's.
    """
    category = ENTITY_CATEGORY.get(entity_type)
    if category is None:
        known = ", ".join(sorted(ENTITY_CATEGORY))
        raise ValueError(f"unknown entity type {entity_type!r}; known types: {known}")
    if len(division_code) != 6 or not division_code.isascii() or not division_code.isdigit():
        raise ValueError(f"division code must be 6 digits (GB/T 2260), got {division_code!r}")
    if org_block_start < 0 or org_sequence < 0:
        raise ValueError(
            "organisation block start and sequence must not be negative, "
            f"got {org_block_start} and {org_sequence}"
        )
    body_number = org_block_start + org_sequence
    if body_number > _ORG_BODY_MAX:
        raise ValueError(
            f"organisation code sequence overflows 8 digits: block start {org_block_start} + "
            f"sequence {org_sequence} = {body_number} > {_ORG_BODY_MAX}"
        )
    body = f"{body_number:08d}"
    first17 = category + division_code + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)
