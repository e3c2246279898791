"""Withdrawing an application forwarded to a partner zone (跨省异地办照的撤回申请).

The accepting zone cannot withdraw what the issuing zone decides: it asks, with a signed
``application.withdrawn`` message through the outbox, and keeps showing the issuing zone's real
status until that zone confirms. The issuing zone withdraws the application by its own rules, on
behalf of the partner's account, if it is still pending; the status ``withdrawn`` then travels back
as any other ``application.decided``. If it had decided already, nothing changes there and the
receipt's result says so (``{"status": "too_late", "state": "approved"}``); the accepting side
shows the request as too late, and the decision that arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yima.actors import Actor
from yima.audit import service as audit
from yima.db import Database
from yima.errors import Conflict
from yima.federation import service
from yima.federation.model import WITHDRAWN, Envelope, instant_text, new_message
from yima.federation.rules import (
    WITHDRAWAL_REQUESTED,
    WITHDRAWAL_TOO_LATE,
    check_may_withdraw,
    open_envelope,
    too_late_state,
    unknown_forwarded_application,
)
from yima.federation.states import CaseRole
from yima.federation.tables import Case, InboxMessage, OutboxMessage
from yima.registration import service as registration
from yima.registration.appview import Withdrawal
from yima.registration.model import ApplicationRecord
from yima.registration.records import application_record
from yima.registration.status import PENDING, Status
from yima.registration.views import not_withdrawable
from yima.standard.model import MatterStandard

REASON = "申请人撤回 / withdrawn by the applicant"


# --- the accepting zone ---------------------------------------------------------------------------

class PartnerWithdrawal:
    """Registration's withdrawal of a forwarded application: a request to the issuing zone."""

    def carries(self, app: ApplicationRecord) -> bool:
        return app.status == Status.FORWARDED

    def withdraw(self, session: Session, app: ApplicationRecord, actor: Actor, now: datetime) -> None:
        case = session.get(Case, app.id)
        if case is None or case.role != CaseRole.ACCEPTING:
            raise not_withdrawable(app.status)
        check_may_withdraw(case.steps, case.remote, case.partner_zone)
        forwarded = session.scalar(select(OutboxMessage.id).where(OutboxMessage.application_id == app.id,
                                                                  OutboxMessage.kind == "application.forwarded"))
        envelope = new_message(WITHDRAWN, app.zone_id, case.partner_zone, app.standard_digest,
                               {"application": case.remote_application_id, "partner_application": app.id,
                                "withdrawn_at": instant_text(now), "reason": REASON,
                                "forwarded_message": forwarded}, now)
        service.queue(session, envelope, app.id)
        service.step_once(case, WITHDRAWAL_REQUESTED, now, f"申请人撤回，已发往 {case.partner_zone} / withdrawal by "
                                                           f"the applicant, sent to {case.partner_zone}")
        audit.record(session, [audit.event(app.zone_id, actor, now, "application.withdrawal_requested",
                                           f"application:{app.id}", to=case.partner_zone, message=envelope.id,
                                           partner_application=case.remote_application_id)])


def on_receipt(session: Session, case: Case, result: Mapping[str, Any], now: datetime) -> None:
    """The issuing zone's receipt for our ``application.withdrawn``: note a refusal as too late."""
    state = too_late_state(result)
    if state is None or any(s["step"] == WITHDRAWAL_TOO_LATE for s in case.steps):
        return
    service.step_once(case, WITHDRAWAL_TOO_LATE, now, f"{case.partner_zone} 已作出决定 / {case.partner_zone} had "
                                                     "already decided", state=state)  # which way, for the rules
    app = application_record(session, case.application_id)
    audit.record(session, [audit.event(app.zone_id if app else case.partner_zone, None, now,
                                       "application.withdrawal_too_late", f"application:{case.application_id}",
                                       partner=case.partner_zone, state=state)])


# --- the issuing zone -----------------------------------------------------------------------------

def _issuing_case(session: Session, sender: str, body: Mapping[str, Any]) -> Case | None:
    """The case the message names: by our id, or (before the sender knew it) by the sender's."""
    ours, theirs = body.get("application"), body.get("partner_application")
    case: Case | None = None
    if isinstance(ours, int) and ours > 0:
        case = session.get(Case, ours)
    elif isinstance(theirs, int) and theirs > 0:
        case = session.scalar(select(Case).where(Case.role == CaseRole.ISSUING, Case.partner_zone == sender,
                                                 Case.remote_application_id == theirs))
    if case is None or case.role != CaseRole.ISSUING or case.partner_zone != sender:
        return None
    if isinstance(theirs, int) and case.remote_application_id not in (None, theirs):
        return None
    return case


def _refused_on_arrival(session: Session, sender: str, message_id: object) -> bool:
    """The forwarded message was received here from ``sender`` and refused: no application, no case
    (``_receive_forwarded`` answers such a body ``rejected``), so a withdrawal is too late for it."""
    if not isinstance(message_id, str) or not message_id:
        return False
    seen = session.get(InboxMessage, message_id)
    if seen is None or seen.sender != sender or seen.kind != "application.forwarded":
        return False
    receipt = open_envelope(seen.receipt)[0]
    result = receipt.body.get("result") or {}
    return isinstance(result, Mapping) and result.get("status") == Status.REJECTED and not result.get("application")


def receive_withdrawn(db: Database, standard: MatterStandard, env: Envelope, now: datetime) -> service.Applied:
    """Withdraw the application here if it is still pending, by registration's own rules and in the
    name of the partner's account; the status that follows goes back as ``application.decided``."""
    with db.read() as session:
        case = _issuing_case(session, env.sender, env.body)
        if case is None and _refused_on_arrival(session, env.sender, env.body.get("forwarded_message")):
            refused = {"status": Withdrawal.TOO_LATE.value, "state": Status.REJECTED.value, "application": None}
            return refused, lambda session: None
        if case is None:
            raise unknown_forwarded_application()
        app_id = case.application_id
        actor = service.partner_actor(session, env.sender)
        app = application_record(session, app_id)
        status = app.status if app else ""
    if status in PENDING:
        reason = str(env.body.get("reason") or REASON)[:200]
        try:
            registration.withdraw(db, actor, app_id, now,
                                  reason=f"合作开发区 {env.sender} 的申请人撤回 / withdrawn by the applicant at the "
                                         f"partner zone {env.sender}: {reason}")
        except Conflict:
            pass  # decided meanwhile: the state read below says so
        with db.read() as session:
            app = application_record(session, app_id)
            status = app.status if app else ""
    if status == Status.WITHDRAWN:
        return {"status": Status.WITHDRAWN.value, "application": app_id}, lambda session: None
    result = {"status": Withdrawal.TOO_LATE.value, "state": status, "application": app_id}

    def note(session: Session) -> None:
        audit.record(session, [audit.event(env.recipient, actor, now, "application.withdrawal_refused",
                                           f"application:{app_id}", partner=env.sender, state=status,
                                           message=env.id)])
    return result, note
