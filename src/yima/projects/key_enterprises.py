"""Use cases of key-enterprise service (金牌店小二), the service layer beside ``service``.

The zone's investment office marks enterprises of its register as key enterprises, records their
high-tech certificates and assigns each a ``service_specialist``; a specialist logs visits and
requests for the enterprises assigned to them and resolves the requests. Administrators may do
everything. Every change is appended to the zone's audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.clock import local_date
from yima.db import Database
from yima.errors import Conflict, DomainError, Forbidden, NotFound
from yima.listing import PageOf, PageRequest, check_export_size, like_pattern, search_text
from yima.notifications.service import notify
from yima.projects import rules
from yima.projects.model import (
    CertificateIn,
    CertificateOut,
    CertificateRecordOut,
    DeskOut,
    KeyEnterpriseChange,
    KeyEnterpriseDetailOut,
    KeyEnterpriseIn,
    KeyEnterpriseOut,
    ResolveIn,
    ServiceIn,
    ServiceOut,
)
from yima.projects.rules import Certificate, ServiceFacts, ServiceFigures, service_figures
from yima.projects.service import office_zone, require_office
from yima.projects.tables import EnterpriseService, KeyEnterprise, KeyEnterpriseCertificate
from yima.register.tables import Enterprise
from yima.stats.rules import Period

SPECIALIST = "service_specialist"


def certificate_of(key: KeyEnterprise) -> Certificate | None:
    """The certificate the enterprise holds now (the latest recorded)."""
    if key.cert_number and key.cert_issued_on and key.cert_expires_on:
        return Certificate(key.cert_number, key.cert_issued_on, key.cert_expires_on)
    return None


def held(entry: KeyEnterpriseCertificate) -> Certificate:
    """One certificate of the history with the validity it really had (cut short where it was removed)."""
    end = entry.expires_on if entry.ended_on is None else min(entry.expires_on, entry.ended_on)
    return Certificate(entry.number, entry.issued_on, end)


def set_certificate(key: KeyEnterprise, certificate: Certificate | None, now: datetime) -> None:
    """Record a certificate (a renewal adds one to the history; the same number again corrects its
    dates) or, with None, end the current one's validity today; earlier certificates stay."""
    current = next((c for c in reversed(key.certificates) if c.ended_on is None), None)
    if certificate is None:
        if current is not None:
            current.ended_on = local_date(now) - timedelta(days=1)
    elif current is not None and current.number == certificate.number:
        current.issued_on, current.expires_on = certificate.issued_on, certificate.expires_on
    else:
        key.certificates.append(KeyEnterpriseCertificate(number=certificate.number, issued_on=certificate.issued_on,
                                                         expires_on=certificate.expires_on, recorded_at=now))
    key.cert_number = certificate.number if certificate else None
    key.cert_issued_on = certificate.issued_on if certificate else None
    key.cert_expires_on = certificate.expires_on if certificate else None


def _checked_certificate(body: CertificateIn | None) -> Certificate | None:
    return None if body is None else rules.check_certificate(body.number, body.issued_on, body.expires_on)


