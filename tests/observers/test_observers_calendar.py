"""The calendar supplement: a year the package does not carry yet, entered from the State Council's
notice, counts deadlines with its holidays and exchanged working days; a bad file is refused with
the entry and the rule named, in both languages."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from yima.errors import DomainError
from yima.observers import rules
from yima.observers.calendar import PACKAGE_CALENDAR, load_calendar, parse_supplement

FIRST, LAST = rules.covered_years()
NEXT = LAST + 1  # a year the installed package does not know


def _first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


MONDAY = _first_monday(NEXT, 3)
SATURDAY = MONDAY + timedelta(days=5)
SUPPLEMENT = f"""
[years.{NEXT}]
notice = "某年部分节假日安排的通知（测试用）"
holidays = ["{MONDAY + timedelta(days=1)}", {MONDAY + timedelta(days=2)}]
workdays = ["{SATURDAY}"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_the_year_the_deadline_is_provisional_and_with_it_counted_on_its_holidays(tmp_path):
    guessed = rules.deadline(MONDAY, 3)  # by weekends alone: Tuesday, Wednesday, Thursday
    assert guessed.due_on == MONDAY + timedelta(days=3) and guessed.provisional and guessed.provisional_year == NEXT
    calendar = load_calendar(_write(tmp_path, SUPPLEMENT))
    # Monday + 3: Tuesday and Wednesday are off, Thursday (1), Friday (2), the Saturday worked (3).
    due = rules.deadline(MONDAY, 3, calendar)
    assert due.due_on == SATURDAY and not due.provisional
    assert due.calendar == calendar.version() and due.calendar.endswith(f"+ calendar.toml ({NEXT})")
    assert len(due.calendar) <= 64
    assert calendar.covered_years() == (FIRST, NEXT)
    assert rules.time_left(SATURDAY, MONDAY, calendar).days_left == 3
    # A plain week of the supplement's year: no holiday, no exchange.
    assert rules.deadline(_first_monday(NEXT, 6), 5, calendar).due_on == _first_monday(NEXT, 6) + timedelta(days=7)


def test_the_year_after_the_supplement_is_provisional_in_words_never_refused(tmp_path):
    calendar = load_calendar(_write(tmp_path, SUPPLEMENT))
    due = rules.deadline(date(NEXT, 12, 20), 30, calendar)
    assert due.provisional and due.provisional_year == NEXT + 1 and due.due_on.year == NEXT + 1
    zh, en = rules.provisional_words(NEXT + 1)
    assert f"{NEXT + 1} 年的法定节假日和调休安排尚未收录" in zh and "暂定" in zh
    assert f"{NEXT + 1}'s public holidays" in en and "Provisional" in en
    left = rules.time_left(due.due_on, date(NEXT, 12, 21), calendar)
    assert left.days_left is not None and left.note_zh == zh and left.note_en == en


def test_a_changed_file_is_read_again(tmp_path):
    path = _write(tmp_path, SUPPLEMENT)
    assert load_calendar(path).is_working_day(MONDAY + timedelta(days=1)) is False
    path.write_text(SUPPLEMENT.replace(f'"{MONDAY + timedelta(days=1)}", ', ""), encoding="utf-8")
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))
    assert load_calendar(path).is_working_day(MONDAY + timedelta(days=1)) is True


def test_no_file_is_the_package_alone():
    assert load_calendar(None) is PACKAGE_CALENDAR and PACKAGE_CALENDAR.version() == rules.calendar_version()


@pytest.mark.parametrize(("text", "field", "rule", "zh"), [
    ("years = [", "calendar", "calendar.toml", "不是有效的 TOML"),
    ("[other]\nx = 1", "years", "calendar.years", "[years.YYYY]"),
    (f'[years.{NEXT}]\nholidays = []', f"years.{NEXT}.notice", "calendar.notice", "通知"),
    (f'[years.{NEXT}]\nnotice = "n"\nholidays = ["{NEXT}-02-30"]', f"years.{NEXT}.holidays[0]", "calendar.date",
     "YYYY-MM-DD"),
    (f'[years.{NEXT}]\nnotice = "n"\nholidays = ["{NEXT + 1}-01-01"]', f"years.{NEXT}.holidays[0]",
     "calendar.date_in_year", f"不在 {NEXT} 年内"),
    (f'[years.{NEXT}]\nnotice = "n"\nholidays = ["{SATURDAY}"]\nworkdays = ["{SATURDAY}"]',
     f"years.{NEXT}.workdays", "calendar.both", "既是假日又是调休工作日"),
    (f'[years.{NEXT}]\nnotice = "n"\nworkdays = ["{MONDAY}"]', f"years.{NEXT}.workdays", "calendar.weekend",
     "须在周末"),
    (f'[years.{NEXT}]\nnotice = "n"\nholidays = "{MONDAY}"', f"years.{NEXT}.holidays", "calendar.list", "日期列表"),
    ('[years.next]\nnotice = "n"', "years.next", "calendar.year", "四位数字"),
])
def test_a_bad_supplement_names_the_entry_and_the_rule(text, field, rule, zh):
    with pytest.raises(DomainError) as refused:
        parse_supplement(text, "calendar")
    finding = refused.value.finding
    assert (finding.field, finding.rule) == (field, rule) and zh in finding.zh and finding.en


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DomainError) as refused:
        load_calendar(tmp_path / "absent.toml")
    assert refused.value.finding.field == "YIMA_CALENDAR_FILE" and "absent.toml" in refused.value.finding.en


def test_the_next_year_is_flagged_from_october_of_the_last_covered_year(tmp_path):
    assert PACKAGE_CALENDAR.uncovered_year_ahead(date(LAST, 9, 30)) is None
    assert PACKAGE_CALENDAR.uncovered_year_ahead(date(LAST, 10, 1)) == NEXT
    assert PACKAGE_CALENDAR.uncovered_year_ahead(date(NEXT, 3, 1)) == NEXT
    supplemented = load_calendar(_write(tmp_path, SUPPLEMENT))
    assert supplemented.uncovered_year_ahead(date(LAST, 11, 1)) is None  # the supplement covers NEXT
    assert supplemented.uncovered_year_ahead(date(NEXT, 10, 1)) == NEXT + 1
