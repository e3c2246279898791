"""Rate limits on the anonymous expensive routes (licence documents, verification, name checks,
seal validation), with the ``limits`` package: its fixed-window strategy over a storage of our
own that keeps the counters in the zone's database, so that every worker process and server
counts together (``limits`` ships storages for memory — one per process — Redis, Memcached and
MongoDB, none of which a zone runs).

Each route names its limit (``rate_limited("verify")``); ``YIMA_RATE_LIMITS`` changes any of them
(``licence_document=60/minute, seal_validation=off``). A caller is counted by account when signed
in, else by client address. Past the limit: 429 with ``Retry-After`` and a message naming the
limit in Chinese and English.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request

from yima.db import Database
from yima.errors import TooManyRequests
from yima.web.deps import OptionalActor
from yima.web.tables import RateLimitCounter


@dataclass(frozen=True)
class RouteLimit:
    name: str
    default: str
    rule: str
    what_zh: str
    what_en: str


ROUTE_LIMITS = {limit.name: limit for limit in (
    RouteLimit("licence_document", "30/minute", "rate.licence_document", "执照文件（PDF、OFD）下载",
               "licence document downloads (PDF, OFD)"),
    RouteLimit("verify", "120/minute", "rate.verify", "执照核验", "licence verifications"),
    RouteLimit("name_check", "60/minute", "names.rate_limited", "名称查询", "name checks"),
    RouteLimit("seal_validation", "30/minute", "rate.seal_validation", "上传 PDF 的印章核验",
               "seal checks of an uploaded PDF"),
)}
_UNITS_ZH = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "个月", "year": "年"}


def parse_rate_limits(text: str) -> dict[str, RateLimitItem | None]:
    """Every route limit: its default, or the entry of ``text`` (``name=30/minute`` or
    ``name=off``, separated by commas) that names it. ValueError names a bad entry."""
    chosen: dict[str, RateLimitItem | None] = {name: parse(limit.default) for name, limit in ROUTE_LIMITS.items()}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, _, value = (p.strip() for p in entry.partition("="))
        if name not in ROUTE_LIMITS:
            raise ValueError(f"unknown rate limit {name!r}; known: {', '.join(ROUTE_LIMITS)}")
        if value == "off":
            chosen[name] = None
            continue
        try:
            chosen[name] = parse(value)
        except ValueError as err:
            raise ValueError(f"{name}: {value!r} is not a rate such as 30/minute") from err
    return chosen


def describe(item: RateLimitItem) -> tuple[str, str]:
    """``30 per minute`` in both languages."""
    unit = item.GRANULARITY.name
    if item.multiples == 1:
        return f"每{_UNITS_ZH[unit]} {item.amount} 次", f"{item.amount} per {unit}"
    return (f"每 {item.multiples} {_UNITS_ZH[unit]} {item.amount} 次",
            f"{item.amount} per {item.multiples} {unit}s")


def too_many(limit: RouteLimit, item: RateLimitItem, retry_after: int) -> TooManyRequests:
    rate_zh, rate_en = describe(item)
    return TooManyRequests(limit.rule, "", f"请求过于频繁：{limit.what_zh}限{rate_zh}，请 {retry_after} 秒后再试",
                           f"Too many requests: {limit.what_en} are limited to {rate_en}; try again in "
                           f"{retry_after} second(s)", retry_after=retry_after)


class DatabaseStorage(Storage):
    """A ``limits`` storage in the zone's database (SQLite or PostgreSQL): one row per key, its
    count and the end of its window; an increment is one upsert, atomic in both."""

    STORAGE_SCHEME = None  # built with the zone's database, never looked up by a URI scheme
    SWEEP_EVERY = 500

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.db = db
        self.clock = clock
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        counter = RateLimitCounter.__table__.c
        with self.db.write() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            ended = counter.expires_at <= now
            statement = insert(RateLimitCounter).values(key=key, count=amount, expires_at=now + expiry)
            statement = statement.on_conflict_do_update(index_elements=["key"], set_={
                "count": case((ended, amount), else_=counter.count + amount),
                "expires_at": case((ended, now + expiry), else_=counter.expires_at)})
            count = session.execute(statement.returning(RateLimitCounter.count)).scalar_one()
            self._increments += 1
            if self._increments % self.SWEEP_EVERY == 0:  # forget the windows that ended a while ago
                session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now - 3600))
        return int(count)

    def get(self, key: str) -> int:
        with self.db.read() as session:
            row = session.get(RateLimitCounter, key)
            return row.count if row is not None and row.expires_at > self.clock() else 0

    def get_expiry(self, key: str) -> float:
        with self.db.read() as session:
            row = session.get(RateLimitCounter, key)
            now = self.clock()
            return row.expires_at if row is not None and row.expires_at > now else now

    def check(self) -> bool:
        with self.db.read() as session:
            session.execute(select(func.count()).select_from(RateLimitCounter))
        return True

    def reset(self) -> int | None:
        with self.db.write() as session:
            return len(session.execute(delete(RateLimitCounter).returning(RateLimitCounter.key)).all())

    def clear(self, key: str) -> None:
        with self.db.write() as session:
            session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


class RateLimits:
    """The app's route limits over one storage (``app.state.rate_limits``)."""

    def __init__(self, storage: Storage, text: str = "") -> None:
        self.items = parse_rate_limits(text)
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)

    def hit(self, name: str, caller: str) -> None:
        """Count one request of ``caller``; past the limit, TooManyRequests naming it."""
        item = self.items[name]
        if item is None:
            return
        if not self.limiter.hit(item, name, caller):
            reset, _ = self.limiter.get_window_stats(item, name, caller)
            raise too_many(ROUTE_LIMITS[name], item, max(1, math.ceil(reset - time.time())))


def rate_limited(name: str) -> Callable[[Request, OptionalActor], None]:
    """A route dependency counting each request against the limit ``name``."""
    if name not in ROUTE_LIMITS:
        raise ValueError(f"unknown rate limit {name!r}")

    def count(request: Request, actor: OptionalActor) -> None:
        caller = f"user:{actor.id}" if actor is not None else f"address:{request.client.host if request.client else ''}"
        request.app.state.rate_limits.hit(name, caller)

    return count
