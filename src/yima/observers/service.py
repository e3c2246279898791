"""Observers' use cases: appointing observers and the zone's departments, and every step of a
suggestion through the reform office's ledger (台账) to a rated reply.

Each use case is one transaction: it checks who may act, calls the rules, stores the change with
a ``Step`` (actor and time) and appends the same step to the zone's audit log, or changes nothing.
Reads live in ``views``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yima import satisfaction
from yima.accounts.service import add_account_without_password
from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.clock import local_date
from yima.db import Database
from yima.errors import Conflict, DomainError, Forbidden, NotFound
from yima.notifications.service import notify, users_of_role
from yima.notifications.tables import Notification
from yima.observers import rules
from yima.observers.calendar import official_calendar
from yima.observers.states import Action, ExtensionState, SuggestionState, extension_may_move, leads_to
from yima.observers.tables import Attachment, Department, DepartmentMember, Observer, Reply, Step, Suggestion
from yima.textcheck import check_clean
from yima.uploads import check_upload, store_upload
from yima.zones.tables import Zone

MAX_ATTACHMENTS = 5


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def _forbidden() -> Forbidden:
    return Forbidden("auth.role", "role", "无权执行此操作", "You are not allowed to do this")


def require_office(actor: Actor, zone_id: str, *, admin_too: bool = False) -> None:
    """The reform office of this zone (and, for appointments and departments, an administrator)."""
    if (admin_too and actor.role == "admin") or (actor.role == "reform_office" and actor.zone_id == zone_id):
        return
    raise Forbidden("observers.office_only", "role", "只有本区营商环境改革办可以执行此操作",
                    "Only the zone's business-environment reform office may do this")


def _zone(session: Session, zone_id: str) -> Zone:
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
    return zone


def _text(value: str, field: str, zh: str, en: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise DomainError(f"{field}.length", field, f"{zh}须为 1 至 {limit} 个字符", f"The {en} must have 1 to {limit} "
                          "characters")
    return value


def department_of(session: Session, actor: Actor) -> Department | None:
    """The department a ``department`` user acts for."""
    if actor.role != "department":
        return None
    member = session.get(DepartmentMember, actor.id)
    return session.get(Department, member.department_id) if member else None


# --- departments and observers ---------------------------------------------------------------

def add_department(db: Database, by: Actor | None, zone_id: str, name: str, now: datetime, name_en: str = "") -> int:
    if by is not None:
        require_office(by, zone_id, admin_too=True)
    name = _text(name, "name", "部门名称", "department name", 100)
    with db.write() as session:
        _zone(session, zone_id)
        if session.scalar(select(Department).where(Department.zone_id == zone_id, Department.name == name)):
            raise Conflict("department.exists", "name", f"部门“{name}”已在本区名单中", f"{name} is already on the list")
        department = Department(zone_id=zone_id, name=name, name_en=name_en.strip(), created_at=now)
        session.add(department)
        session.flush()
        audit.record(session, [audit.event(zone_id, by, now, "department.added", f"department:{department.id}",
                                           name=name)])
        return department.id


def bind_department_user(db: Database, by: Actor | None, username: str, department_id: int, now: datetime) -> None:
    """A user of role ``department`` acts for this department (one department per user)."""
    with db.write() as session:
        department = session.get(Department, department_id)
        if department is None:
            raise NotFound("department.unknown", "department", f"没有部门 {department_id}",
                           f"No department {department_id}")
        if by is not None:
            require_office(by, department.zone_id, admin_too=True)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("user.unknown", "username", f"没有用户 {username}", f"No user {username}")
        if user.role != "department" or user.zone_id != department.zone_id:
            raise DomainError("department.member_role", "username", f"用户 {username} 须为本区“承办部门”角色",
                              f"User {username} must have the role department in zone {department.zone_id}")
        member = session.get(DepartmentMember, user.id)
        if member is None:
            session.add(DepartmentMember(user_id=user.id, department_id=department.id))
        else:
            member.department_id = department.id
        audit.record(session, [audit.event(department.zone_id, by, now, "department.member_bound",
                                           f"user:{username}", department=department.id)])


def appoint_observer(db: Database, by: Actor | None, zone_id: str, name: str, sector: str, term_from: date,
                     term_to: date, now: datetime, organisation: str = "", username: str | None = None) -> int:
    """Appoint an observer for a term, with the account ``username`` names (of role ``observer``
    in this zone) or a new one, which can sign in once a password is set for it."""
    if by is not None:
        require_office(by, zone_id, admin_too=True)
    name = _text(name, "name", "姓名", "name", 100)
    rules.check_choice(sector, rules.SECTORS, "sector", "界别", "sector")
    rules.check_term(term_from, term_to)
    with db.read() as session:
        _zone(session, zone_id)
        if username is None:
            count = session.scalar(select(func.count()).select_from(Observer).where(Observer.zone_id == zone_id)) or 0
            taken = set(session.scalars(select(User.username).where(User.username.like(f"observer-{zone_id}-%"))))
            seq = count + 1
            while f"observer-{zone_id}-{seq:03d}" in taken:
                seq += 1
            username = f"observer-{zone_id}-{seq:03d}"
            existing = None
        else:
            existing = session.scalar(select(User).where(User.username == username))
            if existing is None:
                raise NotFound("user.unknown", "user", f"没有用户 {username}", f"No user {username}")
            if existing.role != "observer" or existing.zone_id != zone_id:
                raise DomainError("observer.user_role", "user", f"用户 {username} 须为本区“营商环境观察员”角色",
                                  f"User {username} must have the role observer in zone {zone_id}")
    with db.write() as session:
        if existing is None:  # no password: unusable until ``yima users password`` sets one
            user_id = add_account_without_password(session, username, "observer", zone_id, now, by,
                                                   display_name=name).id
        else:
            user_id = existing.id
        observer = Observer(zone_id=zone_id, user_id=user_id, name=name, sector=sector,
                            organisation=organisation.strip(), term_from=term_from, term_to=term_to, created_at=now)
        session.add(observer)
        session.flush()
        audit.record(session, [audit.event(zone_id, by, now, "observer.appointed", f"observer:{observer.id}",
                                           user=username, sector=sector, term_from=term_from.isoformat(),
                                           term_to=term_to.isoformat())])
        return observer.id


# --- a suggestion's steps --------------------------------------------------------------------

def _step(session: Session, suggestion: Suggestion, actor: Actor, action: str, now: datetime, note: str = "",
          internal: bool = False, **detail: object) -> None:
    suggestion.steps.append(Step(at=now, actor_id=actor.id, actor_role=actor.role, action=action,
                                 state=suggestion.state, note=note, internal=internal))
    audit.record(session, [audit.event(suggestion.zone_id, actor, now, f"suggestion.{action}",
                                       f"suggestion:{suggestion.id}", state=suggestion.state, **detail)])


def _move(suggestion: Suggestion, action: Action, target: SuggestionState) -> None:
    """The one writer of a suggestion's state: ``action`` moves it to ``target`` where the table
    (``observers.states``) allows, or a conflict naming the state it is in."""
    if not leads_to(action, suggestion.state, target):
        rules.check_transition(action, suggestion.state)
        raise ValueError(f"{action} does not lead from {suggestion.state} to {target}")
    suggestion.state = target


def _move_extension(suggestion: Suggestion, target: ExtensionState | None) -> None:
    """The one writer of an extension request's state (None: withdrawn), as the table allows."""
    if not extension_may_move(suggestion.extension_state, target):
        raise ValueError(f"an extension request {suggestion.extension_state} cannot become {target}")
    suggestion.extension_state = target


