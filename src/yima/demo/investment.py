"""The Chongqing High-tech Zone's investment records of 2020–2021, for the demo.

The zone's 2021 report says of January–June 2021: 73 projects signed with 76.368 billion yuan of
agreed investment (+151% year on year), 14.85 billion yuan of funds in place (+357%), investors
including 7 Fortune Global 500, 8 central SOE and 9 China Top 500 companies, in big health, new
information technology and advanced manufacturing; and 36 key enterprises served, 44.4% of them
high-tech. ``seed_investment`` builds project, fund, key-enterprise and service records from which
Yima computes exactly these figures (nothing is stored as a figure), and loads them through the
importers, the way a zone brings in its existing records.

The bases a year earlier are not in the report; they are chosen so that the growth rounds to the
report's: 30.4255 billion yuan signed in January–June 2020 (76.368 / 30.4255 = 2.5100) and
3.24945 billion in place (14.85 / 3.24945 = 4.5700). Names of projects and investors are made up.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from yima.accounts.service import SharedPassword, add_user
from yima.accounts.tables import User
from yima.db import Database
from yima.demo.users import demo_password
from yima.projects.importer import load_funds, load_key_enterprises, load_projects, load_services
from yima.projects.rows import FundRow, KeyEnterpriseRow, ProjectRow, ServiceRow
from yima.projects.rules import Certificate
from yima.register.tables import Enterprise

SIGNED_2021 = (73, Decimal("76368000000"))
SIGNED_2020 = (38, Decimal("30425500000"))
FUNDS_2021 = Decimal("14850000000")
FUNDS_2020 = Decimal("3249450000")
#: Distinct investors with each tag among the projects signed: 2021 as reported, 2020 chosen.
TAGGED_2021 = {"fortune_global_500": 7, "central_soe": 8, "china_top_500": 9, "listed": 12}
TAGGED_2020 = {"fortune_global_500": 3, "central_soe": 4, "china_top_500": 5, "listed": 6}
SERVED_2021, HIGH_TECH_2021 = 36, 16
SERVED_2020 = 22
SPECIALISTS = ("specialist-cq-1", "specialist-cq-2", "specialist-cq-3")
OFFICE_USER = "invest-cq"

INDUSTRIES = (  # (GB/T 4754 class, field, share of projects)
    ("C2720", "大健康", 3), ("C3581", "大健康", 2), ("Q8411", "大健康", 1), ("M7340", "大健康", 1),
    ("C3972", "新一代信息技术", 3), ("C3982", "新一代信息技术", 2), ("I6450", "新一代信息技术", 2),
    ("I6513", "新一代信息技术", 2), ("C3670", "先进制造", 2), ("C3841", "先进制造", 2), ("C3491", "先进制造", 1),
    ("C3562", "先进制造", 1), ("M7320", "科技服务", 1), ("G5990", "现代物流", 1),
)
PROJECT_KINDS = {"大健康": ("生物医药产业园", "医疗器械生产基地", "精准医学中心", "创新药研发中心"),
                 "新一代信息技术": ("功率半导体项目", "显示模组基地", "数据中心", "工业软件研发中心"),
                 "先进制造": ("新能源汽车零部件项目", "智能装备产业园", "动力电池基地", "精密模具中心"),
                 "科技服务": ("检验检测中心",), "现代物流": ("智慧物流园",)}
INVESTOR_STEMS = ("华岳", "远航", "中科", "西凌", "博川", "润信", "天衡", "金沙", "鼎峰", "嘉辰", "新程", "海川",
                  "明源", "长风", "恒拓", "宏图", "晨光", "九州", "瑞丰", "同创", "联和", "卓越", "东方", "星河",
                  "盛达", "锦程")
REQUESTS = ("招聘一线技术工人", "申请人才公寓", "厂区用电增容", "办理施工许可", "对接银行融资", "兑现研发费用补贴",
            "租赁标准厂房", "员工子女入学", "开通物流通道", "办理环评手续", "申报高新技术企业", "协调供水管网")
ACTIONS = ("已对接人社部门举办专场招聘会", "已协调分配公寓房源", "已协调供电公司扩容", "已容缺受理并指导补正",
           "已组织银企对接会", "已兑现补贴资金", "已推荐园区厂房", "已协调学位", "已协调交通部门", "已开通绿色通道")


def _split(total: Decimal, count: int, rng: random.Random, low: float = 0.2) -> list[Decimal]:
    """``count`` amounts in ten-thousands of yuan (万元) that add up to ``total`` exactly."""
    weights = [low + rng.random() ** 2 for _ in range(count)]
    scale = total / Decimal(str(sum(weights)))
    parts = [(Decimal(str(w)) * scale).quantize(Decimal("10000")) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


Investor = tuple[str, tuple[str, ...]]


def _investors(rng: random.Random, pool: Iterator[str], count: int, tagged: dict[str, int]) -> list[Investor]:
    """``count`` projects' investors; the tagged ones distinct, so each tag counts as given."""
    # A central SOE is often in the Fortune Global 500 and the China Top 500 too: some carry all three.
    both = min(tagged["fortune_global_500"], tagged["central_soe"]) // 2
    tag_sets: list[list[str]] = [["fortune_global_500", "central_soe", "china_top_500"] for _ in range(both)]
    for tag in ("fortune_global_500", "central_soe", "china_top_500"):
        tag_sets += [[tag] for _ in range(tagged[tag] - both)]
    listed = tagged["listed"]
    for tags in tag_sets[:listed]:  # most of them are listed companies
        tags.append("listed")
    tag_sets += [["listed"] for _ in range(listed - len(tag_sets))]
    tag_sets += [[] for _ in range(count - len(tag_sets))]
    rng.shuffle(tag_sets)
    return [(next(pool), tuple(tags)) for tags in tag_sets]


