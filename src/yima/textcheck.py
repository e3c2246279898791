"""Text hygiene: no control or invisible characters in anything a person typed.

One function, ``hidden_character``, decides for every text field of every feature (names,
addresses, reasons, notes; registration, observers, projects, the CSV imports and the messages
of a partner zone). A character is refused when it cannot be seen or changes how the text around
it is shown or read, that is when its Unicode general category is

* ``Cc`` control (except a line break in a multi-line field),
* ``Cf`` format (zero-width space U+200B and joiners, the byte-order mark U+FEFF, the bidi
  overrides U+202A-U+202E and isolates U+2066-U+2069 used to disguise text, soft hyphen U+00AD),
* ``Co`` private use, ``Cs`` surrogate, ``Cn`` unassigned,
* ``Zl``/``Zp`` line and paragraph separator,

or it is one of the blank letters and marks that render as nothing (Hangul fillers U+115F,
U+1160, U+3164, U+FFA0, braille blank U+2800, the variation selectors U+FE00-U+FE0F and
U+E0100-U+E01EF, combining grapheme joiner U+034F). Ordinary spaces (U+0020, the ideographic
space U+3000) are visible and allowed; what a field allows beyond that is the field's own rule.

The rule id is ``text.hidden_character``; the message names the code point, since the character
itself cannot be seen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from yima.errors import DomainError, Finding

RULE = "text.hidden_character"
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_BLANK = frozenset({0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, *range(0xFE00, 0xFE10),
                    *range(0xE0100, 0xE01F0)})


#: The blank characters as a pattern, to look for them in C rather than character by character.
_BLANK_PATTERN = re.compile("[\u034f\u115f\u1160\u3164\uffa0\u2800\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def is_hidden(char: str, multiline: bool = False) -> bool:
    if multiline and char in "\n\r":
        return False
    return ord(char) in _BLANK or unicodedata.category(char) in _REFUSED_CATEGORIES


def has_nothing_hidden(value: str) -> bool:
    """True when ``value`` certainly holds no hidden character, even in a one-line field (False:
    look character by character). ``str.isprintable`` is false for every character of the
    categories Other (Cc, Cf, Cs, Co, Cn) and Separator but the ASCII space, from the same Unicode
    database as ``unicodedata``; printable text without a blank character has nothing hidden."""
    return value.isprintable() and _BLANK_PATTERN.search(value) is None


def hidden_character(value: str, field: str, multiline: bool = False) -> Finding | None:
    """The finding for the first control or invisible character of ``value``, or None."""
    if has_nothing_hidden(value):
        return None
    for position, char in enumerate(value):
        if is_hidden(char, multiline):
            code = f"U+{ord(char):04X}"
            return Finding(RULE, field,
                           f"第{position + 1}个字符是不可见或控制字符（{code}），请删除后重新输入",
                           f"Character {position + 1} is an invisible or control character ({code}); "
                           "delete it and type the text again")
    return None


def check_clean(value: str, field: str, multiline: bool = False) -> str:
    """``value`` itself when clean; ``DomainError`` (``text.hidden_character``) otherwise."""
    found = hidden_character(value, field, multiline)
    if found is not None:
        raise DomainError.of([found])
    return value


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a JSON-like value, with its dotted field path (list items by index)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from walk_strings(item, f"{path}.{index}" if path else str(index))


def hidden_characters(value: Any, skip: frozenset[str] = frozenset()) -> list[Finding]:
    """``hidden_character`` for every string inside ``value`` (paths in ``skip`` excepted)."""
    found = (hidden_character(text, path) for path, text in walk_strings(value) if path not in skip)
    return [f for f in found if f is not None]


def _validate(value: str, multiline: bool) -> str:
    found = hidden_character(value, "", multiline)
    if found is not None:
        raise PydanticCustomError(RULE, "{zh} / {en}", {"zh": found.zh, "en": found.en})
    return value


def _one_line(value: str) -> str:
    return _validate(value, False)


def _lines(value: str) -> str:
    return _validate(value, True)


#: A one-line text field of a request model: refused with ``text.hidden_character``.
CleanStr = Annotated[str, AfterValidator(_one_line)]
#: A multi-line text field (a reason, a note): line breaks allowed, nothing else hidden.
CleanText = Annotated[str, AfterValidator(_lines)]