def _code(suggestion: Suggestion) -> str:
    return rules.ledger_code(suggestion.ledger_year, suggestion.ledger_no) or f"#{suggestion.id}"


def department_users(session: Session, department_id: int | None) -> list[int]:
    if department_id is None:
        return []
    return list(session.scalars(select(DepartmentMember.user_id)
                                .where(DepartmentMember.department_id == department_id)))


def _tell(session: Session, user_ids: list[int], kind: str, suggestion: Suggestion, zh: str, en: str,
          now: datetime) -> None:
    """A notification of this step: the ledger number, the title and what happened (no person's
    data: a department is never told who the observer is)."""
    code = rules.ledger_code(suggestion.ledger_year, suggestion.ledger_no)
    subject = (f"台账 {code}：{zh}", f"Ledger {code}: {en}") if code else (f"意见建议：{zh}", f"Suggestion: {en}")
    notify(session, user_ids, f"suggestion.{kind}", subject,
           (f"《{suggestion.title}》{zh}", f"“{suggestion.title}”: {en}"), now,
           link=f"/suggestions/{suggestion.id}", zone_id=suggestion.zone_id)


def _observer(suggestion: Suggestion) -> list[int]:
    return [suggestion.observer.user_id]


def _load(session: Session, suggestion_id: int) -> Suggestion:
    """The suggestion a change is about, its row locked until the change commits: concurrent changes
    take turns (a department publishing its draft while the office takes the suggestion back found
    the draft deleted under it on PostgreSQL, a 500 instead of the conflict)."""
    suggestion = session.get(Suggestion, suggestion_id, with_for_update={"of": Suggestion})  # changes take turns
    if suggestion is None:
        raise NotFound("suggestion.unknown", "suggestion", f"没有建议 {suggestion_id}",
                       f"No suggestion {suggestion_id}")
    return suggestion


