"""Licence use cases: key rotation, bundled permits, issuing the signed one-code licence (一码通行),
permit decisions and verification of commitments, revocation, and verifying a scanned QR.

The functions that take a ``Session`` run inside the caller's transaction (registration's
approval); the others open their own, one per use case.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from yima.actors import Actor, may_work_zone
from yima.audit import service as audit
from yima.audit.rules import AuditEvent
from yima.clock import local_date
from yima.config import get_settings
from yima.db import Base, Database
from yima.db.bulk import new_row
from yima.errors import Conflict, DomainError, Forbidden, NotFound
from yima.keys import service as keys
from yima.keys.model import SigningAlgorithm
from yima.keys.tables import ZoneSigningKeyRow
from yima.keys.trustlist import trust_list_for
from yima.licences import permits as permit_rules
from yima.licences import standing as standing_rules
from yima.licences.cose import sign_licence
from yima.licences.payload import EnterpriseStatus, LicencePayload, PermitEntry
from yima.licences.payload import PermitStatus as SignedPermitStatus
from yima.licences.qr import extract_cose_bytes, licence_url
from yima.licences.schemas import PermitOut
from yima.licences.status import DECIDED_AS, PermitStatus, PermitStep, leads_to, on_licence, sources
from yima.licences.tables import Licence, Permit
from yima.licences.verdict import ScanVerdict
from yima.licences.verify import verify_licence
from yima.listing import PageOf, PageRequest, check_export_size, like_pattern, search_text
from yima.register import service as register
from yima.register.status import EnterpriseStatus as RegisterStatus
from yima.register.status import EnterpriseStep
from yima.register.tables import Enterprise
from yima.registration.handoff import Approval, Establishment
from yima.seals.service import revoke_enterprise_seals
from yima.standard.model import MatterStandard


def _unknown_enterprise(uscc: str) -> NotFound:
    return NotFound("enterprise.unknown", "uscc", f"没有统一社会信用代码为 {uscc} 的企业",
                    f"No enterprise has the credit code {uscc}")


# --- zone signing keys ----------------------------------------------------------------------------

def rotate_key(db: Database, zone_id: str, now: datetime,
               algorithm: SigningAlgorithm | None = None) -> tuple[str | None, str]:
    """A new active key signs from now on; the old one of its profile (international, or SM2) is
    retired and keeps verifying. A zone's first SM2 key retires nothing (old kid None)."""
    with db.write() as session:
        old_kid, new_kid = keys.rotate(session, zone_id, now, algorithm)
        audit.record(session, [audit.event(zone_id, None, now, "key.rotated", f"zone:{zone_id}",
                                           retired=old_kid, active=new_kid,
                                           algorithm=algorithm.value if algorithm else None)])
    keys.forget_cached()
    return old_kid, new_kid


# --- permits and the licence, inside the approval's transaction --------------------------------------

def _new_permit(standard: MatterStandard, enterprise: Enterprise, establishment: Establishment | None,
                decision: permit_rules.PermitDecision, index: int, now: datetime) -> Permit:
    number = permit_rules.permit_number(standard.permits[decision.type].number_prefix, enterprise.uscc,
                                        local_date(now).year, index)
    permit = new_row(Permit, enterprise=enterprise, zone_id=enterprise.zone_id,
                     application_id=establishment.application_id if establishment is not None else None,
                     type=decision.type, number=number, items=list(decision.items),
                     decided_by=decision.decided_by, valid_from=decision.valid_from, valid_to=decision.valid_to,
                     verification_due_on=decision.verification_due_on,
                     history=[{"at": now.isoformat(), "status": decision.status.value,
                               "by": decision.decided_by}],
                     created_at=now, decided_at=now if decision.status != PermitStatus.PENDING else None)
    _move(permit, PermitStep.DECIDE, decision.status)
    return permit


