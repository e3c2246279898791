"""Response model of ``GET /api/v1/stats``: every figure of the zone report as a JSON number,
null where undefined (growth on a zero base). Later features add their figures as named
sections (``stats.sections``), which appear as further top-level members."""

from __future__ import annotations

from pydantic import Field

from yima.web.schemas import ResponseModel

Number = int | float


class StatsZoneOut(ResponseModel):
    id: str
    name: str
    residents: int


class PeriodOut(ResponseModel):
    from_: str = Field(alias="from")
    to: str
    year_earlier_from: str
    year_earlier_to: str


class NewDomesticOut(ResponseModel):
    count: int
    count_year_earlier: int
    growth_pct: Number | None
    registered_capital_yuan: Number
    registered_capital_year_earlier_yuan: Number
    registered_capital_growth_pct: Number | None


class MarketEntitiesOut(ResponseModel):
    active: int
    active_year_earlier: int
    growth_pct: Number | None
    per_10k_residents: Number | None
    by_category: dict[str, int]


class DomesticEnterprisesOut(ResponseModel):
    active: int
    primary: int
    secondary: int
    tertiary: int
    primary_share_pct: Number | None
    secondary_share_pct: Number | None
    tertiary_share_pct: Number | None
    by_section: dict[str, int]


class MattersOut(ResponseModel):
    processed: int
    approved: int
    rejected: int
    without_visit: int
    without_visit_share_pct: Number | None


class ApprovalTimeOut(ResponseModel):
    matter: str
    name_zh: str
    name_en: str
    approved: int
    statutory_days: Number | None
    median_hours: Number | None
    mean_hours: Number | None
    within_limit: int | None
    within_limit_pct: Number | None
    median_vs_limit_pct: Number | None


class BundledOut(ResponseModel):
    materials_separate: Number
    materials_bundled: Number
    materials_reduction_pct: Number | None
    days_separate: Number
    days_bundled: Number
    time_reduction_pct: Number | None


class MonthOut(ResponseModel):
    month: str = Field(description="YYYY-MM")
    new_domestic_enterprises: int
    registered_capital_yuan: Number
    new_market_entities: int
    new_domestic_enterprises_year_earlier: int
    registered_capital_year_earlier_yuan: Number


class StatsOut(ResponseModel):
    zone: StatsZoneOut
    period: PeriodOut
    new_domestic_enterprises: NewDomesticOut
    market_entities: MarketEntitiesOut
    domestic_enterprises: DomesticEnterprisesOut
    registration_matters: MattersOut
    approval_time: list[ApprovalTimeOut]
    address_commitment_registrations: int
    one_code_licences: int | None
    cross_region_licences: int | None
    seal_sets: int | None
    seal_savings_yuan: Number | None
    bundled_licences: BundledOut | None
    monthly: list[MonthOut]