def _serving_observer(session: Session, actor: Actor, today: date) -> Observer:
    if actor.role != "observer":
        raise Forbidden("observers.observer_only", "role", "只有营商环境观察员可以提出建议",
                        "Only a business-environment observer may submit suggestions")
    appointments = session.scalars(select(Observer).where(Observer.user_id == actor.id)
                                   .order_by(Observer.term_to.desc())).all()
    for appointment in appointments:
        if rules.serving(appointment.term_from, appointment.term_to, today):
            return appointment
    ended = f"（任期至 {appointments[0].term_to}）" if appointments else ""
    ended_en = f" (the term ended on {appointments[0].term_to})" if appointments else ""
    raise Forbidden("observer.not_serving", "term",
                    f"您当前不在观察员任期内{ended}，可以查看以往建议，但不能提出新建议",
                    f"You are not serving as an observer today{ended_en}: you may read your suggestions, "
                    "not submit new ones")


def _own(session: Session, actor: Actor, suggestion: Suggestion) -> None:
    if actor.role != "observer" or suggestion.observer.user_id != actor.id:
        raise Forbidden("suggestion.not_yours", "suggestion", "只有提出该建议的观察员可以执行此操作",
                        "Only the observer who made this suggestion may do this")


def _attach(session: Session, suggestion: Suggestion, uploads: list[Upload], now: datetime, data_dir: Path,
            max_bytes: int) -> list[str]:
    if len(suggestion.attachments) + len(uploads) > MAX_ATTACHMENTS:
        raise DomainError("attachment.count", "file", f"每条建议最多 {MAX_ATTACHMENTS} 个附件",
                          f"A suggestion has at most {MAX_ATTACHMENTS} attachments")
    checked = [(u, check_upload(u.filename, u.content, max_bytes)) for u in uploads]  # all, before storing any
    digests = []
    for upload, content_type in checked:
        digest = store_upload(data_dir, upload.content)
        suggestion.attachments.append(Attachment(filename=upload.filename[:255], content_type=content_type,
                                                 size=len(upload.content), sha256=digest, uploaded_at=now))
        digests.append(digest)
    return digests


def submit(db: Database, actor: Actor, title: str, text: str, category: str, now: datetime, *,
           uploads: list[Upload] | None = None, data_dir: Path = Path("var"), max_bytes: int = 10 << 20) -> int:
    title = _text(title, "title", "标题", "title", 200)
    text = _text(text, "text", "建议内容", "text", 5000)
    rules.check_choice(category, rules.CATEGORIES, "category", "领域", "category")
    with db.write() as session:
        observer = _serving_observer(session, actor, local_date(now))
        suggestion = Suggestion(zone_id=observer.zone_id, observer=observer, title=title, text=text,
                                category=category, submitted_at=now, round_no=0, extension_reason="")
        _move(suggestion, Action.SUBMIT, SuggestionState.SUBMITTED)
        session.add(suggestion)
        digests = _attach(session, suggestion, uploads or [], now, data_dir, max_bytes)
        session.flush()
        _step(session, suggestion, actor, "submitted", now, category=category, attachments=digests or None)
        _tell(session, users_of_role(session, suggestion.zone_id, "reform_office"), "submitted", suggestion,
              "新建议待纳入台账", "a new suggestion waits to be taken into the ledger", now)
        return suggestion.id