def _move(permit: Permit, step: PermitStep, target: PermitStatus) -> None:
    """The one writer of a permit's status: ``step`` to ``target`` where the table (``licences.status``)
    allows it, or a conflict naming the permit's status."""
    if not leads_to(step, permit.status, target):
        raise Conflict("permit.state", "decision", f"许可当前状态为 {permit.status}，不能作此决定",
                       f"The permit is {permit.status}; it cannot be decided")
    permit.status = target


def on_establishment_approved(session: Session, standard: MatterStandard, enterprise: Enterprise,
                              establishment: Establishment, now: datetime) -> list[Base]:
    """Decide every permit the scope needs with the licence, then sign the licence unless a pending
    permit's standard says the licence waits for it.

    Returns the new rows (permits, then the licence) for the caller to insert with the new
    enterprise (``yima.db.bulk.insert_new``)."""
    decisions = permit_rules.decide_permits(list(enterprise.scope), list(establishment.commitments), standard,
                                            local_date(now))
    permits = [_new_permit(standard, enterprise, establishment, d, i + 1, now) for i, d in enumerate(decisions)]
    pending = [d.type for d in decisions if d.status == PermitStatus.PENDING]
    if not permit_rules.licence_may_issue(pending, standard):
        return list(permits)
    return [*permits, _signed_licence(session, standard, enterprise, permits, 1, now)]


def on_enterprise_changed(session: Session, standard: MatterStandard, enterprise: Enterprise, now: datetime,
                          actor: Actor | None = None) -> None:
    if _latest(session, enterprise.uscc) is not None:
        issue_licence(session, standard, enterprise, now, actor)


def on_enterprise_ended(session: Session, enterprise: Enterprise, now: datetime, status: RegisterStatus,
                        reason: str) -> None:
    """Cancellation (注销) or revocation (吊销): permits end with the enterprise (as ``cancelled`` or
    ``revoked`` too); seals are revoked."""
    for permit in session.scalars(select(Permit).where(Permit.uscc == enterprise.uscc,
                                                       Permit.status.in_(sources(PermitStep.END)))):
        _set_permit_status(permit, PermitStep.END, PermitStatus(status.value), now, reason)
    revoke_enterprise_seals(session, enterprise.uscc, now, reason)


def _set_permit_status(permit: Permit, step: PermitStep, status: PermitStatus, now: datetime, reason: str,
                       by: str = "officer") -> None:
    _move(permit, step, status)
    permit.decided_at = now
    permit.history = [*permit.history, {"at": now.isoformat(), "status": status.value, "by": by, "reason": reason}]


def _latest(session: Session, uscc: str) -> Licence | None:
    return session.scalar(select(Licence).where(Licence.uscc == uscc).order_by(Licence.version.desc()).limit(1))


def build_payload(standard: MatterStandard, enterprise: Enterprise, permits: list[Permit], version: int,
                  now: datetime) -> LicencePayload:
    etype = standard.entity_types.get(enterprise.entity_type)
    domicile = next((a.text for a in enterprise.addresses if a.kind == "domicile"), "")
    return LicencePayload(
        uscc=enterprise.uscc, name=enterprise.name, entity_type=etype.name.zh if etype else enterprise.entity_type,
        legal_representative=(enterprise.legal_representative or {}).get("name", "") or "—",
        registered_capital=enterprise.registered_capital, domicile=domicile or "—",
        business_sites=tuple(a.text for a in enterprise.addresses if a.kind == "site"),
        scope=tuple(enterprise.scope or ()), established_on=enterprise.established_on, zone=enterprise.zone_id,
        permits=tuple(PermitEntry(type=p.type, number=p.number, items=tuple(p.items),
                                  valid_from=p.valid_from or local_date(now), valid_to=p.valid_to,
                                  status=SignedPermitStatus(p.status)) for p in permits if on_licence(p.status)),
        issued_at=now.replace(microsecond=0), version=version, status=EnterpriseStatus(enterprise.status))


