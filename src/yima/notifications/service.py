"""Notifications: one outbox, written in the same transaction as the step it tells of (so it is
never lost when the step is stored), read in the app (``GET /api/v1/notifications``, the bell)
and emailed through SMTP (``YIMA_SMTP_URL``) by a job that retries a failed delivery with
backoff and never drops it.

Callers write the words: a notification names the record (a ledger number, an application
number) and what happened, never another person's personal data.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import DateTime, Insert, String, bindparam, case, func, insert, literal, null, select, update
from sqlalchemy.orm import Session

from yima.accounts.tables import User
from yima.actors import Actor
from yima.clock import as_utc
from yima.config import get_settings
from yima.db import Database
from yima.db.base import table_of
from yima.db.prepared import Prepared
from yima.errors import DomainError
from yima.notifications.states import EmailState, email_may_move
from yima.notifications.tables import Notification, NotificationAddress

MAX_PER_RUN = 50
MAX_BACKOFF = timedelta(hours=6)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def _entering(state: EmailState) -> str:
    """A new notification's email state, as the table (``notifications.states``) lets one be made."""
    if not email_may_move(None, state):
        raise ValueError(f"a notification is not made {state}")
    return state.value


def _sent(stored: Notification, now: datetime) -> None:
    """The one move of a made notification's email state: pending → sent, as the table allows."""
    if not email_may_move(stored.email_state, EmailState.SENT):
        raise ValueError(f"a notification whose email is {stored.email_state} is not sent")
    stored.email_state, stored.sent_at, stored.last_error = EmailState.SENT, now, ""


def _notify_statement(mail: bool, one: bool = False) -> Insert:
    """INSERT … SELECT of one notification per user id (``ids``; ``one``: the single ``id``), reading
    each user's address as it writes; built once per process (building a statement costs more than
    running it)."""
    users, addresses, table = table_of(User), table_of(NotificationAddress), table_of(Notification)
    to = addresses.c.email
    now = bindparam("now", type_=DateTime(timezone=True))
    state: Any = case((to.is_not(None), _entering(EmailState.PENDING)), else_=_entering(EmailState.NONE)) if mail \
        else literal(_entering(EmailState.NONE))
    next_at: Any = case((to.is_not(None), now), else_=null()) if mail else null()
    rows = (select(users.c.id, bindparam("zone_id", type_=String()), bindparam("kind"), bindparam("subject_zh"),
                   bindparam("subject_en"), bindparam("body_zh"), bindparam("body_en"), bindparam("link"), now,
                   state, to, literal(0), next_at, literal(""))
            .select_from(users.outerjoin(addresses, addresses.c.user_id == users.c.id))
            .where(users.c.id == bindparam("id") if one else users.c.id.in_(bindparam("ids", expanding=True))))
    return insert(table).from_select(["user_id", "zone_id", "kind", "subject_zh", "subject_en", "body_zh", "body_en",
                                      "link", "created_at", "email_state", "email_to", "attempts",
                                      "next_attempt_at", "last_error"], rows)


_NOTIFY = {True: _notify_statement(True), False: _notify_statement(False)}
#: Notifying one user (秒批 tells its applicant) runs on the driver's cursor (``yima.db.prepared``).
_NOTIFY_ONE = {True: Prepared(_notify_statement(True, one=True)), False: Prepared(_notify_statement(False, one=True))}


def notify(session: Session, user_ids: Iterable[int], kind: str, subject: tuple[str, str], body: tuple[str, str],
           now: datetime, *, link: str = "", zone_id: str | None = None) -> int:
    """One notification for each user (once each), in the caller's transaction; emailed later
    when the user has an address and a mail server is configured. How many were made.

    One INSERT … SELECT that reads each user's address as it writes: 秒批 notifies in its write
    transaction, where every statement counts."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return 0
    mail = get_settings().smtp_url is not None
    values = {"zone_id": zone_id, "kind": kind, "subject_zh": subject[0][:200], "subject_en": subject[1][:300],
              "body_zh": body[0], "body_en": body[1], "link": link[:300], "now": now}
    if len(ids) == 1:
        return _NOTIFY_ONE[mail].count(session, {**values, "id": ids[0]})
    result = session.connection().execute(_NOTIFY[mail], {**values, "ids": ids})
    return int(result.rowcount or 0)


def users_of_role(session: Session, zone_id: str, role: str) -> list[int]:
    """The active accounts of a role in a zone (e.g. the reform office)."""
    return list(session.scalars(select(User.id).where(User.zone_id == zone_id, User.role == role,
                                                      User.disabled_at.is_(None)).order_by(User.id)))


def set_address(db: Database, actor: Actor, email: str) -> None:
    """The actor's own address for notifications by email; empty removes it."""
    email = email.strip()
    if email and not EMAIL.match(email):
        raise DomainError("notification.email", "email", f"邮箱地址格式不正确：{email}",
                          f"Not an email address: {email}")
    with db.write() as session:
        found = session.get(NotificationAddress, actor.id)
        if not email:
            if found is not None:
                session.delete(found)
        elif found is None:
            session.add(NotificationAddress(user_id=actor.id, email=email))
        else:
            found.email = email