def attach(db: Database, actor: Actor, suggestion_id: int, upload: Upload, now: datetime, data_dir: Path,
           max_bytes: int) -> None:
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        _own(session, actor, suggestion)
        rules.check_transition(Action.ATTACH, suggestion.state)
        digests = _attach(session, suggestion, [upload], now, data_dir, max_bytes)
        _step(session, suggestion, actor, "attached", now, upload.filename[:100], sha256=digests[0])


def accept(db: Database, actor: Actor, suggestion_id: int, now: datetime) -> int:
    """Into the zone's ledger, with the next number of the zone and year (台账编号 ``2026-0007``);
    the number within the year."""
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.ACCEPT, suggestion.state)
        year = local_date(now).year
        last = session.scalar(select(func.max(Suggestion.ledger_no))
                              .where(Suggestion.zone_id == suggestion.zone_id, Suggestion.ledger_year == year))
        suggestion.ledger_no, suggestion.ledger_year = (last or 0) + 1, year
        _move(suggestion, Action.ACCEPT, SuggestionState.ACCEPTED)
        _step(session, suggestion, actor, "accepted", now, rules.ledger_code(year, suggestion.ledger_no) or "",
              ledger_no=suggestion.ledger_no, ledger_year=year)
        _tell(session, _observer(suggestion), "accepted", suggestion, "您的建议已纳入台账",
              "your suggestion is in the ledger", now)
        return suggestion.ledger_no


def merge(db: Database, actor: Actor, suggestion_id: int, into_id: int, now: datetime, note: str = "") -> None:
    """Merged into an earlier suggestion of the ledger, which answers both."""
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.MERGE, suggestion.state)
        target = session.get(Suggestion, into_id)
        if (target is None or target.zone_id != suggestion.zone_id or target.id == suggestion.id
                or target.submitted_at > suggestion.submitted_at or target.ledger_no is None
                or target.state == SuggestionState.MERGED):
            raise DomainError("suggestion.merge_target", "into", f"建议 {into_id} 不是本区台账中更早的建议",
                              f"Suggestion {into_id} is not an earlier suggestion in this zone's ledger")
        suggestion.merged_into_id = target.id
        _move(suggestion, Action.MERGE, SuggestionState.MERGED)
        suggestion.closed_at = now
        code = rules.ledger_code(target.ledger_year, target.ledger_no)
        _step(session, suggestion, actor, "merged", now, note or f"并入第 {code} 号 / merged into no. {code}",
              into=target.id, into_ledger=code)


def assign(db: Database, actor: Actor, suggestion_id: int, department_id: int, working_days: int,
           now: datetime) -> rules.Deadline:
    """To a department with a deadline in working days; a reopened suggestion goes back to the
    department that replied, with a new deadline."""
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.ASSIGN, suggestion.state)
        department = session.get(Department, department_id)
        if department is None or department.zone_id != suggestion.zone_id:
            raise DomainError("department.unknown", "department", f"部门 {department_id} 不在本区名单中",
                              f"Department {department_id} is not on this zone's list")
        if suggestion.state == SuggestionState.REOPENED and department.id != suggestion.department_id:
            raise DomainError("suggestion.reopened_department", "department", "重新办理须由原承办部门再次答复",
                              "A reopened suggestion goes back to the department that replied")
        due = rules.deadline(local_date(now), working_days, official_calendar())
        suggestion.department = department
        suggestion.assigned_on, suggestion.working_days = due.start, due.working_days
        suggestion.due_on, suggestion.calendar = due.due_on, due.calendar
        suggestion.original_due_on, suggestion.due_provisional = due.due_on, due.provisional
        suggestion.round_no += 1
        _move(suggestion, Action.ASSIGN, SuggestionState.ASSIGNED)
        _step(session, suggestion, actor, "assigned", now, f"{department.name} → {due.due_on} ({working_days})",
              department=department.id, due_on=due.due_on.isoformat(), calendar=due.calendar)
        _tell(session, department_users(session, department.id), "assigned", suggestion,
              f"交由本部门办理，{due.due_on} 前答复" + ("（暂定期限）" if due.provisional else ""),
              f"assigned to your department, reply by {due.due_on}" + (" (provisional)" if due.provisional else ""),
              now)
        return due


