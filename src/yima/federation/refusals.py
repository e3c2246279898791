"""Refused messages go to the request log, at most ``PER_MINUTE`` lines a minute per address, and
never to the audit chain: an unauthenticated POST must not be able to grow the zone's hash-chained
history (300 junk POSTs used to add 290 audit entries). What a partner really sent and what it was
answered stays in the message log at both ends; a refusal of a partner's message becomes a dead
letter in the partner's own log."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from yima.errors import DomainError
from yima.federation.rules import Refusal, open_envelope

log = logging.getLogger("yima.requests")
PER_MINUTE = 10
ADDRESSES = 4096  # addresses remembered; the oldest is forgotten first


class RateLimitedLog:
    """Counts lines per address and minute; past the limit a line is dropped and counted, and the
    next line written for that address says how many were dropped."""

    def __init__(self, per_minute: int = PER_MINUTE, addresses: int = ADDRESSES) -> None:
        self.per_minute, self.addresses = per_minute, addresses
        self._seen: OrderedDict[str, tuple[int, int, int]] = OrderedDict()  # address -> (minute, lines, dropped)
        self._lock = threading.Lock()

    def admit(self, address: str, now: float | None = None) -> tuple[bool, int]:
        """Whether to write a line for ``address`` now, and how many were dropped before it."""
        minute = int((time.monotonic() if now is None else now) // 60)
        with self._lock:
            last_minute, lines, dropped = self._seen.pop(address, (minute, 0, 0))
            if last_minute != minute:
                lines = 0
            admitted = lines < self.per_minute
            self._seen[address] = (minute, lines + 1 if admitted else lines, 0 if admitted else dropped + 1)
            while len(self._seen) > self.addresses:
                self._seen.popitem(last=False)
            return admitted, dropped if admitted else 0


REFUSALS = RateLimitedLog()


def log_refusal(address: str, data: bytes, err: DomainError) -> None:
    """One line for a refused message: who claims to have sent it, why it was refused."""
    admitted, dropped = REFUSALS.admit(address)
    if not admitted:
        return
    try:
        claimed = open_envelope(data)[0]
        about: Mapping[str, Any] = {"message": claimed.id, "sender": claimed.sender, "recipient": claimed.recipient,
                                    "kind": claimed.kind}
    except DomainError:
        about = {"message": None}
    reason = err.reason if isinstance(err, Refusal) else err.finding.rule.removeprefix("federation.")
    log.warning("federation message refused: %s", reason, extra={"fields": {
        "event_kind": "federation.message_refused", "reason": reason, "client": address,
        "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "dropped_before": dropped, **about}})
