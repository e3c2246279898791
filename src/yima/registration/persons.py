"""Persons by the rules: the names and identity documents of the legal representative, the
shareholders and the beneficial owners, as plain functions.

A natural person is identified by one document, ``id_type``:

* ``resident_id`` (default) — 居民身份证, GB 11643-1999 (``identity.validate_id_number``: the
  MOD 11-2 check character and the birth date); also the residence permits of Hong Kong, Macao
  and Taiwan residents, which carry an 18-character number of the same form;
* ``passport`` — a foreign national's passport: 5 to 17 Latin capital letters and digits with at
  least one digit (ICAO Doc 9303 keeps the document number to these characters);
* ``hk_macao_permit`` — 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and 8 digits, or 10 digits
  on permits issued before 2013;
* ``taiwan_permit`` — 台湾居民来往大陆通行证: 8 digits (since 2015), or 10 digits before.

A person's name (``person.name``) is either Chinese characters, with the middle dot · (U+00B7)
between the parts of a transliterated or minority name (阿依古丽·买买提, 爱新觉罗·玄烨), or — only for
a foreign national identified by passport — Latin letters, with single spaces and hyphens between
them (Anna-Maria Schmidt). Nothing else: no digits, no markup, no formula characters (a name such
as ``=cmd|' /C calc'!A0`` cannot reach a spreadsheet export), no emoji. Control and invisible
characters are ``text.hidden_character``; a Chinese name must be printable by the licence font
(``person.glyph``), since the legal representative's name is printed on the licence and seals.

A shareholder that is a legal person (identified by its credit code) has an enterprise name: it
is held to the characters of enterprise names (``names.character_findings``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

from yima.errors import DomainError, Finding
from yima.identity import validate_id_number
from yima.registration.names import printable_code_points
from yima.textcheck import hidden_character

IdType = Literal["resident_id", "passport", "hk_macao_permit", "taiwan_permit"]
ID_TYPES: tuple[str, ...] = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit")
MIDDLE_DOT = "·"

_FORMATS: dict[str, tuple[re.Pattern[str], str, str]] = {
    "passport": (re.compile(r"(?=[A-Z]*[0-9])[A-Z0-9]{5,17}"),
                 "护照号码应为5至17位大写字母和数字（至少含一位数字）",
                 "A passport number has 5 to 17 capital letters and digits, at least one a digit"),
    "hk_macao_permit": (re.compile(r"[HM][0-9]{8}([0-9]{2})?"),
                        "港澳居民来往内地通行证号码应为H或M加8位数字（2013年前签发的为10位数字）",
                        "A Hong Kong/Macao permit number is H or M and 8 digits (10 digits before 2013)"),
    "taiwan_permit": (re.compile(r"[0-9]{8}([0-9]{2})?"),
                      "台湾居民来往大陆通行证号码应为8位数字（2015年前签发的为10位数字）",
                      "A Taiwan permit number has 8 digits (10 before 2015)"),
}
_LATIN_NAME = re.compile(r"[A-Za-z]+([ -][A-Za-z]+)*")


def validate_identity(id_type: str, number: str, field: str) -> date | None:
    """The birth date a resident identity number carries (None for the other documents);
    ``DomainError`` when the number has not its document's form."""
    if id_type == "resident_id":
        return validate_id_number(number, field)
    pattern, zh, en = _FORMATS[id_type]
    if pattern.fullmatch(number.strip().upper()) is None:
        raise DomainError("id_number.format", field, zh, en)
    return None


def _is_han(char: str) -> bool:
    return unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH") or \
        unicodedata.name(char, "").startswith("CJK COMPATIBILITY IDEOGRAPH")


def name_findings(name: str, field: str, id_type: str = "resident_id") -> list[Finding]:
    """At most one finding: why ``name`` is not a person's name for this document."""
    hidden = hidden_character(name, field)
    if hidden is not None:
        return [hidden]
    parts = name.split(MIDDLE_DOT)
    if all(parts) and all(_is_han(c) for part in parts for c in part):
        printable = printable_code_points()
        char = next((c for c in name if printable is not None and ord(c) not in printable), None)
        if char is None:
            return []
        return [Finding("person.glyph", field,
                        f"姓名中的“{char}”（U+{ord(char):04X}）无法在营业执照和印章上印制，请与登记机关联系",
                        f"'{char}' (U+{ord(char):04X}) in the name cannot be printed on the licence and seals; "
                        "please contact the registration office")]
    if _LATIN_NAME.fullmatch(name):
        if id_type == "passport":
            return []
        return [Finding("person.name", field, "外文姓名仅适用于持护照的外国人（证件类型选择护照）",
                        "A name in Latin letters is for a foreign national identified by passport (id_type passport)")]
    return [Finding("person.name", field,
                    "姓名只能由汉字组成（少数民族或译名各部分之间用间隔号“·”），持护照的外国人可用外文字母、空格和连字符",
                    "A name is Chinese characters (the parts of a minority or transliterated name joined by the "
                    "middle dot ·), or, for a foreign national with a passport, Latin letters, spaces and hyphens")]