def specialist_in_zone(session: Session, username: str, zone_id: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.role != SPECIALIST or user.zone_id != zone_id:
        raise DomainError("key_enterprise.specialist", "specialist",
                          f"{username} 不是本区的服务专员（service_specialist）",
                          f"{username} is not a service specialist (service_specialist) of this zone")
    return user


def registered_enterprise(session: Session, zone_id: str, uscc: str) -> Enterprise:
    enterprise = session.get(Enterprise, uscc)
    if enterprise is None or enterprise.zone_id != zone_id:
        raise DomainError("key_enterprise.not_registered", "uscc",
                          f"本区登记簿中没有统一社会信用代码为 {uscc} 的企业（须先登记或导入）",
                          f"No enterprise {uscc} in the zone's register (register or import it first)")
    return enterprise


def new_key_enterprise(session: Session, zone_id: str, uscc: str, specialist: User | None,
                       certificate: Certificate | None, now: datetime) -> KeyEnterprise:
    registered_enterprise(session, zone_id, uscc)
    if session.scalar(select(KeyEnterprise.id).where(KeyEnterprise.uscc == uscc)) is not None:
        raise Conflict("key_enterprise.exists", "uscc", f"{uscc} 已是重点企业", f"{uscc} is already a key enterprise")
    key = KeyEnterprise(zone_id=zone_id, uscc=uscc, specialist_id=specialist.id if specialist else None,
                        marked_at=now, updated_at=now)
    set_certificate(key, certificate, now)
    session.add(key)
    return key


def _tell_specialist(session: Session, specialist_id: int | None, actor: Actor, kind: str, uscc: str, zh: str,
                     en: str, now: datetime, zone_id: str) -> None:
    """The specialist is told (by the enterprise's credit code, nothing of any person)."""
    if specialist_id is None or specialist_id == actor.id:
        return
    words = (f"重点企业 {uscc}：{zh}", f"Key enterprise {uscc}: {en}")
    notify(session, [specialist_id], f"key_enterprise.{kind}", words, words, now, link=f"/key-enterprises/{uscc}",
           zone_id=zone_id)


def mark(db: Database, actor: Actor, body: KeyEnterpriseIn, now: datetime) -> KeyEnterpriseDetailOut:
    require_office(actor, body.zone)
    certificate = _checked_certificate(body.high_tech_certificate)
    with db.write() as session:
        specialist = specialist_in_zone(session, body.specialist, body.zone) if body.specialist else None
        key = new_key_enterprise(session, body.zone, body.uscc, specialist, certificate, now)
        session.flush()
        _tell_specialist(session, key.specialist_id, actor, "assigned", body.uscc, "由您担任服务专员",
                         "you are its service specialist", now, body.zone)
        audit.record(session, [audit.event(body.zone, actor, now, "key_enterprise.marked", f"enterprise:{body.uscc}",
                                           specialist=body.specialist, certificate=certificate.number
                                           if certificate else None)])
        return _detail(session, key, local_date(now))


def _key(session: Session, uscc: str) -> KeyEnterprise:
    key = session.scalar(select(KeyEnterprise).where(KeyEnterprise.uscc == uscc)
                         .options(selectinload(KeyEnterprise.services)))
    if key is None:
        raise NotFound("key_enterprise.unknown", "uscc", f"{uscc} 不是重点企业", f"{uscc} is not a key enterprise")
    return key


def _may_see(actor: Actor, key: KeyEnterprise) -> bool:
    return (actor.role == "admin" or (actor.role == "investment_office" and actor.zone_id == key.zone_id)
            or (actor.role == SPECIALIST and key.specialist_id == actor.id))


def _visible(session: Session, actor: Actor, uscc: str) -> KeyEnterprise:
    key = _key(session, uscc)
    if not _may_see(actor, key):
        raise NotFound("key_enterprise.unknown", "uscc", f"{uscc} 不是您负责的重点企业",
                       f"{uscc} is not a key enterprise of yours")
    return key


def change(db: Database, actor: Actor, uscc: str, body: KeyEnterpriseChange, now: datetime) -> KeyEnterpriseDetailOut:
    """The office reassigns the specialist or records, replaces or removes the certificate."""
    certificate = _checked_certificate(body.high_tech_certificate)
    with db.write() as session:
        key = _visible(session, actor, uscc)
        require_office(actor, key.zone_id)
        if body.specialist is not None:
            before = key.specialist_id
            key.specialist_id = specialist_in_zone(session, body.specialist, key.zone_id).id
            if key.specialist_id != before:
                _tell_specialist(session, key.specialist_id, actor, "assigned", uscc, "由您担任服务专员",
                                 "you are its service specialist", now, key.zone_id)
        held_now = certificate_of(key)
        corrected = (certificate is not None and held_now is not None and certificate.number == held_now.number
                     and certificate != held_now)
        removed = body.remove_certificate and certificate is None and held_now is not None
        reason = rules.check_reason(body.reason) if corrected or removed else None
        if certificate is not None or body.remove_certificate:
            set_certificate(key, certificate, now)
        key.updated_at = now
        session.flush()
        audit.record(session, [audit.event(key.zone_id, actor, now, "key_enterprise.changed", f"enterprise:{uscc}",
                                           specialist=body.specialist,
                                           certificate=certificate.number if certificate else None,
                                           certificate_removed=removed or None,
                                           was=[held_now.number, held_now.issued_on.isoformat(),
                                                held_now.expires_on.isoformat()] if reason and held_now else None,
                                           reason=reason)])
        return _detail(session, key, local_date(now))


def _may_log(actor: Actor, key: KeyEnterprise) -> None:
    if not (actor.role == "admin" or (actor.role == SPECIALIST and key.specialist_id == actor.id)):
        raise Forbidden("service.not_yours", "uscc", "只有该企业的服务专员可以记录服务",
                        "Only the enterprise's service specialist may log its services")


def log_service(db: Database, actor: Actor, uscc: str, body: ServiceIn, now: datetime) -> ServiceOut:
    rules.check_service(body.kind, body.served_on, body.resolved_on, body.request, local_date(now))
    with db.write() as session:
        key = _visible(session, actor, uscc)
        _may_log(actor, key)
        entry = EnterpriseService(served_on=body.served_on, kind=body.kind, request=body.request, action=body.action,
                                  resolved_on=body.resolved_on, actor_id=actor.id, recorded_at=now)
        key.services.append(entry)
        session.flush()
        if body.kind == "request":
            _tell_specialist(session, key.specialist_id, actor, "request", uscc, "新的企业诉求待办理",
                             "a new request to handle", now, key.zone_id)
        audit.record(session, [audit.event(key.zone_id, actor, now, "service.logged", f"enterprise:{uscc}",
                                           service=entry.id, kind=body.kind, served_on=body.served_on.isoformat(),
                                           resolved_on=body.resolved_on.isoformat() if body.resolved_on else None)])
        return _service_out(entry, _names(session, [uscc]), local_date(now))


def resolve(db: Database, actor: Actor, service_id: int, body: ResolveIn, now: datetime) -> ServiceOut:
    with db.write() as session:
        entry = session.get(EnterpriseService, service_id)
        key = entry.key_enterprise if entry else None
        if entry is None or key is None or not _may_see(actor, key):
            raise NotFound("service.unknown", "id", f"没有编号为 {service_id} 的服务记录",
                           f"No service record {service_id}")
        _may_log(actor, key)
        if entry.kind != "request" or entry.resolved_on is not None:
            raise Conflict("service.not_open", "id", "该记录不是未办结的诉求", "This record is not an open request")
        rules.check_service(entry.kind, entry.served_on, body.resolved_on, entry.request, local_date(now))
        entry.resolved_on = body.resolved_on
        if body.action:
            entry.action = body.action
        audit.record(session, [audit.event(key.zone_id, actor, now, "service.resolved", f"enterprise:{key.uscc}",
                                           service=entry.id, resolved_on=body.resolved_on.isoformat())])
        return _service_out(entry, _names(session, [key.uscc]), local_date(now))


# --- reading --------------------------------------------------------------------------------------

def _names(session: Session, usccs: list[str]) -> dict[str, tuple[str, str]]:
    return {u: (n, i) for u, n, i in session.execute(
        select(Enterprise.uscc, Enterprise.name, Enterprise.industry_code).where(Enterprise.uscc.in_(usccs)))}


def _service_out(entry: EnterpriseService, names: dict[str, tuple[str, str]], today: date) -> ServiceOut:
    uscc = entry.key_enterprise.uscc
    end = entry.resolved_on or today
    return ServiceOut(id=entry.id, uscc=uscc, enterprise_name=names.get(uscc, ("", ""))[0], served_on=entry.served_on,
                      kind=entry.kind, request=entry.request, action=entry.action,
                      resolved_on=entry.resolved_on,
                      days_open=(end - entry.served_on).days if entry.kind == "request" else None)


def _summary(key: KeyEnterprise, names: dict[str, tuple[str, str]], specialists: dict[int, str],
             today: date) -> KeyEnterpriseOut:
    certificate = certificate_of(key)
    name, industry = names.get(key.uscc, ("", ""))
    return KeyEnterpriseOut(
        uscc=key.uscc, name=name, zone=key.zone_id, industry_code=industry,
        specialist=specialists.get(key.specialist_id) if key.specialist_id else None,
        high_tech_certificate=CertificateOut(number=certificate.number, issued_on=certificate.issued_on,
                                             expires_on=certificate.expires_on,
                                             valid_today=rules.certificate_valid_on(certificate, today))
        if certificate else None,
        services=len(key.services),
        open_requests=sum(1 for s in key.services if s.kind == "request" and s.resolved_on is None),
        last_served_on=max((s.served_on for s in key.services), default=None))


def _specialists(session: Session, keys: list[KeyEnterprise]) -> dict[int, str]:
    ids = {k.specialist_id for k in keys if k.specialist_id}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _detail(session: Session, key: KeyEnterprise, today: date) -> KeyEnterpriseDetailOut:
    names = _names(session, [key.uscc])
    summary = _summary(key, names, _specialists(session, [key]), today)
    log = [_service_out(s, names, today) for s in sorted(key.services, key=lambda s: (s.served_on, s.id), reverse=True)]
    history = [CertificateRecordOut(number=c.number, issued_on=c.issued_on, expires_on=c.expires_on,
                                    ended_on=c.ended_on, valid_today=rules.certificate_valid_on(held(c), today))
               for c in key.certificates]
    return KeyEnterpriseDetailOut(**summary.model_dump(), log=log, certificates=history)


def _listing(session: Session, keys: list[KeyEnterprise], today: date) -> list[KeyEnterpriseOut]:
    names = _names(session, [k.uscc for k in keys])
    specialists = _specialists(session, keys)
    return [_summary(k, names, specialists, today) for k in keys]


def _key_query(actor: Actor, zone_id: str | None, q: str) -> Any:
    """The key enterprises the actor may list (a specialist: their own), searched by credit code
    or registered name."""
    query = select(KeyEnterprise)
    if actor.role == SPECIALIST:
        query = query.where(KeyEnterprise.specialist_id == actor.id)
    else:
        query = query.where(KeyEnterprise.zone_id == office_zone(actor, zone_id))
    if q:
        pattern = like_pattern(q.upper() if len(q) == 18 else q)
        # each key enterprise's own register entry, by its key: not the names of the whole register
        named = select(Enterprise.uscc).where(Enterprise.uscc == KeyEnterprise.uscc,
                                              Enterprise.name.like(pattern, escape="\\")).exists()
        query = query.where(or_(KeyEnterprise.uscc.like(pattern, escape="\\"), named))
    return query


def list_key_enterprises(db: Database, actor: Actor, zone_id: str | None, now: datetime,
                         request: PageRequest = PageRequest()) -> PageOf[KeyEnterpriseOut]:
    """One page of the office's (or an administrator's) list of a zone's key enterprises, or a
    specialist's own, by credit code; how many match."""
    query = _key_query(actor, zone_id, request.q)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(
            query.with_only_columns(KeyEnterprise.id).subquery())) or 0
        keys = list(session.scalars(query.options(selectinload(KeyEnterprise.services)).order_by(KeyEnterprise.uscc)
                                    .offset(request.offset).limit(request.per_page)))
        return PageOf(_listing(session, keys, local_date(now)), total, request.page, request.per_page)


