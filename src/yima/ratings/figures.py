"""The published figures of 好差评 (GB/T 39734-2020 §10.1: results published), by zone, matter
and month: ratings, the share satisfied (4 or 5), bad ratings (2 or less) and those put right by
their fifteen-working-day deadline out of those due. A rating whose appeal was upheld is left out.
No figure names or counts a person.

The same numbers are the dashboard's section ``ratings`` (``GET /api/v1/stats``, ``yima stats``)
and ``GET /api/v1/ratings/figures`` (anonymous).
"""

from __future__ import annotations

from yima.db import Database
from yima.ratings import service
from yima.ratings.rules import RatingFigures
from yima.stats.rules import Period
from yima.stats.sections import Section, SectionRow


def compute(db: Database, zone_id: str, period: Period) -> RatingFigures:
    return service.figures_of(db, zone_id, period)


def rows(figures: RatingFigures) -> list[SectionRow]:
    total = figures.total
    return [
        SectionRow("评价数（好差评）", "Ratings of cases", total.ratings, "件", "ratings"),
        SectionRow("满意率（满意和非常满意）", "Satisfied or very satisfied", total.satisfied_pct, "%", "%"),
        SectionRow("差评", "Bad ratings", total.bad, "件", "ratings"),
        SectionRow("差评按时整改", "Bad ratings put right on time", total.put_right_on_time, "件", "ratings"),
        SectionRow("差评按时整改率", "Put right on time, share of those due", total.put_right_on_time_pct, "%",
                   "%"),
    ]


SECTION = Section(name="ratings", title_zh="政务服务“好差评”", title_en="Ratings of government services (好差评)",
                  compute=compute, rows=rows, template="ratings/_figures.html")
