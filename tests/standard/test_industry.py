from __future__ import annotations

import string
from collections import Counter

import pytest

from yima.errors import DomainError
from yima.standard.industry import (
    Industry,
    all_industries,
    is_valid,
    lookup,
    normalise,
    three_industry,
)


def test_lookup_class_with_section_letter() -> None:
    assert lookup("I6513") == Industry(code="6513", section="I", level="class", name_zh="应用软件开发")


def test_lookup_accepts_bare_digits_and_lower_case() -> None:
    assert lookup("6513") == lookup("I6513") == lookup(" i6513 ")


@pytest.mark.parametrize(
    ("code", "level", "name"),
    [
        ("I", "section", "信息传输、软件和信息技术服务业"),
        ("C31", "division", "黑色金属冶炼和压延加工业"),
        ("F52", "division", "零售业"),
        ("F521", "group", "综合零售"),
        ("H611", "group", "旅游饭店"),
        ("F5213", "class", "便利店零售"),
        ("F5223", "class", "果品、蔬菜零售"),
        ("F5229", "class", "其他食品零售"),
        ("H6210", "class", "正餐服务"),
        ("H6110", "class", "旅游饭店"),
        ("O8040", "class", "理发及美容服务"),
        ("R8921", "class", "体育场馆管理"),
        ("R8930", "class", "健身休闲活动"),
        ("M7519", "class", "其他技术推广服务"),
        ("M7530", "class", "科技中介服务"),
        ("B0610", "class", "烟煤和无烟煤开采洗选"),
        ("C3120", "class", "炼钢"),
        ("C3011", "class", "水泥制造"),
        ("A0111", "class", "稻谷种植"),
        ("T9700", "class", "国际组织"),
    ],
)
def test_known_entries(code: str, level: str, name: str) -> None:
    entry = lookup(code)
    assert (entry.level, entry.name_zh) == (level, name)
    assert entry.canonical == code


def test_normalise_gives_the_section_letter_form() -> None:
    assert normalise("6513") == "I6513"
    assert normalise("c31") == "C31"
    assert normalise("I") == "I"
    assert normalise("0610") == "B0610"


@pytest.mark.parametrize("code", ["C6513", "A0610", "I31", "B05", "T0111"])
def test_section_letter_must_match_the_division(code: str) -> None:
    with pytest.raises(DomainError) as caught:
        lookup(code, field="scope[0].industry_code")
    finding = caught.value.finding
    assert finding.rule == "industry_code.section_mismatch"
    assert finding.field == "scope[0].industry_code"
    assert finding.zh and finding.en


@pytest.mark.parametrize(
    "code", ["", "U", "I9", "I6518", "6510", "98", "I65130", "I-6513", "IX6513", "６５１３", "O8060X"]
)
def test_unknown_codes_are_refused(code: str) -> None:
    with pytest.raises(DomainError) as caught:
        lookup(code)
    assert caught.value.finding.rule == "industry_code.unknown"
    assert caught.value.finding.field == "industry_code"
    assert not is_valid(code)


def test_is_valid() -> None:
    assert is_valid("I6513")
    assert is_valid("6513")
    assert not is_valid("C6513")


@pytest.mark.parametrize(
    ("code", "sector"),
    [
        ("A0111", 1),
        ("A01", 1),
        ("A04", 1),
        ("A0511", 3),  # agricultural professional and auxiliary activities
        ("A05", 3),
        ("B0610", 2),
        ("B1120", 3),  # mining professional and auxiliary activities
        ("B11", 3),
        ("B1200", 2),
        ("C3120", 2),
        ("C3011", 2),
        ("C4310", 3),  # repair of metal products, machinery and equipment
        ("C43", 3),
        ("C4210", 2),
        ("D4411", 2),
        ("D", 2),
        ("E4710", 2),
        ("E", 2),
        ("F5213", 3),
        ("I6513", 3),
        ("I", 3),
        ("T9700", 3),
    ],
)
def test_three_industry(code: str, sector: int) -> None:
    assert three_industry(code) == sector


@pytest.mark.parametrize("code", ["A", "B", "C"])
def test_three_industry_refuses_sections_spanning_two_sectors(code: str) -> None:
    with pytest.raises(DomainError) as caught:
        three_industry(code)
    assert caught.value.finding.rule == "industry_code.sector_ambiguous"


def test_every_class_has_a_sector() -> None:
    sectors = Counter(three_industry(entry.canonical) for entry in all_industries("class"))
    assert set(sectors) == {1, 2, 3}


def test_table_has_all_sections_and_divisions() -> None:
    counts = Counter(entry.level for entry in all_industries())
    assert counts["section"] == 20
    assert counts["division"] == 97
    assert counts["group"] == 473
    assert counts["class"] == 1381
    assert [e.code for e in all_industries("section")] == list(string.ascii_uppercase[:20])
    assert [e.code for e in all_industries("division")] == [f"{n:02d}" for n in range(1, 98)]


@pytest.mark.parametrize(
    ("section", "first", "last"),
    [("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52),
     ("G", 53, 60), ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72),
     ("M", 73, 75), ("N", 76, 79), ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90),
     ("S", 91, 96), ("T", 97, 97)],
)
def test_divisions_belong_to_their_sections(section: str, first: int, last: int) -> None:
    divisions = [e.code for e in all_industries("division") if e.section == section]
    assert divisions == [f"{n:02d}" for n in range(first, last + 1)]


def test_table_is_a_well_formed_tree() -> None:
    entries = {entry.code: entry for entry in all_industries()}
    children: dict[str, list[Industry]] = {}
    for entry in entries.values():
        assert entry.name_zh and entry.name_zh == entry.name_zh.strip()
        if entry.level in ("group", "class"):
            parent = entries[entry.code[:-1]]
            assert parent.section == entry.section
            assert len(parent.code) == len(entry.code) - 1
            children.setdefault(parent.code, []).append(entry)
    for entry in entries.values():
        if entry.level == "division":
            assert children.get(entry.code), f"division {entry.code} has no groups"
        if entry.level == "group":
            classes = children[entry.code]
            if len(classes) == 1:
                # a group of one class: same name, class code ending in 0
                assert classes[0].code.endswith("0")
                assert classes[0].name_zh == entry.name_zh
            else:
                assert not any(c.code.endswith("0") for c in classes), entry.code
