"""Investment projects (招商引资) and key-enterprise service (金牌店小二): the rules and figures (pure).

A project passes through stages in this order: signed (签约), registered (the project company
exists in Yima's register), landed (落地), started (开工) and completed (竣工/投产). The four
dated milestones signed → landed → started → completed form a chain: a stage needs every earlier
one, on the same day or before. Registration is a link to a credit code, not a step of the chain:
the investor's company may exist before the contract (an existing enterprise investing again).

The figures follow the way the zones' investment offices report (the zone's 2021 report): a
period is compared with the same calendar days a year earlier (``yima.stats.rules.Period``).
Projects *signed* are those whose contract was signed in the period, with their agreed
investment; *funds in place* (到位资金) are the receipts dated in the period, whenever their
project was signed; projects of 100 million yuan or more (亿元以上) count by their agreed amount;
*landed*, *started* and *completed* count projects whose stage falls in the period; an investor
tag counts distinct investors (家) among the projects signed in the period. The funnel follows the
projects signed in the period to the end of it.

Key enterprises (重点企业) are *served* in a period when at least one visit or request is logged
for them in it; one counts as high-tech when its high-tech enterprise certificate (高新技术企业证书)
is valid on a day it was served (issued on or before that day, expiring on or after it).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from yima.errors import DomainError
from yima.standard.industry import lookup
from yima.stats.rules import Period, YearOnYear, rounded, shift_month_year_earlier


class Stage(StrEnum):
    """A project's stage (its milestones): the strings stored in ``project_stages.stage`` and named in
    the v1 JSON (``stage``, ``stages_on``) since v1."""

    SIGNED = "signed"
    REGISTERED = "registered"  # the project company on the register: off the chain, at any time
    LANDED = "landed"
    STARTED = "started"
    COMPLETED = "completed"


STAGES: tuple[Stage, ...] = tuple(Stage)
#: The dated milestones, in order; each needs the ones before it (the table ``check_stage_dates``
#: and ``next_stages`` read).
CHAIN: tuple[Stage, ...] = (Stage.SIGNED, Stage.LANDED, Stage.STARTED, Stage.COMPLETED)
STAGE_NAMES: dict[str, tuple[str, str]] = {
    Stage.SIGNED: ("签约", "Signed"),
    Stage.REGISTERED: ("注册", "Registered"),
    Stage.LANDED: ("落地", "Landed"),
    Stage.STARTED: ("开工", "Started"),
    Stage.COMPLETED: ("竣工投产", "Completed"),
}
INVESTOR_TAGS: dict[str, tuple[str, str]] = {
    "fortune_global_500": ("世界500强", "Fortune Global 500"),
    "central_soe": ("央企", "Central SOE"),
    "china_top_500": ("中国500强", "China Top 500"),
    "listed": ("上市公司", "Listed company"),
}
SERVICE_KINDS: dict[str, tuple[str, str]] = {"visit": ("走访", "Visit"), "request": ("诉求", "Request")}
LARGE_PROJECT_YUAN = Decimal(100_000_000)
MAX_AMOUNT_YUAN = Decimal("1e16")
_CENT = Decimal("0.01")


# --- stages ---------------------------------------------------------------------------------------

def check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise DomainError("project.stage", "stage", f"未知的项目阶段“{stage}”（可选：{', '.join(STAGES)}）",
                          f"Unknown project stage '{stage}' (one of: {', '.join(STAGES)})")
    return stage


def check_stage_dates(dates: Mapping[str, date | None], today: date) -> None:
    """The milestones of one project: none after today, each after the ones before it."""
    for stage in STAGES:
        day = dates.get(stage)
        if day is not None and day > today:
            raise DomainError("project.stage_future", f"{stage}_on",
                              f"{STAGE_NAMES[stage][0]}日期{day}晚于今天（{today}）",
                              f"The {stage} date {day} is after today ({today})")
    for i, stage in enumerate(CHAIN):
        day = dates.get(stage)
        if day is None:
            continue
        for earlier in CHAIN[:i]:
            before = dates.get(earlier)
            if before is None:
                raise DomainError("project.stage_missing", f"{earlier}_on",
                                  f"{STAGE_NAMES[stage][0]}之前须先有{STAGE_NAMES[earlier][0]}日期",
                                  f"A project must be {earlier} before it is {stage}")
            if before > day:
                raise DomainError("project.stage_order", f"{stage}_on",
                                  f"{STAGE_NAMES[stage][0]}日期{day}早于{STAGE_NAMES[earlier][0]}日期{before}",
                                  f"The {stage} date {day} is before the {earlier} date {before}")


def next_stages(dates: Mapping[str, date | None]) -> list[str]:
    """The stages that may be set now: registration any time, else the first milestone not reached."""
    result: list[str] = [Stage.REGISTERED] if dates.get(Stage.REGISTERED) is None else []
    upcoming = next((stage for stage in CHAIN if dates.get(stage) is None), None)
    return ([upcoming] if upcoming else []) + result


def check_tags(tags: Iterable[str]) -> list[str]:
    found: list[str] = []
    for tag in tags:
        if tag not in INVESTOR_TAGS:
            raise DomainError("project.investor_tag", "investor_tags", f"未知的投资方标签“{tag}”",
                              f"Unknown investor tag '{tag}' (one of: {', '.join(INVESTOR_TAGS)})")
        if tag not in found:
            found.append(tag)
    return found


def check_amount(value: Decimal, field_name: str = "amount") -> Decimal:
    if not value.is_finite() or value <= 0 or value >= MAX_AMOUNT_YUAN or value != value.quantize(_CENT):
        raise DomainError(f"project.{field_name}", field_name, f"金额“{value}”须为大于0、最多两位小数的人民币元数",
                          f"The amount '{value}' must be yuan, more than 0, with at most two decimals")
    return value


def check_reason(reason: str | None) -> str:
    """A correction of a record says why (kept in the audit log beside the old and new values)."""
    text = (reason or "").strip()
    if len(text) < 4:
        raise DomainError("correction.reason", "reason", "更正记录须写明理由（至少4个字）",
                          "A correction needs a reason (at least 4 characters)")
    return text


def check_receipt(signed_on: date | None, received_on: date, amount: Decimal, today: date) -> None:
    """A receipt of funds in place (到位资金): the same rule on the page, the API and the import."""
    check_amount(amount)
    if received_on > today:
        raise DomainError("project.fund_future", "received_on", f"到位日期{received_on}晚于今天（{today}）",
                          f"The receipt date {received_on} is after today ({today})")
    if signed_on is None or received_on < signed_on:
        raise DomainError("project.received_before_signing", "received_on",
                          f"到位日期{received_on}早于项目签约日期（{signed_on or '尚未签约'}）",
                          f"Received on {received_on}, before the project was signed ({signed_on or 'not signed yet'})")


# --- high-tech certificates -----------------------------------------------------------------------

@dataclass(frozen=True)
class Certificate:
    """A high-tech enterprise certificate (高新技术企业证书)."""

    number: str
    issued_on: date
    expires_on: date


def certificate_valid_on(certificate: Certificate | None, day: date) -> bool:
    return certificate is not None and certificate.issued_on <= day <= certificate.expires_on


def held_certificate_on(certificates: Iterable[Certificate], day: date) -> bool:
    """Whether any of an enterprise's certificates (its history, each with its validity) was valid on ``day``."""
    return any(certificate_valid_on(c, day) for c in certificates)


