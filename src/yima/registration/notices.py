"""An applicant is notified of a decision on their application (approved, rejected, materials
asked for, lapsed): a listener to the application's transitions, writing to the notifications'
outbox in the same transaction. The notification names the application's number and the
decision, nothing else of anyone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from yima.notifications.service import notify
from yima.registration.model import ApplicationChanged
from yima.registration.status import Status

DECISIONS: dict[str, tuple[str, str]] = {
    Status.APPROVED: ("已核准登记", "approved"),
    Status.REJECTED: ("不予登记", "rejected"),
    Status.AWAITING_MATERIALS: ("需补正材料", "materials are asked for"),
    Status.LAPSED: ("因逾期未补正已终止", "lapsed: the materials were not supplied in time"),
}


def on_transition(session: Session, changed: ApplicationChanged, created: Sequence[Any]) -> None:
    """Tell the applicant of each decision among the transaction's changes of status."""
    app = changed.application
    for transition in changed.changes:
        words = DECISIONS.get(transition.to_status)
        if words is None or transition.actor_role == "applicant":
            continue
        reason_zh, reason_en = transition.reason_zh, transition.reason_en
        notify(session, [app.applicant_id], f"application.{transition.to_status}",
               (f"申请 #{app.id}：{words[0]}", f"Application #{app.id}: {words[1]}"),
               (f"您的申请 #{app.id} {words[0]}" + (f"：{reason_zh}" if reason_zh else ""),
                f"Your application #{app.id}: {words[1]}" + (f" — {reason_en}" if reason_en else "")),
               transition.at, link=f"/applications/{app.id}", zone_id=app.zone_id)
