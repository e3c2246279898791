"""A bad rating's rectification item and an appeal of a rating (pure): their states and the one
table of the moves each may make.

A bad rating (好差评 of 2 or less) opens a rectification item in the reform office's ledger
(``open``); the office calls the person back (``called_back``) and puts the matter right
(``put_right``, possibly without a call back first: putting it right reached the person too). An
upheld appeal withdraws an item not yet put right (``withdrawn``). An officer may appeal a rating
as malicious once (``pending``); the office upholds (``upheld``: the rating leaves the figures) or
rejects it (``rejected``). Nothing moves from put right, withdrawn, upheld or rejected.
``ratings.service`` is the only writer of ``Rectification.state`` and ``Rating.appeal_state`` and
asks this table first. The values are the strings stored in ``rating_rectifications.state`` and
``service_ratings.appeal_state`` and shown in the v1 JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from yima import moves


class RectificationState(StrEnum):
    OPEN = "open"  # waiting for the call back (回访)
    CALLED_BACK = "called_back"  # being put right
    PUT_RIGHT = "put_right"
    WITHDRAWN = "withdrawn"  # the rating's appeal was upheld


class RectificationStep(StrEnum):
    """A step of a rectification item; the value names the rule of a refusal (``rectification.<step>.state``)."""

    OPEN = "open"
    CALL_BACK = "call_back"
    PUT_RIGHT = "put_right"
    WITHDRAW = "withdraw"


class AppealState(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"  # the rating is excluded from the figures
    REJECTED = "rejected"


@dataclass(frozen=True)
class Move:
    sources: frozenset[RectificationState | None]  # None: a new item
    targets: frozenset[RectificationState]


_R = RectificationState
RECTIFICATION_MOVES: Mapping[RectificationStep, Move] = {
    RectificationStep.OPEN: Move(frozenset({None}), frozenset({_R.OPEN})),
    RectificationStep.CALL_BACK: Move(frozenset({_R.OPEN}), frozenset({_R.CALLED_BACK})),
    RectificationStep.PUT_RIGHT: Move(frozenset({_R.OPEN, _R.CALLED_BACK}), frozenset({_R.PUT_RIGHT})),
    RectificationStep.WITHDRAW: Move(frozenset({_R.OPEN, _R.CALLED_BACK}), frozenset({_R.WITHDRAWN})),
}
#: Not yet put right (or withdrawn): what the office still owes, read off the table.
WAITING: tuple[RectificationState, ...] = tuple(
    s for s in RectificationState if s in RECTIFICATION_MOVES[RectificationStep.PUT_RIGHT].sources)

_A = AppealState
APPEAL_MOVES: Mapping[AppealState | None, frozenset[AppealState]] = {
    None: frozenset({_A.PENDING}),  # once per rating
    _A.PENDING: frozenset({_A.UPHELD, _A.REJECTED}),
    _A.UPHELD: frozenset(),
    _A.REJECTED: frozenset(),
}


def step_allowed(step: str, state: str | None) -> bool:
    """Whether ``step`` may be taken on an item in ``state`` (None: not yet opened)."""
    try:
        current = None if state is None else RectificationState(state)
        return current in RECTIFICATION_MOVES[RectificationStep(step)].sources
    except ValueError:
        return False


def step_leads_to(step: str, state: str | None, target: str) -> bool:
    """Whether ``step`` may move an item from ``state`` to ``target``."""
    return step_allowed(step, state) and target in RECTIFICATION_MOVES[RectificationStep(step)].targets


def appeal_may_move(state: str | None, target: str) -> bool:
    """Whether an appeal in ``state`` (None: the rating was never appealed) may become ``target``."""
    return moves.may_move(APPEAL_MOVES, AppealState, state, target)
