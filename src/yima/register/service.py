"""The one writer of an enterprise's status: each change is a step the register's transition table
(``register.status``) allows, or a conflict naming the enterprise; nothing else assigns
``Enterprise.status``. Runs inside the caller's transaction (registration's approval of a
cancellation, licences' revocation)."""

from __future__ import annotations

from datetime import datetime

from yima.clock import local_date
from yima.errors import Conflict
from yima.register.status import ENDS_AS, EnterpriseStatus, EnterpriseStep, allowed, in_existence
from yima.register.tables import Enterprise


def not_in_existence(uscc: str) -> Conflict:
    """The refusal of a step that needs an enterprise in existence (存续)."""
    return Conflict("enterprise.not_active", "uscc", f"企业 {uscc} 已不在存续状态（已吊销或已注销）",
                    f"The enterprise {uscc} is no longer active (revoked or cancelled)")


def require_in_existence(enterprise: Enterprise) -> None:
    """Refuse a change, filing or end of an enterprise that is revoked or cancelled."""
    if not in_existence(enterprise.status):
        raise not_in_existence(enterprise.uscc)


def end(enterprise: Enterprise, step: EnterpriseStep, now: datetime) -> EnterpriseStatus:
    """Cancel (注销: dated today in China Standard Time) or revoke (吊销) an enterprise in existence;
    returns the status it now has, which its permits end with too."""
    if step not in ENDS_AS or not allowed(step, enterprise.status):
        raise not_in_existence(enterprise.uscc)
    ended = ENDS_AS[step]
    enterprise.status = ended
    if step is EnterpriseStep.CANCEL:
        enterprise.cancelled_on = local_date(now)
    enterprise.updated_at = now
    return ended