def check_certificate(number: str, issued_on: date | None, expires_on: date | None) -> Certificate | None:
    """All three fields, or none (no certificate)."""
    if not number and issued_on is None and expires_on is None:
        return None
    if not number or issued_on is None or expires_on is None:
        missing = "high_tech_cert" if not number else "cert_issued_on" if issued_on is None else "cert_expires_on"
        raise DomainError("key_enterprise.certificate", missing, "高新技术企业证书须同时填写编号、发证日期和有效期至",
                          "A high-tech certificate needs its number, issue date and expiry date together")
    if len(number) > 64:
        raise DomainError("key_enterprise.certificate_number", "high_tech_cert", "证书编号不超过64个字符",
                          "The certificate number is at most 64 characters")
    if expires_on < issued_on:
        raise DomainError("key_enterprise.certificate_dates", "cert_expires_on",
                          f"证书有效期至{expires_on}早于发证日期{issued_on}",
                          f"The certificate expires ({expires_on}) before it was issued ({issued_on})")
    return Certificate(number, issued_on, expires_on)


def check_service(kind: str, served_on: date, resolved_on: date | None, request: str, today: date) -> None:
    if kind not in SERVICE_KINDS:
        raise DomainError("service.kind", "kind", f"服务类型须为 visit（走访）或 request（诉求），而非“{kind}”",
                          f"The kind must be visit or request, not '{kind}'")
    if kind == "request" and not request.strip():
        raise DomainError("service.request", "request", "诉求须写明企业提出的问题", "A request must say what was asked")
    if served_on > today:
        raise DomainError("service.served_on_future", "served_on", f"服务日期{served_on}晚于今天（{today}）",
                          f"The service date {served_on} is after today ({today})")
    if resolved_on is not None and (resolved_on < served_on or resolved_on > today):
        raise DomainError("service.resolved_on", "resolved_on",
                          f"办结日期{resolved_on}须在服务日期{served_on}与今天之间",
                          f"The resolution date {resolved_on} must lie between the service date {served_on} and today")


