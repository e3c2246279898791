"""Read models: applications as their applicant or officer sees them, enterprises as the public does."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from yima.actors import Actor, may_work_zone
from yima.clock import CHINA, as_utc
from yima.db import Database
from yima.errors import Conflict, NotFound
from yima.listing import PageOf, PageRequest, check_export_size, like_pattern, search_text
from yima.privacy import mask_id_number, mask_phone
from yima.register.tables import Enterprise
from yima.registration import decisions
from yima.registration.appview import ApplicationDetail, ApplicationView, TransitionView, UploadView
from yima.registration.capital import public_contributions
from yima.registration.handoff import forwarder_for, view_extensions
from yima.registration.records import record_of
from yima.registration.schemas import EnterpriseOut, ShareholderOut
from yima.registration.status import PENDING, QUEUED, Party, Status, Step, offered
from yima.registration.tables import Application
from yima.standard.model import MatterStandard
from yima.zones.service import list_zones


def application_not_found(app_id: int) -> NotFound:
    return NotFound("application.unknown", "id", f"没有编号为 {app_id} 的申请", f"No application {app_id}")


def not_withdrawable(status: str) -> Conflict:
    return Conflict("withdraw.state", "id", f"申请当前状态为 {status}，不能撤回",
                    f"The application is {status}; it cannot be withdrawn")


def time_left(app: Application, now: datetime) -> timedelta:
    """Time until the statutory limit (negative when it is past)."""
    return as_utc(app.statutory_due_at) - as_utc(now)


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def decided_elsewhere(view: ApplicationView) -> bool:
    """Forwarded to the partner zone that decides it (跨省异地办照, the accepting side)."""
    return view.partner is not None and view.partner.accepting


def offered_steps(view: ApplicationView, actor: Actor) -> frozenset[Step]:
    """What ``actor`` may do with the application in ``view``, by the transition table: the zone's
    staff decide and supply, its applicant supplies and withdraws. One decided by a partner zone is
    decided there: here its applicant may only send a material that zone asks for, or ask it (once)
    to withdraw the application."""
    parties = {Party.STAFF} if actor.role in ("officer", "admin") else {Party.APPLICANT}
    status = view.status
    if not decided_elsewhere(view):
        return offered(status, parties)
    steps = offered(status, parties) & {Step.SUPPLY, Step.WITHDRAW}
    if status == Status.FORWARDED and Party.APPLICANT in parties:
        steps |= {Step.WITHDRAW}
    return steps - {Step.WITHDRAW} if view.withdrawal else steps


def application_view(app: Application, now: datetime, detail: bool = True) -> ApplicationView:
    left = time_left(app, now)
    view = ApplicationView(
        id=app.id, zone=app.zone_id, matter=app.matter, entity_type=app.entity_type, channel=app.channel,
        name=app.name, status=app.status, uscc=app.enterprise_uscc,
        findings=[{"rule": f["rule"], "field": f.get("field", ""), "message": f["message"],
                   "message_zh": f.get("message_zh", ""), "message_en": f.get("message_en", ""),
                   **{k: f[k] for k in ("overridden", "proved_by") if k in f}}
                  for f in app.findings],
        missing_materials=list(app.missing_materials or []),
        materials_due_on=app.materials_due_on.isoformat() if app.materials_due_on else None,
        submitted_at=_iso(app.submitted_at), decided_at=_iso(app.decided_at),
        statutory_due_at=_iso(app.statutory_due_at),
        time_left_hours=round(left.total_seconds() / 3600, 1) if app.status in PENDING else None,
        overdue=app.status in PENDING and left.total_seconds() < 0,
        detail=ApplicationDetail(
            body=app.body, proved_addresses=sorted(decisions.proved_addresses(app.findings)),
            transitions=tuple(TransitionView(from_status=t.from_status, to=t.to_status, actor_role=t.actor_role,
                                             actor_id=t.actor_id, reason=t.reason, reason_zh=t.words.zh,
                                             reason_en=t.words.en, at=_iso(t.at)) for t in app.transitions),
            uploads=tuple(UploadView(material=u.material, filename=u.filename, content_type=u.content_type,
                                     size=u.size, sha256=u.sha256, uploaded_at=_iso(u.uploaded_at))
                          for u in app.uploads)) if detail else None)
    extensions = view_extensions()
    if extensions:
        record, session = record_of(app), object_session(app)
        for extend in extensions:
            view = extend(session, record, view)
    return view


def view_of(session: Session, app_id: int, now: datetime) -> ApplicationView:
    """The application as its applicant sees it, read in the caller's transaction."""
    app = session.get(Application, app_id)
    if app is None:
        raise application_not_found(app_id)
    return application_view(app, now)


