"""Deadlines on China's official calendar (chinese-calendar), around the National Day of 2025:
1–8 October off, Sunday 28 September and Saturday 11 October worked in exchange (调休)."""

from __future__ import annotations

from datetime import date

import pytest

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


def test_a_deadline_in_a_year_the_calendar_does_not_cover_is_refused_in_both_languages():
    first, last = rules.covered_years()
    assert first <= 2025 <= last
    with pytest.raises(rules.CalendarNotCovered) as refused:
        rules.deadline(date(last, 12, 20), 30)
    finding = refused.value.finding
    assert finding.rule == "deadline.calendar_not_covered" and finding.field == "deadline"
    assert f"{last + 1} 年不在所装日历" in finding.zh and "不予推定" in finding.zh
    assert f"{last + 1} is outside the installed calendar" in finding.en and "not guessed" in finding.en
    assert refused.value.status == 422


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


def test_time_left_into_an_uncovered_year_is_flagged_not_guessed():
    last = rules.covered_years()[1]
    left = rules.time_left(date(last + 1, 1, 15), date(last, 12, 20))
    assert left.days_left is None and left.remind and not left.overdue and "不予推定" in left.note_zh


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