# --- project figures ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonthAmount:
    month: str
    count: int
    amount: Decimal
    amount_year_earlier: Decimal


@dataclass(frozen=True)
class IndustryAmount:
    section: str
    name_zh: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class ProjectFigures:
    period: Period
    signed: YearOnYear
    signed_amount: YearOnYear
    funds_in_place: YearOnYear
    signed_large: YearOnYear
    landed_large: YearOnYear
    landed: YearOnYear
    started: YearOnYear
    completed: YearOnYear
    started_or_completed: YearOnYear
    investors_by_tag: dict[str, YearOnYear]
    funnel: dict[str, int]
    monthly: list[MonthAmount]
    by_industry: list[IndustryAmount]

    def as_json(self) -> dict[str, object]:
        def pair(value: YearOnYear, money: bool = False) -> dict[str, object]:
            convert = _money if money else int
            return {"value": convert(value.current), "year_earlier": convert(value.year_earlier),
                    "growth_pct": rounded(value.growth_pct)}

        return {
            "projects_signed": {"count": pair(self.signed), "amount_yuan": pair(self.signed_amount, True)},
            "funds_in_place_yuan": pair(self.funds_in_place, True),
            "signed_100m_or_more": pair(self.signed_large),
            "landed_100m_or_more": pair(self.landed_large),
            "landed": pair(self.landed),
            "started": pair(self.started),
            "completed": pair(self.completed),
            "started_or_completed": pair(self.started_or_completed),
            "investors_by_tag": {tag: pair(value) for tag, value in self.investors_by_tag.items()},
            "funnel": dict(self.funnel),
            "monthly": [{"month": m.month, "count": m.count, "amount_yuan": _money(m.amount),
                         "amount_year_earlier_yuan": _money(m.amount_year_earlier)} for m in self.monthly],
            "by_industry": [{"section": i.section, "name_zh": i.name_zh, "count": i.count,
                             "amount_yuan": _money(i.amount)} for i in self.by_industry],
        }


def _money(value: int | Decimal) -> float:
    return float(round(Decimal(value), 2))