def get_application(db: Database, actor: Actor, app_id: int, now: datetime) -> ApplicationView:
    with db.read() as session:
        app = session.get(Application, app_id, options=[selectinload(Application.transitions),
                                                        selectinload(Application.uploads)])
        if app is None or not (app.applicant_id == actor.id or may_work_zone(actor, app.zone_id)):
            raise application_not_found(app_id)
        return replace(application_view(app, now), standing_read=True,
                       enterprise_status=_enterprise_statuses(session, [app.enterprise_uscc]).get(app.enterprise_uscc))


def _enterprise_statuses(session: Session, usccs: list[str | None]) -> dict[str | None, str]:
    """The status now (active, revoked, cancelled) of the enterprises the applications are for."""
    wanted = sorted({u for u in usccs if u})
    if not wanted:
        return {}
    rows = session.execute(select(Enterprise.uscc, Enterprise.status).where(Enterprise.uscc.in_(wanted)))
    return {uscc: status for uscc, status in rows}


@dataclass(frozen=True)
class ApplicationFilter:
    """Which applications a list shows: by ``status`` (an officer's queue: those awaiting a
    decision when none is named), ``matter``, and ``overdue`` (past the statutory limit)."""

    status: str | None = None
    matter: str | None = None
    overdue: bool = False


def _applications(actor: Actor, now: datetime, filters: ApplicationFilter, q: str) -> Select[Application]:
    """An applicant's own applications (newest first), or the officer's zone queue (oldest first;
    an administrator's every zone), matching the filters and the search text ``q`` (the name, the
    credit code, or the application's number)."""
    query = select(Application)
    own = actor.role not in ("officer", "admin")  # any other role sees only what it applied for itself
    if own:
        query = query.where(Application.applicant_id == actor.id)
        if filters.status:
            query = query.where(Application.status == filters.status)
    else:
        if actor.role == "officer":
            query = query.where(Application.zone_id == (actor.zone_id or ""))
        query = query.where(Application.status.in_((filters.status,) if filters.status else QUEUED))
    if filters.matter:
        query = query.where(Application.matter == filters.matter)
    if filters.overdue:
        query = query.where(Application.status.in_(PENDING), Application.statutory_due_at < now)
    if q:
        pattern = like_pattern(q)
        found = or_(Application.name.like(pattern, escape="\\"),
                    Application.enterprise_uscc.like(like_pattern(q.upper()), escape="\\"))
        by_id = q.isascii() and q.isdigit() and len(q) <= 9  # not '²', a digit to isdigit() but not to int()
        query = query.where(or_(found, Application.id == int(q)) if by_id else found)
    return query.order_by(Application.id.desc()) if own else query.order_by(Application.submitted_at, Application.id)


def applications_page(db: Database, actor: Actor, now: datetime, filters: ApplicationFilter = ApplicationFilter(),
                      request: PageRequest = PageRequest()) -> PageOf[ApplicationView]:
    """One page of the applications ``actor`` may list (``_applications``) and how many match."""
    query = _applications(actor, now, filters, request.q)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        apps = list(session.scalars(query.offset(request.offset).limit(request.per_page)))
        standing = _enterprise_statuses(session, [app.enterprise_uscc for app in apps])
        items = [replace(application_view(app, now, detail=False), standing_read=True,
                         enterprise_status=standing.get(app.enterprise_uscc)) for app in apps]
    return PageOf(items, int(total), request.page, request.per_page)


EXPORT_HEADER = ("id", "zone", "matter", "entity_type", "channel", "name", "status", "uscc", "submitted_at",
                 "statutory_due_at", "decided_at", "overdue", "failed_rules")


