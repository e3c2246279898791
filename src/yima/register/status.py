"""An enterprise's status on the register and the one table of the steps that change it (pure).

An enterprise is registered here in existence (存续, ``active``), or imported from an earlier
register in existence or already cancelled. From ``active`` it ends once: cancelled (注销) by an
approved cancellation, or its business licence revoked (吊销) by an officer or for a false
commitment. Nothing brings an ended enterprise back (there is no reinstatement). ``register.service``
is the only writer of ``Enterprise.status`` and consults this table first. The values are the
strings stored in ``enterprises.status`` since v1 and shown as ``status`` in the v1 JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class EnterpriseStatus(StrEnum):
    ACTIVE = "active"  # 存续: in existence, its licence, permits and seals in force
    REVOKED = "revoked"  # 吊销: its business licence revoked
    CANCELLED = "cancelled"  # 注销: deregistered


class EnterpriseStep(StrEnum):
    ESTABLISH = "establish"  # an approved establishment puts a new enterprise on the register
    IMPORT = "import"  # an earlier register's record, in existence or already cancelled
    CANCEL = "cancel"  # an approved cancellation (注销)
    REVOKE = "revoke"  # 吊销: by an officer, or for a false commitment where the standard says so


@dataclass(frozen=True)
class Move:
    sources: frozenset[EnterpriseStatus | None]  # None: the enterprise is new to the register
    targets: frozenset[EnterpriseStatus]


_E = EnterpriseStatus
TRANSITIONS: Mapping[EnterpriseStep, Move] = {
    EnterpriseStep.ESTABLISH: Move(frozenset({None}), frozenset({_E.ACTIVE})),
    EnterpriseStep.IMPORT: Move(frozenset({None}), frozenset({_E.ACTIVE, _E.CANCELLED})),
    EnterpriseStep.CANCEL: Move(frozenset({_E.ACTIVE}), frozenset({_E.CANCELLED})),
    EnterpriseStep.REVOKE: Move(frozenset({_E.ACTIVE}), frozenset({_E.REVOKED})),
}
#: What ending an enterprise leaves it as, read off the table: the steps taken from a status on the
#: register (not from ``None``), each with its one target (``CANCEL``: cancelled, ``REVOKE``: revoked).
ENDS_AS: Mapping[EnterpriseStep, EnterpriseStatus] = {
    step: target for step, move in TRANSITIONS.items()
    if None not in move.sources and len(move.targets) == 1 for target in move.targets}


def in_existence(status: str | None) -> bool:
    """Whether an enterprise in ``status`` is in existence (存续): it may change, file, end."""
    return status == EnterpriseStatus.ACTIVE


def allowed(step: EnterpriseStep, status: str | None) -> bool:
    """Whether ``step`` may be taken from ``status`` (None: before the enterprise is registered)."""
    return status in TRANSITIONS[step].sources


def leads_to(step: EnterpriseStep, status: str | None, target: str) -> bool:
    """Whether ``step`` may move an enterprise from ``status`` to ``target``."""
    move = TRANSITIONS[step]
    return status in move.sources and target in move.targets


def entry_status(step: EnterpriseStep, *, cancelled: bool = False) -> EnterpriseStatus:
    """The status a new enterprise enters the register with: by ``ESTABLISH`` in existence; by
    ``IMPORT`` as the earlier register has it (``cancelled``: it holds a cancellation date)."""
    target = EnterpriseStatus.CANCELLED if cancelled else EnterpriseStatus.ACTIVE
    if not leads_to(step, None, target):
        raise ValueError(f"{step} does not put a new enterprise on the register as {target}")
    return target