# The import file's columns first, then the enterprise's name and the service counts.
EXPORT_HEADER = ("uscc", "specialist", "high_tech_cert", "cert_issued_on", "cert_expires_on", "name",
                 "industry_code", "services", "open_requests", "last_served_on")


def export_key_enterprises(db: Database, actor: Actor, zone_id: str | None, now: datetime,
                           q: str = "") -> list[list[Any]]:
    """Every key enterprise of the list matching ``q``, as rows under ``EXPORT_HEADER``."""
    query = _key_query(actor, zone_id, search_text(q))
    with db.read() as session:
        check_export_size(session.scalar(select(func.count()).select_from(
            query.with_only_columns(KeyEnterprise.id).subquery())) or 0)
        keys = list(session.scalars(query.options(selectinload(KeyEnterprise.services), selectinload(
            KeyEnterprise.certificates)).order_by(KeyEnterprise.uscc)))
        rows = _listing(session, keys, local_date(now))
    return [[k.uscc, k.specialist or "",
             *((c.number, c.issued_on.isoformat(), c.expires_on.isoformat()) if (c := k.high_tech_certificate)
               else ("", "", "")), k.name, k.industry_code, k.services, k.open_requests,
             k.last_served_on.isoformat() if k.last_served_on else ""] for k in rows]


