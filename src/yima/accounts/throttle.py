"""Sign-in limits: failed sign-ins are counted per account and per client address; too many in a
window lock that account (or address) for a while, and a sign-in during a lock is refused before
the password is even checked, so a right password then does not sign in either.

Pure data and functions; the service keeps each key's ``Attempts`` in the database, so the count
and the lock hold across every worker process and server. A rate-limiting library such as
``limits`` keeps its counters in memory, Redis, Memcached, MongoDB or etcd — none of them the
PostgreSQL or SQLite a zone already runs — and the rule itself is the few lines below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from yima.clock import as_utc


@dataclass(frozen=True)
class Limit:
    """``failures`` failed sign-ins within ``window`` lock the key for ``lock``."""

    failures: int
    window: timedelta
    lock: timedelta


#: Per account: a person mistyping a few times is not locked out; a guesser is slowed to a crawl.
ACCOUNT = Limit(failures=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))
#: Per client address: one address trying many accounts (or many passwords) is stopped.
ADDRESS = Limit(failures=20, window=timedelta(minutes=15), lock=timedelta(minutes=15))
LIMITS = {"account": ACCOUNT, "address": ADDRESS}


@dataclass(frozen=True)
class Attempts:
    """What is known about one key (an account name or a client address)."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


def locked_for(attempts: Attempts | None, now: datetime) -> int | None:
    """Whole seconds the key stays locked (for ``Retry-After``); None when it is not locked."""
    if attempts is None or attempts.locked_until is None:
        return None
    left = (as_utc(attempts.locked_until) - now).total_seconds()
    return math.ceil(left) if left > 0 else None


def after_failure(attempts: Attempts | None, limit: Limit, now: datetime) -> Attempts:
    """The key's state after one more failed sign-in: a window that ended (or a lock that ran
    out) starts counting again; reaching the limit locks the key."""
    fresh = (attempts is None or now - as_utc(attempts.window_started_at) >= limit.window
             or (attempts.locked_until is not None and as_utc(attempts.locked_until) <= now))
    failures, started = (1, now) if fresh or attempts is None else (attempts.failures + 1, attempts.window_started_at)
    locked_until = now + limit.lock if failures >= limit.failures else None
    return Attempts(failures, started, locked_until)


def newly_locked(before: Attempts | None, after: Attempts, now: datetime) -> bool:
    return after.locked_until is not None and locked_for(before, now) is None