def export_applications(db: Database, actor: Actor, now: datetime, filters: ApplicationFilter = ApplicationFilter(),
                        q: str = "") -> list[list[Any]]:
    """Every application of the list (with the same filters and search), as rows under
    ``EXPORT_HEADER``, in list order; times in China Standard Time."""
    query = _applications(actor, now, filters, search_text(q))
    with db.read() as session:
        check_export_size(session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
        rows = []
        for app in session.scalars(query):
            view = application_view(app, now, detail=False)
            rows.append([app.id, app.zone_id, app.matter, app.entity_type, app.channel, app.name, app.status,
                         app.enterprise_uscc or "", _local(app.submitted_at), _local(app.statutory_due_at),
                         _local(app.decided_at), "yes" if view.overdue else "no",
                         ";".join(f["rule"] for f in app.findings)])
        return rows


def _local(value: datetime | None) -> str:
    return as_utc(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def last_zone(db: Database, actor: Actor) -> str | None:
    """The zone of the actor's most recent application, if any."""
    with db.read() as session:
        return session.scalar(select(Application.zone_id).where(Application.applicant_id == actor.id)
                              .order_by(Application.submitted_at.desc(), Application.id.desc()).limit(1))


def start_zone(db: Database, actor: Actor, asked: str) -> tuple[str, str]:
    """The zone ``/apply`` starts on and why: the service centre the founder came from (``?zone=``),
    else the zone of their last application; never a partner zone (an application for it is
    forwarded there, 跨省异地办照), which the founder chooses explicitly. ``("", "")``: none."""
    known = {z.id for z in list_zones(db)}
    for zone, why in ((asked, "query"), (last_zone(db, actor) or "", "last")):
        if zone in known and forwarder_for(db, zone) is None:
            return zone, why
    return "", ""


def _shareholder_out(holder: dict[str, Any], enterprise: Enterprise) -> ShareholderOut:
    """A shareholder as anyone may see it: the document number masked, the contribution as published."""
    published = public_contributions(holder, enterprise.registered_capital, enterprise.entity_type,
                                     enterprise.established_on)
    return ShareholderOut(name=holder.get("name", ""), share_pct=holder.get("share_pct"),
                          id_number=mask_id_number(holder["id_number"]) if holder.get("id_number") else None,
                          uscc=holder.get("uscc"), subscribed=published.subscribed,
                          contribution_due=published.contribution_due,
                          contribution_due_statutory=published.contribution_due_statutory,
                          paid_in=published.paid_in, paid_in_on=published.paid_in_on)


def enterprise_public_view(standard: MatterStandard, enterprise: Enterprise) -> EnterpriseOut:
    """What anyone may see of an enterprise: personal data masked."""
    rep = enterprise.legal_representative or {}
    etype = standard.entity_types.get(enterprise.entity_type)
    return EnterpriseOut.model_validate({
        "uscc": enterprise.uscc, "name": enterprise.name, "zone": enterprise.zone_id,
        "entity_type": enterprise.entity_type,
        "entity_type_name": etype.name.zh if etype else enterprise.entity_type,
        "status": enterprise.status, "industry_code": enterprise.industry_code,
        "registered_capital": f"{enterprise.registered_capital:.2f}",
        "established_on": enterprise.established_on.isoformat(),
        "cancelled_on": enterprise.cancelled_on.isoformat() if enterprise.cancelled_on else None,
        "legal_representative": {"name": rep.get("name", ""),
                                 "id_number": mask_id_number(rep.get("id_number", "")),
                                 "phone": mask_phone(rep["phone"]) if rep.get("phone") else None},
        "shareholders": [_shareholder_out(h, enterprise) for h in enterprise.shareholders or []],
        "scope": [{"id": s, "name": standard.scope[s].name.zh if s in standard.scope else s}
                  for s in enterprise.scope or []],
        "addresses": [{"kind": a.kind, "text": a.text, "by_commitment": a.proof == "commitment"}
                      for a in enterprise.addresses],
    })


def get_enterprise(db: Database, standard: MatterStandard, uscc: str) -> EnterpriseOut:
    with db.read() as session:
        enterprise = session.get(Enterprise, uscc.upper(), options=[selectinload(Enterprise.addresses)])
        if enterprise is None:
            raise NotFound("enterprise.unknown", "uscc", f"没有统一社会信用代码为 {uscc} 的企业",
                           f"No enterprise has the credit code {uscc}")
        return enterprise_public_view(standard, enterprise)


def my_enterprises(db: Database, standard: MatterStandard, actor: Actor) -> list[EnterpriseOut]:
    with db.read() as session:
        rows = session.scalars(select(Enterprise).where(Enterprise.owner_id == actor.id)
                               .options(selectinload(Enterprise.addresses)).order_by(Enterprise.created_at))
        return [enterprise_public_view(standard, e) for e in rows]
