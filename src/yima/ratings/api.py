"""Ratings' routes of the v1 API (好差评): rating a decided application, the reform office's
ledger of bad ratings, appeals, and the published figures. They translate HTTP to the service."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from yima.clock import utcnow
from yima.ratings import rules, service
from yima.textcheck import CleanText
from yima.web.deps import DB, CurrentActor, RowId, Standard

router = APIRouter(prefix="/api/v1", tags=["ratings"])
IndicatorCode = Annotated[str, Field(max_length=32)]


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5, description="5 very satisfied, 4 satisfied, 3 basically satisfied, "
                       "2 dissatisfied, 1 very dissatisfied (2 or less is a bad rating: 差评)")
    indicators: list[IndicatorCode] = Field(default_factory=list, max_length=len(rules.INDICATORS),
                                            description=f"Codes of GET /api/v1/ratings/indicators: "
                                            f"{', '.join(rules.INDICATORS)}; a bad rating names at least one")
    comment: CleanText = Field("", max_length=rules.MAX_COMMENT)


class AppealOut(BaseModel):
    state: str = Field(description="pending | upheld (excluded from the figures) | rejected")
    reason: str
    appealed_at: str | None
    note: str
    decided_at: str | None


class RectificationBrief(BaseModel):
    id: int
    code: str = Field(description="The number in the reform office's ledger of bad ratings (per zone and year): "
                      "2026-0001")
    zone: str
    state: str = Field(description=", ".join(rules.RECTIFICATION_STATES))
    opened_on: date
    callback_due_on: date = Field(description="One working day after the rating (China's official calendar)")
    fix_due_on: date = Field(description="Fifteen working days after the rating")
    calendar: str
    due_provisional: bool
    called_back_at: str | None
    callback_note: str
    callback_on_time: bool | None
    put_right_at: str | None
    fix_note: str
    put_right_on_time: bool | None
    callback_overdue: bool = Field(False, description="Not called back, and its day has passed")
    fix_overdue: bool = Field(False, description="Not put right, and its fifteen working days have passed")


class RatingOut(BaseModel):
    id: int
    case_kind: str
    case_id: int
    matter: str
    round: int = Field(description="1: the rating; 2: the rating again after a bad one was put right")
    score: int
    score_zh: str
    score_en: str
    satisfied: bool
    bad: bool
    indicators: list[str]
    comment: str
    rated_at: str | None
    appeal: AppealOut | None
    excluded: bool
    rectification: RectificationBrief | None
    may_appeal: bool = False


class RatingPanelOut(BaseModel):
    case_kind: str
    case_id: int
    status: str
    may_rate: bool = Field(description="Whether the caller may rate the case now (the applicant served, once; "
                           "again once a bad rating was put right)")
    round: int | None
    ratings: list[RatingOut]


class IndicatorOut(BaseModel):
    code: str
    zh: str
    en: str


class ScoreOut(BaseModel):
    score: int
    zh: str
    en: str


class IndicatorsOut(BaseModel):
    scores: list[ScoreOut]
    indicators: list[IndicatorOut]


class RectificationOut(RectificationBrief):
    rating: RatingOut


class NoteIn(BaseModel):
    note: CleanText = Field(min_length=1, max_length=rules.MAX_REASON)


class AppealIn(BaseModel):
    reason: CleanText = Field(min_length=1, max_length=rules.MAX_REASON,
                              description="Why the rating is malicious (恶意评价)")


class AppealDecisionIn(BaseModel):
    upheld: bool = Field(description="true: the rating is excluded from the figures; false: it stays")
    note: CleanText = Field("", max_length=rules.MAX_REASON)


class TallyOut(BaseModel):
    ratings: int
    satisfied: int = Field(description="Rated 4 or 5")
    satisfied_pct: float | None
    bad: int = Field(description="Rated 2 or less")
    put_right_due: int = Field(description="Bad ratings put right, or whose fifteen working days have passed")
    put_right_on_time: int
    put_right_on_time_pct: float | None
    by_score: dict[str, int]


class FigureRowOut(TallyOut):
    matter: str
    matter_zh: str
    matter_en: str
    month: str = Field(description="YYYY-MM, China Standard Time")


class FiguresOut(TallyOut):
    zone: str
    zone_name: str
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    by_matter: dict[str, TallyOut]
    by_month: dict[str, TallyOut]
    rows: list[FigureRowOut]


@router.get("/ratings/indicators", response_model=IndicatorsOut)
def indicators() -> IndicatorsOut:
    """The five levels and the fixed indicators (GB/T 39734-2020) a rating may name."""
    return IndicatorsOut(scores=[ScoreOut(score=s, zh=zh, en=en) for s, (zh, en) in rules.SCORES.items()],
                         indicators=[IndicatorOut(code=c, zh=zh, en=en) for c, (zh, en) in rules.INDICATORS.items()])


@router.get("/applications/{app_id}/rating", response_model=RatingPanelOut)
def application_ratings(app_id: RowId, db: DB, actor: CurrentActor) -> RatingPanelOut:
    """The application's ratings (its applicant and the zone's staff), and whether the caller may rate now."""
    panel = service.rating_panel(db, actor, app_id, utcnow(), service.APPLICATION)
    return RatingPanelOut.model_validate(panel.as_json())


@router.post("/applications/{app_id}/rating", response_model=RatingOut, status_code=201)
def rate_application(app_id: RowId, body: RatingIn, db: DB, actor: CurrentActor) -> RatingOut:
    """一事一评: the applicant rates the decided application once (again only after a bad rating was
    put right). A rating of 2 or less opens an item in the reform office's ledger."""
    now = utcnow()
    rating_id = service.rate_application(db, actor, app_id, body.score, body.indicators, body.comment, now)
    panel = service.rating_panel(db, actor, app_id, now)
    return RatingOut.model_validate(panel.rating(rating_id).as_json())