def _for_department(session: Session, actor: Actor, suggestion: Suggestion) -> Department:
    department = department_of(session, actor)
    if department is None or department.id != suggestion.department_id:
        raise Forbidden("suggestion.not_assigned_to_you", "department", "该建议未交由您所在部门办理",
                        "This suggestion is not assigned to your department")
    return department


def _current_reply(suggestion: Suggestion) -> Reply | None:
    return next((r for r in suggestion.replies if r.round_no == suggestion.round_no), None)


def save_draft(db: Database, actor: Actor, suggestion_id: int, text: str, now: datetime) -> None:
    """The department's draft reply: kept, changeable, not shown to the observer until published."""
    text = _text(text, "text", "答复内容", "reply", 5000)
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        department = _for_department(session, actor, suggestion)
        rules.check_transition(Action.DRAFT_REPLY, suggestion.state)
        reply = _current_reply(suggestion)
        if reply is None:
            suggestion.replies.append(Reply(round_no=suggestion.round_no, department_id=department.id, text=text,
                                            drafted_by=actor.id, drafted_at=now, rating_comment=""))
        else:
            reply.text, reply.drafted_by, reply.drafted_at = text, actor.id, now
        _step(session, suggestion, actor, "reply_drafted", now, round=suggestion.round_no)


def publish_reply(db: Database, actor: Actor, suggestion_id: int, now: datetime) -> bool:
    """Publish the draft to the observer; True when it is on time (by the deadline)."""
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        _for_department(session, actor, suggestion)
        rules.check_transition(Action.PUBLISH_REPLY, suggestion.state)
        reply = _current_reply(suggestion)
        if reply is None:
            raise Conflict("reply.no_draft", "text", "请先起草答复", "Draft the reply first")
        assert suggestion.due_on is not None  # assigned suggestions have one
        original = suggestion.original_due_on or suggestion.due_on
        granted = suggestion.extension_decided_on if suggestion.extension_state == ExtensionState.GRANTED else None
        in_force = rules.due_in_force(original, suggestion.due_on, granted)
        reply.published_at, reply.due_on = now, in_force
        reply.on_time = rules.on_time(local_date(now), original, suggestion.due_on, granted)
        _move(suggestion, Action.PUBLISH_REPLY, SuggestionState.REPLIED)
        _step(session, suggestion, actor, "reply_published", now, round=reply.round_no, on_time=reply.on_time)
        _tell(session, _observer(suggestion), "replied", suggestion, "已答复，请评价", "replied; please rate the reply",
              now)
        return reply.on_time


def request_extension(db: Database, actor: Actor, suggestion_id: int, working_days: int, reason: str,
                      now: datetime) -> None:
    """Once per suggestion, the department asks the office for more working days."""
    reason = _text(reason, "reason", "延期理由", "reason", 1000)
    rules.check_working_days(working_days)
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        _for_department(session, actor, suggestion)
        rules.check_transition(Action.REQUEST_EXTENSION, suggestion.state)
        if not extension_may_move(suggestion.extension_state, ExtensionState.REQUESTED):
            raise Conflict("extension.once", "working_days", "每条建议只能申请一次延期",
                           "An extension may be asked for only once per suggestion")
        assert suggestion.due_on is not None
        rules.check_before_deadline(local_date(now), suggestion.due_on, "申请")
        _move_extension(suggestion, ExtensionState.REQUESTED)
        suggestion.extension_days = working_days
        suggestion.extension_reason, suggestion.extension_requested_on = reason, local_date(now)
        _step(session, suggestion, actor, "extension_requested", now, reason, working_days=working_days)
        _tell(session, users_of_role(session, suggestion.zone_id, "reform_office"), "extension_requested",
              suggestion, f"承办部门申请延期 {working_days} 个工作日", f"the department asks for {working_days} more "
              "working days", now)


