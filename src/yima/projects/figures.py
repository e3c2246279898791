"""The investment office's two sections of the zone report (``yima.stats.sections``).

``projects`` (招商引资): projects signed and their agreed investment, funds in place, projects of
100 million yuan or more signed and landed, projects started or completed, investors by tag, the
funnel, the signed amount by month and by industry. ``key_enterprises`` (重点企业服务): key
enterprises served, the high-tech share, requests resolved and the median days to resolve. Both
appear in ``yima stats``, ``GET /api/v1/stats`` (under these names) and on the dashboard.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yima.db import Database
from yima.projects.key_enterprises import zone_service_figures
from yima.projects.rules import INVESTOR_TAGS, ProjectFigures, ServiceFigures
from yima.projects.service import zone_project_figures
from yima.stats.rules import Period, YearOnYear, rounded
from yima.stats.sections import Section, SectionRow


def compute_projects(db: Database, zone_id: str, period: Period) -> ProjectFigures:
    return zone_project_figures(db, zone_id, period)


def compute_key_enterprises(db: Database, zone_id: str, period: Period) -> ServiceFigures:
    return zone_service_figures(db, zone_id, period)


def _pair(zh: str, en: str, value: YearOnYear, unit_zh: str, unit_en: str, yuan: float | None = None) -> SectionRow:
    """A count, or an amount of money shown in units of ``yuan`` (two places), against a year earlier."""
    def shown(number: int | Decimal) -> float | int:
        if yuan is None:
            return int(number)
        return round(float(round(Decimal(number), 2)) / yuan, 2)

    return SectionRow(zh, en, shown(value.current), unit_zh, unit_en, shown(value.year_earlier),
                      rounded(value.growth_pct))


def project_rows(figures: ProjectFigures) -> list[SectionRow]:
    rows = [
        _pair("新签约项目", "Projects signed", figures.signed, "个", "projects"),
        _pair("签约投资额", "Agreed investment", figures.signed_amount, "亿元", "100m yuan", 1e8),
        _pair("到位资金", "Funds in place", figures.funds_in_place, "亿元", "100m yuan", 1e8),
        _pair("亿元以上签约项目", "Projects of 100m yuan or more signed", figures.signed_large, "个", "projects"),
        _pair("亿元以上落地项目", "Projects of 100m yuan or more landed", figures.landed_large, "个", "projects"),
        _pair("落地项目", "Projects landed", figures.landed, "个", "projects"),
        _pair("开工项目", "Projects started", figures.started, "个", "projects"),
        _pair("竣工项目", "Projects completed", figures.completed, "个", "projects"),
        _pair("开竣工项目", "Projects started or completed", figures.started_or_completed, "个", "projects"),
    ]
    for tag, (zh, en) in INVESTOR_TAGS.items():
        rows.append(_pair(f"引进{zh}", f"Investors: {en}", figures.investors_by_tag[tag], "家", "investors"))
    return rows


def key_enterprise_rows(figures: ServiceFigures) -> list[SectionRow]:
    return [
        _pair("服务重点企业", "Key enterprises served", figures.served, "家", "enterprises"),
        SectionRow("其中高新技术企业占比", "of which high-tech", rounded(figures.high_tech_share_pct), "%", "%"),
        _pair("办结诉求", "Requests resolved", figures.requests_resolved, "件", "requests"),
        SectionRow("办结用时中位数", "Median days to resolve", rounded(figures.median_days_to_resolve, 1), "天",
                   "days"),
        SectionRow("未办结诉求（期末）", "Requests open at the end", figures.open_requests, "件", "requests"),
    ]


SECTIONS: list[Section[Any]] = [
    Section(name="projects", title_zh="招商引资", title_en="Investment projects", compute=compute_projects,
            rows=project_rows, template="projects/section_projects.html"),
    Section(name="key_enterprises", title_zh="重点企业服务", title_en="Key-enterprise service",
            compute=compute_key_enterprises, rows=key_enterprise_rows,
            template="projects/section_key_enterprises.html"),
]
