"""The figures a zone reports about its market entities, and the formulas behind them (pure).

Definitions follow the way a market-regulation bureau reports (as in the zone's 2021 report):
"market entities" (市场主体) are every registered entity, enterprises and individual
businesses and farmer cooperatives alike; "domestic enterprises" (内资企业) are the enterprises
with domestic capital, i.e. not foreign-invested enterprises and not individual businesses or
cooperatives. An entity is *active* on a day when it was established on or before that day and
not cancelled by it. The three industries follow GB/T 4754-2017 with the National Bureau of
Statistics' 《三次产业划分规定》 (2018), as implemented by ``yima.standard.industry.three_industry``.
Year-on-year figures compare a period with the same calendar dates a year earlier; 29 February
falls back to 28 February.

Nothing here touches the database: ``yima.stats.queries`` computes the same definitions in SQL,
and the tests check the two against each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from yima.errors import DomainError, Forbidden
from yima.ranges import check_day
from yima.registration.status import Status
from yima.standard.industry import three_industry

Category = Literal["domestic_enterprise", "foreign_enterprise", "individual_business", "farmer_cooperative"]
Sector = Literal[1, 2, 3]

#: Yima's own enterprise types and the import's ``domestic_enterprise`` all count as 内资企业.
DOMESTIC_ENTERPRISE_TYPES: tuple[str, ...] = (
    "llc", "joint_stock", "sole_proprietorship", "partnership", "domestic_enterprise",
)
OTHER_MARKET_ENTITY_TYPES: tuple[str, ...] = ("foreign_enterprise", "individual_business", "farmer_cooperative")
MARKET_ENTITY_TYPES: tuple[str, ...] = DOMESTIC_ENTERPRISE_TYPES + OTHER_MARKET_ENTITY_TYPES
CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "domestic_enterprise": ("内资企业", "Domestic enterprises"),
    "foreign_enterprise": ("外资企业", "Foreign-invested enterprises"),
    "individual_business": ("个体工商户", "Individual businesses"),
    "farmer_cooperative": ("农民专业合作社", "Farmer cooperatives"),
}
SECTOR_NAMES: dict[int, tuple[str, str]] = {
    1: ("第一产业", "Primary sector"), 2: ("第二产业", "Secondary sector"), 3: ("第三产业", "Tertiary sector"),
}
DECIDED_STATUSES: tuple[str, ...] = (Status.APPROVED, Status.REJECTED)
WITHOUT_VISIT_CHANNEL = "online"


def statistical_category(entity_type: str) -> Category:
    """The category an entity type is counted under; unknown types raise ``ValueError``."""
    if entity_type in DOMESTIC_ENTERPRISE_TYPES:
        return "domestic_enterprise"
    if entity_type in OTHER_MARKET_ENTITY_TYPES:
        return entity_type  # type: ignore[return-value]
    raise ValueError(f"unknown entity type {entity_type!r}; known: {', '.join(MARKET_ENTITY_TYPES)}")


def is_domestic_enterprise(entity_type: str) -> bool:
    return entity_type in DOMESTIC_ENTERPRISE_TYPES


# --- formulas -----------------------------------------------------------------------------------

def growth_pct(current: int | Decimal | float, base: int | Decimal | float) -> float | None:
    """Growth in per cent against ``base``; None when the base is 0 (growth is undefined)."""
    if base == 0:
        return None
    return (float(current) - float(base)) / float(base) * 100.0


def share_pct(part: int | float, whole: int | float) -> float | None:
    if whole == 0:
        return None
    return float(part) / float(whole) * 100.0


def per_10k_residents(count: int, residents: int) -> float | None:
    if residents <= 0:
        return None
    return count * 10_000 / residents


def reduction_pct(separate: int | float, bundled: int | float) -> float | None:
    """How much smaller ``bundled`` is than ``separate``, in per cent (50 = half)."""
    if separate == 0:
        return None
    return (float(separate) - float(bundled)) / float(separate) * 100.0


def rounded(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


# --- periods ------------------------------------------------------------------------------------

def same_day_year_earlier(day: date) -> date:
    """The same calendar day a year earlier; 29 February gives 28 February."""
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@dataclass(frozen=True)
class Period:
    """Calendar days ``start``..``end``, both included (China Standard Time)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def year_earlier(self) -> Period:
        return Period(same_day_year_earlier(self.start), same_day_year_earlier(self.end))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def months(self) -> list[str]:
        """Every month the period touches, as ``YYYY-MM``."""
        result: list[str] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    def label_zh(self) -> str:
        """How a briefing names the period: 2021年1-8月, 2021年3月5日至8月31日, ..."""
        s, e = self.start, self.end
        whole_months = s.day == 1 and (e + timedelta(days=1)).day == 1
        if whole_months and s.year == e.year:
            return f"{s.year}年{s.month}月" if s.month == e.month else f"{s.year}年{s.month}-{e.month}月"
        if s.year == e.year:
            return f"{s.year}年{s.month}月{s.day}日至{e.month}月{e.day}日"
        return f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"


