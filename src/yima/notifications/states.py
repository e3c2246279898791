"""A notification's email state (pure) and the one table of its moves.

A notification is made ``pending`` when its user has an address and a mail server is configured,
else ``none`` (it is read in the app only). A pending one is tried, with backoff after a failure
(it stays pending, its error kept), until it is ``sent``. ``notifications.service`` is the only
writer of ``Notification.email_state`` and asks this table first. The values are the strings
stored in ``notifications.email_state`` and shown as a notification's ``email`` in the v1 JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from yima import moves


class EmailState(StrEnum):
    NONE = "none"  # no address, or no mail server configured when it was made
    PENDING = "pending"
    SENT = "sent"


_E = EmailState
EMAIL_MOVES: Mapping[EmailState | None, frozenset[EmailState]] = {
    None: frozenset({_E.NONE, _E.PENDING}),  # made: pending where it can be emailed
    _E.PENDING: frozenset({_E.SENT}),
    _E.NONE: frozenset(),
    _E.SENT: frozenset(),
}


def email_may_move(state: str | None, target: EmailState) -> bool:
    """Whether a notification whose email is ``state`` (None: not yet made) may become ``target``."""
    return moves.may_move(EMAIL_MOVES, EmailState, state, target)
