"""The investment figures counted by the database (``service.zone_project_figures``) equal the
figures worked out in Python from every project (the computation they replaced, kept here as the
oracle) on a seeded random set of projects and receipts, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from yima.projects.rules import (
    INVESTOR_TAGS,
    LARGE_PROJECT_YUAN,
    IndustryAmount,
    MonthAmount,
    ProjectFigures,
)
from yima.projects.service import zone_project_figures
from yima.projects.tables import Project, ProjectFund
from yima.standard.industry import lookup
from yima.stats.rules import Period, YearOnYear, shift_month_year_earlier

pytestmark = pytest.mark.db
NOW = datetime(2022, 12, 31, 4, 0, tzinfo=UTC)
INDUSTRIES = ("C3921", "I6450", "C3091", "M7320", "G5990", "C3670", "I6513")


# --- the oracle: the figures as they were worked out in Python from every project ----------------

@dataclass(frozen=True)
class ProjectFacts:
    investor: str
    tags: frozenset[str]
    industry_code: str
    amount: Decimal
    signed_on: date | None = None
    landed_on: date | None = None
    started_on: date | None = None
    completed_on: date | None = None


def _in(day: date | None, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


def _counts(projects: list[ProjectFacts], period: Period) -> dict[str, int | Decimal]:
    signed = [p for p in projects if _in(p.signed_on, period)]
    return {
        "signed": len(signed),
        "signed_amount": sum((p.amount for p in signed), Decimal(0)),
        "signed_large": sum(1 for p in signed if p.amount >= LARGE_PROJECT_YUAN),
        "landed_large": sum(1 for p in projects if _in(p.landed_on, period) and p.amount >= LARGE_PROJECT_YUAN),
        "landed": sum(1 for p in projects if _in(p.landed_on, period)),
        "started": sum(1 for p in projects if _in(p.started_on, period)),
        "completed": sum(1 for p in projects if _in(p.completed_on, period)),
        "started_or_completed": sum(1 for p in projects if _in(p.started_on, period) or _in(p.completed_on, period)),
        **{f"tag:{tag}": len({p.investor for p in signed if tag in p.tags}) for tag in INVESTOR_TAGS},
    }


def oracle(projects: Iterable[ProjectFacts], funds: Iterable[tuple[date, Decimal]], period: Period) -> ProjectFigures:
    projects, funds = list(projects), list(funds)
    base = period.year_earlier()
    now, then = _counts(projects, period), _counts(projects, base)

    def yoy(key: str) -> YearOnYear:
        return YearOnYear(now[key], then[key])

    signed = [p for p in projects if _in(p.signed_on, period)]
    end = period.end
    funnel = {"signed": len(signed),
              "landed": sum(1 for p in signed if p.landed_on is not None and p.landed_on <= end),
              "started": sum(1 for p in signed if p.started_on is not None and p.started_on <= end),
              "completed": sum(1 for p in signed if p.completed_on is not None and p.completed_on <= end)}
    month_count: dict[str, int] = defaultdict(int)
    month_amount: dict[str, Decimal] = defaultdict(Decimal)
    for p in projects:
        if _in(p.signed_on, period) or _in(p.signed_on, base):
            assert p.signed_on is not None
            key = f"{p.signed_on.year:04d}-{p.signed_on.month:02d}"
            month_amount[key] += p.amount
            if _in(p.signed_on, period):
                month_count[key] += 1
    monthly = [MonthAmount(m, month_count[m], month_amount[m], month_amount[shift_month_year_earlier(m)])
               for m in period.months()]
    sections: dict[str, tuple[int, Decimal]] = {}
    for p in signed:
        section = lookup(p.industry_code).section
        count, amount = sections.get(section, (0, Decimal(0)))
        sections[section] = (count + 1, amount + p.amount)
    by_industry = [IndustryAmount(s, lookup(s).name_zh, c, a)
                   for s, (c, a) in sorted(sections.items(), key=lambda item: (-item[1][1], item[0]))]
    return ProjectFigures(
        period=period, signed=yoy("signed"), signed_amount=yoy("signed_amount"),
        funds_in_place=YearOnYear(sum((a for d, a in funds if _in(d, period)), Decimal(0)),
                                  sum((a for d, a in funds if _in(d, base)), Decimal(0))),
        signed_large=yoy("signed_large"), landed_large=yoy("landed_large"), landed=yoy("landed"),
        started=yoy("started"), completed=yoy("completed"), started_or_completed=yoy("started_or_completed"),
        investors_by_tag={tag: yoy(f"tag:{tag}") for tag in INVESTOR_TAGS},
        funnel=funnel, monthly=monthly, by_industry=by_industry)


# --- a seeded random zone ------------------------------------------------------------------------

def _day(rng: random.Random, after: date | None = None) -> date | None:
    start, spread = (after, 400) if after else (date(2019, 1, 1), 1461)
    if rng.random() < 0.25 or start >= date(2022, 12, 31):
        return None
    return start + timedelta(days=rng.randrange(0, min(spread, (date(2022, 12, 31) - start).days + 1)))


def _random_project(rng: random.Random) -> ProjectFacts:
    signed = _day(rng)
    landed = _day(rng, signed) if signed else None
    started = _day(rng, landed) if landed else None
    completed = _day(rng, started) if started else None
    amount = Decimal(rng.choice((rng.randrange(1, 10**6), rng.randrange(10**7, 10**9), 10**8,
                                 rng.randrange(10**8, 10**11)))) + Decimal(rng.randrange(100)).scaleb(-2)
    tags = frozenset(tag for tag in INVESTOR_TAGS if rng.random() < 0.2)
    return ProjectFacts(f"投资方{rng.randrange(40)}", tags, rng.choice(INDUSTRIES), amount,
                        signed, landed, started, completed)


def _store(db, zone: str, projects: list[ProjectFacts], start: int) -> list[int]:
    with db.write() as session:
        ids = []
        for seq, p in enumerate(projects, start):
            ids.append(session.execute(insert(Project).returning(Project.id).values(
                zone_id=zone, code=f"R{seq}", name=f"项目{seq}", investor=p.investor,
                investor_tags=sorted(p.tags), industry_code=p.industry_code, amount=p.amount,
                signed_on=p.signed_on, landed_on=p.landed_on, started_on=p.started_on,
                completed_on=p.completed_on, created_at=NOW, updated_at=NOW)).scalar_one())
    return ids


def test_the_database_counts_the_figures_python_worked_out(db, zone_cq):
    rng = random.Random(20211231)
    ours = [_random_project(rng) for _ in range(240)]
    theirs = [_random_project(rng) for _ in range(40)]  # another zone's: never counted here
    ids = _store(db, zone_cq, ours, 1)
    other = _store(db, "cd-gxq", theirs, 1)
    funds: list[tuple[date, Decimal]] = []
    with db.write() as session:
        for project_id, p in [*zip(ids, ours, strict=True), *zip(other, theirs, strict=True)]:
            if p.signed_on is None:
                continue
            for n in range(rng.randrange(3)):
                day = p.signed_on + timedelta(days=rng.randrange(500) + n)
                amount = Decimal(rng.randrange(1, 10**9)) + Decimal(rng.randrange(100)).scaleb(-2)
                reversed_ = rng.random() < 0.2
                session.add(ProjectFund(project_id=project_id, received_on=day, amount=amount, recorded_at=NOW,
                                        reversed_at=NOW if reversed_ else None))
                if project_id in ids and not reversed_:
                    funds.append((day, amount))
    with db.read() as session:  # the amounts as the database gives them back
        assert session.scalar(select(Project.amount).where(Project.id == ids[0])) == ours[0].amount
    periods = [Period(date(2021, 1, 1), date(2021, 6, 30)), Period(date(2022, 1, 1), date(2022, 12, 31)),
               Period(date(2021, 3, 5), date(2021, 3, 5)), Period(date(2020, 11, 15), date(2021, 11, 10)),
               Period(date(2020, 1, 1), date(2020, 12, 31))]
    for period in periods:
        expected = oracle(ours, funds, period)
        assert (expected.signed.current and expected.by_industry and expected.funds_in_place.current
                and any(v.current for v in expected.investors_by_tag.values())) or period.days == 1
        assert zone_project_figures(db, zone_cq, period) == expected, period
