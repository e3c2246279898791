"""An observer's suggestion's state and its extension request's state (pure), with the one table of
what each action may do to them.

A suggestion is ``submitted``; the reform office takes it into the ledger (``accepted``), merges it
into an earlier one (``merged``, final) or declines it (``declined``, final). Accepted, it is
``assigned`` to a department with a deadline, which publishes a reply (``replied``); the observer's
rating closes it (``closed``) or, dissatisfied with the first reply, reopens it once (``reopened``),
when it goes back to the same department. The office may transfer an assigned suggestion to another
department (the same deadline) or take it back (``accepted`` again, or ``reopened`` after a first
reply). The other actions (attach, draft a reply, ask for or decide an extension, urge, note) leave
the state as it is, each only in the states the table names. A department may ask once for more
working days (``requested``), which the office ``granted`` or ``refused``; a transfer or taking
back withdraws an undecided request. ``observers.service`` is the only writer of
``Suggestion.state`` and ``Suggestion.extension_state`` and asks this table first; the pages ask
it which forms to offer. The values are the strings stored in ``suggestions.state``,
``suggestions.extension_state`` and ``suggestion_steps.state``, and shown in the v1 JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from yima import moves


class SuggestionState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"  # in the ledger (台账), numbered
    ASSIGNED = "assigned"  # with a department, a deadline running
    REPLIED = "replied"  # a reply published, waiting for the observer's rating
    REOPENED = "reopened"  # the first reply rated dissatisfied: to be assigned again
    CLOSED = "closed"
    MERGED = "merged"  # into an earlier suggestion of the ledger, which answers both
    DECLINED = "declined"  # with a reason the observer reads


class ExtensionState(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


class Action(StrEnum):
    """What is done to a suggestion; the value names the rule of a refusal (``suggestion.<action>.state``)."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    MERGE = "merge"
    ASSIGN = "assign"
    DRAFT_REPLY = "draft_reply"
    PUBLISH_REPLY = "publish_reply"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    RATE = "rate"
    ATTACH = "attach"
    DECLINE = "decline"
    TRANSFER = "transfer"
    TAKE_BACK = "take_back"
    URGE = "urge"
    NOTE = "note"


@dataclass(frozen=True)
class Move:
    sources: frozenset[SuggestionState | None]  # None: a new suggestion
    targets: frozenset[SuggestionState]  # empty: the state stays as it is


_S = SuggestionState
_OPEN = frozenset({_S.SUBMITTED, _S.ACCEPTED, _S.ASSIGNED, _S.REOPENED})
_STAYS: frozenset[SuggestionState] = frozenset()
TRANSITIONS: Mapping[Action, Move] = {
    Action.SUBMIT: Move(frozenset({None}), frozenset({_S.SUBMITTED})),
    Action.ACCEPT: Move(frozenset({_S.SUBMITTED}), frozenset({_S.ACCEPTED})),
    Action.MERGE: Move(frozenset({_S.SUBMITTED, _S.ACCEPTED}), frozenset({_S.MERGED})),
    Action.DECLINE: Move(frozenset({_S.SUBMITTED, _S.ACCEPTED}), frozenset({_S.DECLINED})),
    Action.ASSIGN: Move(frozenset({_S.ACCEPTED, _S.REOPENED}), frozenset({_S.ASSIGNED})),
    Action.DRAFT_REPLY: Move(frozenset({_S.ASSIGNED}), _STAYS),
    Action.PUBLISH_REPLY: Move(frozenset({_S.ASSIGNED}), frozenset({_S.REPLIED})),
    Action.REQUEST_EXTENSION: Move(frozenset({_S.ASSIGNED}), _STAYS),
    Action.DECIDE_EXTENSION: Move(frozenset({_S.ASSIGNED}), _STAYS),
    Action.RATE: Move(frozenset({_S.REPLIED}), frozenset({_S.CLOSED, _S.REOPENED})),
    Action.ATTACH: Move(_OPEN, _STAYS),
    Action.TRANSFER: Move(frozenset({_S.ASSIGNED}), _STAYS),
    Action.TAKE_BACK: Move(frozenset({_S.ASSIGNED}), frozenset({_S.ACCEPTED, _S.REOPENED})),
    Action.URGE: Move(frozenset({_S.ASSIGNED}), _STAYS),
    Action.NOTE: Move(frozenset(SuggestionState), _STAYS),
}
#: Still being handled: the observer may add material.
OPEN: tuple[SuggestionState, ...] = tuple(s for s in SuggestionState if s in _OPEN)

_E = ExtensionState
EXTENSION_MOVES: Mapping[ExtensionState | None, frozenset[ExtensionState | None]] = {
    None: frozenset({_E.REQUESTED}),  # once per suggestion
    _E.REQUESTED: frozenset({_E.GRANTED, _E.REFUSED, None}),  # None: withdrawn by a transfer or taking back
    _E.GRANTED: frozenset(),
    _E.REFUSED: frozenset(),
}


def _state(value: str | None) -> SuggestionState | None:
    return None if value is None else SuggestionState(value)


def allowed(action: str, state: str | None) -> bool:
    """Whether ``action`` may be taken on a suggestion in ``state`` (None: not yet submitted); an
    unknown stored value allows nothing."""
    try:
        return _state(state) in TRANSITIONS[Action(action)].sources
    except ValueError:
        return False


def leads_to(action: str, state: str | None, target: str) -> bool:
    """Whether ``action`` may move a suggestion from ``state`` to ``target``."""
    return allowed(action, state) and target in TRANSITIONS[Action(action)].targets


def extension_may_move(state: str | None, target: str | None) -> bool:
    """Whether an extension request in ``state`` (None: none asked for) may become ``target``."""
    return moves.may_move(EXTENSION_MOVES, ExtensionState, state, target)
