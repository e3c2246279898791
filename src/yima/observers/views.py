"""What each role may read of the ledger (台账): observers see only their own suggestions and
published replies, a department what is assigned to it, the reform office its zone's, an
administrator everything. Also the reminders of suggestions due soon or overdue."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased, raiseload, selectinload

from yima import satisfaction
from yima.accounts.tables import User
from yima.actors import Actor
from yima.clock import as_utc, china_days, local_date
from yima.db import Database
from yima.errors import Forbidden, NotFound
from yima.listing import PageOf, PageRequest, like_pattern, search_text
from yima.observers import rules
from yima.observers.calendar import official_calendar
from yima.observers.service import department_of, require_office
from yima.observers.states import Action, SuggestionState, allowed
from yima.observers.suggestionview import (
    AttachmentView,
    DepartmentView,
    ExtensionView,
    ObserverView,
    ReplyView,
    StepView,
    SuggestionView,
)
from yima.observers.tables import Department, Observer, Reply, Suggestion
from yima.zones.tables import Zone

LEDGER_ROLES = ("observer", "department", "reform_office", "admin")


@dataclass(frozen=True)
class LedgerFilter:
    zone: str | None = None
    state: str | None = None
    department_id: int | None = None
    category: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: Only suggestions in the ledger (with a ledger number), as the export lists them.
    in_ledger: bool = False


@dataclass
class Scope:
    """Which suggestions an actor sees, and whether drafts are shown."""

    actor: Actor
    department_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sees_drafts(self) -> bool:
        return self.actor.role in ("department", "reform_office", "admin")

    @property
    def sees_internal(self) -> bool:
        """Internal notes and urging: the office, the department and administrators, never the observer."""
        return self.sees_drafts


def scope_of(session: Session, actor: Actor) -> Scope:
    if actor.role not in LEDGER_ROLES:
        raise Forbidden("ledger.role", "role", "您的角色不能查看营商环境建议台账",
                        "Your role may not read the observers' ledger")
    department = department_of(session, actor)
    if actor.role == "department" and department is None:
        raise Forbidden("department.unbound", "department", "您的账号尚未绑定承办部门，请联系改革办",
                        "Your account is not bound to a department yet; ask the reform office")
    return Scope(actor, department.id if department else None)


def _visible(query: Select[Any], scope: Scope) -> Select[Any]:
    actor = scope.actor
    if actor.role == "observer":
        return query.join(Observer, Suggestion.observer_id == Observer.id).where(Observer.user_id == actor.id)
    if actor.role == "department":
        return query.where(Suggestion.department_id == scope.department_id)
    if actor.role == "reform_office":
        return query.where(Suggestion.zone_id == actor.zone_id)
    return query


def _readable(query: Select[Any], scope: Scope) -> Select[Any]:
    """What the actor may open: as ``_visible``, and for an observer also the earlier suggestion
    one of theirs was merged into, whose reply answers theirs too."""
    if scope.actor.role != "observer":
        return _visible(query, scope)
    own = select(Observer.id).where(Observer.user_id == scope.actor.id)
    merged = aliased(Suggestion)
    targets = select(merged.merged_into_id).where(merged.observer_id.in_(own), merged.merged_into_id.is_not(None))
    return query.where(or_(Suggestion.observer_id.in_(own), Suggestion.id.in_(targets)))


def label(pairs: dict[str, tuple[str, str]], key: str | None, lang: str) -> str:
    if key is None or key not in pairs:
        return ""
    return pairs[key][1 if lang == "en" else 0]


def _reply_view(reply: Reply, scope: Scope) -> ReplyView | None:
    if reply.published_at is None and not scope.sees_drafts:
        return None
    return ReplyView(round=reply.round_no, text=reply.text, published=reply.published_at is not None,
                     drafted_at=as_utc(reply.drafted_at).isoformat(),
                     published_at=as_utc(reply.published_at).isoformat() if reply.published_at else None,
                     due_on=reply.due_on.isoformat() if reply.due_on else None, on_time=reply.on_time,
                     rating=reply.rating, score=reply.rating_score, indicators=tuple(reply.rating_indicators or ()),
                     rating_comment=reply.rating_comment,
                     rated_at=as_utc(reply.rated_at).isoformat() if reply.rated_at else None)


def suggestion_view(suggestion: Suggestion, scope: Scope, today: date, *, brief: bool = False) -> SuggestionView:
    """``brief``: a row of a list (the ledger's page), its steps and attachments left out (empty,
    ``accepted_at`` None): loaded with ``_with_children(brief=True)``."""
    left = (rules.time_left(suggestion.due_on, today, official_calendar())
            if suggestion.due_on is not None and suggestion.state == SuggestionState.ASSIGNED else None)
    replies = tuple(r for r in (_reply_view(reply, scope) for reply in suggestion.replies) if r is not None)
    rated = [r for r in replies if r.rating]
    provisional_zh = provisional_en = ""
    if suggestion.due_provisional and suggestion.due_on is not None:
        provisional_zh, provisional_en = rules.provisional_words(
            rules.uncovered_year(suggestion.assigned_on or suggestion.due_on, suggestion.due_on, official_calendar())
            or suggestion.due_on.year)
    target = suggestion.merged_into if suggestion.merged_into_id is not None else None
    return SuggestionView(
        id=suggestion.id, zone=suggestion.zone_id, ledger_no=suggestion.ledger_no,
        ledger_year=suggestion.ledger_year,
        ledger_code=rules.ledger_code(suggestion.ledger_year, suggestion.ledger_no),
        merged_into_code=rules.ledger_code(target.ledger_year, target.ledger_no) if target else None,
        original_due_on=suggestion.original_due_on.isoformat() if suggestion.original_due_on else None,
        due_provisional=suggestion.due_provisional,
        provisional_note_zh=provisional_zh, provisional_note_en=provisional_en,
        decline_reason=suggestion.decline_reason or "",
        observer=suggestion.observer.name, observer_id=suggestion.observer_id,
        sector=suggestion.observer.sector, organisation=suggestion.observer.organisation,
        title=suggestion.title, text=suggestion.text, category=suggestion.category,
        state=suggestion.state, submitted_at=as_utc(suggestion.submitted_at).isoformat(),
        merged_into=suggestion.merged_into_id,
        department_id=suggestion.department_id,
        department=suggestion.department.name if suggestion.department else None,
        department_en=suggestion.department.name_en if suggestion.department else None,
        round=suggestion.round_no, assigned_on=suggestion.assigned_on.isoformat() if suggestion.assigned_on
        else None, working_days=suggestion.working_days,
        due_on=suggestion.due_on.isoformat() if suggestion.due_on else None, calendar=suggestion.calendar,
        days_left=left.days_left if left else None, days_overdue=left.days_overdue if left else 0,
        overdue=bool(left and left.overdue), remind=bool(left and left.remind),
        time_note_zh=left.note_zh if left else "", time_note_en=left.note_en if left else "",
        extension=ExtensionView(state=suggestion.extension_state, working_days=suggestion.extension_days,
                                reason=suggestion.extension_reason,
                                requested_on=_iso(suggestion.extension_requested_on),
                                decided_on=_iso(suggestion.extension_decided_on),
                                note=suggestion.extension_note or "") if suggestion.extension_state else None,
        replies=replies, rating=rated[-1].rating if rated else None,
        attachments=() if brief else tuple(
            AttachmentView(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256)
            for a in suggestion.attachments),
        steps=() if brief else tuple(
            StepView(at=as_utc(s.at).isoformat(), actor_role=s.actor_role, action=s.action, state=s.state,
                     note=s.note, internal=bool(s.internal)) for s in suggestion.steps
            if (scope.sees_drafts or s.action != "reply_drafted") and (scope.sees_internal or not s.internal)),
        accepted_at=None if brief else next((as_utc(s.at).isoformat() for s in suggestion.steps
                                             if s.action == "accepted"), None),
        closed_at=as_utc(suggestion.closed_at).isoformat() if suggestion.closed_at else None,
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _with_children(query: Select[Any], *, brief: bool = False) -> Select[Any]:
    """Each suggestion's replies, attachments, steps and the suggestion it was merged into, each
    kind in one more query for all the rows (not one query per row). ``brief``: what a row of a
    list shows (the replies, for the rating, and the suggestion merged into), the steps and the
    attachments not loaded (reading them would raise, never query row by row)."""
    if brief:
        return query.options(selectinload(Suggestion.replies), selectinload(Suggestion.merged_into),
                             raiseload(Suggestion.steps), raiseload(Suggestion.attachments))
    return query.options(selectinload(Suggestion.replies), selectinload(Suggestion.attachments),
                         selectinload(Suggestion.steps), selectinload(Suggestion.merged_into))


def get_suggestion(db: Database, actor: Actor, suggestion_id: int, now: datetime) -> SuggestionView:
    with db.read() as session:
        scope = scope_of(session, actor)
        found = session.scalar(_with_children(_readable(select(Suggestion), scope))
                               .where(Suggestion.id == suggestion_id))
        if found is None:  # not there, or not the actor's to see: the same answer
            raise NotFound("suggestion.unknown", "suggestion", f"没有建议 {suggestion_id}",
                           f"No suggestion {suggestion_id}")
        return suggestion_view(found, scope, local_date(now))


@dataclass(frozen=True)
class SuggestionPage:
    """A suggestion with the steps its reader may take on its page."""

    suggestion: SuggestionView
    office: bool  # the zone's reform office: accept, merge, assign, decide extensions
    answering: bool  # the department it is assigned to: draft, publish, ask for an extension
    own: bool  # the observer who made it: attach, rate
    draft: ReplyView | None  # the department's unpublished reply of this round
    merge_candidates: list[MergeCandidate]
    departments: list[DepartmentView]
    #: more earlier suggestions qualify than ``merge_candidates`` shows: a search narrows them
    more_candidates: bool = False
    #: the search the candidates answer ('' for the default: the same category first, newest first)
    find: str = ""


@dataclass(frozen=True)
class MergeCandidate:
    """An earlier suggestion of the ledger offered to merge into (``rules.Mergeable``)."""

    id: int
    ledger_no: int | None
    ledger_code: str | None
    title: str
    category: str
    state: str
    submitted_at: str


def suggestion_page(db: Database, actor: Actor, suggestion_id: int, now: datetime, find: str = ""
                    ) -> SuggestionPage:
    """The page of a suggestion; for its zone's reform office also the earlier suggestions it may
    be merged into: ``find`` (title, text or ledger number) when given, else the same category's
    newest first, at most ``rules.MERGE_CHOICES`` of them."""
    found = get_suggestion(db, actor, suggestion_id, now)
    office = actor.role == "reform_office" and actor.zone_id == found.zone
    with db.read() as session:
        department = department_of(session, actor)
    earlier, more = merge_candidates(db, found, find) if office else ([], False)
    return SuggestionPage(
        suggestion=found, office=office, answering=department is not None and department.id == found.department_id,
        own=actor.role == "observer" and found.observer_id in own_observer_ids(db, actor),
        draft=next((r for r in found.replies if r.round == found.round and not r.published), None),
        merge_candidates=earlier, departments=departments(db, found.zone) if office else [],
        more_candidates=more, find=search_text(find))


def merge_candidates(db: Database, suggestion: SuggestionView, find: str = "", limit: int = rules.MERGE_CHOICES
                     ) -> tuple[list[MergeCandidate], bool]:
    """At most ``limit`` earlier suggestions of the zone's ledger that ``suggestion`` may be merged
    into (``rules.merge_candidates`` decides which qualify; one bounded query reads them), and
    whether more qualify. ``find`` narrows them to a title or text containing it, or a ledger
    number (``2026-0007``, ``7``); without it the same category's come first, then the rest, newest
    first."""
    if not allowed(Action.MERGE, suggestion.state):
        return [], False
    find = search_text(find)
    s = Suggestion
    received = select(s.submitted_at).where(s.id == suggestion.id).scalar_subquery()
    query = (select(s.id, s.ledger_year, s.ledger_no, s.title, s.category, s.state, s.submitted_at)
             .where(s.zone_id == suggestion.zone, s.ledger_no.is_not(None), s.id != suggestion.id,
                    s.state != SuggestionState.MERGED, s.submitted_at <= received))
    if find:
        pattern = like_pattern(find)
        matches: list[ColumnElement[bool]] = [s.title.ilike(pattern, escape="\\"), s.text.ilike(pattern, escape="\\")]
        code = rules.ledger_code_of(find)
        if code is not None:
            year, number = code
            matches.append(and_(s.ledger_no == number, *([s.ledger_year == year] if year else [])))
        query = query.where(or_(*matches)).order_by(s.submitted_at.desc(), s.id.desc())
    else:
        query = query.order_by(case((s.category == suggestion.category, 0), else_=1), s.submitted_at.desc(),
                               s.id.desc())
    with db.read() as session:
        rows = session.execute(query.limit(limit + 1)).all()
    found = [MergeCandidate(id=r.id, ledger_no=r.ledger_no, ledger_code=rules.ledger_code(r.ledger_year, r.ledger_no),
                            title=r.title, category=r.category, state=r.state,
                            submitted_at=as_utc(r.submitted_at).isoformat()) for r in rows]
    return rules.merge_candidates(suggestion, found[:limit]), len(found) > limit


def ledger(db: Database, actor: Actor, now: datetime, filters: LedgerFilter = LedgerFilter()
           ) -> list[SuggestionView]:
    """The actor's view of the ledger, oldest first, filtered by state, department, category and
    the period the suggestions were received in."""
    query = _ledger_query(filters)
    with db.read() as session:
        scope = scope_of(session, actor)
        found = session.scalars(_with_children(_visible(query, scope))
                                .order_by(Suggestion.submitted_at, Suggestion.id)).unique().all()
        return [suggestion_view(s, scope, local_date(now)) for s in found]


_LEDGER_CODE = re.compile(r"(\d{4})-0*(\d+)")


def ledger_page(db: Database, actor: Actor, now: datetime, filters: LedgerFilter,
                request: PageRequest, *, brief: bool = False) -> PageOf[SuggestionView]:
    """One page of ``ledger`` (oldest first), searched by title or ledger number (``2026-0007``);
    ``brief``: its rows as a list shows them (``suggestion_view``'s ``brief``)."""
    query = _ledger_query(filters)
    if request.q:
        code = _LEDGER_CODE.fullmatch(request.q)
        by_title = Suggestion.title.like(like_pattern(request.q), escape="\\")
        query = query.where(or_(by_title, and_(Suggestion.ledger_year == int(code[1]),
                                               Suggestion.ledger_no == int(code[2]))) if code else by_title)
    with db.read() as session:
        scope = scope_of(session, actor)
        visible = _visible(query, scope)
        total = session.scalar(select(func.count()).select_from(
            visible.with_only_columns(Suggestion.id).subquery())) or 0
        found = session.scalars(_with_children(visible, brief=brief).order_by(Suggestion.submitted_at, Suggestion.id)
                                .offset(request.offset).limit(request.per_page)).unique().all()
        return PageOf([suggestion_view(s, scope, local_date(now), brief=brief) for s in found], total, request.page,
                      request.per_page)


def _ledger_query(filters: LedgerFilter) -> Select[Any]:
    query = select(Suggestion)
    if filters.in_ledger:
        query = query.where(Suggestion.ledger_no.is_not(None))
    if filters.zone:
        query = query.where(Suggestion.zone_id == filters.zone)
    if filters.state:
        rules.check_choice(filters.state, rules.STATES, "state", "状态", "state")
        query = query.where(Suggestion.state == filters.state)
    if filters.department_id:
        query = query.where(Suggestion.department_id == filters.department_id)
    if filters.category:
        rules.check_choice(filters.category, rules.CATEGORIES, "category", "领域", "category")
        query = query.where(Suggestion.category == filters.category)
    if filters.date_from or filters.date_to:
        start, end = china_days(filters.date_from or date(2000, 1, 1), filters.date_to or date(2999, 12, 31))
        query = query.where(Suggestion.submitted_at >= start, Suggestion.submitted_at < end)
    return query


def reminders(rows: list[SuggestionView]) -> list[SuggestionView]:
    """Suggestions with a department, due within two working days or overdue."""
    return [row for row in rows if row.remind]


def due_soon(db: Database, actor: Actor, now: datetime, filters: LedgerFilter = LedgerFilter(), *,
             limit: int | None = None, brief: bool = False) -> tuple[list[SuggestionView], int]:
    """``reminders`` of the actor's assigned suggestions matching ``filters``, oldest first (the
    first ``limit`` of them, if given), and how many there are in all: read from the suggestions
    due by ``rules.remind_horizon`` (each of which calls for a reminder), not every one assigned."""
    today = local_date(now)
    query = _ledger_query(replace(filters, state=SuggestionState.ASSIGNED)).where(
        Suggestion.due_on <= rules.remind_horizon(today, official_calendar()))
    with db.read() as session:
        scope = scope_of(session, actor)
        visible = _visible(query, scope)
        total = session.scalar(select(func.count()).select_from(
            visible.with_only_columns(Suggestion.id).subquery())) or 0
        chosen = _with_children(visible, brief=brief).order_by(Suggestion.submitted_at, Suggestion.id)
        found = session.scalars(chosen if limit is None else chosen.limit(limit)).unique().all()
        return reminders([suggestion_view(s, scope, today, brief=brief) for s in found]), total


def own_observer_ids(db: Database, actor: Actor) -> set[int]:
    """The actor's appointments as an observer (every term)."""
    with db.read() as session:
        return set(session.scalars(select(Observer.id).where(Observer.user_id == actor.id)))


def serving_today(db: Database, actor: Actor, today: date) -> bool:
    """Whether the actor is an observer serving today (who may submit a suggestion)."""
    if actor.role != "observer":
        return False
    with db.read() as session:
        return session.scalar(select(Observer.id).where(Observer.user_id == actor.id, Observer.term_from <= today,
                                                        Observer.term_to >= today).limit(1)) is not None


def departments(db: Database, zone_id: str) -> list[DepartmentView]:
    with db.read() as session:
        return _departments(session, zone_id)


def ledger_departments(db: Database, actor: Actor, zone_id: str) -> list[DepartmentView]:
    """The zone's departments that handle suggestions, for anyone with a role in the ledger."""
    with db.read() as session:
        scope_of(session, actor)
        return _departments(session, zone_id)


def _departments(session: Session, zone_id: str) -> list[DepartmentView]:
    return [DepartmentView(id=d.id, zone=d.zone_id, name=d.name, name_en=d.name_en)
            for d in session.scalars(select(Department).where(Department.zone_id == zone_id)
                                     .order_by(Department.id))]


def observers(db: Database, actor: Actor | None, zone_id: str, on: date | None = None) -> list[ObserverView]:
    """The zone's observers (serving on ``on``, if given), for the reform office and administrators."""
    if actor is not None:
        require_office(actor, zone_id, admin_too=True)
    query = (select(Observer, User.username).join(User, Observer.user_id == User.id)
             .where(Observer.zone_id == zone_id))
    if on is not None:
        query = query.where(Observer.term_from <= on, Observer.term_to >= on)
    with db.read() as session:
        if session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
        return [ObserverView(id=o.id, zone=o.zone_id, name=o.name, sector=o.sector, organisation=o.organisation,
                             term_from=o.term_from.isoformat(), term_to=o.term_to.isoformat(), username=username,
                             serving=on is None or rules.serving(o.term_from, o.term_to, on))
                for o, username in session.execute(query.order_by(Observer.id))]


def remind_due_suggestions_job(db: Database, now: datetime) -> list[str]:
    """For ``yima jobs run``: each suggestion due within two working days or overdue, by zone."""
    today = local_date(now)
    lines = []
    with db.read() as session:
        for s in session.scalars(select(Suggestion).where(Suggestion.state == SuggestionState.ASSIGNED)
                                 .order_by(Suggestion.zone_id, Suggestion.due_on)):
            assert s.due_on is not None
            left = rules.time_left(s.due_on, today, official_calendar())
            if not left.remind:
                continue
            when = (f"overdue by {left.days_overdue} day(s)" if left.overdue else
                    f"due {s.due_on} ({left.days_left} working day(s) left)" if left.days_left is not None else
                    f"due {s.due_on} ({left.note_en})")
            department = s.department.name if s.department else "?"
            lines.append(f"observers: {s.zone_id} suggestion {rules.ledger_code(s.ledger_year, s.ledger_no)} "
                         f"《{s.title}》 → {department}: {when}")
    return lines


# --- the ratings of replies, as the published 好差评 figures count them ---------------------------

@dataclass(frozen=True)
class RatedReply:
    """A rated reply as the figures see it: nobody's identity. ``put_right_on_time`` is for a bad
    rating: the suggestion reopened, assigned again and answered by the deadline in force (True);
    answered late, not answered once that deadline passed, or never (a bad rating of the second
    reply closes it) (False); not due yet (None). None too for a rating that is not bad."""

    score: int
    rated_at: datetime
    put_right_on_time: bool | None


def rated_replies(db: Database, zone_id: str, start: datetime, end: datetime, today: date,
                  limit: int) -> list[RatedReply]:
    """The zone's replies rated from ``start`` to before ``end`` (at most ``limit``), oldest first.
    Columns, not replies: the figures read a few fields of thousands of rows."""
    with db.read() as session:
        rows = session.execute(select(Reply.suggestion_id, Reply.round_no, Reply.rating_score, Reply.rated_at,
                                      Suggestion.due_on, Suggestion.state)
                               .join(Suggestion, Reply.suggestion_id == Suggestion.id)
                               .where(Suggestion.zone_id == zone_id, Reply.rated_at >= start, Reply.rated_at < end,
                                      Reply.rating_score.is_not(None))
                               .order_by(Reply.rated_at, Reply.id).limit(limit)).all()
        asked = {row.suggestion_id for row in rows if row.rating_score is not None
                 and row.rating_score <= satisfaction.BAD_UP_TO}
        later = {(r.suggestion_id, r.round_no): r for r in session.execute(
            select(Reply.suggestion_id, Reply.round_no, Reply.published_at, Reply.on_time)
            .where(Reply.suggestion_id.in_(asked), Reply.round_no > 1))} if asked else {}
    found = []
    for suggestion_id, round_no, score, rated_at, due_on, state in rows:
        if score is None or rated_at is None:
            continue  # not rated (the query asks for rated ones)
        on_time: bool | None = None
        if score <= satisfaction.BAD_UP_TO:
            again = later.get((suggestion_id, round_no + 1))
            if round_no >= rules.MAX_ROUNDS:
                on_time = False  # a bad rating of the last reply closes the suggestion: never put right
            elif again is not None and again.published_at is not None:
                on_time = bool(again.on_time)
            else:
                # assigned again: late once the deadline in force passed; not yet assigned: not due
                on_time = False if state == SuggestionState.ASSIGNED and due_on is not None and today > due_on else None
        found.append(RatedReply(score, as_utc(rated_at), on_time))
    return found
