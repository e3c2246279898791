"""Sign-in throttling: progressive delays that slow a guesser and never lock a person out.

Failed sign-ins are counted against three keys:

* ``pair`` — one typed username from one client address. After ``PAIR.free`` failures each
  further failure makes the pair wait before its next attempt is checked: 5 s, 10 s, 20 s, …,
  at most 15 minutes. This is what stops a guesser at one address.
* ``account`` — one typed username from any address (a guesser spread over many addresses):
  after ``ACCOUNT.free`` failures, delays up to 5 minutes.
* ``address`` — one client address, any username (one address trying many accounts): after
  ``ADDRESS.free`` failures, delays up to 15 minutes; an address inside a configured service hall
  network (``YIMA_SERVICE_HALL_NETS``), where a whole hall signs in from one address, has the
  budget ``HALL`` (200 failures, then delays of at most a minute).

Nothing is ever locked: during a delay an attempt is answered 429 with ``Retry-After`` before
the password is checked (so a guess there tells nothing), and once the delay is over the right
password signs in. A person who signed in from an address before (``known``: a success recorded
for that username and address) is not held by the ``account`` and ``address`` delays others cause
— only by the delay of their own pair; an administrator lifts every delay of an account at once.
The right password clears the pair's and the account's count.

Pure data and functions; the service keeps each key's ``Attempts`` in the database, so counts and
delays hold across every worker process and server. A rate-limiting library such as ``limits``
counts requests in fixed or moving windows; the rule here counts failures and doubles a delay,
and it lives where every process already looks — the zone's database.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from yima.clock import as_utc

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Delay:
    """After ``free`` failed sign-ins of a key, each further failure makes the key wait ``first``,
    then twice as long each time, at most ``cap``, before its next attempt is checked. A key with
    no failure for ``forget`` starts again from nothing."""

    free: int
    first: timedelta
    cap: timedelta
    forget: timedelta = timedelta(hours=1)

    def wait_after(self, failures: int) -> timedelta:
        if failures <= self.free:
            return timedelta(0)
        return min(self.cap, self.first * 2 ** min(failures - self.free - 1, 20))


PAIR = Delay(free=3, first=timedelta(seconds=5), cap=timedelta(minutes=15))
ACCOUNT = Delay(free=10, first=timedelta(seconds=5), cap=timedelta(minutes=5))
ADDRESS = Delay(free=20, first=timedelta(seconds=5), cap=timedelta(minutes=15))
HALL = Delay(free=200, first=timedelta(seconds=1), cap=timedelta(minutes=1))

#: The scopes whose delay holds an attempt back: a known (username, address) pair only its own.
GATES_KNOWN = ("pair",)
GATES_UNKNOWN = ("pair", "account", "address")

Key = tuple[str, str]  # (scope, key)


@dataclass(frozen=True)
class Attempts:
    """What is known about one key: its failures, the last one's time, and until when its next
    attempt waits (None: it need not wait)."""

    failures: int
    last_failure_at: datetime
    wait_until: datetime | None = None


def pair_key(username: str, address: str) -> str:
    """The key of one typed username from one address (the name first, so that an administrator
    lifts every pair of an account by its prefix)."""
    return f"{username[:80]}\n{address[:45]}"


def keys_for(username: str, address: str | None) -> dict[str, str]:
    """The keys one sign-in counts against: scope → key."""
    keys = {"account": username[:128]}
    if address:
        keys |= {"pair": pair_key(username, address), "address": address[:128]}
    return keys


def gates(known: bool) -> tuple[str, ...]:
    return GATES_KNOWN if known else GATES_UNKNOWN


def in_networks(address: str | None, networks: Iterable[Network]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def delay_for(scope: str, key: str, halls: Sequence[Network] = ()) -> Delay:
    if scope == "pair":
        return PAIR
    if scope == "account":
        return ACCOUNT
    return HALL if in_networks(key, halls) else ADDRESS


def wait_seconds(attempts: Attempts | None, now: datetime) -> int:
    """Whole seconds the key's next attempt still waits (for ``Retry-After``); 0 when it need not."""
    if attempts is None or attempts.wait_until is None:
        return 0
    left = (as_utc(attempts.wait_until) - now).total_seconds()
    return math.ceil(left) if left > 0 else 0


def after_failure(attempts: Attempts | None, delay: Delay, now: datetime) -> Attempts:
    """The key's state after one more failed sign-in: a key quiet for ``forget`` counts from one
    again; past ``free`` failures the next attempt waits."""
    fresh = attempts is None or now - as_utc(attempts.last_failure_at) >= delay.forget
    failures = 1 if fresh or attempts is None else attempts.failures + 1
    wait = delay.wait_after(failures)
    return Attempts(failures, now, now + wait if wait else None)


def waiting(attempts: dict[Key, Attempts], keys: dict[str, str], known: bool, now: datetime) -> int:
    """Seconds the attempt waits: the longest delay among the scopes that hold it back."""
    return max((wait_seconds(attempts.get((scope, keys[scope])), now) for scope in gates(known) if scope in keys),
               default=0)
