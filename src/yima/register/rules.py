"""Rules of the enterprise register itself: plain functions, testable without a database."""

from __future__ import annotations

from yima.actors import Actor, may_work_zone
from yima.register.status import EnterpriseStep, allowed


def may_revoke(actor: Actor | None, zone_id: str, status: str) -> bool:
    """Whether ``actor`` may revoke the business licence (吊销) of an enterprise of ``zone_id`` in
    ``status``: an officer of its zone or an administrator, while it is in existence."""
    return actor is not None and allowed(EnterpriseStep.REVOKE, status) and may_work_zone(actor, zone_id)
