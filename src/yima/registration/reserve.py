"""Credit codes a server process takes ahead from a zone's counter (SQLite) or sequence
(PostgreSQL), so that an approval (秒批) knows its code before the write transaction and its rows
and signed licence are built before it: inside SQLite's writer lock only the checks, the inserts
and the audit entries remain; on PostgreSQL the transaction has one round trip fewer (the
sequence's ``nextval``), the reserve's ``RESERVE`` codes costing one statement.

A process's reserve of a zone is refilled inside an approval's own write transaction, in the same
commit (``RESERVE`` codes taken from ``zones.org_next_seq`` at once, when fewer than ``LOW`` are
left), and handed out only after that commit is durable: a refill rolled back hands out nothing.
A code is used once, by the approval it was handed to. Codes a process does not use (it stops, or
an approval is not approved after all: a name taken meanwhile, a retried idempotency key) are a gap,
never reused — as with PostgreSQL's sequences, codes are unique and increasing per process, not
gap-free. A zone's block holds a million codes, so a gap of ``RESERVE`` a restart costs nothing.
On PostgreSQL a refill takes ``RESERVE`` values of the zone's sequence in one statement outside any
transaction (a sequence's values are never given back, whatever becomes of a transaction), so the
codes are the process's at once (``refilled_with``); with several processes they need not be
consecutive.

The reserve belongs to the database's URL and zone; ``forget_reserved`` drops every reserve (a
database emptied and its zones made again starts its counters anew).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

#: Codes taken from a zone's counter at once.
RESERVE = 32
#: A refill is asked for when fewer codes than this are left.
LOW = 16


@dataclass(frozen=True)
class Codes:
    """Organisation-code sequence numbers ``first``..``last`` of a zone's block, as ``make_uscc`` takes them."""

    first: int
    last: int
    division_code: str
    block_start: int


@dataclass(frozen=True)
class Reserved:
    """One code of the reserve: its sequence number in the zone's block."""

    seq: int
    division_code: str
    block_start: int


class _Zone:
    __slots__ = ("free", "refilling")

    def __init__(self) -> None:
        self.free: deque[Reserved] = deque()
        self.refilling = False


_guard = threading.Lock()
_zones: dict[tuple[str, str], _Zone] = {}


def _zone(url: str, zone_id: str) -> _Zone:
    found = _zones.get((url, zone_id))
    if found is None:
        found = _zones[(url, zone_id)] = _Zone()
    return found


def take(url: str, zone_id: str) -> Reserved | None:
    """A code of the reserve, never handed out again; None when the reserve is empty."""
    with _guard:
        zone = _zone(url, zone_id)
        return zone.free.popleft() if zone.free else None


def claim_refill(url: str, zone_id: str) -> bool:
    """True when the caller is to refill the reserve (it is low and no other refill is under way);
    the caller then calls ``refilled`` whatever happens."""
    with _guard:
        zone = _zone(url, zone_id)
        if zone.refilling or len(zone.free) >= LOW:
            return False
        zone.refilling = True
        return True


def refilled(url: str, zone_id: str, codes: Codes | None) -> None:
    """The refill's codes, once their transaction is committed (None: nothing was committed)."""
    refilled_with(url, zone_id, None if codes is None else [
        Reserved(seq, codes.division_code, codes.block_start) for seq in range(codes.first, codes.last + 1)])


def refilled_with(url: str, zone_id: str, codes: Sequence[Reserved] | None) -> None:
    """The refill's codes, in the order to hand them out, once they are the process's (None: none)."""
    with _guard:
        zone = _zone(url, zone_id)
        zone.refilling = False
        if codes is not None:
            zone.free.extend(codes)


def forget_reserved() -> None:
    """Drop every reserve (its codes become a gap)."""
    with _guard:
        _zones.clear()