def issue_licence(session: Session, standard: MatterStandard, enterprise: Enterprise, now: datetime,
                  actor: Actor | None = None) -> Licence:
    """Sign a new version of the licence carrying the enterprise and every permit it holds."""
    permits = list(session.scalars(select(Permit).where(Permit.uscc == enterprise.uscc).order_by(Permit.id)))
    latest = _latest(session, enterprise.uscc)
    licence = _signed_licence(session, standard, enterprise, permits, (latest.version if latest else 0) + 1, now)
    session.add(licence)
    audit.record(session, [licence_issued_event(licence, now, actor.id if actor else None,
                                                actor.role if actor else "system")])
    return licence


def licence_issued_event(licence: Licence, at: datetime, actor_id: int | None, actor_role: str) -> AuditEvent:
    """The audit entry of a licence version: which key signed it, and the digest of what it signed."""
    return AuditEvent(licence.zone_id, at, actor_id, actor_role, "licence.issued", f"licence:{licence.uscc}",
                      {"version": licence.version, "kid": licence.kid, "permits": licence.permit_count,
                       "sha256": hashlib.sha256(licence.cose).hexdigest()})


def _signed_licence(session: Session, standard: MatterStandard, enterprise: Enterprise, permits: list[Permit],
                    version: int, now: datetime) -> Licence:
    payload = build_payload(standard, enterprise, permits, version, now)
    ring = keys.keyring(session, enterprise.zone_id)
    cose = sign_licence(payload, ring)
    return new_row(Licence, enterprise=enterprise, uscc=enterprise.uscc, zone_id=enterprise.zone_id, version=version,
                   kid=ring.active.kid_text,
                   cose=cose, qr_text=licence_url(cose, get_settings().public_base_url),
                   permit_count=len(payload.permits), issued_at=now)


# --- use cases with their own transaction ---------------------------------------------------------

def _permit_for_officer(session: Session, actor: Actor, permit_id: int) -> Permit:
    permit = session.get(Permit, permit_id)
    if permit is None or not may_work_zone(actor, permit.zone_id):
        raise NotFound("permit.unknown", "id", f"没有编号为 {permit_id} 的许可", f"No permit {permit_id}")
    return permit


def _enterprise(session: Session, uscc: str) -> Enterprise:
    enterprise = session.get(Enterprise, uscc, options=[selectinload(Enterprise.addresses)])
    if enterprise is None:
        raise _unknown_enterprise(uscc)
    return enterprise


def decide_permit(db: Database, standard: MatterStandard, actor: Actor, permit_id: int, decision: str,
                  reason: str, now: datetime) -> None:
    """The permit's department approves or rejects a permit that could not be decided on the spot."""
    if decision not in ("approve", "reject"):
        raise DomainError("decision.unknown", "decision", "决定须为 approve 或 reject",
                          "decision must be approve or reject")
    with db.write() as session:
        permit = _permit_for_officer(session, actor, permit_id)
        step = PermitStep.APPROVE if decision == "approve" else PermitStep.REJECT
        if not leads_to(step, permit.status, DECIDED_AS[step]):
            raise Conflict("permit.state", "decision", f"许可当前状态为 {permit.status}，不能作此决定",
                           f"The permit is {permit.status}; it cannot be decided")
        if decision == "reject" and not reason.strip():
            raise DomainError("decision.reason_required", "reason", "驳回必须说明理由", "A rejection needs a reason")
        if decision == "approve":
            today = local_date(now)
            permit.valid_from, permit.valid_to = today, permit_rules.validity(standard, permit.type, today)
        _set_permit_status(permit, step, DECIDED_AS[step], now, reason)
        audit.record(session, [audit.event(permit.zone_id, actor, now, f"permit.{permit.status}",
                                           f"permit:{permit.number}", reason=reason.strip() or None)])
        issue_licence(session, standard, _enterprise(session, permit.uscc), now, actor)


