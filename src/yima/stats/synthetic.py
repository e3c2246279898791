"""Synthetic registers for benchmarks and demos: plausible, valid, and reproducible from a seed.

The mix follows what a Chinese high-tech zone's register looks like: individual businesses are
the majority of market entities, domestic enterprises about four in ten, a few foreign-invested
enterprises and farmer cooperatives; industries are drawn so that about three quarters of
domestic enterprises are tertiary (wholesale and retail, software, business services lead),
a fifth secondary, a sliver primary. Establishment dates spread over fifteen years with the
register growing about 10% a year; a quarter to a third of entities are cancelled after a few
years. Every credit code is valid (GB 32100-2015) and unique: the zone's division code and its
organisation-code block, as Yima assigns them.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from yima.registration.codes import make_uscc
from yima.standard.industry import all_industries, three_industry
from yima.stats.rows import HEADER, EntityRow

ENTITY_MIX: tuple[tuple[str, float], ...] = (
    ("individual_business", 0.585), ("domestic_enterprise", 0.385), ("foreign_enterprise", 0.015),
    ("farmer_cooperative", 0.015),
)
#: Share of each sector by entity type (primary, secondary, tertiary).
SECTOR_MIX: dict[str, tuple[float, float, float]] = {
    "domestic_enterprise": (0.02, 0.215, 0.765), "foreign_enterprise": (0.0, 0.45, 0.55),
    "individual_business": (0.01, 0.07, 0.92), "farmer_cooperative": (0.85, 0.05, 0.10),
}
#: How much more often a division is drawn than an ordinary one of its sector.
DIVISION_WEIGHT: dict[str, float] = {
    "A01": 6, "A03": 4, "A05": 2, "C13": 3, "C14": 2, "C26": 2, "C29": 2, "C33": 3, "C34": 4, "C35": 4,
    "C36": 3, "C38": 5, "C39": 6, "C40": 2, "D44": 2, "E47": 10, "E48": 8, "E49": 6, "E50": 12,
    "F51": 25, "F52": 30, "H61": 3, "H62": 12, "G54": 6, "I64": 6, "I65": 18, "K70": 5, "L71": 3,
    "L72": 15, "M73": 4, "M74": 6, "M75": 10, "N78": 2, "O80": 8, "O81": 4, "P83": 2, "R86": 2,
    "R88": 2, "R90": 2,
    # Party and state organs, mass organisations, grassroots self-government and international
    # organisations are not registered as market entities.
    "S91": 0, "S92": 0, "S93": 0, "S94": 0, "S95": 0, "S96": 0, "T97": 0,
}
TRADE_WORDS = ("科技", "信息技术", "贸易", "商贸", "建筑工程", "餐饮管理", "电子", "智能制造", "生物医药",
               "文化传媒", "物流", "咨询", "教育科技", "环保", "新材料", "汽车服务", "网络科技", "企业管理")
BRAND_WORDS = ("云帆", "渝新", "山城", "嘉陵", "科城", "金凤", "西永", "含谷", "白市驿", "曾家", "巴福",
               "长江", "缙云", "两江", "鹏程", "博远", "锦华", "星辰", "睿思", "汇通", "启明", "天成")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
SHOPS = ("小面馆", "便利店", "理发店", "水果店", "五金店", "火锅店", "服装店", "快餐店", "烟酒店", "药房")
STREETS = ("科城路", "学城大道", "西永大道", "含谷大道", "金凤大道", "曾家大道", "高新大道", "大学城南路")
#: Chongqing's district codes (GB/T 2260): each further million entities of a synthetic register
#: takes the next, so that its credit codes stay unique up to 26 million entities.
BENCH_DIVISIONS = ("500107", "500106", "500108", "500112", "500113", "500119", "500120", "500151",
                   "500101", "500102", "500103", "500104", "500105", "500109", "500110", "500111",
                   "500114", "500115", "500116", "500117", "500118", "500152", "500153", "500154",
                   "500155", "500156")
YEARS = 15


@lru_cache(maxsize=1)
def _divisions_by_sector() -> dict[int, tuple[list[str], list[float]]]:
    classes_by_division: dict[str, int] = {}
    for entry in all_industries("class"):
        key = entry.canonical[:3]
        classes_by_division[key] = classes_by_division.get(key, 0) + 1
    result: dict[int, tuple[list[str], list[float]]] = {1: ([], []), 2: ([], []), 3: ([], [])}
    for division in all_industries("division"):
        key = division.canonical
        if key not in classes_by_division:
            continue
        names, weights = result[three_industry(key)]
        names.append(key)
        weights.append(DIVISION_WEIGHT.get(key, 1.0))
    return result


@lru_cache(maxsize=1)
def _classes_by_division() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for entry in all_industries("class"):
        result.setdefault(entry.canonical[:3], []).append(entry.canonical)
    return result


@lru_cache(maxsize=4096)
def _sector_of(code: str) -> int:
    """``three_industry`` of a class code, kept: a synthetic register asks it once per row."""
    return three_industry(code)


def pick_industry(rng: random.Random, sector: int) -> str:
    """A GB/T 4754 class code of the given sector, popular divisions drawn more often."""
    names, weights = _divisions_by_sector()[sector]
    division = rng.choices(names, weights)[0]
    code = rng.choice(_classes_by_division()[division])
    if _sector_of(code) != sector:  # divisions 05, 11, 43 sit in another section's sector
        return pick_industry(rng, sector)
    return code


def pick_sector(rng: random.Random, entity_type: str) -> int:
    return rng.choices((1, 2, 3), SECTOR_MIX.get(entity_type, SECTOR_MIX["domestic_enterprise"]))[0]


def credit_code_type(entity_type: str) -> str:
    """The ``make_uscc`` type whose GB 32100 category matches an import entity type."""
    return entity_type if entity_type in ("individual_business", "farmer_cooperative") else "llc"


#: The characters that follow a synthetic 字号's first word: common in real 字号, standard characters
#: the licence font draws, and none of 中, 国, 华 (中国, 中华 and 国际 are words the name rules
#: reserve), so that no two of them make a word the rules refuse.
TAIL = ("安邦宝博昌诚达德鼎东方丰福富广海瀚浩和恒弘宏辉汇佳建金锦晶景久聚凯康坤朗乐利联良林龙隆茂美铭明宁品"
        "平启千乾荣瑞润森盛晟世顺泰天通同拓万旺伟文祥鑫信兴旭雅阳业亿易益谊银英永优宇源远悦越泽正志致智众卓")


def unique_tail(n: int) -> str:
    """Two or more characters of ``TAIL`` that no other ``n`` (≥ 0) gives: ``n`` written in bijective
    base ``len(TAIL)``, from the first number of two digits on (two characters for ``n`` up to 9,603,
    three up to 950,795, four beyond)."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    base = len(TAIL)
    m, digits = n + base + 1, []
    while m:
        m, r = divmod(m - 1, base)
        digits.append(TAIL[r])
    return "".join(reversed(digits))


