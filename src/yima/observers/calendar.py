"""China's official calendar (法定节假日和调休安排) that deadlines are counted on.

The ``chinese-calendar`` package carries the State Council General Office's arrangements up to
the year of its release. Each year's arrangement is announced late in the year before; until a
new release of the package carries it, a zone's operator enters it in a supplement file
(``YIMA_CALENDAR_FILE``), one table per year, with the notice it comes from::

    [years.2027]
    notice = "国务院办公厅关于2027年部分节假日安排的通知"
    holidays = ["2027-01-01", "2027-02-05", ...]   # days off, weekends included
    workdays = ["2027-02-20"]                       # weekend days worked in exchange (调休)

A year in the supplement replaces the package's for that year; every other day of it is a
working day exactly when it is a weekday. The supplement is read with ``tomllib``; its checks are
written here because they are the calendar's own (a day belongs to its year, a day is not both
off and worked, an exchanged working day falls on a weekend).

A deadline records the calendar it was counted with (``version()``): the package and version,
and the supplement's file name and years when one is in use.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]

from yima.config import get_settings
from yima.errors import DomainError

PACKAGE = "chinese-calendar"
VERSION_LENGTH = 64  # the column the version is stored in


@lru_cache(maxsize=1)
def package_version() -> str:
    """The installed calendar package's version (read once: it cannot change while the process runs,
    and reading the installed packages' metadata took a few ms of every ledger page)."""
    return installed_version(PACKAGE)


@dataclass(frozen=True)
class YearArrangement:
    """One year's official arrangement as a supplement states it."""

    year: int
    notice: str
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5


class NotCovered(Exception):
    """A day of a year neither the package nor the supplement knows."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year


@dataclass(frozen=True)
class OfficialCalendar:
    """The package's calendar with the years a supplement adds (or corrects)."""

    supplement: Mapping[int, YearArrangement] = field(default_factory=dict)
    source: str = ""  # the supplement's file name

    def is_working_day(self, day: date) -> bool:
        """A weekday that is no holiday, or a weekend day worked in exchange; ``NotCovered`` for a
        day of a year nobody has announced to this calendar."""
        arrangement = self.supplement.get(day.year)
        if arrangement is not None:
            return arrangement.is_working_day(day)
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as err:
            raise NotCovered(day.year) from err

    def covered_years(self) -> tuple[int, int]:
        """The first and last year known, counting a supplement's years that extend the package's."""
        first, last = package_years()
        for year in sorted(self.supplement):
            if year == last + 1:
                last = year
        return first, last

    def uncovered_year_ahead(self, today: date) -> int | None:
        """The next year, once it is near (from October of the last covered year) or here, while
        the calendar does not cover it yet: its arrangement should be entered."""
        last = self.covered_years()[1]
        return last + 1 if today.year > last or (today.year == last and today.month >= 10) else None

    def version(self) -> str:
        base = f"{PACKAGE} {package_version()}"
        if not self.supplement:
            return base
        years = ",".join(str(year) for year in sorted(self.supplement))
        full = f"{base} + {self.source} ({years})"
        return full if len(full) <= VERSION_LENGTH else f"{base} + {years}"[:VERSION_LENGTH]


PACKAGE_CALENDAR = OfficialCalendar()


@lru_cache(maxsize=1)
def package_years() -> tuple[int, int]:
    years = sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})
    return years[0], years[-1]


def _problem(field_name: str, rule: str, zh: str, en: str) -> DomainError:
    return DomainError(f"calendar.{rule}", field_name, zh, en)


def _days(values: Any, year: int, where: str) -> frozenset[date]:
    if not isinstance(values, list):
        raise _problem(where, "list", f"{where} 须为日期列表（如 \"{year}-01-01\"）",
                       f"{where} must be a list of dates (such as \"{year}-01-01\")")
    days: set[date] = set()
    for index, value in enumerate(values):
        at = f"{where}[{index}]"
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise _problem(at, "date", f"{at}：“{value}”不是 YYYY-MM-DD 格式的日期",
                           f"{at}: \"{value}\" is not a date in the form YYYY-MM-DD") from None
        if day.year != year:
            raise _problem(at, "date_in_year", f"{at}：{day} 不在 {year} 年内", f"{at}: {day} is not in {year}")
        days.add(day)
    return frozenset(days)


def parse_supplement(text: str, source: str = "calendar") -> dict[int, YearArrangement]:
    """The years of a supplement file; a ``DomainError`` naming the entry and the rule otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _problem(source, "toml", f"{source} 不是有效的 TOML：{err}",
                       f"{source} is not valid TOML: {err}") from None
    years = data.get("years")
    if not isinstance(years, dict) or not years:
        raise _problem("years", "years", f"{source} 中须有至少一个 [years.YYYY] 表",
                       f"{source} must have at least one [years.YYYY] table")
    found: dict[int, YearArrangement] = {}
    for key, table in years.items():
        where = f"years.{key}"
        four_digits = isinstance(key, str) and key.isascii() and key.isdigit() and len(key) == 4
        if not four_digits or not isinstance(table, dict):
            raise _problem(where, "year", f"{where}：年份须为四位数字的表",
                           f"{where}: a year must be a table named by four digits")
        year = int(key)
        notice = table.get("notice")
        if not isinstance(notice, str) or not notice.strip():
            raise _problem(f"{where}.notice", "notice", f"{where}.notice：须写明安排所依据的通知",
                           f"{where}.notice: name the notice the arrangement comes from")
        holidays = _days(table.get("holidays", []), year, f"{where}.holidays")
        workdays = _days(table.get("workdays", []), year, f"{where}.workdays")
        both = sorted(holidays & workdays)
        if both:
            raise _problem(f"{where}.workdays", "both", f"{where}：{both[0]} 既是假日又是调休工作日",
                           f"{where}: {both[0]} is both a holiday and a working day")
        weekdays = sorted(day for day in workdays if day.weekday() < 5)
        if weekdays:
            raise _problem(f"{where}.workdays", "weekend",
                           f"{where}.workdays：{weekdays[0]} 是工作日，调休上班日须在周末",
                           f"{where}.workdays: {weekdays[0]} is a weekday; days worked in exchange fall on weekends")
        found[year] = YearArrangement(year, notice.strip(), holidays, workdays)
    return found


@lru_cache(maxsize=4)
def _load(path: Path, modified: float) -> OfficialCalendar:
    return OfficialCalendar(parse_supplement(path.read_text(encoding="utf-8"), path.name), path.name)


def load_calendar(path: Path | None) -> OfficialCalendar:
    """The package's calendar, with the supplement at ``path`` when given (read again when it changes)."""
    if path is None:
        return PACKAGE_CALENDAR
    try:
        modified = path.stat().st_mtime
    except OSError:
        raise _problem("YIMA_CALENDAR_FILE", "missing", f"YIMA_CALENDAR_FILE 指向的文件 {path} 不存在或无法读取",
                       f"YIMA_CALENDAR_FILE names {path}, which does not exist or cannot be read") from None
    return _load(path, modified)


def official_calendar() -> OfficialCalendar:
    """The calendar this process counts deadlines on."""
    return load_calendar(get_settings().calendar_file)
