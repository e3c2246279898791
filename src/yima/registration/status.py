"""An application's status and the one table of the steps that change it (pure).

Every surface consults this table: registration's service before it writes a status (it is the
only writer of ``Application.status``), the application page and the v1 API to say which steps
the viewer may take (decide, supply a material, withdraw). The values are the strings stored in
``applications.status`` and ``transitions.to_status`` since v1; they are part of the JSON contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    AWAITING_MATERIALS = "awaiting_materials"  # 容缺受理: accepted, a material still to come
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"  # deferred materials not supplied in time
    FORWARDED = "forwarded"  # 跨省异地办照: decided by the partner zone it was forwarded to


#: Not decided yet: the statutory clock runs, the name is held, the applicant may withdraw.
PENDING: tuple[Status, ...] = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.AWAITING_MATERIALS)
#: What an officer's queue holds.
QUEUED: tuple[Status, ...] = (Status.UNDER_REVIEW, Status.AWAITING_MATERIALS)
#: Final: nothing changes an application after these.
DECIDED: tuple[Status, ...] = (Status.APPROVED, Status.REJECTED, Status.LAPSED, Status.WITHDRAWN)


class Step(StrEnum):
    SUBMIT = "submit"
    EVALUATE = "evaluate"  # the rules' outcome of a submission (秒批, review, or refusal)
    FORWARD = "forward"
    APPROVE = "approve"
    REJECT = "reject"
    ACCEPT_WITH_MISSING = "accept_with_missing"
    SUPPLY = "supply"  # a material; the status stays, unless it completes the deferred ones
    COMPLETE_MATERIALS = "complete_materials"
    WITHDRAW = "withdraw"
    LAPSE = "lapse"


class Party(StrEnum):
    """Who takes a step, relative to the application."""

    APPLICANT = "applicant"  # the account that applied (a partner zone's account for a forwarded one)
    STAFF = "staff"  # an officer of the application's zone, or an administrator
    SYSTEM = "system"  # the rules, or a scheduled job


@dataclass(frozen=True)
class Move:
    sources: frozenset[Status | None]  # None: the application is new
    targets: frozenset[Status]  # empty: the status stays
    parties: frozenset[Party]


def _move(sources: tuple[Status | None, ...], targets: tuple[Status, ...], *parties: Party) -> Move:
    return Move(frozenset(sources), frozenset(targets), frozenset(parties))


_S = Status
TRANSITIONS: Mapping[Step, Move] = {
    Step.SUBMIT: _move((None,), (_S.SUBMITTED,), Party.APPLICANT, Party.STAFF),
    Step.EVALUATE: _move((_S.SUBMITTED,), (_S.APPROVED, _S.UNDER_REVIEW, _S.REJECTED), Party.SYSTEM),
    Step.FORWARD: _move((None,), (_S.FORWARDED,), Party.APPLICANT, Party.STAFF),
    Step.APPROVE: _move((_S.UNDER_REVIEW,), (_S.APPROVED,), Party.STAFF),
    Step.REJECT: _move((_S.UNDER_REVIEW, _S.AWAITING_MATERIALS), (_S.REJECTED,), Party.STAFF),
    Step.ACCEPT_WITH_MISSING: _move((_S.UNDER_REVIEW,), (_S.AWAITING_MATERIALS,), Party.STAFF),
    Step.SUPPLY: _move(QUEUED, (), Party.APPLICANT, Party.STAFF),
    Step.COMPLETE_MATERIALS: _move((_S.AWAITING_MATERIALS,), (_S.UNDER_REVIEW,), Party.APPLICANT, Party.STAFF),
    Step.WITHDRAW: _move(PENDING, (_S.WITHDRAWN,), Party.APPLICANT),
    Step.LAPSE: _move((_S.AWAITING_MATERIALS,), (_S.LAPSED,), Party.SYSTEM),
}
#: An officer's decisions (the v1 ``decision`` values), in the order the page offers them.
DECISIONS: tuple[Step, ...] = (Step.APPROVE, Step.REJECT, Step.ACCEPT_WITH_MISSING)


def allowed(step: Step, status: str | None) -> bool:
    """Whether ``step`` may be taken from ``status`` (None: before the application exists)."""
    return status in TRANSITIONS[step].sources


def leads_to(step: Step, status: str | None, target: str) -> bool:
    """Whether ``step`` may move an application from ``status`` to ``target``."""
    move = TRANSITIONS[step]
    return status in move.sources and target in move.targets


def offered(status: str, parties: frozenset[Party] | set[Party]) -> frozenset[Step]:
    """The steps someone who is ``parties`` to an application in ``status`` may take."""
    return frozenset(step for step, move in TRANSITIONS.items()
                     if status in move.sources and move.parties & parties and step not in _AUTOMATIC)


_AUTOMATIC = frozenset({Step.SUBMIT, Step.EVALUATE, Step.FORWARD, Step.COMPLETE_MATERIALS, Step.LAPSE})