@router.get("/key-enterprises/services/{service_id}/rating", response_model=RatingPanelOut)
def request_ratings(service_id: RowId, db: DB, actor: CurrentActor) -> RatingPanelOut:
    """A key enterprise's request (诉求): its ratings (the enterprise's authorised user, its specialist,
    the investment office), and whether the caller may rate now."""
    panel = service.rating_panel(db, actor, service_id, utcnow(), service.REQUEST)
    return RatingPanelOut.model_validate(panel.as_json())


@router.post("/key-enterprises/services/{service_id}/rating", response_model=RatingOut, status_code=201)
def rate_request(service_id: RowId, body: RatingIn, db: DB, actor: CurrentActor) -> RatingOut:
    """一事一评 of a resolved request: the enterprise's authorised user rates it once (again only after
    a bad rating was put right); a rating of 2 or less opens an item in the reform office's ledger."""
    now = utcnow()
    rating_id = service.rate(db, actor, service.REQUEST, service_id, body.score, body.indicators, body.comment, now)
    panel = service.rating_panel(db, actor, service_id, now, service.REQUEST)
    return RatingOut.model_validate(panel.rating(rating_id).as_json())


@router.get("/ratings/rectifications", response_model=list[RectificationOut])
def list_rectifications(db: DB, actor: CurrentActor, zone: Annotated[str | None, Query(max_length=32)] = None,
                        state: Annotated[str | None, Query(max_length=16)] = None) -> list[RectificationOut]:
    """The reform office's ledger of bad ratings (差评整改台账), newest first."""
    return [RectificationOut.model_validate(r.as_json()) for r in service.rectifications(db, actor, zone, state)]


@router.post("/ratings/rectifications/{rect_id}/callback", response_model=RectificationOut)
def call_back(rect_id: RowId, body: NoteIn, db: DB, actor: CurrentActor) -> RectificationOut:
    """The reform office records its call back (回访), due within one working day."""
    service.call_back(db, actor, rect_id, body.note, utcnow())
    return RectificationOut.model_validate(service.get_rectification(db, actor, rect_id).as_json())


@router.post("/ratings/rectifications/{rect_id}/put-right", response_model=RectificationOut)
def put_right(rect_id: RowId, body: NoteIn, db: DB, actor: CurrentActor) -> RectificationOut:
    """The reform office records what was put right (due within fifteen working days); the person
    is notified and may rate the case once more."""
    service.put_right(db, actor, rect_id, body.note, utcnow())
    return RectificationOut.model_validate(service.get_rectification(db, actor, rect_id).as_json())


@router.post("/ratings/{rating_id}/appeal", status_code=204)
def appeal(rating_id: RowId, body: AppealIn, db: DB, actor: CurrentActor) -> None:
    """An officer of the case's zone appeals the rating as malicious, once, with a reason."""
    service.appeal(db, actor, rating_id, body.reason, utcnow())


@router.post("/ratings/{rating_id}/appeal/decision", status_code=204)
def decide_appeal(rating_id: RowId, body: AppealDecisionIn, db: DB, actor: CurrentActor) -> None:
    """The reform office decides: upheld, the rating is excluded from the figures (in the audit log);
    rejected, it stays."""
    service.decide_appeal(db, actor, rating_id, body.upheld, body.note, utcnow())


@router.get("/ratings/figures", response_model=FiguresOut, response_model_by_alias=True)
def figures(db: DB, standard: Standard, zone: Annotated[str, Query(max_length=32, description="Zone id, e.g. cq-gxq")],
            start: Annotated[str | None, Query(alias="from", max_length=10,
                                               description="First day, YYYY-MM-DD (default: 1 January)")] = None,
            end: Annotated[str | None, Query(alias="to", max_length=10,
                                             description="Last day, YYYY-MM-DD (default: today; at most a year)")
                           ] = None) -> FiguresOut:
    """The zone's published 好差评 figures (anonymous; no personal data): ratings, the share satisfied
    (4–5), bad ratings (≤2) and those put right on time, by matter and by month (China Standard Time).
    A rating whose appeal was upheld is left out."""
    return FiguresOut.model_validate(service.published_figures(db, standard, zone, start, end).as_json())