def decide_extension(db: Database, actor: Actor, suggestion_id: int, grant: bool, now: datetime,
                     note: str = "") -> date:
    """The office grants (the deadline moves by the working days asked for) or refuses; the deadline."""
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.DECIDE_EXTENSION, suggestion.state)
        decided = ExtensionState.GRANTED if grant else ExtensionState.REFUSED
        if not extension_may_move(suggestion.extension_state, decided):
            raise Conflict("extension.none_pending", "extension", "没有待审批的延期申请",
                           "There is no extension request to decide")
        assert suggestion.due_on is not None and suggestion.extension_days is not None
        if grant:
            rules.check_before_deadline(local_date(now), suggestion.due_on, "批准", "grant")
            if suggestion.original_due_on is None:
                suggestion.original_due_on = suggestion.due_on
            due = rules.deadline(suggestion.due_on, suggestion.extension_days, official_calendar())
            suggestion.due_on, suggestion.calendar = due.due_on, due.calendar
            suggestion.due_provisional = suggestion.due_provisional or due.provisional
        _move_extension(suggestion, decided)
        suggestion.extension_decided_on, suggestion.extension_note = local_date(now), note.strip()[:1000]
        _step(session, suggestion, actor, "extension_granted" if grant else "extension_refused", now, note,
              due_on=suggestion.due_on.isoformat(), calendar=suggestion.calendar)
        if grant:
            _tell(session, _observer(suggestion) + department_users(session, suggestion.department_id),
                  "extension_granted", suggestion, f"延期已批准，答复期限为 {suggestion.due_on}",
                  f"extension granted; the reply is due by {suggestion.due_on}", now)
        else:
            _tell(session, department_users(session, suggestion.department_id), "extension_refused", suggestion,
                  f"延期未获批准，答复期限仍为 {suggestion.due_on}",
                  f"extension refused; the reply is still due by {suggestion.due_on}", now)
        return suggestion.due_on


def rate(db: Database, actor: Actor, suggestion_id: int, rating: str | None, comment: str, now: datetime,
         score: int | None = None, indicators: Sequence[str] = ()) -> str:
    """The observer rates the published reply (好差评): a ``score`` on the five levels with the
    indicators it speaks to, or the ledger's word alone (``rating``, v1: its level on the scale,
    ``yima.satisfaction``); dissatisfied (2 or less) needs a comment saying why, and with the first
    reply reopens the suggestion once. The new state."""
    score, word = rules.rating_of(rating, score)
    chosen = satisfaction.check_indicators(indicators)
    comment = satisfaction.check_comment(check_clean(comment, "comment", multiline=True))
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        _own(session, actor, suggestion)
        rules.check_transition(Action.RATE, suggestion.state)
        reply = _current_reply(suggestion)
        assert reply is not None and reply.published_at is not None  # a replied suggestion has one
        _move(suggestion, Action.RATE, rules.after_rating(word, reply.round_no))
        if word == "dissatisfied" and not comment:
            raise DomainError("rating.comment_required", "comment", "不满意时请说明原因",
                              "Say why you are dissatisfied")
        reply.rating, reply.rating_score, reply.rating_indicators = word, score, list(chosen)
        reply.rating_comment, reply.rated_at = comment, now
        if suggestion.state == SuggestionState.CLOSED:
            suggestion.closed_at = now
        _step(session, suggestion, actor, "rated", now, comment, rating=word, score=score, round=reply.round_no)
        if suggestion.state == SuggestionState.REOPENED:
            _tell(session, users_of_role(session, suggestion.zone_id, "reform_office"), "reopened", suggestion,
                  "观察员不满意，需重新交办", "the observer is dissatisfied; assign it again", now)
        return suggestion.state


# --- the office's other steps: decline, transfer, take back, urge, internal notes ----------------

