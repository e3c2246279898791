"""Federation's own states (pure): a cross-region case's role and an outbox message's state, with
the one table of the moves a message may make.

A case is ``accepting`` on the zone that forwarded the application and ``issuing`` on the partner
zone that decides it; the role is set when the case is opened and never changes. An outbox message
is written ``pending`` and settles once: ``delivered`` (the partner's signed receipt kept), ``dead``
(refused for good) or ``expired`` (not delivered in time). An officer may send a dead or expired
message again, which makes it ``pending`` once more; a delivered one stays delivered. The values
are the strings stored in ``federation_cases.role`` and ``federation_outbox.state`` and shown in
the v1 JSON (``cross_region.role``, a message's ``state``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from yima import moves


class CaseRole(StrEnum):
    ACCEPTING = "accepting"  # forwarded from here: the partner zone decides, the answer comes back
    ISSUING = "issuing"  # received here from the accepting zone and decided as our own


class MessageState(StrEnum):
    PENDING = "pending"  # tried (with backoff) until it is delivered, refused for good, or expires
    DELIVERED = "delivered"
    DEAD = "dead"  # refused for good: its ``refusal`` says why
    EXPIRED = "expired"


#: Settled without being delivered: a dead letter, which an officer may send again.
UNDELIVERED: tuple[MessageState, ...] = (MessageState.DEAD, MessageState.EXPIRED)

_M = MessageState
MESSAGE_MOVES: Mapping[MessageState | None, frozenset[MessageState]] = {
    None: frozenset({_M.PENDING}),  # written in the transaction of the change that causes it
    _M.PENDING: frozenset({_M.DELIVERED, _M.DEAD, _M.EXPIRED}),
    _M.DEAD: frozenset({_M.PENDING}),  # resent by an officer
    _M.EXPIRED: frozenset({_M.PENDING}),
    _M.DELIVERED: frozenset(),
}


def may_move(state: str | None, target: MessageState) -> bool:
    """Whether a message in ``state`` (None: not yet written) may become ``target``."""
    return moves.may_move(MESSAGE_MOVES, MessageState, state, target)