def verify_commitment(db: Database, standard: MatterStandard, actor: Actor, permit_id: int, truthful: bool,
                      reason: str, now: datetime) -> None:
    """After-the-fact verification of a permit decided by commitment; a false commitment revokes it
    (and the licence, where the standard says so)."""
    with db.write() as session:
        permit = _permit_for_officer(session, actor, permit_id)
        if permit.decided_by != "commitment" or not leads_to(PermitStep.FIND_FALSE, permit.status,
                                                             PermitStatus.REVOKED):
            raise Conflict("permit.not_by_commitment", "id", "该许可不是以承诺方式作出的有效许可",
                           "The permit is not an active permit decided by commitment")
        enterprise = _enterprise(session, permit.uscc)
        audit.record(session, [audit.event(permit.zone_id, actor, now,
                                           "permit.verified" if truthful else "permit.revoked",
                                           f"permit:{permit.number}", reason=reason.strip() or None)])
        if truthful:
            permit.verification_due_on = None
            permit.history = [*permit.history, {"at": now.isoformat(), "status": "verified", "by": "officer",
                                                "reason": reason}]
            return
        if not reason.strip():
            raise DomainError("decision.reason_required", "reason", "认定承诺不实必须说明理由",
                              "Finding a commitment false needs a reason")
        _set_permit_status(permit, PermitStep.FIND_FALSE, PermitStatus.REVOKED, now,
                           f"承诺不实 / false commitment: {reason}")
        if standard.permits[permit.type].revoke_licence_on_false_commitment:
            ended = register.end(enterprise, EnterpriseStep.REVOKE, now)
            audit.record(session, [audit.event(enterprise.zone_id, actor, now, "enterprise.revoked",
                                               f"enterprise:{enterprise.uscc}", reason="承诺不实 / false commitment")])
            on_enterprise_ended(session, enterprise, now, ended, reason)
        issue_licence(session, standard, enterprise, now, actor)


def renew_or_change_permit(db: Database, standard: MatterStandard, actor: Actor, uscc: str, permit_type: str,
                           action: str, items: list[str] | None, commitments: list[str], now: datetime) -> int:
    """A change or renewal by commitment (告知承诺制), decided on the spot where the standard allows."""
    if action not in ("change", "renew"):
        raise DomainError("permit.action", "action", "操作须为 change 或 renew", "action must be change or renew")
    kind = standard.permits.get(permit_type)
    if kind is None or not kind.change_by_commitment:
        raise DomainError("permit.not_by_commitment", "type", "该许可不能以承诺方式变更或延续",
                          "This permit cannot be changed or renewed by commitment")
    if permit_rules.PERMIT_COMMITMENT not in commitments:
        raise DomainError("commitments.permit_missing", "commitments", "须作出许可条件承诺（permit_conditions）",
                          "The permit-conditions commitment (permit_conditions) is required")
    with db.write() as session:
        enterprise = _enterprise(session, uscc)
        if enterprise.owner_id != actor.id:
            raise Forbidden("enterprise.not_yours", "uscc", "只能为本人名下的企业办理", "Only for your own enterprise")
        permit = session.scalar(select(Permit).where(Permit.uscc == uscc, Permit.type == permit_type,
                                                     Permit.status.in_(sources(PermitStep.RENEW))))
        if permit is None:
            raise NotFound("permit.unknown", "type", "该企业没有有效的此类许可",
                           "The enterprise holds no such active permit")
        today = local_date(now)
        if action == "renew":
            start = max(today, (permit.valid_to or today) + timedelta(days=1))
            permit.valid_to = permit_rules.validity(standard, permit_type, start)
        else:
            wanted = items or []
            unknown = [i for i in wanted if standard.scope.get(i) is None or standard.scope[i].permit != permit_type]
            if not wanted or unknown:
                raise DomainError("permit.items", "items", "变更的许可项目须属于该许可", "Changed items must belong to "
                                  "this permit")
            permit.items = wanted
        permit.decided_by = "commitment"
        permit.verification_due_on = today + timedelta(days=kind.verification_days or 30)
        _move(permit, PermitStep.RENEW, PermitStatus.ACTIVE)
        permit.history = [*permit.history, {"at": now.isoformat(), "status": PermitStatus.ACTIVE.value,
                                            "by": "commitment", "reason": action}]
        permit.decided_at = now
        done = "permit.changed" if action == "change" else "permit.renewed"
        audit.record(session, [audit.event(permit.zone_id, actor, now, done, f"permit:{permit.number}",
                                           items=list(permit.items), valid_to=str(permit.valid_to))])
        return issue_licence(session, standard, enterprise, now, actor).version