def entity_name(rng: random.Random, entity_type: str, n: int) -> str:
    """The name of the register's ``n``-th entity: its words drawn from ``rng`` (the same draws
    whatever ``n``), its 字号 made distinct by ``unique_tail(n)``, so that a register's names are
    all different, as the name rules require within a registration authority (a register of 60,000
    entities once held 1,015 names, one of them 203 times)."""
    tail = unique_tail(n)
    if entity_type == "individual_business":
        return f"九龙坡区{rng.choice(SURNAMES)}记{tail}{rng.choice(SHOPS)}"
    if entity_type == "farmer_cooperative":
        return f"重庆{rng.choice(BRAND_WORDS)}{tail}种植专业合作社"
    if entity_type == "foreign_enterprise":
        return f"{rng.choice(BRAND_WORDS)}{tail}（重庆）{rng.choice(TRADE_WORDS)}有限公司"
    return f"重庆{rng.choice(BRAND_WORDS)}{tail}{rng.choice(TRADE_WORDS)}有限公司"


def capital_for(rng: random.Random, entity_type: str) -> Decimal:
    """Registered capital in yuan: log-normal, rounded as founders write it."""
    if entity_type == "individual_business":
        return Decimal(max(1, round(math.exp(rng.gauss(math.log(50_000), 1.0)) / 1_000)) * 1_000)
    if entity_type == "farmer_cooperative":
        return Decimal(max(1, round(math.exp(rng.gauss(math.log(500_000), 0.8)) / 10_000)) * 10_000)
    centre = 5_000_000 if entity_type == "foreign_enterprise" else 1_000_000
    return Decimal(max(1, round(math.exp(rng.gauss(math.log(centre), 1.5)) / 10_000)) * 10_000)