def get_key_enterprise(db: Database, actor: Actor, uscc: str, now: datetime) -> KeyEnterpriseDetailOut:
    with db.read() as session:
        return _detail(session, _visible(session, actor, uscc), local_date(now))


def desk(db: Database, actor: Actor, now: datetime, request: PageRequest = PageRequest()) -> DeskOut:
    """The specialist's desk: one page of their own enterprises (by credit code, searched by code or
    name) and the oldest of their open requests among the enterprises that match the search (at
    most one page's rows), with how many there are of each."""
    if actor.role != SPECIALIST:
        raise Forbidden("service.desk", "role", "此页面供服务专员使用", "This page is for service specialists")
    today = local_date(now)
    enterprises = list_key_enterprises(db, actor, None, now, request)
    mine = _key_query(actor, None, request.q).with_only_columns(KeyEnterprise.id)
    open_query = (select(EnterpriseService).where(EnterpriseService.key_enterprise_id.in_(mine),
                                                  EnterpriseService.kind == "request",
                                                  EnterpriseService.resolved_on.is_(None)))
    with db.read() as session:
        open_total = session.scalar(select(func.count()).select_from(open_query.subquery())) or 0
        entries = list(session.scalars(open_query.options(selectinload(EnterpriseService.key_enterprise))
                                       .order_by(EnterpriseService.served_on, EnterpriseService.id)
                                       .limit(request.per_page)))
        names = _names(session, sorted({e.key_enterprise.uscc for e in entries}))
        return DeskOut(specialist=actor.username, enterprises=list(enterprises.items),
                       open_requests=[_service_out(e, names, today) for e in entries],
                       enterprises_total=enterprises.total, open_requests_total=int(open_total),
                       page=enterprises.page, pages=enterprises.pages)


