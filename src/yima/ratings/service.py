"""Ratings' use cases (好差评): the applicant rates a decided case; a bad rating opens an item in
the reform office's ledger, which calls back and puts it right, and the person is asked to rate
again; an officer appeals a rating as malicious and the office decides; the figures are counted.

Each step is one transaction: it checks who may act, calls the rules, stores the change, appends
it to the zone's audit log and writes the notifications it causes, or changes nothing. The case
itself is read through registration's views (which decide who may see it); ratings own their
rows and never write registration's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yima.actors import Actor, may_work_zone
from yima.audit import service as audit
from yima.clock import as_utc, china_days, china_time, local_date, utcnow
from yima.db import Database
from yima.errors import Conflict, DomainError, Forbidden, NotFound
from yima.notifications.service import notify, users_of_role
from yima.notifications.tables import Notification
from yima.observers import views as suggestions
from yima.observers.calendar import official_calendar
from yima.projects import key_enterprises
from yima.ratings import rules
from yima.ratings.ratingview import AppealView, ApplicationRatings, RatingView, RectificationView
from yima.ratings.states import (
    WAITING,
    AppealState,
    RectificationState,
    RectificationStep,
    appeal_may_move,
    step_allowed,
    step_leads_to,
)
from yima.ratings.tables import Rating, Rectification
from yima.registration import views as applications
from yima.registration.appview import ApplicationView
from yima.registration.model import ApplicationRecord
from yima.standard.model import MatterStandard
from yima.stats.rules import Period, parse_period
from yima.textcheck import check_clean
from yima.zones.service import get_zone

APPLICATION = "application"
REQUEST = "key_enterprise_request"
SUGGESTION_REPLY = "suggestion_reply"
MAX_FIGURE_ROWS = 200_000  # a zone's ratings in a year, far above what a zone makes


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def _case_state(session: Session, kind: str, case_id: int, decided: bool, served_user_id: int
                ) -> tuple[rules.CaseForRating, list[Rating]]:
    given = list(session.scalars(select(Rating).where(Rating.case_kind == kind, Rating.case_id == case_id)
                                 .order_by(Rating.round_no)))
    last_bad = next((r for r in reversed(given) if rules.is_bad(r.score)), None)
    rectification = last_bad.rectification.state if last_bad and last_bad.rectification else None
    return rules.CaseForRating(decided, served_user_id, tuple((r.round_no, r.score) for r in given),
                               rectification), given


def rating_view(rating: Rating, *, office: bool = False) -> RatingView:
    """A rating as its rater, the zone's staff and the reform office see it (never the rater's name)."""
    rect = rating.rectification
    return RatingView(
        id=rating.id, case_kind=rating.case_kind, case_id=rating.case_id, zone=rating.zone_id if office else None,
        matter=rating.matter, round=rating.round_no, score=rating.score,
        score_zh=rules.SCORES[rating.score][0], score_en=rules.SCORES[rating.score][1],
        satisfied=rules.satisfied(rating.score), bad=rules.is_bad(rating.score),
        indicators=tuple(rating.indicators or ()), comment=rating.comment, rated_at=_iso(rating.rated_at),
        appeal=None if rating.appeal_state is None else AppealView(
            state=rating.appeal_state, reason=rating.appeal_reason, appealed_at=_iso(rating.appealed_at),
            note=rating.appeal_note, decided_at=_iso(rating.appeal_decided_at)),
        excluded=rating.excluded,
        rectification=None if rect is None else rectification_view(rect, with_rating=False))


def rectification_view(rect: Rectification, *, with_rating: bool = True) -> RectificationView:
    today = local_date(utcnow())
    waiting = rect.state in WAITING
    return RectificationView(
        id=rect.id, code=rules.ledger_code(rect.ledger_year, rect.ledger_no), zone=rect.zone_id, state=rect.state,
        opened_on=rect.opened_on.isoformat(), callback_due_on=rect.callback_due_on.isoformat(),
        fix_due_on=rect.fix_due_on.isoformat(), calendar=rect.calendar, due_provisional=rect.due_provisional,
        called_back_at=_iso(rect.called_back_at), callback_note=rect.callback_note,
        callback_on_time=local_date(rect.called_back_at) <= rect.callback_due_on if rect.called_back_at else None,
        put_right_at=_iso(rect.put_right_at), fix_note=rect.fix_note,
        put_right_on_time=local_date(rect.put_right_at) <= rect.fix_due_on if rect.put_right_at else None,
        callback_overdue=rect.state == RectificationState.OPEN and today > rect.callback_due_on,
        fix_overdue=waiting and today > rect.fix_due_on,
        rating=rating_view(rect.rating, office=True) if with_rating else None)


@dataclass(frozen=True)
class CaseRef:
    """A case as its ratings need it, read through the feature that owns it."""

    kind: str
    id: int
    zone_id: str
    matter: str
    status: str
    served_user_id: int
    #: Officers of the zone see it (and may appeal its ratings).
    officers_see: bool


def case_words(kind: str, case_id: int) -> tuple[str, str]:
    """How a notification names the case (its number, nobody's name)."""
    if kind == REQUEST:
        return f"重点企业诉求 #{case_id}", f"key-enterprise request #{case_id}"
    return f"申请 #{case_id}", f"application #{case_id}"


def case_link(kind: str, case_id: int) -> str:
    return f"/applications/{case_id}#rating" if kind == APPLICATION else ""


def load_case(db: Database, actor: Actor, kind: str, case_id: int, now: datetime) -> CaseRef:
    """The case as ``actor`` may see it (404 otherwise), through its owner's read service."""
    if kind == REQUEST:
        request = key_enterprises.request_case(db, actor, case_id)
        return CaseRef(kind, case_id, request.zone_id, kind, "resolved" if request.resolved else "open",
                       request.owner_id if request.owner_id is not None else -1, False)
    app = applications.get_application(db, actor, case_id, now)
    # an applicant sees only their own applications, so an applicant who sees it is the one served
    return CaseRef(kind, case_id, app.zone, app.matter, app.status,
                   actor.id if actor.role == "applicant" else -1, True)


@dataclass(frozen=True)
class RatingPanel:
    """A case's ratings as one reader sees them (``RatingPanelOut``): whether they may rate now and
    in which round, and each rating (``rating_view``) with whether they may appeal it
    (``may_appeal``)."""

    case_kind: str
    case_id: int
    status: str
    may_rate: bool
    round: int | None
    ratings: tuple[RatingView, ...]

    def as_json(self) -> dict[str, Any]:
        return {"case_kind": self.case_kind, "case_id": self.case_id, "status": self.status,
                "may_rate": self.may_rate, "round": self.round, "ratings": [r.as_json() for r in self.ratings]}

    def rating(self, rating_id: int) -> RatingView:
        """One of its ratings, by id."""
        return next(r for r in self.ratings if r.id == rating_id)


def rating_panel(db: Database, actor: Actor, app_id: int, now: datetime, kind: str = "application"
                 ) -> RatingPanel:
    """The case's ratings as ``actor`` sees them, whether they may rate now (and which round),
    and whether they may appeal each rating."""
    case_ref = load_case(db, actor, kind, app_id, now)
    with db.read() as session:
        case, given = _case_state(session, kind, app_id, rules.is_decided(kind, case_ref.status),
                                  case_ref.served_user_id)
        office = actor.role == "reform_office"
        seen = [rating_view(r, office=office) for r in given]
    try:
        round_no: int | None = rules.next_round(case, actor.id, actor.role)
    except (Conflict, Forbidden):
        round_no = None
    appealable = case_ref.officers_see and actor.role == "officer" and may_work_zone(actor, case_ref.zone_id)
    return RatingPanel(kind, app_id, case_ref.status, round_no is not None, round_no,
                       tuple(replace(view, may_appeal=appealable and view.appeal is None) for view in seen))


def rate_application(db: Database, actor: Actor, app_id: int, score: int, indicators: Sequence[str], comment: str,
                     now: datetime) -> int:
    """The applicant rates the decided application; a bad rating opens a rectification item. The
    rating's id."""
    return rate(db, actor, APPLICATION, app_id, score, indicators, comment, now)


def rate(db: Database, actor: Actor, kind: str, case_id: int, score: int, indicators: Sequence[str], comment: str,
         now: datetime) -> int:
    """The person served rates the decided case; a bad rating opens a rectification item. The
    rating's id."""
    asked = rules.check_rating(score, indicators, check_clean(comment, "comment", multiline=True))
    case_ref = load_case(db, actor, kind, case_id, now)
    for attempt in range(3):
        try:
            return _store_rating(db, actor, case_ref, asked, now)
        except IntegrityError:
            # Another request stored a rating of the same round at the same moment (a second rating
            # is refused), or took the ledger's next number first (counted again).
            if attempt == 2 or _rated(db, kind, case_id):
                break
    raise Conflict("rating.once", "id", "每件事只能评价一次（一事一评）", "A case is rated once (一事一评)")


def _rated(db: Database, kind: str, case_id: int) -> bool:
    """Whether every rating the case may have now is already stored (first, or the second once put right)."""
    with db.read() as session:
        given = list(session.scalars(select(Rating).where(Rating.case_kind == kind, Rating.case_id == case_id)))
    return bool(given) and not (len(given) == 1 and given[0].rectification is not None
                                and given[0].rectification.state == RectificationState.PUT_RIGHT)


def _store_rating(db: Database, actor: Actor, case_ref: CaseRef, asked: rules.RatingAsked, now: datetime) -> int:
    kind, case_id = case_ref.kind, case_ref.id
    with db.write() as session:
        case, _ = _case_state(session, kind, case_id, rules.is_decided(kind, case_ref.status), case_ref.served_user_id)
        round_no = rules.next_round(case, actor.id, actor.role)
        rating = Rating(zone_id=case_ref.zone_id, case_kind=kind, case_id=case_id, matter=case_ref.matter,
                        rater_id=actor.id, round_no=round_no, score=asked.score, indicators=list(asked.indicators),
                        comment=asked.comment, rated_at=now, excluded=False)
        session.add(rating)
        session.flush()
        audit.record(session, [audit.event(rating.zone_id, actor, now, "rating.given", f"{kind}:{case_id}",
                                           rating=rating.id, round=round_no, score=asked.score,
                                           indicators=list(asked.indicators))])
        if rules.is_bad(asked.score):
            _open_rectification(session, rating, now)
        return rating.id


def _move_item(rect: Rectification, step: RectificationStep, target: RectificationState) -> None:
    """The one writer of a rectification item's state: ``step`` to ``target`` where the table
    (``ratings.states``) allows, or the conflict naming the state it is in."""
    if not step_leads_to(step, rect.state, target):
        rules.check_rectification_step(step, rect.state)
        raise ValueError(f"{step} does not lead from {rect.state} to {target}")
    rect.state = target


def _move_appeal(rating: Rating, target: AppealState) -> None:
    """The one writer of a rating's appeal state, as the table allows (callers refuse first, naming why)."""
    if not appeal_may_move(rating.appeal_state, target):
        raise ValueError(f"an appeal {rating.appeal_state or 'not made'} cannot become {target}")
    rating.appeal_state = target


def _open_rectification(session: Session, rating: Rating, now: datetime) -> Rectification:
    today = local_date(now)
    due = rules.rectification_due(today, official_calendar())
    number = (session.scalar(select(func.max(Rectification.ledger_no)).where(
        Rectification.zone_id == rating.zone_id, Rectification.ledger_year == today.year)) or 0) + 1
    rect = Rectification(rating_id=rating.id, zone_id=rating.zone_id, ledger_year=today.year, ledger_no=number,
                         opened_on=today, callback_due_on=due.callback.due_on,
                         fix_due_on=due.fix.due_on, calendar=due.fix.calendar, due_provisional=due.provisional,
                         callback_note="", fix_note="")
    _move_item(rect, RectificationStep.OPEN, RectificationState.OPEN)
    session.add(rect)
    session.flush()
    code = rules.ledger_code(rect.ledger_year, rect.ledger_no)
    audit.record(session, [audit.event(rating.zone_id, None, now, "rectification.opened", f"rectification:{rect.id}",
                                       rating=rating.id, callback_due_on=rect.callback_due_on.isoformat(),
                                       fix_due_on=rect.fix_due_on.isoformat(), calendar=rect.calendar)])
    zh_score, en_score = rules.SCORES[rating.score]
    zh_case, en_case = case_words(rating.case_kind, rating.case_id)
    notify(session, users_of_role(session, rating.zone_id, "reform_office"), "rating.bad",
           (f"差评 {code}：{zh_case} 收到差评（{zh_score}）",
            f"Bad rating {code}: {en_case} rated {en_score.lower()}"),
           (f"请于 {rect.callback_due_on} 前回访，{rect.fix_due_on} 前整改完成。",
            f"Call back by {rect.callback_due_on} and put it right by {rect.fix_due_on}."),
           now, link="/ratings", zone_id=rating.zone_id)
    return rect


def _require_office(actor: Actor, zone_id: str) -> None:
    if actor.role == "reform_office" and actor.zone_id == zone_id:
        return
    raise Forbidden("ratings.office_only", "role", "只有本区营商环境改革办可以执行此操作",
                    "Only the zone's business-environment reform office may do this")


def _rectification(session: Session, actor: Actor, rect_id: int) -> Rectification:
    rect = session.get(Rectification, rect_id)
    if rect is None or not (actor.role == "admin" or (actor.role == "reform_office" and actor.zone_id == rect.zone_id)):
        raise NotFound("rectification.unknown", "id", f"没有编号为 {rect_id} 的整改事项",
                       f"No rectification item {rect_id}")
    return rect


def rectifications(db: Database, actor: Actor, zone_id: str | None = None, state: str | None = None
                   ) -> list[RectificationView]:
    """The reform office's ledger of bad ratings (its own zone; an administrator any zone), newest first."""
    zone = zone_id or actor.zone_id
    if actor.role != "admin":
        if actor.role != "reform_office" or zone != actor.zone_id:
            raise Forbidden("ratings.office_only", "role", "只有本区营商环境改革办可以查看差评整改台账",
                            "Only the zone's business-environment reform office may read the ledger of bad ratings")
    if state is not None and state not in rules.RECTIFICATION_STATES:
        raise DomainError("rectification.state_unknown", "state",
                       f"未知状态：{state}（可选：{', '.join(rules.RECTIFICATION_STATES)}）",
                       f"Unknown state: {state} (one of: {', '.join(rules.RECTIFICATION_STATES)})")
    query = select(Rectification).order_by(Rectification.id.desc()).limit(500)
    if zone:
        query = query.where(Rectification.zone_id == zone)
    if state:
        query = query.where(Rectification.state == state)
    with db.read() as session:
        return [rectification_view(r) for r in session.scalars(query)]


def get_rectification(db: Database, actor: Actor, rect_id: int) -> RectificationView:
    with db.read() as session:
        return rectification_view(_rectification(session, actor, rect_id))


def call_back(db: Database, actor: Actor, rect_id: int, note: str, now: datetime) -> None:
    """The office records its call back (回访) to the person who rated."""
    note = _note(note, "note", "回访情况", "what the call back found")
    with db.write() as session:
        rect = _rectification(session, actor, rect_id)
        _require_office(actor, rect.zone_id)
        rules.check_rectification_step("call_back", rect.state)
        _move_item(rect, RectificationStep.CALL_BACK, RectificationState.CALLED_BACK)
        rect.called_back_at, rect.callback_note = now, note
        audit.record(session, [audit.event(rect.zone_id, actor, now, "rectification.called_back",
                                           f"rectification:{rect.id}",
                                           on_time=local_date(now) <= rect.callback_due_on)])


def put_right(db: Database, actor: Actor, rect_id: int, note: str, now: datetime) -> None:
    """The office records what was put right; the person is asked to rate the case again."""
    note = _note(note, "note", "整改情况", "what was put right")
    with db.write() as session:
        rect = _rectification(session, actor, rect_id)
        _require_office(actor, rect.zone_id)
        rules.check_rectification_step("put_right", rect.state)
        _move_item(rect, RectificationStep.PUT_RIGHT, RectificationState.PUT_RIGHT)
        rect.put_right_at, rect.fix_note = now, note
        if rect.called_back_at is None:  # putting it right reached the person too
            rect.called_back_at = now
        rating = rect.rating
        audit.record(session, [audit.event(rect.zone_id, actor, now, "rectification.put_right",
                                           f"rectification:{rect.id}", on_time=local_date(now) <= rect.fix_due_on)])
        if rating.round_no == 1:
            zh_case, en_case = case_words(rating.case_kind, rating.case_id)
            notify(session, [rating.rater_id], "rating.rate_again",
                   (f"{zh_case}：您的评价已整改，请再次评价",
                    f"{en_case.capitalize()}: your rating was acted on; please rate again"),
                   (f"整改情况：{note}", f"What was put right: {note}"), now,
                   link=case_link(rating.case_kind, rating.case_id), zone_id=rect.zone_id)


def _note(value: str, field: str, zh: str, en: str) -> str:
    value = check_clean(value.strip(), field, multiline=True)
    if not value or len(value) > rules.MAX_REASON:
        raise DomainError(f"{field}.length", field, f"{zh}须为 1 至 {rules.MAX_REASON} 个字符",
                          f"Say {en} in 1 to {rules.MAX_REASON} characters")
    return value


def _rating(session: Session, rating_id: int) -> Rating:
    rating = session.get(Rating, rating_id)
    if rating is None:
        raise NotFound("rating.unknown", "id", f"没有编号为 {rating_id} 的评价", f"No rating {rating_id}")
    return rating


def case_of_rating(db: Database, actor: Actor, rating_id: int) -> int:
    """The case a rating of the actor's zone is about."""
    with db.read() as session:
        rating = _rating(session, rating_id)
        if actor.role != "admin" and actor.zone_id != rating.zone_id:
            raise NotFound("rating.unknown", "id", f"没有编号为 {rating_id} 的评价", f"No rating {rating_id}")
        return rating.case_id


def pending_appeals(db: Database, actor: Actor) -> list[RatingView]:
    """The appeals of the office's zone waiting for its decision, oldest first."""
    with db.read() as session:
        found = session.scalars(select(Rating).where(Rating.zone_id == actor.zone_id,
                                                     Rating.appeal_state == AppealState.PENDING)
                                .order_by(Rating.appealed_at).limit(500))
        return [rating_view(r, office=True) for r in found]


def appeal(db: Database, actor: Actor, rating_id: int, reason: str, now: datetime) -> None:
    """An officer of the case's zone appeals the rating as malicious (恶意评价), once, with a reason."""
    reason = check_clean(reason, "reason", multiline=True)
    with db.write() as session:
        rating = _rating(session, rating_id)
        if not (actor.role == rules.APPEALED_BY[rating.case_kind] and actor.zone_id == rating.zone_id):
            raise NotFound("rating.unknown", "id", f"没有编号为 {rating_id} 的评价", f"No rating {rating_id}")
        rating.appeal_reason = rules.check_appeal(rating.appeal_state, reason)
        zh_case, en_case = case_words(rating.case_kind, rating.case_id)
        _move_appeal(rating, AppealState.PENDING)
        rating.appealed_by, rating.appealed_at = actor.id, now
        audit.record(session, [audit.event(rating.zone_id, actor, now, "rating.appealed", f"rating:{rating.id}",
                                           reason=rating.appeal_reason)])
        notify(session, users_of_role(session, rating.zone_id, "reform_office"), "rating.appealed",
               (f"{zh_case} 的评价被申诉为恶意评价", f"A rating of {en_case} is appealed as malicious"),
               (f"申诉理由：{rating.appeal_reason}", f"Reason: {rating.appeal_reason}"), now, link="/ratings",
               zone_id=rating.zone_id)


def decide_appeal(db: Database, actor: Actor, rating_id: int, upheld: bool, note: str, now: datetime) -> None:
    """The reform office decides an appeal: upheld, the rating leaves the figures (and its
    rectification item is withdrawn); rejected, it stays. Either way, in the audit log."""
    note = check_clean(note.strip(), "note", multiline=True)[: rules.MAX_REASON]
    with db.write() as session:
        rating = _rating(session, rating_id)
        if not (actor.role == "reform_office" and actor.zone_id == rating.zone_id):
            raise NotFound("rating.unknown", "id", f"没有编号为 {rating_id} 的评价", f"No rating {rating_id}")
        rules.check_appeal_decision(rating.appeal_state)
        decided = AppealState.UPHELD if upheld else AppealState.REJECTED
        _move_appeal(rating, decided)
        rating.appeal_note, rating.appeal_decided_at = note, now
        rating.excluded = upheld
        rect = rating.rectification
        withdrawn = upheld and rect is not None and step_allowed(RectificationStep.WITHDRAW, rect.state)
        if withdrawn and rect is not None:
            _move_item(rect, RectificationStep.WITHDRAW, RectificationState.WITHDRAWN)
        audit.record(session, [audit.event(rating.zone_id, actor, now,
                                           "rating.appeal_upheld" if upheld else "rating.appeal_rejected",
                                           f"rating:{rating.id}", excluded=upheld, note=note or None,
                                           rectification_withdrawn=withdrawn or None)])
        if rating.appealed_by is not None:
            zh, en = rules.APPEAL_STATES[decided]
            zh_case, en_case = case_words(rating.case_kind, rating.case_id)
            notify(session, [rating.appealed_by], f"rating.appeal_{decided.value}",
                   (f"{zh_case} 评价的申诉：{zh}", f"Appeal of a rating of {en_case}: {en.lower()}"),
                   (note or zh, note or en), now, link=case_link(rating.case_kind, rating.case_id),
                   zone_id=rating.zone_id)


# --- the figures -------------------------------------------------------------------------------

def facts(db: Database, zone_id: str, period: Period, now: datetime) -> list[rules.RatingFact]:
    """The ratings given in the zone in the period (China Standard Time days), as the figures count them."""
    start, end = china_days(period.start, period.end)
    today = local_date(now)
    with db.read() as session:
        found = session.scalars(select(Rating).where(Rating.zone_id == zone_id, Rating.rated_at >= start,
                                                     Rating.rated_at < end)
                                .order_by(Rating.id).limit(MAX_FIGURE_ROWS))
        result: list[rules.RatingFact] = []
        for rating in found:
            rect = rating.rectification
            on_time = None
            if rect is not None and rect.state != RectificationState.WITHDRAWN:
                on_time = rules.put_right_on_time(local_date(rect.put_right_at) if rect.put_right_at else None,
                                                  rect.fix_due_on, today)
            result.append(rules.RatingFact(rating.matter, china_time(rating.rated_at).strftime("%Y-%m"),
                                           rating.score, rating.excluded, on_time))
    # the observers' ratings of replies to their suggestions, on the same scale (its ledger is the fix)
    for reply in suggestions.rated_replies(db, zone_id, start, end, today, MAX_FIGURE_ROWS):
        result.append(rules.RatingFact(SUGGESTION_REPLY, china_time(reply.rated_at).strftime("%Y-%m"), reply.score,
                                       False, reply.put_right_on_time))
    return result


def figures_of(db: Database, zone_id: str, period: Period) -> rules.RatingFigures:
    return rules.figures(facts(db, zone_id, period, utcnow()))


@dataclass(frozen=True)
class PublishedFigures:
    """A zone's 好差评 figures as published (``FiguresOut``): the zone and its name, the period,
    and the figures with each matter's name in both languages."""

    zone: str
    zone_name: str
    period: Period
    figures: rules.RatingFigures
    matter_names: Mapping[str, tuple[str, str]]  # matter → (中文, English)

    def as_json(self) -> dict[str, Any]:
        numbers = self.figures.as_json()
        return {**numbers, "zone": self.zone, "zone_name": self.zone_name, "start": self.period.start,
                "end": self.period.end,
                "rows": [{**row, "matter_zh": self.matter_names[row["matter"]][0],
                          "matter_en": self.matter_names[row["matter"]][1]} for row in numbers["rows"]]}


def published_figures(db: Database, standard: MatterStandard, zone_id: str, start: str | None,
                      end: str | None) -> PublishedFigures:
    """The zone's figures as the public reads them, from ``start`` to ``end`` (YYYY-MM-DD; this year
    so far by default); an unknown zone is 404, before the period is read."""
    zone = get_zone(db, zone_id)
    today = local_date(utcnow())
    period = parse_period(start or date(today.year, 1, 1).isoformat(), end or today.isoformat())
    figures = figures_of(db, zone_id, period)

    def names(matter: str) -> tuple[str, str]:
        known = standard.matter(matter)
        return (known.name.zh, known.name.en) if known else rules.OTHER_MATTERS.get(matter, (matter, matter))

    return PublishedFigures(zone_id, zone.name, period, figures, {m: names(m) for m, _, _ in figures.rows})


# --- the application's view (registration hands it over: ``handoff.VIEW_EXTENSIONS``) ------------

def extend_view(session: Session | None, app: ApplicationRecord, view: ApplicationView) -> ApplicationView:
    """The application's ratings on its page and in its JSON (``rating``), and whether its
    applicant may rate it now; only in the full view of one application."""
    if session is None or view.detail is None:
        return view
    case, given = _case_state(session, APPLICATION, app.id, rules.is_decided(APPLICATION, app.status),
                              app.applicant_id)
    round_no = rules.next_round(case, app.applicant_id, "applicant") if rules.may_rate(
        case, app.applicant_id, "applicant") else None
    return replace(view, rating=ApplicationRatings(round_no is not None, round_no,
                                                   tuple(rating_view(r) for r in given)))


# --- scheduled (``yima jobs run``) ---------------------------------------------------------------

def remind_rectifications_job(db: Database, now: datetime) -> list[str]:
    """Tell the reform office once of each bad rating not called back by its deadline, and once of
    each not put right by its own (the office's own backlog)."""
    today = local_date(now)
    told = 0
    with db.write() as session:
        waiting = session.scalars(select(Rectification).where(Rectification.state.in_(WAITING))
                                  .order_by(Rectification.id).limit(1000))
        for rect in waiting:
            code = rules.ledger_code(rect.ledger_year, rect.ledger_no)
            late = [(kind, due, zh, en) for kind, due, zh, en in (
                ("callback_overdue", rect.callback_due_on, "回访已逾期", "call back overdue"),
                ("fix_overdue", rect.fix_due_on, "整改已逾期", "putting it right is overdue"))
                if today > due and (kind == "fix_overdue" or rect.state == RectificationState.OPEN)]
            for kind, due, zh, en in late:
                link = f"/ratings#rect-{rect.id}"
                if session.scalar(select(Notification.id).where(Notification.kind == f"rating.{kind}",
                                                                Notification.link == link).limit(1)):
                    continue
                notify(session, users_of_role(session, rect.zone_id, "reform_office"), f"rating.{kind}",
                       (f"差评 {code}：{zh}（期限 {due}）", f"Bad rating {code}: {en} (due {due})"),
                       (f"{case_words(rect.rating.case_kind, rect.rating.case_id)[0]} 的差评{zh}，逾期 "
                        f"{(today - due).days} 天。",
                        f"The bad rating of {case_words(rect.rating.case_kind, rect.rating.case_id)[1]}: {en} by "
                        f"{(today - due).days} day(s)."),
                       now, link=link, zone_id=rect.zone_id)
                told += 1
    return [f"ratings: {told} overdue bad rating(s) notified"] if told else []


def recount_provisional_rectifications_job(db: Database, now: datetime) -> list[str]:
    """Deadlines counted by weekends over a year the calendar did not cover, counted again once it
    does (from the day the rating was given); each change in the audit log."""
    calendar = official_calendar()
    lines: list[str] = []
    with db.write() as session:
        for rect in session.scalars(select(Rectification).where(Rectification.due_provisional.is_(True))
                                    .order_by(Rectification.id)):
            due = rules.rectification_due(rect.opened_on, calendar)
            if due.provisional:
                continue
            before = (rect.callback_due_on, rect.fix_due_on)
            rect.callback_due_on, rect.fix_due_on = due.callback.due_on, due.fix.due_on
            rect.calendar, rect.due_provisional = due.fix.calendar, False
            audit.record(session, [audit.event(rect.zone_id, None, now, "rectification.deadline_recounted",
                                               f"rectification:{rect.id}", before=[str(d) for d in before],
                                               callback_due_on=str(rect.callback_due_on),
                                               fix_due_on=str(rect.fix_due_on), calendar=rect.calendar)])
            lines.append(f"ratings: {rect.zone_id} bad rating {rules.ledger_code(rect.ledger_year, rect.ledger_no)}: "
                         f"deadlines {before[0]}/{before[1]} → {rect.callback_due_on}/{rect.fix_due_on}")
    return lines