# Where funds in place come from, in turn (not drawn at random, so the figures' draws stay as they are).
FUND_SOURCES = ("投资方自有资金", "银行贷款", "投资方自有资金", "股权融资", "投资方自有资金", "专项债券")


def project_rows(seed: int = 2021) -> tuple[list[ProjectRow], list[FundRow]]:
    rng = random.Random(seed)
    names = [f"{stem}{middle}{suffix}" for stem in INVESTOR_STEMS for middle in ("", "科技", "实业")
             for suffix in ("集团有限公司", "控股股份有限公司")]
    rng.shuffle(names)
    pool = iter(names)
    rows: list[ProjectRow] = []
    funds: list[FundRow] = []
    line = 1
    for year, (count, total), tagged, funds_total in ((2020, SIGNED_2020, TAGGED_2020, FUNDS_2020),
                                                       (2021, SIGNED_2021, TAGGED_2021, FUNDS_2021)):
        amounts = _split(total, count, rng)
        investors = _investors(rng, pool, count, tagged)
        weighted = [entry for entry in INDUSTRIES for _ in range(entry[2])]
        for i, (amount, (investor, tags)) in enumerate(zip(amounts, investors, strict=True)):
            industry, field, _ = rng.choice(weighted)
            signed = _day(rng, date(year, 1, 4), date(year, 6, 30))
            landed = signed + timedelta(days=rng.randrange(20, 150)) if rng.random() < 0.7 else None
            started = landed + timedelta(days=rng.randrange(15, 120)) if landed and rng.random() < 0.7 else None
            completed = started + timedelta(days=rng.randrange(90, 300)) if started and rng.random() < 0.45 else None
            line += 1
            rows.append(ProjectRow(line, f"CQ-{year}-{i + 1:03d}", f"{investor[:2]}{rng.choice(PROJECT_KINDS[field])}",
                                   investor, tags, industry, amount, signed, landed, started, completed))
        # Funds in place arrive from January to June, from projects signed before the receipt.
        receipts = _split(funds_total, count // 2 + 8, rng, low=0.4)
        candidates = [r for r in rows if r.signed_on and r.signed_on.year <= year]
        for receipt in receipts:
            project = rng.choice(candidates)
            assert project.signed_on is not None
            received = _day(rng, max(project.signed_on, date(year, 1, 1)), date(year, 6, 30))
            funds.append(FundRow(len(funds) + 2, project.code, received, receipt,
                                 FUND_SOURCES[len(funds) % len(FUND_SOURCES)]))
    return rows, funds


def _certificate(rng: random.Random, valid: bool) -> Certificate:
    if valid:
        issued = _day(rng, date(2018, 11, 1), date(2020, 12, 31))
        return Certificate(f"GR{issued.year}50{rng.randrange(100_000, 999_999)}", issued,
                           issued + timedelta(days=3 * 365))
    issued = _day(rng, date(2017, 9, 1), date(2017, 12, 31))  # expired in late 2020, before the 2021 visits
    return Certificate(f"GR{issued.year}50{rng.randrange(100_000, 999_999)}", issued,
                       issued + timedelta(days=3 * 365 - 1))


def service_rows(codes: list[str], seed: int = 2021) -> tuple[list[KeyEnterpriseRow], list[ServiceRow]]:
    """Key enterprises (the first ``SERVED_2021`` served in 2021, ``HIGH_TECH_2021`` of them with a
    valid certificate) and their service log of 2020–2021."""
    rng = random.Random(seed)
    keys: list[KeyEnterpriseRow] = []
    services: list[ServiceRow] = []
    for i, uscc in enumerate(codes):
        if i < HIGH_TECH_2021:
            certificate: Certificate | None = _certificate(rng, True)
        elif i < HIGH_TECH_2021 + 3:
            certificate = _certificate(rng, False)
        else:
            certificate = None
        keys.append(KeyEnterpriseRow(i + 2, uscc, SPECIALISTS[i % len(SPECIALISTS)], certificate))
        extra = len(codes) - SERVED_2021  # key enterprises served a year earlier only
        years = ([2021] if i < SERVED_2021 else []) + ([2020] if i < SERVED_2020 - extra or i >= SERVED_2021 else [])
        for year in years:
            for _ in range(rng.randrange(1, 4)):
                served = _day(rng, date(year, 1, 6), date(year, 6, 28))
                if rng.random() < 0.4:
                    services.append(ServiceRow(0, uscc, served, "visit", "走访了解企业经营和用工情况", "", None))
                    continue
                ask = rng.choice(REQUESTS)
                still_open = year == 2021 and served >= date(2021, 6, 1) and rng.random() < 0.6
                resolved = None if still_open else served + timedelta(days=rng.randrange(1, 25))
                services.append(ServiceRow(0, uscc, served, "request", ask, rng.choice(ACTIONS) if resolved else "",
                                           resolved))
    return keys, services


def key_enterprise_candidates(db: Database, zone_id: str, count: int) -> list[str]:
    """Established enterprises of the zone's register, in a fixed order."""
    with db.read() as session:
        codes = list(session.scalars(
            select(Enterprise.uscc).where(Enterprise.zone_id == zone_id, Enterprise.cancelled_on.is_(None),
                                          Enterprise.established_on < date(2019, 1, 1),
                                          Enterprise.entity_type.in_(("domestic_enterprise", "llc", "joint_stock")))
            .order_by(Enterprise.uscc).limit(count)))
    if len(codes) < count:
        raise ValueError(f"the register of {zone_id} has {len(codes)} established enterprises; {count} are needed")
    return codes


def seed_investment(db: Database, zone_id: str, now: datetime, password: str | SharedPassword) -> Iterator[str]:
    """Load the investment office's records into the zone; its users sign in with ``password``.
    Running it again (an interrupted demo seed) adds only what is missing."""
    users = [(OFFICE_USER, "investment_office", "重庆高新区招商部 张招商")]
    users += [(name, "service_specialist", f"服务专员 {i}号") for i, name in enumerate(SPECIALISTS, 1)]
    with db.read() as session:
        present = set(session.scalars(select(User.username).where(User.username.in_([u[0] for u in users]))))
    shared = demo_password(password)
    for name, role, display in users:
        if name not in present:
            add_user(db, name, role, shared, now, zone_id=zone_id, display_name=display)
    projects, funds = project_rows()
    loaded = load_projects(db, zone_id, projects, now, source="2021年招商台账")
    received = load_funds(db, zone_id, funds, now, source="2021年到位资金台账")
    yield (f"investment: {loaded.loaded} projects and {received.loaded} receipts of funds in place "
           f"(users {OFFICE_USER}, {', '.join(SPECIALISTS)})")
    keys, services = service_rows(key_enterprise_candidates(db, zone_id, SERVED_2021 + 4))
    marked = load_key_enterprises(db, zone_id, keys, now, source="重点企业名单")
    logged = load_services(db, zone_id, services, now, source="服务台账")
    yield (f"investment: {marked.loaded} key enterprises, {logged.loaded} visits and requests; see "
           f"/dashboard?zone={zone_id}&from=2021-01-01&to=2021-06-30 and /projects?from=2021-01-01&to=2021-06-30")