def decline(db: Database, actor: Actor, suggestion_id: int, reason: str, now: datetime) -> None:
    """The office declines a suggestion not yet with a department, with a reason the observer reads."""
    reason = _text(reason, "reason", "不予受理的理由", "reason", 1000)
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.DECLINE, suggestion.state)
        _move(suggestion, Action.DECLINE, SuggestionState.DECLINED)
        suggestion.decline_reason, suggestion.closed_at = reason, now
        _step(session, suggestion, actor, "declined", now, reason)
        _tell(session, _observer(suggestion), "declined", suggestion, f"不予受理：{reason}", f"declined: {reason}", now)


def transfer(db: Database, actor: Actor, suggestion_id: int, department_id: int, reason: str, now: datetime) -> None:
    """To another department of the zone; the deadline stays as it is (a transfer buys no time)."""
    reason = _text(reason, "reason", "转办理由", "reason", 1000)
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.TRANSFER, suggestion.state)
        department = session.get(Department, department_id)
        if department is None or department.zone_id != suggestion.zone_id:
            raise DomainError("department.unknown", "department", f"部门 {department_id} 不在本区名单中",
                              f"Department {department_id} is not on this zone's list")
        if department.id == suggestion.department_id:
            raise DomainError("suggestion.transfer_same", "department", "建议已由该部门办理，请选择另一个部门",
                              "The suggestion is with that department already; choose another")
        before = suggestion.department.name if suggestion.department else ""
        draft = next((r for r in suggestion.replies if r.round_no == suggestion.round_no and r.published_at is None),
                     None)
        if draft is not None:  # the former department's draft is not the new one's
            suggestion.replies.remove(draft)
        if extension_may_move(suggestion.extension_state, None):  # an undecided request is withdrawn
            _move_extension(suggestion, None)
        suggestion.department = department
        _step(session, suggestion, actor, "transferred", now, f"{before} → {department.name}：{reason}",
              department=department.id)
        _tell(session, department_users(session, department.id), "assigned", suggestion,
              f"转由本部门办理，{suggestion.due_on} 前答复", f"transferred to your department, reply by "
              f"{suggestion.due_on}", now)


def take_back(db: Database, actor: Actor, suggestion_id: int, reason: str, now: datetime) -> None:
    """The office takes an assigned suggestion back from its department (to assign it again)."""
    reason = _text(reason, "reason", "收回理由", "reason", 1000)
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.TAKE_BACK, suggestion.state)
        draft = next((r for r in suggestion.replies if r.round_no == suggestion.round_no and r.published_at is None),
                     None)
        if draft is not None:
            suggestion.replies.remove(draft)
        suggestion.round_no -= 1
        _move(suggestion, Action.TAKE_BACK,
              SuggestionState.REOPENED if suggestion.round_no >= 1 else SuggestionState.ACCEPTED)
        if suggestion.state == SuggestionState.ACCEPTED:
            suggestion.department = None
        suggestion.assigned_on = suggestion.working_days = suggestion.due_on = suggestion.original_due_on = None
        suggestion.due_provisional = False
        if extension_may_move(suggestion.extension_state, None):  # an undecided request is withdrawn
            _move_extension(suggestion, None)
        _step(session, suggestion, actor, "taken_back", now, reason)
        _tell(session, users_of_role(session, suggestion.zone_id, "reform_office"), "unassigned", suggestion,
              "已收回，待重新交办", "taken back; waits to be assigned again", now)


def urge(db: Database, actor: Actor, suggestion_id: int, note: str, now: datetime) -> str:
    """催办: the office urges the department (recorded; the department is notified). The department."""
    note = note.strip()[:1000]
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        require_office(actor, suggestion.zone_id)
        rules.check_transition(Action.URGE, suggestion.state)
        _step(session, suggestion, actor, "urged", now, note, internal=True)
        _tell(session, department_users(session, suggestion.department_id), "urged", suggestion,
              f"改革办催办，期限 {suggestion.due_on}" + (f"：{note}" if note else ""),
              f"the reform office urges a reply, due {suggestion.due_on}" + (f": {note}" if note else ""), now)
        return suggestion.department.name if suggestion.department else ""


