"""A seal set's and a seal's states (pure), with the one table of the moves each may make.

A seal set is requested ``pending`` when its enterprise is established, and issued once (``issued``:
its five seals made, each ``active``). An enterprise that ends has its set ``revoked`` (a pending
set is then never issued) and every active seal of it ``revoked``, listed on the zone's CRL. Nothing
comes back from revoked. ``seals.service`` is the only writer of ``SealSet.status`` and
``Seal.status`` and asks this table first. The values are the strings stored in
``seal_sets.status`` and ``seals.status`` and shown as a seal's ``status`` in the v1 JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from yima import moves


class SealSetStatus(StrEnum):
    PENDING = "pending"  # requested with the enterprise; issued by the job or on the owner's first look
    ISSUED = "issued"
    REVOKED = "revoked"  # the enterprise ended (注销 or 吊销)


class SealStatus(StrEnum):
    ACTIVE = "active"  # may seal
    REVOKED = "revoked"  # listed on the zone's issuing-CA CRL


_T = SealSetStatus
SET_MOVES: Mapping[SealSetStatus | None, frozenset[SealSetStatus]] = {
    None: frozenset({_T.PENDING}),  # requested in the establishment's transaction
    _T.PENDING: frozenset({_T.ISSUED, _T.REVOKED}),
    _T.ISSUED: frozenset({_T.REVOKED}),
    _T.REVOKED: frozenset(),
}

_S = SealStatus
SEAL_MOVES: Mapping[SealStatus | None, frozenset[SealStatus]] = {
    None: frozenset({_S.ACTIVE}),  # made when its set is issued
    _S.ACTIVE: frozenset({_S.REVOKED}),
    _S.REVOKED: frozenset(),
}


def set_may_move(status: str | None, target: SealSetStatus) -> bool:
    """Whether a seal set in ``status`` (None: not yet requested) may become ``target``."""
    return moves.may_move(SET_MOVES, SealSetStatus, status, target)


def seal_may_move(status: str | None, target: SealStatus) -> bool:
    """Whether a seal in ``status`` (None: not yet made) may become ``target``."""
    return moves.may_move(SEAL_MOVES, SealStatus, status, target)


def seals_moving_to(target: SealStatus) -> tuple[SealStatus, ...]:
    """The stored statuses a seal may leave for ``target`` (what a bulk update selects)."""
    return tuple(s for s in SealStatus if target in SEAL_MOVES[s])


def in_force(status: str | None) -> bool:
    """Whether a seal in ``status`` may seal (and has a national form made for it)."""
    return status == SealStatus.ACTIVE
