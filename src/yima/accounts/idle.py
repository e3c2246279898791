"""Idle timeout: a session ends after ``YIMA_IDLE_TIMEOUT_MIN`` minutes without a request, on the
pages and the API alike; the token's own lifetime (``YIMA_TOKEN_MINUTES``) still bounds it.

A session is one issued token. Its last activity is the latest of its issue time and the requests
seen with it; each server process remembers the requests it served and writes the time to the
database at most every ``WRITE_EVERY``, so every process sees a session's activity, to within that.
Pure functions; ``accounts.service`` keeps the times.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

#: How often a process records a session's activity in the database (the timeout's precision).
WRITE_EVERY = timedelta(seconds=60)


def session_key(token: str) -> str:
    """What the database keeps of a token: a hash, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def last_activity(issued_at: datetime, *seen: datetime | None) -> datetime:
    return max([issued_at, *(s for s in seen if s is not None)])


def is_idle(last: datetime, now: datetime, idle: timedelta) -> bool:
    return now - last > idle


def write_due(written: datetime | None, now: datetime) -> bool:
    return written is None or now - written >= WRITE_EVERY
