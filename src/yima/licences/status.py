"""A sector permit's status (pure) and the one table of the steps that change it.

A permit is decided with the business licence (一业一证): granted on the spot by commitment
(告知承诺, ``active``), completed as a filing (备案, ``filed``), or queued for its department
(``pending``), which approves (``active``) or rejects it (``rejected``). A permit granted by
commitment is verified afterwards; a false commitment revokes it. Changing or renewing an active
permit by commitment keeps it active. When its enterprise ends, every permit it still holds or
awaits ends with it, as the same word (``revoked`` or ``cancelled``). Nothing comes back from
rejected, revoked or cancelled. ``licences.service`` is the only writer of ``Permit.status`` and asks
this table first. The values are the strings stored in ``permits.status`` (and its history) and
shown as a permit's ``status`` in the v1 JSON. The licence's signed payload has its own word for a
permit it carries (``payload.PermitStatus``); a rejected permit was never held and is not carried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class PermitStatus(StrEnum):
    PENDING = "pending"  # queued for the permit's department; the licence may be issued first
    ACTIVE = "active"  # granted (including by commitment, 告知承诺)
    FILED = "filed"  # a filing (备案) completed, e.g. pre-packaged food sales only
    REJECTED = "rejected"  # refused by its department
    REVOKED = "revoked"  # a false commitment, or its enterprise's licence revoked (吊销)
    CANCELLED = "cancelled"  # its enterprise deregistered (注销)


class PermitStep(StrEnum):
    DECIDE = "decide"  # with the licence: by commitment, as a filing, or queued for review
    APPROVE = "approve"  # the department grants a pending permit
    REJECT = "reject"  # the department refuses it
    RENEW = "renew"  # changed or renewed by commitment (告知承诺): it stays active
    FIND_FALSE = "find_false"  # the verification finds the commitment false: revoked
    END = "end"  # its enterprise ends (注销 or 吊销): ended with it as the same word


@dataclass(frozen=True)
class Move:
    sources: frozenset[PermitStatus | None]  # None: the permit is new
    targets: frozenset[PermitStatus]


_P = PermitStatus
TRANSITIONS: Mapping[PermitStep, Move] = {
    PermitStep.DECIDE: Move(frozenset({None}), frozenset({_P.ACTIVE, _P.FILED, _P.PENDING})),
    PermitStep.APPROVE: Move(frozenset({_P.PENDING}), frozenset({_P.ACTIVE})),
    PermitStep.REJECT: Move(frozenset({_P.PENDING}), frozenset({_P.REJECTED})),
    PermitStep.RENEW: Move(frozenset({_P.ACTIVE}), frozenset({_P.ACTIVE})),
    PermitStep.FIND_FALSE: Move(frozenset({_P.ACTIVE}), frozenset({_P.REVOKED})),
    PermitStep.END: Move(frozenset({_P.ACTIVE, _P.FILED, _P.PENDING}), frozenset({_P.REVOKED, _P.CANCELLED})),
}
#: What a department's decision leaves a pending permit as, read off the table.
DECIDED_AS: Mapping[PermitStep, PermitStatus] = {step: target for step in (PermitStep.APPROVE, PermitStep.REJECT)
                                                 for target in TRANSITIONS[step].targets}


def _known(status: str | None) -> PermitStatus | None:
    return None if status is None else PermitStatus(status)


def allowed(step: PermitStep, status: str | None) -> bool:
    """Whether ``step`` may be taken from ``status`` (None: a new permit); an unknown stored value
    takes no step."""
    try:
        return _known(status) in TRANSITIONS[step].sources
    except ValueError:
        return False


def leads_to(step: PermitStep, status: str | None, target: str) -> bool:
    """Whether ``step`` may move a permit from ``status`` to ``target``."""
    return allowed(step, status) and target in TRANSITIONS[step].targets


def sources(step: PermitStep) -> tuple[PermitStatus, ...]:
    """The stored statuses ``step`` may be taken from (what a query for it selects), in a fixed order."""
    return tuple(s for s in PermitStatus if s in TRANSITIONS[step].sources)


def in_force(status: str | None) -> bool:
    """Whether a permit in ``status`` is held and in force (granted or filed)."""
    return status in (PermitStatus.ACTIVE, PermitStatus.FILED)


def on_licence(status: str) -> bool:
    """Whether the signed licence carries a permit in ``status``: every one the enterprise holds,
    awaits or held, not one its department refused."""
    return status != PermitStatus.REJECTED
