"""Bounds of the numbers and dates a request may name: one place, used by every route.

A number or date outside them would reach the database driver (an integer wider than its
column), the calendar arithmetic (a day before year 1 or after 9999) or an ``OFFSET`` no page
has; each is refused with a domain error naming the parameter instead.
"""

from __future__ import annotations

from datetime import date

from yima.errors import DomainError

#: The largest id an INTEGER column holds on PostgreSQL (SQLite holds more).
MAX_ROW_ID = 2**31 - 1
#: The largest page number of a listing (50 rows a page: five million rows).
MAX_PAGE = 100_000
#: The largest entry number of an audit chain one may ask about (BIGINT holds 2**63 - 1).
MAX_SEQ = 2**53
#: The days a date parameter may name.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def out_of_range_day(field: str, value: object) -> DomainError:
    return DomainError("date.range", field, f"日期参数 {field} 须在 {FIRST_DAY} 至 {LAST_DAY} 之间：{value}",
                       f"The date parameter '{field}' must lie between {FIRST_DAY} and {LAST_DAY}: {value}")


def check_day(day: date, field: str) -> date:
    """``day`` when it lies within ``FIRST_DAY``..``LAST_DAY``; a ``date.range`` error otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise out_of_range_day(field, day)
    return day


def day_text(value: str | None, field: str) -> date | None:
    """A ``YYYY-MM-DD`` query value (None when empty), checked for format and range."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as err:
        raise DomainError(f"{field}.date", field, f"日期格式应为 YYYY-MM-DD：{value[:40]}",
                          f"A date is written YYYY-MM-DD: {value[:40]}") from err
    return check_day(day, field)


def row_id_text(value: str | None, field: str) -> int | None:
    """A record id given as text (None when empty): a whole number from 1 to ``MAX_ROW_ID``."""
    if not value:
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not 1 <= int(text) <= MAX_ROW_ID:
        raise DomainError(f"{field}.number", field, f"须为 1 至 {MAX_ROW_ID} 之间的整数：{value[:40]}",
                          f"Must be a whole number from 1 to {MAX_ROW_ID}: {value[:40]}")
    return int(text)