def _in(day: date | None, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


WINDOW_FIGURES = ("signed", "signed_amount", "signed_large", "landed_large", "landed", "started", "completed",
                  "started_or_completed", *(f"tag:{tag}" for tag in INVESTOR_TAGS))
"""What the database counts for the period and for the same days a year earlier (``tag:…`` the
distinct investors with that tag among the projects signed)."""


def project_figures(period: Period, now: Mapping[str, int | Decimal], then: Mapping[str, int | Decimal],
                    funds: tuple[Decimal, Decimal], funnel: Mapping[str, int],
                    months: Iterable[tuple[str, int, Decimal]],
                    industries: Iterable[tuple[str, int, Decimal]]) -> ProjectFigures:
    """The investment office's figures for ``period`` against a year earlier, from what the
    database counted: ``now`` and ``then`` the ``WINDOW_FIGURES`` of the period and of the same
    days a year earlier, ``funds`` the receipts of each, ``funnel`` the projects signed in the
    period and how many of them had landed, started and completed by its end, ``months`` (``YYYY-MM``,
    projects signed in the period, amount signed) of every month with a signing in either window,
    ``industries`` (industry code, projects signed, amount) of the projects signed in the period."""
    def yoy(key: str) -> YearOnYear:
        return YearOnYear(now[key], then[key])

    month_count: dict[str, int] = defaultdict(int)
    month_amount: dict[str, Decimal] = defaultdict(Decimal)
    for month, count, amount in months:
        month_count[month] += count
        month_amount[month] += amount
    monthly = [MonthAmount(m, month_count[m], month_amount[m], month_amount[shift_month_year_earlier(m)])
               for m in period.months()]
    sections: dict[str, tuple[int, Decimal]] = {}
    for code, count, amount in industries:
        section = lookup(code).section
        before, total = sections.get(section, (0, Decimal(0)))
        sections[section] = (before + count, total + amount)
    by_industry = [IndustryAmount(s, lookup(s).name_zh, c, a)
                   for s, (c, a) in sorted(sections.items(), key=lambda item: (-item[1][1], item[0]))]
    return ProjectFigures(
        period=period, signed=yoy("signed"), signed_amount=yoy("signed_amount"),
        funds_in_place=YearOnYear(*funds),
        signed_large=yoy("signed_large"), landed_large=yoy("landed_large"), landed=yoy("landed"),
        started=yoy("started"), completed=yoy("completed"), started_or_completed=yoy("started_or_completed"),
        investors_by_tag={tag: yoy(f"tag:{tag}") for tag in INVESTOR_TAGS},
        funnel={key: funnel[key] for key in ("signed", "landed", "started", "completed")},
        monthly=monthly, by_industry=by_industry)


# --- key-enterprise figures -----------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceFacts:
    """What the figures need of one logged service."""

    enterprise: str
    kind: str
    served_on: date
    resolved_on: date | None = None


@dataclass(frozen=True)
class ServiceFigures:
    period: Period
    served: YearOnYear
    high_tech: int
    requests_resolved: YearOnYear
    median_days_to_resolve: float | None
    open_requests: int

    @property
    def high_tech_share_pct(self) -> float | None:
        served = int(self.served.current)
        return None if served == 0 else self.high_tech / served * 100.0

    def as_json(self) -> dict[str, object]:
        return {
            "served": {"value": int(self.served.current), "year_earlier": int(self.served.year_earlier),
                       "growth_pct": rounded(self.served.growth_pct)},
            "high_tech": self.high_tech, "high_tech_share_pct": rounded(self.high_tech_share_pct),
            "requests_resolved": {"value": int(self.requests_resolved.current),
                                  "year_earlier": int(self.requests_resolved.year_earlier),
                                  "growth_pct": rounded(self.requests_resolved.growth_pct)},
            "median_days_to_resolve": rounded(self.median_days_to_resolve, 1),
            "open_requests": self.open_requests,
        }


def service_figures(services: Iterable[ServiceFacts], certificates: Mapping[str, Sequence[Certificate]],
                    period: Period) -> ServiceFigures:
    """Key enterprises served in ``period``, the high-tech among them (a certificate of its history
    valid on a day it was served), and the requests resolved."""
    services = list(services)
    base = period.year_earlier()
    days_served: dict[str, list[date]] = defaultdict(list)
    for s in services:
        if _in(s.served_on, period):
            days_served[s.enterprise].append(s.served_on)
    served_before = {s.enterprise for s in services if _in(s.served_on, base)}
    high_tech = sum(1 for enterprise, days in days_served.items()
                    if any(held_certificate_on(certificates.get(enterprise, ()), day) for day in days))
    requests = [s for s in services if s.kind == "request"]
    resolved = [s for s in requests if _in(s.resolved_on, period)]
    resolved_before = sum(1 for s in requests if _in(s.resolved_on, base))
    days = [(s.resolved_on - s.served_on).days for s in resolved if s.resolved_on is not None]
    still_open = sum(1 for s in requests if s.served_on <= period.end
                     and (s.resolved_on is None or s.resolved_on > period.end))
    return ServiceFigures(period=period, served=YearOnYear(len(days_served), len(served_before)),
                          high_tech=high_tech, requests_resolved=YearOnYear(len(resolved), resolved_before),
                          median_days_to_resolve=float(statistics.median(days)) if days else None,
                          open_requests=still_open)
