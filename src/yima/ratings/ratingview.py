"""A rating (好差评) as its rater, the zone's staff and the reform office see it, and an item of
the office's ledger of bad ratings: the typed read models ``ratings.service`` builds (never the
rater's name).

``as_json`` is the v1 JSON of a rating (``RatingOut``) and of a ledger item (``RectificationOut``,
``RectificationBrief`` inside a rating): the same keys, present in the same cases, as before they
were typed (``zone`` only for the reform office, ``may_appeal`` only in a panel, ``rating`` only
in the ledger).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class AppealView:
    """An officer's appeal of the rating as malicious (恶意评价), and the office's decision."""

    state: str  # pending | upheld | rejected
    reason: str
    appealed_at: str | None
    note: str
    decided_at: str | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RectificationView:
    """An item of the reform office's ledger of bad ratings (差评整改台账): its deadlines (working
    days of ``calendar``), its call back and what was put right, and whether either is overdue.
    ``rating`` is the rating it is about, in the ledger; inside that rating's view it is None."""

    id: int
    code: str
    zone: str
    state: str  # open | called_back | put_right
    opened_on: str
    callback_due_on: str
    fix_due_on: str
    calendar: str
    due_provisional: bool
    called_back_at: str | None
    callback_note: str
    callback_on_time: bool | None
    put_right_at: str | None
    fix_note: str
    put_right_on_time: bool | None
    callback_overdue: bool
    fix_overdue: bool
    rating: RatingView | None = None

    def as_json(self) -> dict[str, Any]:
        body = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rating"}
        if self.rating is not None:
            body["rating"] = self.rating.as_json()
        return body


@dataclass(frozen=True)
class RatingView:
    id: int
    case_kind: str
    case_id: int
    zone: str | None  # the reform office's view only
    matter: str
    round: int
    score: int
    score_zh: str
    score_en: str
    satisfied: bool
    bad: bool
    indicators: tuple[str, ...]
    comment: str
    rated_at: str | None
    appeal: AppealView | None
    excluded: bool
    rectification: RectificationView | None  # its ledger item, without the rating
    may_appeal: bool | None = None  # in a panel: whether its reader may appeal it

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "case_kind": self.case_kind, "case_id": self.case_id}
        if self.zone is not None:
            body["zone"] = self.zone
        body.update(matter=self.matter, round=self.round, score=self.score, score_zh=self.score_zh,
                    score_en=self.score_en, satisfied=self.satisfied, bad=self.bad, indicators=list(self.indicators),
                    comment=self.comment, rated_at=self.rated_at,
                    appeal=self.appeal.as_json() if self.appeal else None, excluded=self.excluded,
                    rectification=self.rectification.as_json() if self.rectification is not None else None)
        if self.may_appeal is not None:
            body["may_appeal"] = self.may_appeal
        return body


@dataclass(frozen=True)
class ApplicationRatings:
    """The 好差评 of one application in its view (``ApplicationOut.rating``): whether its applicant
    may rate it now and in which round, and its ratings."""

    open_to_applicant: bool
    round: int | None
    ratings: tuple[RatingView, ...]

    def as_json(self) -> dict[str, Any]:
        return {"open_to_applicant": self.open_to_applicant, "round": self.round,
                "ratings": [r.as_json() for r in self.ratings]}