def add_note(db: Database, actor: Actor, suggestion_id: int, text: str, now: datetime) -> None:
    """An internal note of the office or the department handling it; the observer never sees it."""
    text = _text(text, "text", "备注", "note", 2000)
    with db.write() as session:
        suggestion = _load(session, suggestion_id)
        if not (actor.role == "reform_office" and actor.zone_id == suggestion.zone_id):
            _for_department(session, actor, suggestion)
        rules.check_transition(Action.NOTE, suggestion.state)
        _step(session, suggestion, actor, "noted", now, text, internal=True)


def recount_provisional_deadlines_job(db: Database, now: datetime) -> list[str]:
    """Deadlines counted by weekends over a year the calendar did not cover, counted again now
    that it may: each one that changes, with a step; the lines to report."""
    calendar = official_calendar()
    lines: list[str] = []
    with db.write() as session:
        for suggestion in session.scalars(select(Suggestion).where(Suggestion.due_provisional.is_(True))
                                          .order_by(Suggestion.id)):
            if suggestion.assigned_on is None or suggestion.working_days is None:
                suggestion.due_provisional = False
                continue
            first = rules.deadline(suggestion.assigned_on, suggestion.working_days, calendar)
            due, provisional = first.due_on, first.provisional
            if suggestion.extension_state == ExtensionState.GRANTED and suggestion.extension_days:
                extended = rules.deadline(first.due_on, suggestion.extension_days, calendar)
                due, provisional = extended.due_on, provisional or extended.provisional
            if provisional:
                continue
            before = suggestion.due_on
            suggestion.original_due_on, suggestion.due_on = first.due_on, due
            suggestion.calendar, suggestion.due_provisional = calendar.version(), False
            suggestion.steps.append(Step(at=now, actor_id=None, actor_role="system", action="deadline_recounted",
                                         state=suggestion.state, note=f"{before} → {due}", internal=False))
            audit.record(session, [audit.event(suggestion.zone_id, None, now, "suggestion.deadline_recounted",
                                               f"suggestion:{suggestion.id}", before=str(before), due_on=str(due),
                                               calendar=calendar.version())])
            code = rules.ledger_code(suggestion.ledger_year, suggestion.ledger_no)
            lines.append(f"observers: {suggestion.zone_id} suggestion {code}: deadline {before} → {due}")
    return lines


def notify_due_suggestions_job(db: Database, now: datetime) -> list[str]:
    """For ``yima jobs run``: tell each department once of a suggestion due within two working days
    and once when it is overdue (again for a new deadline); the office is told of the overdue too."""
    today = local_date(now)
    calendar = official_calendar()
    told = 0
    with db.write() as session:
        for suggestion in session.scalars(select(Suggestion).where(Suggestion.state == SuggestionState.ASSIGNED)
                                          .order_by(Suggestion.id)):
            assert suggestion.due_on is not None
            left = rules.time_left(suggestion.due_on, today, calendar)
            if not left.remind:
                continue
            kind = "overdue" if left.overdue else "due_soon"
            subject = (f"台账 {_code(suggestion)}：" + ("已逾期" if left.overdue else "即将到期")
                       + f"（期限 {suggestion.due_on}）")
            if session.scalar(select(Notification.id).where(Notification.kind == f"suggestion.{kind}",
                                                             Notification.link == f"/suggestions/{suggestion.id}",
                                                             Notification.subject_zh == subject).limit(1)):
                continue
            users = department_users(session, suggestion.department_id)
            if left.overdue:
                users += users_of_role(session, suggestion.zone_id, "reform_office")
            code = _code(suggestion)
            notify(session, users, f"suggestion.{kind}",
                   (subject, f"Ledger {code}: " + ("overdue" if left.overdue else "due soon")
                    + f" (due {suggestion.due_on})"),
                   (f"《{suggestion.title}》" + (f"已逾期 {left.days_overdue} 天" if left.overdue
                                                else f"还剩 {left.days_left} 个工作日"),
                    f"“{suggestion.title}”: " + (f"overdue by {left.days_overdue} day(s)" if left.overdue
                                                 else f"{left.days_left} working day(s) left")),
                   now, link=f"/suggestions/{suggestion.id}", zone_id=suggestion.zone_id)
            told += 1
    return [f"observers: {told} suggestion(s) due soon or overdue notified"] if told else []
