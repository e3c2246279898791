"""A rating (好差评) as its rater, the zone's staff and the reform office see it: the typed read
model ``ratings.service`` builds (never the rater's name).

``as_json`` is the v1 JSON of a rating (``RatingOut``): the same keys, present in the same cases,
as before it was typed (``zone`` only for the reform office, ``may_appeal`` only in a panel).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
    rectification: dict[str, Any] | None  # ``rectification_view`` without the rating
    may_appeal: bool | None = None  # in a panel: whether its reader may appeal it

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "case_kind": self.case_kind, "case_id": self.case_id}
        if self.zone is not None:
            body["zone"] = self.zone
        body.update(matter=self.matter, round=self.round, score=self.score, score_zh=self.score_zh,
                    score_en=self.score_en, satisfied=self.satisfied, bad=self.bad, indicators=list(self.indicators),
                    comment=self.comment, rated_at=self.rated_at,
                    appeal=self.appeal.as_json() if self.appeal else None, excluded=self.excluded,
                    rectification=dict(self.rectification) if self.rectification is not None else None)
        if self.may_appeal is not None:
            body["may_appeal"] = self.may_appeal
        return body