def revoke_enterprise(db: Database, standard: MatterStandard, actor: Actor, uscc: str, reason: str,
                      now: datetime) -> None:
    """Revocation of the business licence (吊销) by an officer of the zone, with a reason."""
    if not reason.strip():
        raise DomainError("decision.reason_required", "reason", "吊销必须说明理由", "A revocation needs a reason")
    with db.write() as session:
        enterprise = _enterprise(session, uscc)
        if not may_work_zone(actor, enterprise.zone_id):
            raise _unknown_enterprise(uscc)
        ended = register.end(enterprise, EnterpriseStep.REVOKE, now)
        audit.record(session, [audit.event(enterprise.zone_id, actor, now, "enterprise.revoked",
                                           f"enterprise:{enterprise.uscc}", reason=reason.strip())])
        on_enterprise_ended(session, enterprise, now, ended, reason)
        issue_licence(session, standard, enterprise, now, actor)


def _pending(actor: Actor, q: str) -> Select[Permit]:
    """Permits awaiting their department's decision (officers: their zone's; administrators:
    every zone's), oldest first, matching ``q`` (the credit code or the permit number)."""
    query = select(Permit).where(Permit.status == PermitStatus.PENDING).order_by(Permit.created_at, Permit.id)
    if actor.role == "officer":
        query = query.where(Permit.zone_id == actor.zone_id)
    elif actor.role != "admin":
        raise Forbidden("auth.role", "role", "无权查看", "Not allowed")
    if q:
        query = query.where(or_(Permit.uscc.like(like_pattern(q.upper()), escape="\\"),
                                Permit.number.like(like_pattern(q), escape="\\")))
    return query


def pending_permits(db: Database, actor: Actor, request: PageRequest = PageRequest()) -> PageOf[PermitOut]:
    """One page of the permits awaiting a decision (``_pending``) and how many match."""
    query = _pending(actor, request.q)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        items = [permit_view(p) for p in session.scalars(query.offset(request.offset).limit(request.per_page))]
    return PageOf(items, int(total), request.page, request.per_page)


PERMITS_EXPORT_HEADER = ("id", "uscc", "type", "number", "items", "status", "zone")