MAX_PERIOD_DAYS = 366
#: Roles that see a zone's figures: an administrator any zone; officers, leaders, the reform office
#: (its observers' figures) and the investment office (its projects and key enterprises) their own.
ZONE_FIGURE_ROLES = ("officer", "leader", "reform_office", "investment_office")


def whole_months(period: Period) -> tuple[date, date] | None:
    """The first days of the first and the last month lying wholly inside the period, or None."""
    first = period.start if period.start.day == 1 else next_month(period.start)
    last = period.end.replace(day=1)
    if (period.end + timedelta(days=1)).day != 1:  # the period ends inside its last month
        last = date(last.year - 1, 12, 1) if last.month == 1 else date(last.year, last.month - 1, 1)
    return (first, last) if first <= last else None


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def parse_day(value: str | None, field_name: str) -> date:
    if not value:
        raise DomainError("stats.date_required", field_name, f"请填写日期参数 {field_name}（YYYY-MM-DD）",
                          f"The date parameter '{field_name}' is required (YYYY-MM-DD)")
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise DomainError("stats.date_format", field_name, f"日期参数 {field_name} 须为 YYYY-MM-DD：{value}",
                          f"The date parameter '{field_name}' must be YYYY-MM-DD: {value}") from None
    return check_day(day, field_name)


def parse_period(start: str | None, end: str | None) -> Period:
    """A report period from the ``from`` and ``to`` parameters; at most a year, so that the
    comparison with a year earlier does not overlap it."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    if first > last:
        raise DomainError("stats.period_order", "to", f"截止日期 {last} 早于起始日期 {first}",
                          f"'to' ({last}) is before 'from' ({first})")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError("stats.period_too_long", "to", f"统计期不超过{MAX_PERIOD_DAYS}天（同比期不能重叠）",
                          f"A period is at most {MAX_PERIOD_DAYS} days (it must not overlap the year earlier)")
    return Period(first, last)


def may_see_zone(role: str, actor_zone: str | None, zone_id: str) -> bool:
    return role == "admin" or (role in ZONE_FIGURE_ROLES and actor_zone == zone_id)


def check_may_see_zone(role: str, actor_zone: str | None, zone_id: str) -> None:
    if may_see_zone(role, actor_zone, zone_id):
        return
    raise Forbidden("stats.zone_not_yours", "zone", "只能查看本区的统计数据",
                    "You may see the figures of your own zone only")


def shift_month_year_earlier(month: str) -> str:
    return f"{int(month[:4]) - 1:04d}{month[4:]}"


# --- the register, as the rules see one entity --------------------------------------------------

@dataclass(frozen=True)
class RegisterEntry:
    """What the statistics need of one market entity."""

    entity_type: str
    industry_code: str
    registered_capital: Decimal
    established_on: date
    cancelled_on: date | None = None
    address_commitment: bool = False


def is_active_on(entry: RegisterEntry, day: date) -> bool:
    return entry.established_on <= day and (entry.cancelled_on is None or entry.cancelled_on > day)


def division_key(industry_code: str) -> str:
    """The section letter and division of a written code (``I6513`` -> ``I65``); the SQL groups by this."""
    return industry_code[:3]


def sector_of(industry_code: str) -> Sector:
    return three_industry(industry_code)  # type: ignore[return-value]


# --- the figures --------------------------------------------------------------------------------

@dataclass(frozen=True)
class YearOnYear:
    current: int | Decimal
    year_earlier: int | Decimal

    @property
    def growth_pct(self) -> float | None:
        return growth_pct(self.current, self.year_earlier)


@dataclass(frozen=True)
class SectorCounts:
    primary: int = 0
    secondary: int = 0
    tertiary: int = 0

    @property
    def total(self) -> int:
        return self.primary + self.secondary + self.tertiary

    def count(self, sector: int) -> int:
        return (self.primary, self.secondary, self.tertiary)[sector - 1]

    def share_pct(self, sector: int) -> float | None:
        return share_pct(self.count(sector), self.total)


def sectors_from_divisions(counts: Iterable[tuple[str, int]]) -> SectorCounts:
    """Sum counts grouped by division key (``I65``, ``C31``, ``I``) into the three industries."""
    totals = {1: 0, 2: 0, 3: 0}
    for key, count in counts:
        totals[sector_of(key)] += count
    return SectorCounts(totals[1], totals[2], totals[3])


def sections_from_divisions(counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Sum counts grouped by division key into GB/T 4754 sections (A-T), in section order."""
    totals: dict[str, int] = {}
    for key, count in counts:
        totals[key[:1]] = totals.get(key[:1], 0) + count
    return dict(sorted(totals.items()))


