"""Deadlines on China's official calendar (chinese-calendar), around the National Day of 2025:
1–8 October off, Sunday 28 September and Saturday 11 October worked in exchange (调休)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yima.errors import Conflict, DomainError
from yima.observers import rules


def test_a_deadline_skips_the_national_day_holiday_and_counts_the_adjusted_working_days():
    # Friday 26 Sep + 3: Sunday 28 Sep is worked (1), 29 (2), 30 (3).
    assert rules.deadline(date(2025, 9, 26), 3).due_on == date(2025, 9, 30)
    # Tuesday 30 Sep + 1: 1–8 October are holidays, 9 October is the next working day.
    assert rules.deadline(date(2025, 9, 30), 1).due_on == date(2025, 10, 9)
    # Thursday 9 Oct + 2: Friday 10, then Saturday 11 October, worked in exchange.
    assert rules.deadline(date(2025, 10, 9), 2).due_on == date(2025, 10, 11)
    # A plain week: Monday 3 Nov + 5 = Monday 10 Nov.
    assert rules.deadline(date(2025, 11, 3), 5).due_on == date(2025, 11, 10)


def test_each_deadline_carries_the_calendar_package_and_version():
    due = rules.deadline(date(2025, 9, 26), 3)
    assert due.calendar.startswith("chinese-calendar ") and due.calendar == rules.calendar_version()
    assert due.working_days == 3 and due.start == date(2025, 9, 26)


def test_a_deadline_across_the_calendar_s_last_year_end_is_counted_by_weekends_and_provisional():
    first, last = rules.covered_years()
    assert first <= 2025 <= last
    # Monday 20 December of the last covered year: its days count on the official calendar, the
    # next year's by weekends alone, and the deadline says it is provisional.
    start = date(last, 12, 20)
    due = rules.deadline(start, 30)
    assert due.provisional and due.provisional_year == last + 1 and due.due_on.year == last + 1
    expected, counted = start, 0
    while counted < 30:
        expected += timedelta(days=1)
        counted += rules.is_working_day(expected) if expected.year == last else expected.weekday() < 5
    assert due.due_on == expected
    within = rules.deadline(date(last, 11, 2), 5)
    assert not within.provisional and within.provisional_year is None


def test_the_time_limit_is_between_one_and_sixty_working_days():
    for days in (0, 61):
        with pytest.raises(DomainError) as err:
            rules.deadline(date(2025, 11, 3), days)
        assert err.value.finding.rule == "deadline.working_days"


def test_time_left_counts_working_days_and_flags_two_days_before_and_overdue():
    due = date(2025, 10, 10)  # Friday after the holiday
    early = rules.time_left(due, date(2025, 9, 26))  # 28, 29, 30 Sep, 9, 10 Oct
    assert early.days_left == 5 and not early.remind and not early.overdue
    soon = rules.time_left(due, date(2025, 9, 30))  # the holiday does not count: 9, 10 Oct
    assert soon.days_left == 2 and soon.remind and not soon.overdue
    late = rules.time_left(due, date(2025, 10, 13))
    assert late.overdue and late.days_overdue == 3 and late.remind and late.days_left is None


def test_time_left_into_an_uncovered_year_is_counted_by_weekends_and_said_provisional():
    last = rules.covered_years()[1]
    left = rules.time_left(date(last + 1, 1, 15), date(last, 12, 20))
    weekdays = sum(1 for n in range(1, 27) if date(last + 1, 1, 15).toordinal() - n >= date(last + 1, 1, 1).toordinal()
                   and date.fromordinal(date(last + 1, 1, 15).toordinal() - n + 1).weekday() < 5)
    assert left.days_left is not None and left.days_left > weekdays and not left.overdue
    assert left.note_zh.startswith("暂定期限") and left.note_en.startswith("Provisional")


def test_dissatisfied_reopens_the_first_reply_only():
    assert rules.after_rating("dissatisfied", 1) == "reopened"
    assert rules.after_rating("dissatisfied", 2) == "closed"
    assert rules.after_rating("satisfied", 1) == rules.after_rating("basically_satisfied", 1) == "closed"
    with pytest.raises(DomainError):
        rules.after_rating("great", 1)


def test_steps_are_allowed_only_from_their_states():
    rules.check_transition("accept", "submitted")
    with pytest.raises(Conflict) as err:
        rules.check_transition("publish_reply", "accepted")
    assert err.value.finding.rule == "suggestion.publish_reply.state"
    assert "in the ledger" in err.value.finding.en


@dataclass(frozen=True)
class _Row:
    id: int
    state: str
    submitted_at: str
    ledger_no: int | None


def test_merge_candidates_are_earlier_numbered_suggestions_not_merged_away():
    me = _Row(5, "accepted", "2026-03-02T08:00:00+00:00", 3)
    ledger = [
        _Row(1, "assigned", "2026-03-01T08:00:00+00:00", 1),
        _Row(2, "merged", "2026-03-01T09:00:00+00:00", 2),
        _Row(3, "submitted", "2026-03-01T10:00:00+00:00", None),
        _Row(4, "accepted", "2026-03-03T08:00:00+00:00", 4),
        me,
    ]
    assert [row.id for row in rules.merge_candidates(me, ledger)] == [1]
    assert rules.merge_candidates(replace(me, state="assigned"), ledger) == []  # no longer mergeable


@given(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_the_remind_horizon_is_the_last_due_day_that_calls_for_a_reminder(today):
    """A list of reminders reads the suggestions due by the horizon only: every due day up to it
    (overdue ones too) calls for a reminder, none after it."""
    horizon = rules.remind_horizon(today)
    for offset in range(-5, 20):
        due = today + timedelta(days=offset)
        assert rules.time_left(due, today).remind == (due <= horizon), (today, due, horizon)


def test_a_search_for_a_ledger_number_is_read_with_or_without_its_year():
    assert rules.ledger_code_of("2026-0007") == (2026, 7)
    assert rules.ledger_code_of(" 0007 ") == (None, 7)
    assert rules.ledger_code_of("12") == (None, 12)
    assert rules.ledger_code_of("2026－0007") == (2026, 7)  # a full-width hyphen, as typed in Chinese
    assert rules.ledger_code_of("0") is None and rules.ledger_code_of("刻章") is None
    assert rules.ledger_code_of(rules.ledger_code(2025, 31) or "") == (2025, 31)