def export_pending_permits(db: Database, actor: Actor, q: str = "") -> list[list[Any]]:
    """Every permit of the list (with the same search), as rows under ``PERMITS_EXPORT_HEADER``."""
    query = _pending(actor, search_text(q))
    with db.read() as session:
        check_export_size(session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
        return [[p.id, p.uscc, p.type, p.number, ";".join(p.items or []), p.status, p.zone_id]
                for p in session.scalars(query)]


def permit_view(permit: Permit) -> PermitOut:
    return PermitOut(id=permit.id, uscc=permit.uscc, type=permit.type, number=permit.number,
                     items=list(permit.items), status=permit.status, decided_by=permit.decided_by,
                     valid_from=permit.valid_from.isoformat() if permit.valid_from else None,
                     valid_to=permit.valid_to.isoformat() if permit.valid_to else None,
                     verification_due_on=(permit.verification_due_on.isoformat()
                                          if permit.verification_due_on else None),
                     history=list(permit.history or []))


def licence_record(db: Database, uscc: str) -> tuple[Licence, Enterprise, list[Permit]]:
    with db.read() as session:
        licence = _latest(session, uscc.upper())
        enterprise = session.get(Enterprise, uscc.upper(), options=[selectinload(Enterprise.addresses)])
        if licence is None or enterprise is None:
            raise NotFound("licence.unknown", "uscc", f"统一社会信用代码 {uscc} 尚无营业执照",
                           f"No licence has been issued for {uscc}")
        permits = session.scalars(select(Permit).where(Permit.uscc == enterprise.uscc).order_by(Permit.id)).all()
        return licence, enterprise, list(permits)


def verify_scanned(db: Database, standard: MatterStandard, text: str, now: datetime) -> ScanVerdict:
    """Verify a scanned QR offline against this instance's trust lists, then add the live status:
    ``valid`` (the signature is genuine), ``in_force`` (not revoked, cancelled or suspended, now)
    and ``current`` (no newer version issued); see ``yima.licences.standing``."""
    try:
        cose = extract_cose_bytes(text)
    except DomainError as err:
        return ScanVerdict(False, "malformed", err.finding.message, err.finding.zh, err.finding.en)
    with db.read() as session:
        zones = session.scalars(select(ZoneSigningKeyRow.zone_id).distinct()).all()
        rings = {zone_id: trust_list_for(keys.keyring(session, zone_id, fresh=True), standard.digest)
                 for zone_id in zones}
    result = None
    for trust in rings.values():
        result = verify_licence(cose, trust, now)
        if result.reason.value not in ("unknown_key", "wrong_zone"):
            break
    if result is None:
        return ScanVerdict(False, "unknown_key", "本平台没有签名密钥 / no signing keys here", "本平台没有签名密钥",
                           "no signing keys here")
    checked = ScanVerdict(result.valid, result.reason.value, result.message, result.message_zh, result.message_en,
                          detail=result.detail, kid=result.kid,
                          expires_at=None if result.expires_at is None else result.expires_at.isoformat(),
                          payload=result.payload, signatures=result.signatures)
    if not (result.valid and result.payload is not None):
        return checked
    with db.read() as session:
        enterprise = session.get(Enterprise, result.payload.uscc)
        latest = _latest(session, result.payload.uscc)
        numbers = [p.number for p in result.payload.permits]
        permit_now = {p.number: p.status for p in session.scalars(
            select(Permit).where(Permit.number.in_(numbers)))} if numbers else {}
    status_now = standing_rules.status_of(enterprise.status if enterprise else None)
    found = standing_rules.standing(status_now, result.payload.version, latest.version if latest else None)
    return replace(checked, status=enterprise.status if enterprise else "unknown",
                   status_at_issue=result.payload.status.value, in_force=found.in_force, current=found.current,
                   current_version=found.latest_version, superseded=not found.current, permit_status_now=permit_now,
                   message=f"{found.message_zh} / {found.message_en}", message_zh=found.message_zh,
                   message_en=found.message_en)


def expire_overdue_verifications_job(db: Database, now: datetime) -> list[str]:
    """Reports permits decided by commitment whose verification is overdue (the officers' to-do)."""
    with db.read() as session:
        overdue = session.scalar(select(func.count()).select_from(Permit).where(
            Permit.status == PermitStatus.ACTIVE, Permit.decided_by == "commitment",
            Permit.verification_due_on < local_date(now)))
    return [f"{overdue} permit(s) decided by commitment await verification past their due date"]


class LicencesFollowTheRegister:
    """Permits and the signed licence, kept in step with the enterprise register inside
    registration's transaction (``registration.handoff.RegisterFollower``)."""

    def established(self, session: Session, standard: MatterStandard, enterprise: Enterprise,
                    establishment: Establishment, now: datetime) -> list[Base]:
        return on_establishment_approved(session, standard, enterprise, establishment, now)

    def changed(self, session: Session, standard: MatterStandard, enterprise: Enterprise, now: datetime,
                actor: Actor | None) -> None:
        on_enterprise_changed(session, standard, enterprise, now, actor)

    def ended(self, session: Session, enterprise: Enterprise, now: datetime, status: RegisterStatus,
              reason: str) -> None:
        on_enterprise_ended(session, enterprise, now, status, reason)

    def audit_event(self, row: Base, approval: Approval) -> AuditEvent | None:
        if isinstance(row, Permit):
            return approval.event(f"permit.{row.status}", f"permit:{row.number}",
                                  {"type": row.type, "application": approval.application_id})
        if isinstance(row, Licence):
            return licence_issued_event(row, approval.at, approval.actor_id, approval.actor_role)
        return None
