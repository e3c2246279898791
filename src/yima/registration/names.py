"""Enterprise names by the rules (企业名称自主申报), as plain functions.

Sources: 企业名称登记管理规定 (State Council order No. 734, revised 2020) and
企业名称登记管理规定实施办法 (SAMR order No. 82 of 2023, in force 1 October 2023).

* Form (规定 art. 6, 实施办法 arts. 7-11): 行政区划 + 字号 + 行业或者经营特点 + 组织形式; the division
  may stand in brackets after the 字号 (实施办法 art. 9). The 字号 has at least two Chinese
  characters (规定 art. 7). ``parse`` splits a name into these parts; the form rule itself is
  ``name.form`` in ``rules.py``.
* Characters (规定 art. 8: 企业名称应当使用规范汉字): every character is in the 通用规范汉字表 (State
  Council, 2013; shipped as ``yima/standard/data/tongyong_guifan_hanzi.txt``, 8105 characters),
  or one of the brackets （）() that enclose a division, or an Arabic digit (permitted by the 2023
  measures in the 字号 and feature, e.g. 重庆一八九七科技 or 重庆1897科技). Nothing else: markup
  (``name.markup``), Latin letters or pinyin (``name.latin``), traditional or variant characters,
  emoji and symbols (``name.characters``); control and invisible characters are the text-wide
  rule ``text.hidden_character``. Every character must also be printable by the licence font
  (``name.glyph``): the shipped font covers 7829 of the 8105 table characters, so a rare one
  goes to the registration office instead of being printed as an empty box.
* Words (规定 arts. 10-11): banned words are refused (``name.banned``); restricted words such as
  中国, 中华, 全国, 国家, 国际 go to an officer (``name.restricted``).
* The register (实施办法 arts. 17-18): a name whose 字号 and industry feature equal those of an
  active enterprise of the zone is refused, naming that enterprise (``name.same_as_registered``);
  the same 字号 with another feature goes to an officer (``name.similar``).

The word lists and every message are data in the matter standard (``[names]``), so they are part of
its digest; this module holds only the logic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from yima.errors import Finding
from yima.fonts import FontMissing, cjk_font_path
from yima.standard.model import MatterStandard
from yima.textcheck import hidden_character

BRACKETS = "（）()"
DIGITS = "0123456789"
#: Characters that make a text markup, a formula or a script, whichever field they are in.
MARKUP = frozenset("<>&\"'`=/\\{}[]|;$%#@*+^~!?＜＞＆＂＇｀＝／＼｛｝［］｜；＄％＃＠＊＋＾～！？")


@lru_cache(maxsize=1)
def standard_characters() -> frozenset[str]:
    """The 8105 characters of the 通用规范汉字表."""
    text = resources.files("yima.standard").joinpath("data", "tongyong_guifan_hanzi.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def printable_code_points() -> frozenset[int] | None:
    """The code points the licence font draws; None when no font is installed (the licence cannot
    be made then, which the licence step reports itself)."""
    from fontTools.ttLib import TTFont  # loaded when a name is first checked, not at start

    try:
        path = cjk_font_path()
    except FontMissing:
        return None
    font = TTFont(str(path), fontNumber=0, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def is_latin(char: str) -> bool:
    return char.isascii() and char.isalpha() or "Ａ" <= char <= "Ｚ" or "ａ" <= char <= "ｚ"


def message(standard: MatterStandard, rule: str, field: str, **values: str) -> Finding:
    """The finding of ``rule`` with the standard's message, its placeholders filled."""
    text = standard.names.messages.get(rule)
    if text is None:
        return Finding(rule, field, rule, rule)
    return Finding(rule, field, text.zh.format_map(values), text.en.format_map(values))


def _char(standard: MatterStandard, rule: str, field: str, char: str) -> list[Finding]:
    return [message(standard, rule, field, char=char, code=f"U+{ord(char):04X}")]


