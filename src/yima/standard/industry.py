"""Industry classes of GB/T 4754-2017 《国民经济行业分类》, and the three sectors they fall in.

GB/T 4754-2017 clause 4 (coding method and code structure): four levels, a section (门类) coded
by one Latin letter A-T, a division (大类) by two digits numbered 01-97 across all sections, a
group (中类) by three digits and a class (小类) by four, each code starting with its parent's.
A group with a single class gives that class its own name and the final digit 0 (``6110``).
The table itself (clause 5) is the data file ``data/gbt4754_2017.csv``: 20 sections, 97
divisions, 473 groups and 1381 classes of the 2017 edition, without amendment No. 1 of 2019.

Yima writes a code with its section letter (``I6513``, ``C31``, ``I``) so that the section is
visible; ``lookup`` also accepts bare digits (``6513``) and checks a given letter against the
division.

Sectors follow 《三次产业划分规定》 of the National Bureau of Statistics as revised in 2018 on
GB/T 4754-2017: the primary sector is section A without division 05 (professional and
auxiliary activities of agriculture, forestry, animal husbandry and fishery); the secondary
sector is section B without division 11 (professional and auxiliary activities of mining),
section C without division 43 (repair of metal products, machinery and equipment), and sections
D and E; every other activity, including divisions 05, 11 and 43, is the tertiary sector.
python-stdnum has no industry classification, so this module and its table are Yima's own.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal, cast

from yima.errors import DomainError

Level = Literal["section", "division", "group", "class"]

DATA_FILE = "gbt4754_2017.csv"
_LEVELS: tuple[Level, ...] = ("section", "division", "group", "class")
_CODE = re.compile(r"([A-Z]?)([0-9]*)")
_TERTIARY_DIVISIONS = frozenset({"05", "11", "43"})
_PRIMARY_SECTIONS = frozenset({"A"})
_SECONDARY_SECTIONS = frozenset({"B", "C", "D", "E"})
_SECTIONS_ACROSS_SECTORS = frozenset({"A", "B", "C"})


@dataclass(frozen=True)
class Industry:
    """One entry of GB/T 4754-2017. ``code`` is bare: ``I`` for a section, digits otherwise."""

    code: str
    section: str
    level: Level
    name_zh: str

    @property
    def canonical(self) -> str:
        """Yima's written form: the section letter, then the digits (``I6513``)."""
        return self.code if self.level == "section" else self.section + self.code


@lru_cache(maxsize=1)
def _table() -> dict[str, Industry]:
    text = resources.files("yima.standard").joinpath("data", DATA_FILE).read_text("utf-8")
    table: dict[str, Industry] = {}
    section = ""
    for row in csv.DictReader(io.StringIO(text)):
        code, name = row["code"], row["name_zh"]
        if row["level"] not in _LEVELS:
            raise ValueError(f"{DATA_FILE}: unknown level {row['level']!r} for code {code}")
        level = cast(Level, row["level"])
        if level == "section":
            section = code
            owner = code
        elif level == "division":
            owner = section
        else:
            owner = table[code[:-1]].section
        table[code] = Industry(code=code, section=owner, level=level, name_zh=name)
    return table


def all_industries(level: Level | None = None) -> list[Industry]:
    """Every entry of the table in its order, or only those of one level."""
    return [entry for entry in _table().values() if level is None or entry.level == level]


def _unknown(code: str, field: str) -> DomainError:
    return DomainError(
        "industry_code.unknown", field,
        f"“{code}”不是《国民经济行业分类》（GB/T 4754-2017）中的行业代码",
        f"'{code}' is not an industry code of GB/T 4754-2017",
    )


def lookup(code: str, field: str = "industry_code") -> Industry:
    """The entry for ``I6513``, ``6513``, ``C31``, ``I`` ...; ``DomainError`` when there is none."""
    written = code.strip().upper()
    match = _CODE.fullmatch(written)
    if not written or match is None:
        raise _unknown(code, field)
    letter, digits = match.groups()
    entry = _table().get(digits or letter)
    if entry is None:
        raise _unknown(code, field)
    if letter and entry.section != letter:
        raise DomainError(
            "industry_code.section_mismatch", field,
            f"行业代码“{code}”的门类字母应为{entry.section}（{entry.code} {entry.name_zh}）",
            f"Industry code '{code}' belongs to section {entry.section}, not {letter}",
        )
    return entry


def normalise(code: str, field: str = "industry_code") -> str:
    """Yima's written form of a valid code: ``6513`` and ``i6513`` both give ``I6513``."""
    return lookup(code, field).canonical


def is_valid(code: str) -> bool:
    try:
        lookup(code)
    except DomainError:
        return False
    return True


def three_industry(code: str, field: str = "industry_code") -> int:
    """The sector (1, 2 or 3) of an industry per 《三次产业划分规定》 (2018).

    A whole section A, B or C spans two sectors, so those section codes are refused; give a
    division or finer code.
    """
    entry = lookup(code, field)
    if entry.level == "section":
        if entry.section in _SECTIONS_ACROSS_SECTORS:
            raise DomainError(
                "industry_code.sector_ambiguous", field,
                f"门类{entry.section}跨两个产业，请填写大类及以下的行业代码",
                f"Section {entry.section} spans two sectors; give a division or finer code",
            )
    elif entry.code[:2] in _TERTIARY_DIVISIONS:
        return 3
    if entry.section in _PRIMARY_SECTIONS:
        return 1
    if entry.section in _SECONDARY_SECTIONS:
        return 2
    return 3