@dataclass(frozen=True)
class NotificationView:
    """One of a user's notifications as they read it (``NotificationOut``): what, in both
    languages, where to go, whether read, and whether it was emailed (``email``)."""

    id: int
    kind: str
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str
    link: str
    created_at: str
    read: bool
    read_at: str | None
    email: str  # none | pending | sent

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _view(n: Notification) -> NotificationView:
    return NotificationView(n.id, n.kind, n.subject_zh, n.subject_en, n.body_zh, n.body_en, n.link,
                            as_utc(n.created_at).isoformat(), n.read_at is not None,
                            as_utc(n.read_at).isoformat() if n.read_at else None, n.email_state)


def notifications(db: Database, actor: Actor, unread_only: bool = False, limit: int = 50,
                  before: int | None = None) -> list[NotificationView]:
    """The actor's own notifications, newest first (``before``: an id, for the next page)."""
    query = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.id < before)
    with db.read() as session:
        return [_view(n) for n in session.scalars(query.order_by(Notification.id.desc()).limit(limit))]


def unread_count(db: Database, actor: Actor) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None))) or 0


def mark_read(db: Database, actor: Actor, ids: list[int] | None, now: datetime) -> int:
    """Marks the actor's own notifications read (``ids``; None: all). How many changed."""
    query = update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    with db.write() as session:
        return int(session.execute(query.values(read_at=now)).rowcount or 0)  # type: ignore[attr-defined]


# --- delivery by email -------------------------------------------------------------------------

def backoff(attempts: int) -> timedelta:
    """After the n-th failed attempt: 1, 2, 4, 8 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _server(url: str) -> tuple[str, int, str, str | None, str | None, bool]:
    parts = urlparse(url)
    sender = parse_qs(parts.query).get("from", ["yima@localhost"])[0]
    return (parts.hostname or "127.0.0.1", parts.port or (465 if parts.scheme == "smtps" else 25), sender,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None, parts.scheme == "smtps")


def _message(n: Any, sender: str, base_url: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = sender, n.email_to
    message["Subject"] = f"{n.subject_zh} / {n.subject_en}"
    link = f"\n\n{base_url.rstrip('/')}{n.link}" if n.link else ""
    message.set_content(f"{n.body_zh}\n\n{n.body_en}{link}\n")
    return message


def deliver_notifications_job(db: Database, now: datetime) -> list[str]:
    """For ``yima jobs run``: email the notifications due for an attempt; a failure is kept with
    its error and tried again later (backoff), never dropped."""
    settings = get_settings()
    if settings.smtp_url is None:
        return []
    host, port, sender, user, password, tls = _server(settings.smtp_url)
    with db.read() as session:
        due = list(session.scalars(select(Notification).where(
            Notification.email_state == EmailState.PENDING, Notification.next_attempt_at <= now)
            .order_by(Notification.id).limit(MAX_PER_RUN)))
        for n in due:
            session.expunge(n)
    sent = failed = 0
    for n in due:
        error = ""
        try:
            smtp_class = smtplib.SMTP_SSL if tls else smtplib.SMTP
            with smtp_class(host, port, timeout=10) as client:
                if user and password:
                    client.login(user, password)
                client.send_message(_message(n, sender, settings.public_base_url))
        except (OSError, smtplib.SMTPException) as err:
            error = f"{type(err).__name__}: {err}"[:500]
        with db.write() as session:
            stored = session.get(Notification, n.id)
            assert stored is not None
            stored.attempts += 1
            if error:
                stored.last_error, stored.next_attempt_at = error, now + backoff(stored.attempts)
                failed += 1
            else:
                _sent(stored, now)
                sent += 1
    return [f"notifications: {sent} emailed, {failed} to retry"] if due else []