@dataclass(frozen=True)
class MonthRow:
    """New domestic enterprises in one month of the period, and in the same month a year earlier."""

    month: str
    new_domestic: int
    new_domestic_capital: Decimal
    new_market_entities: int
    new_domestic_year_earlier: int
    new_domestic_capital_year_earlier: Decimal


@dataclass(frozen=True)
class MattersProcessed:
    """Registration matters decided (approved or rejected) in the period, by channel."""

    approved: int = 0
    rejected: int = 0
    online: int = 0

    @property
    def processed(self) -> int:
        return self.approved + self.rejected

    @property
    def online_share_pct(self) -> float | None:
        return share_pct(self.online, self.processed)


@dataclass(frozen=True)
class ApprovalTime:
    """Submitted-to-approved time of one matter's approvals in the period."""

    matter: str
    name_zh: str
    name_en: str
    statutory_days: int
    approved: int
    mean_hours: float | None
    median_hours: float | None
    within_limit: int

    @property
    def within_limit_pct(self) -> float | None:
        return share_pct(self.within_limit, self.approved)

    @property
    def median_vs_limit_pct(self) -> float | None:
        """The median as a share of the statutory limit (2 = took 2% of the time allowed)."""
        if self.median_hours is None or self.statutory_days <= 0:
            return None
        return self.median_hours / (self.statutory_days * 24) * 100.0


@dataclass(frozen=True)
class BundledReduction:
    """一业一证: materials and time of a bundled licence against the same permits applied for separately."""

    materials_separate: int
    materials_bundled: int
    days_separate: float
    days_bundled: float

    @property
    def materials_reduction_pct(self) -> float | None:
        return reduction_pct(self.materials_separate, self.materials_bundled)

    @property
    def time_reduction_pct(self) -> float | None:
        return reduction_pct(self.days_separate, self.days_bundled)