def address(rng: random.Random) -> str:
    return f"重庆市九龙坡区{rng.choice(STREETS)}{rng.randint(1, 999)}号"


def establishment_dates(rng: random.Random, n: int, today: date) -> list[date]:
    """``n`` dates over the fifteen years to ``today``, about 10% more each year, in order."""
    year_weights = [1.1 ** k for k in range(YEARS)]
    first_year = today.year - YEARS + 1
    days: list[date] = []
    for year in rng.choices(range(first_year, today.year + 1), year_weights, k=n):
        day = date(year, 1, 1) + timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))
        days.append(day if day <= today else today - timedelta(days=rng.randrange(365)))
    days.sort()
    return days


SYNTHETIC_BLOCK = 1_000_000


def synthetic_uscc(i: int, entity_type: str, org_block_start: int) -> str:
    """The credit code of the ``i``-th synthetic entity: the ``i % 1,000,000``-th of the zone's block
    under the ``i // 1,000,000``-th district's division code (distinct for every ``i``)."""
    return make_uscc(credit_code_type(entity_type), BENCH_DIVISIONS[i // SYNTHETIC_BLOCK], i % SYNTHETIC_BLOCK,
                     org_block_start)


def synthetic_register(n: int, today: date, org_block_start: int, *, seed: int = 2021) -> Iterator[EntityRow]:
    """``n`` entities established over the fifteen years to ``today``. Credit codes follow the order
    of registration, as a registry assigns them: from the zone's organisation-code block, each
    further million under another Chongqing district's division code, so that they stay unique."""
    most = SYNTHETIC_BLOCK * len(BENCH_DIVISIONS)
    if n > most:
        raise ValueError(f"a synthetic register has at most {most:,} entities, not {n:,}")
    rng = random.Random(seed)
    types = [t for t, _ in ENTITY_MIX]
    type_weights = [w for _, w in ENTITY_MIX]
    for i, established in enumerate(establishment_dates(rng, n, today)):
        entity_type = rng.choices(types, type_weights)[0]
        cancelled = None
        if rng.random() < (0.35 if entity_type == "individual_business" else 0.25):
            closing = established + timedelta(days=int(rng.expovariate(1 / (5 * 365))) + 1)
            cancelled = closing if closing <= today else None
        uscc = synthetic_uscc(i, entity_type, org_block_start)
        yield EntityRow(uscc, entity_name(rng, entity_type, i), entity_type,
                        pick_industry(rng, pick_sector(rng, entity_type)), capital_for(rng, entity_type),
                        established, cancelled, address(rng))


def write_register(path: Path, rows: Iterable[EntityRow], on_row: Callable[[int], None] | None = None,
                   every: int = 10_000) -> int:
    """Write rows as an import file (the CSV ``yima import entities`` reads); returns the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow((row.uscc, row.name, row.entity_type, row.industry_code, str(row.registered_capital),
                             row.established_on.isoformat(),
                             row.cancelled_on.isoformat() if row.cancelled_on else "", row.address))
            count += 1
            if on_row and count % every == 0:
                on_row(count)
    if on_row:
        on_row(count)
    return count