def character_findings(name: str, field: str, standard: MatterStandard) -> list[Finding]:
    """At most one finding: the first kind of character a name may not contain."""
    hidden = hidden_character(name, field)
    if hidden is not None:
        return [hidden]
    for rule, wrong in (("name.markup", lambda c: c in MARKUP), ("name.latin", is_latin)):
        char = next((c for c in name if wrong(c)), None)
        if char is not None:
            return _char(standard, rule, field, char)
    table = standard_characters()
    char = next((c for c in name if c not in table and c not in BRACKETS and c not in DIGITS), None)
    if char is not None:
        return _char(standard, "name.characters", field, char)
    printable = printable_code_points()
    char = next((c for c in name if printable is not None and ord(c) not in printable), None)
    if char is not None:
        return _char(standard, "name.glyph", field, char)
    return []


def banned_findings(name: str, standard: MatterStandard, field: str = "name") -> list[Finding]:
    return [message(standard, "name.banned", field, word=w) for w in standard.names.banned_words if w in name]


def restricted_findings(name: str, standard: MatterStandard, field: str = "name") -> list[Finding]:
    return [message(standard, "name.restricted", field, word=w) for w in standard.names.restricted_words if w in name]


@dataclass(frozen=True)
class NameParts:
    division: str
    trade: str
    feature: str
    form: str


def _longest(words: Iterable[str], test: object) -> str | None:
    return next((w for w in sorted(words, key=len, reverse=True) if test(w)), None)  # type: ignore[operator]


def parse(name: str, place_names: Sequence[str], standard: MatterStandard) -> NameParts | None:
    """Division, 字号, industry feature and organisation form of a name; None when it has not
    this shape (a division, a known feature and a known form)."""
    forms = {s for etype in standard.entity_types.values() for s in etype.name_suffixes}
    form = _longest(forms, name.endswith)
    core = name[: len(name) - len(form)] if form else name
    division = _longest(place_names, core.startswith)
    if division is not None:
        core = core[len(division):]
    else:
        division = next((p for p in place_names if f"（{p}）" in core or f"({p})" in core), None)
        if division is None:
            return None
        core = core.replace(f"（{division}）", "").replace(f"({division})", "")
    feature = _longest(standard.industry_words, core.endswith)
    if feature is None or not form:
        return None
    return NameParts(division, core[: len(core) - len(feature)], feature, form)


def trade_beginnings(trade: str, place_names: Sequence[str], feature: str = "") -> tuple[str, ...]:
    """How a name begins that ``parse`` splits to the 字号 ``trade``: after its division (重庆华信…,
    重庆市华信…), with the division in brackets after the 字号 (华信（重庆）…, 华信科技（重庆）…; 实施办法
    art. 9) or before it (（重庆）华信…). With ``feature``, how a name with that 字号 and that industry
    feature begins (重庆华信科技…, 华信（重庆）科技…, 华信科技（重庆）…). The register is searched for
    names with these beginnings, each a range of an index, instead of reading every name of the zone
    for the 字号 anywhere in it. A name whose bracketed division stands inside its 字号 (华（重庆）信…),
    a form the naming measures do not provide for (and which the form rule, ``name.form``, does not
    refuse either), is not among them."""
    found = [trade + feature]
    for place in place_names:
        found += [place + trade + feature, f"（{place}）{trade}{feature}", f"({place}){trade}{feature}"]
        if feature:
            found += [f"{trade}（{place}）{feature}", f"{trade}({place}){feature}"]
    return tuple(dict.fromkeys(found))


def register_findings(name: str, place_names: Sequence[str], standard: MatterStandard,
                      registered: Iterable[tuple[str, str]],
                      field: str = "name") -> tuple[list[Finding], list[Finding]]:
    """(refusals, review) of a name against the zone's active enterprises ``(name, uscc)``."""
    parts = parse(name, place_names, standard)
    if parts is None or not parts.trade:
        return [], []
    same: list[Finding] = []
    alike: list[Finding] = []
    for other_name, uscc in registered:
        other = parse(other_name, place_names, standard)
        if other is None or other.trade != parts.trade:
            continue
        if other.feature == parts.feature:
            same.append(message(standard, "name.same_as_registered", field, enterprise=other_name, uscc=uscc))
        else:
            alike.append(message(standard, "name.similar", field, enterprise=other_name, uscc=uscc))
    return same, alike