class SectionFigures(Protocol):
    """The numbers of a section a later feature adds to the report (``stats.sections``), typed by
    the feature that counts them; ``as_json`` gives them as the report carries them (null where
    undefined)."""

    def as_json(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ZoneFigures:
    """Every figure of the zone report, for one zone and period, compared with a year earlier."""

    zone_id: str
    zone_name: str
    residents: int
    period: Period
    new_domestic: YearOnYear
    new_domestic_capital: YearOnYear
    market_entities: YearOnYear
    market_entities_by_category: dict[str, int]
    domestic_active: int
    domestic_by_sector: SectorCounts
    domestic_by_section: dict[str, int]
    matters: MattersProcessed
    approval_times: list[ApprovalTime]
    address_commitment: int
    monthly: list[MonthRow]
    one_code_licences: int | None = None
    cross_region_licences: int | None = None
    seal_sets: int | None = None
    seal_set_price_yuan: int = 0
    bundled: BundledReduction | None = None
    sections: Mapping[str, SectionFigures] = field(default_factory=dict)  # by later features (stats.sections)
    zone_name_en: str = ""  # the zone's English name ("" when it has none: the Chinese name is shown)

    def zone_name_in(self, lang: str) -> str:
        return (self.zone_name_en or self.zone_name) if lang == "en" else self.zone_name

    @property
    def base_period(self) -> Period:
        return self.period.year_earlier()

    @property
    def per_10k_residents(self) -> float | None:
        return per_10k_residents(int(self.market_entities.current), self.residents)

    @property
    def seal_savings_yuan(self) -> int | None:
        return None if self.seal_sets is None else self.seal_sets * self.seal_set_price_yuan

    def as_json(self) -> dict[str, object]:
        """Every figure as a JSON number (null where undefined, e.g. growth on a zero base)."""
        r = rounded
        sectors = self.domestic_by_sector
        bundled = self.bundled
        return {
            "zone": {"id": self.zone_id, "name": self.zone_name, "residents": self.residents},
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
                       "year_earlier_from": self.base_period.start.isoformat(),
                       "year_earlier_to": self.base_period.end.isoformat()},
            "new_domestic_enterprises": {
                "count": self.new_domestic.current, "count_year_earlier": self.new_domestic.year_earlier,
                "growth_pct": r(self.new_domestic.growth_pct),
                "registered_capital_yuan": _money(self.new_domestic_capital.current),
                "registered_capital_year_earlier_yuan": _money(self.new_domestic_capital.year_earlier),
                "registered_capital_growth_pct": r(self.new_domestic_capital.growth_pct)},
            "market_entities": {
                "active": self.market_entities.current, "active_year_earlier": self.market_entities.year_earlier,
                "growth_pct": r(self.market_entities.growth_pct),
                "per_10k_residents": r(self.per_10k_residents),
                "by_category": dict(self.market_entities_by_category)},
            "domestic_enterprises": {
                "active": self.domestic_active,
                "primary": sectors.primary, "secondary": sectors.secondary, "tertiary": sectors.tertiary,
                "primary_share_pct": r(sectors.share_pct(1)), "secondary_share_pct": r(sectors.share_pct(2)),
                "tertiary_share_pct": r(sectors.share_pct(3)),
                "by_section": dict(self.domestic_by_section)},
            "registration_matters": {
                "processed": self.matters.processed, "approved": self.matters.approved,
                "rejected": self.matters.rejected, "without_visit": self.matters.online,
                "without_visit_share_pct": r(self.matters.online_share_pct)},
            "approval_time": [{
                "matter": t.matter, "name_zh": t.name_zh, "name_en": t.name_en, "approved": t.approved,
                "statutory_days": t.statutory_days, "median_hours": r(t.median_hours, 3),
                "mean_hours": r(t.mean_hours, 3), "within_limit": t.within_limit,
                "within_limit_pct": r(t.within_limit_pct), "median_vs_limit_pct": r(t.median_vs_limit_pct, 3),
            } for t in self.approval_times],
            "address_commitment_registrations": self.address_commitment,
            "one_code_licences": self.one_code_licences,
            "cross_region_licences": self.cross_region_licences,
            "seal_sets": self.seal_sets,
            "seal_savings_yuan": self.seal_savings_yuan,
            "bundled_licences": None if bundled is None else {
                "materials_separate": bundled.materials_separate, "materials_bundled": bundled.materials_bundled,
                "materials_reduction_pct": r(bundled.materials_reduction_pct),
                "days_separate": bundled.days_separate, "days_bundled": bundled.days_bundled,
                "time_reduction_pct": r(bundled.time_reduction_pct)},
            "monthly": [{
                "month": m.month, "new_domestic_enterprises": m.new_domestic,
                "registered_capital_yuan": _money(m.new_domestic_capital),
                "new_market_entities": m.new_market_entities,
                "new_domestic_enterprises_year_earlier": m.new_domestic_year_earlier,
                "registered_capital_year_earlier_yuan": _money(m.new_domestic_capital_year_earlier),
            } for m in self.monthly],
            **{name: dict(figures.as_json()) for name, figures in self.sections.items()},
        }


def _money(value: int | Decimal) -> float:
    return float(round(Decimal(value), 2))


def merge_months(period: Period, current: dict[str, tuple[int, Decimal, int]],
                 earlier: dict[str, tuple[int, Decimal, int]]) -> list[MonthRow]:
    """One row per month of the period from per-month sums ``(domestic, capital, all entities)``."""
    zero = (0, Decimal(0), 0)
    rows = []
    for month in period.months():
        now_domestic, now_capital, now_all = current.get(month, zero)
        then_domestic, then_capital, _ = earlier.get(shift_month_year_earlier(month), zero)
        rows.append(MonthRow(month, now_domestic, Decimal(now_capital), now_all, then_domestic,
                             Decimal(then_capital)))
    return rows

