"""Tables of moves between a record's states: the one question every state machine's writer asks.

Each feature that owns a state keeps, next to its ``StrEnum``, a table from each state (``None``:
the record is not made yet) to the states it may become; its one writer asks :func:`may_move`
before it writes. A stored word the enum does not know may move nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=StrEnum)


def may_move(moves: Mapping[S | None, Set[S | None]], kind: type[S], state: str | None, target: str | None) -> bool:
    """Whether a record in ``state`` may become ``target`` (None: no state, where a table allows it)
    by the table ``moves`` of ``kind``'s states."""
    try:
        current = None if state is None else kind(state)
    except ValueError:
        return False
    return target in moves.get(current, frozenset())
