"""The observers' figures in a zone's report (``yima stats``, ``GET /api/v1/stats``, the dashboard),
as the section ``observers``.

For the period FROM..TO: observers serving on TO; suggestions received in the period; of those
given to a department, the first replies published by their deadline (``replied_on_time``) out of
those due (``replies_due``: published, or unpublished with the deadline passed by TO); the share
of rated suggestions whose latest rating is satisfied or basically satisfied; and the same by
category and by department. Replies and ratings count as now recorded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from yima.clock import china_days
from yima.db import Database
from yima.observers import rules
from yima.observers.tables import Department, Observer, Reply, Suggestion
from yima.stats.rules import Period
from yima.stats.sections import Section, SectionRow


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class SuggestionTally:
    received: int
    replies_due: int
    replied_on_time: int
    on_time_pct: float | None
    rated: int
    satisfied: int
    satisfied_pct: float | None


@dataclass(frozen=True)
class ObserverFigures:
    observers_serving: int
    total: SuggestionTally
    by_category: dict[str, SuggestionTally] = field(default_factory=dict)
    by_department: dict[str, SuggestionTally] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"observers_serving": self.observers_serving, **asdict(self.total),
                "by_category": {key: asdict(t) for key, t in self.by_category.items()},
                "by_department": {name: asdict(t) for name, t in self.by_department.items()}}


@dataclass(frozen=True)
class Counted:
    """What the figures read of one suggestion (one row of one query, not the suggestion and its
    replies loaded): its category and department, its round and deadline, whether its first
    reply was published and on time, and the latest rating of its replies."""

    category: str
    department: str | None
    round_no: int
    due_on: date | None
    first_published: bool
    first_on_time: bool | None
    last_rating: str | None


def _tally(found: list[Counted], period: Period) -> SuggestionTally:
    due = on_time = rated = satisfied = 0
    for suggestion in found:
        if suggestion.first_published:
            due += 1
            on_time += bool(suggestion.first_on_time)
        elif suggestion.round_no >= 1 and suggestion.due_on is not None and suggestion.due_on < period.end:
            due += 1
        if suggestion.last_rating:
            rated += 1
            satisfied += suggestion.last_rating in rules.SATISFIED
    return SuggestionTally(received=len(found), replies_due=due, replied_on_time=on_time,
                           on_time_pct=_share(on_time, due), rated=rated, satisfied=satisfied,
                           satisfied_pct=_share(satisfied, rated))


def compute(db: Database, zone_id: str, period: Period) -> ObserverFigures:
    start, end = china_days(period.start, period.end)
    first = aliased(Reply)
    rated = aliased(Reply)
    latest_rating = (select(rated.rating).where(rated.suggestion_id == Suggestion.id, rated.rating.is_not(None),
                                                rated.rating != "")
                     .order_by(rated.round_no.desc(), rated.id.desc()).limit(1).scalar_subquery())
    query = (select(Suggestion.category, Department.name, Suggestion.round_no, Suggestion.due_on,
                    first.published_at.is_not(None), first.on_time, latest_rating)
             .outerjoin(Department, Department.id == Suggestion.department_id)
             .outerjoin(first, and_(first.suggestion_id == Suggestion.id, first.round_no == 1))
             .where(Suggestion.zone_id == zone_id, Suggestion.submitted_at >= start, Suggestion.submitted_at < end)
             .order_by(Suggestion.id))
    with db.read() as session:
        serving = session.scalar(select(func.count()).select_from(Observer).where(
            Observer.zone_id == zone_id, Observer.term_from <= period.end, Observer.term_to >= period.end)) or 0
        found = [Counted(category, department, round_no, due_on, bool(published), on_time, rating)
                 for category, department, round_no, due_on, published, on_time, rating in session.execute(query)]
    names = sorted({s.department for s in found if s.department is not None})
    return ObserverFigures(
        observers_serving=serving, total=_tally(found, period),
        by_category={key: _tally([s for s in found if s.category == key], period)
                     for key in rules.CATEGORIES if any(s.category == key for s in found)},
        by_department={name: _tally([s for s in found if s.department == name], period) for name in names})


def rows(figures: ObserverFigures) -> list[SectionRow]:
    total = figures.total
    return [
        SectionRow("在任营商环境观察员", "Observers serving on the last day", figures.observers_serving, "名",
                   "people"),
        SectionRow("收到建议", "Suggestions received", total.received, "条", "suggestions"),
        SectionRow("按时答复", "Replied on time", total.replied_on_time, "条", "replies"),
        SectionRow("按时答复率", "Replied on time, share of those due", total.on_time_pct, "%", "%"),
        SectionRow("满意率（满意和基本满意）", "Satisfied or basically satisfied", total.satisfied_pct, "%", "%"),
    ]


SECTION = Section(name="observers", title_zh="营商环境观察员", title_en="Business-environment observers",
                  compute=compute, rows=rows, template="observers/_figures.html")
