"""Time: stored in UTC; a zone's calendar day is China Standard Time (Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: A time in a response model: always with its offset (UTC), even as SQLite hands it back naive.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


def china_time(value: datetime) -> datetime:
    """The instant as China Standard Time, the time a zone's people read."""
    return as_utc(value).astimezone(CHINA)


def local_date(value: datetime) -> date:
    return china_time(value).date()


def china_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants bounding the China Standard Time days ``first``..``last`` (both included):
    ``start <= t < end``."""
    start = datetime.combine(first, time(), CHINA).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), CHINA).astimezone(UTC)
    return start, end