# The "log a visit" form offers every one of the specialist's enterprises by name up to this many;
# beyond it the form takes a credit code, with the names as suggestions.
DESK_CHOICES = 500


@dataclass(frozen=True)
class DeskChoices:
    """The enterprises a specialist may log a visit for, by name; ``complete`` when all are here."""

    enterprises: list[tuple[str, str]]
    complete: bool


def desk_choices(db: Database, actor: Actor, limit: int = DESK_CHOICES) -> DeskChoices:
    """Every enterprise assigned to the specialist (credit code, name), by name, up to ``limit``:
    the form's choices do not depend on the page of the list or its search."""
    if actor.role != SPECIALIST:
        raise Forbidden("service.desk", "role", "此页面供服务专员使用", "This page is for service specialists")
    with db.read() as session:
        rows = session.execute(
            select(KeyEnterprise.uscc, func.coalesce(Enterprise.name, KeyEnterprise.uscc))
            .outerjoin(Enterprise, Enterprise.uscc == KeyEnterprise.uscc)
            .where(KeyEnterprise.specialist_id == actor.id)
            .order_by(func.coalesce(Enterprise.name, KeyEnterprise.uscc), KeyEnterprise.uscc)
            .limit(limit + 1)).all()
    return DeskChoices([(u, n) for u, n in rows[:limit]], len(rows) <= limit)


# --- figures --------------------------------------------------------------------------------------

def zone_service_figures(db: Database, zone_id: str, period: Period) -> ServiceFigures:
    with db.read() as session:
        history: dict[str, list[Certificate]] = {}
        for uscc, entry in session.execute(select(KeyEnterprise.uscc, KeyEnterpriseCertificate).join(KeyEnterprise)
                                           .where(KeyEnterprise.zone_id == zone_id)
                                           .order_by(KeyEnterpriseCertificate.id)).all():
            history.setdefault(uscc, []).append(held(entry))
        rows = session.execute(select(KeyEnterprise.uscc, EnterpriseService.kind, EnterpriseService.served_on,
                                      EnterpriseService.resolved_on).join(KeyEnterprise)
                               .where(KeyEnterprise.zone_id == zone_id)).all()
    return service_figures([ServiceFacts(u, k, s, r) for u, k, s, r in rows], history, period)


# --- for the ratings of requests (好差评: the enterprise rates a resolved request) -------------------

@dataclass(frozen=True)
class RequestCase:
    """A request (诉求) as its rating needs it: its zone, whether it is resolved, and the person
    served — the enterprise's authorised user."""

    id: int
    zone_id: str
    uscc: str
    resolved: bool
    owner_id: int | None


def request_case(db: Database, actor: Actor, service_id: int) -> RequestCase:
    """The request, for the enterprise's authorised user and those who may see the key enterprise;
    ``NotFound`` for anyone else and for a visit."""
    with db.read() as session:
        entry = session.get(EnterpriseService, service_id)
        key = entry.key_enterprise if entry else None
        owner = session.scalar(select(Enterprise.owner_id).where(Enterprise.uscc == key.uscc)) if key else None
        if entry is None or key is None or entry.kind != "request" or not (
                _may_see(actor, key) or (owner is not None and actor.id == owner)):
            raise NotFound("service.unknown", "id", f"没有编号为 {service_id} 的企业诉求",
                           f"No request {service_id}")
        return RequestCase(entry.id, key.zone_id, key.uscc, entry.resolved_on is not None, owner)
