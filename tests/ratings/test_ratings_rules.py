"""好差评 rules as plain functions (no database): who may rate, when, once and once more after a bad
rating was put right; satisfied and bad; the deadlines of a bad rating; what the figures count."""

from __future__ import annotations

from datetime import date

import pytest

from yima.errors import Conflict, DomainError, Forbidden
from yima.observers.calendar import OfficialCalendar, YearArrangement
from yima.ratings import rules
from yima.ratings.rules import CaseForRating, RatingFact

ALICE = 7


def case(status: str = "approved", ratings: tuple[tuple[int, int], ...] = (), rectification: str | None = None
         ) -> CaseForRating:
    return CaseForRating(rules.is_decided("application", status), ALICE, ratings, rectification)


def refusal(fn, *args) -> str:
    with pytest.raises(DomainError) as caught:
        fn(*args)
    return caught.value.finding.rule


def test_only_the_applicant_served_rates_a_decided_case_once():
    assert rules.next_round(case(), ALICE, "applicant") == 1
    assert rules.next_round(case("rejected"), ALICE, "applicant") == 1
    assert refusal(rules.next_round, case(), ALICE + 1, "applicant") == "rating.not_served"
    assert refusal(rules.next_round, case(), ALICE, "officer") == "rating.not_served"
    for pending in ("submitted", "under_review", "awaiting_materials", "withdrawn", "forwarded"):
        assert refusal(rules.next_round, case(pending), ALICE, "applicant") == "rating.not_decided"
    assert rules.is_decided("key_enterprise_request", "resolved")
    assert not rules.is_decided("key_enterprise_request", "open")
    assert refusal(rules.next_round, case(ratings=((1, 4),)), ALICE, "applicant") == "rating.once"
    assert refusal(rules.next_round, case(ratings=((1, 3),)), ALICE, "applicant") == "rating.once"
    with pytest.raises(Forbidden):
        rules.next_round(case(), 99, "applicant")
    with pytest.raises(Conflict):
        rules.next_round(case(ratings=((1, 5),)), ALICE, "applicant")


def test_a_bad_rating_may_be_followed_by_one_more_only_once_put_right():
    bad = ((1, 2),)
    for waiting in ("open", "called_back"):
        assert refusal(rules.next_round, case(ratings=bad, rectification=waiting), ALICE,
                       "applicant") == "rating.awaiting_rectification"
    assert rules.next_round(case(ratings=bad, rectification="put_right"), ALICE, "applicant") == 2
    assert refusal(rules.next_round, case(ratings=bad, rectification="withdrawn"), ALICE, "applicant") == "rating.once"
    again = ((1, 1), (2, 1))  # the rating again is the last, even when bad
    assert refusal(rules.next_round, case(ratings=again, rectification="put_right"), ALICE,
                   "applicant") == "rating.once"
    assert rules.may_rate(case(ratings=bad, rectification="put_right"), ALICE, "applicant")
    assert not rules.may_rate(case(ratings=bad, rectification="open"), ALICE, "applicant")


def test_satisfied_is_four_or_five_and_bad_is_two_or_less():
    assert [s for s in rules.SCORES if rules.satisfied(s)] == [5, 4]
    assert sorted(s for s in rules.SCORES if rules.is_bad(s)) == [1, 2]
    assert not rules.satisfied(3) and not rules.is_bad(3)


def test_a_rating_is_checked_field_by_field():
    asked = rules.check_rating(2, ["attitude", "visits", "attitude"], "  窗口让我跑了三次  ")
    assert asked == rules.RatingAsked(2, ("attitude", "visits"), "窗口让我跑了三次")
    assert refusal(rules.check_rating, 0, [], "") == "rating.score"
    assert refusal(rules.check_rating, 6, [], "") == "rating.score"
    assert refusal(rules.check_rating, True, [], "") == "rating.score"
    assert refusal(rules.check_rating, 5, ["speed"], "") == "rating.indicator"
    assert refusal(rules.check_rating, 5, [], "长" * (rules.MAX_COMMENT + 1)) == "rating.comment_length"
    assert refusal(rules.check_rating, 1, [], "不满意") == "rating.bad_needs_indicator"
    assert rules.check_rating(4, [], "").indicators == ()
    with pytest.raises(DomainError) as caught:
        rules.check_rating(5, ["guide", "nope"], "")
    assert caught.value.finding.field == "indicators[1]" and "nope" in caught.value.finding.en


def test_every_indicator_and_level_has_chinese_and_english_words():
    for words in (*rules.INDICATORS.values(), *rules.SCORES.values(), *rules.RECTIFICATION_STATES.values(),
                  *rules.APPEAL_STATES.values()):
        zh, en = words
        assert zh and en and zh != en


def test_a_bad_rating_is_called_back_in_one_working_day_and_put_right_in_fifteen():
    due = rules.rectification_due(date(2026, 11, 27))  # a Friday
    assert due.callback.due_on == date(2026, 11, 30)  # the Monday after
    assert due.fix.due_on == date(2026, 12, 18)  # three weeks of weekdays
    national_day = rules.rectification_due(date(2026, 9, 30))
    assert national_day.callback.due_on > date(2026, 10, 7)  # the Golden Week holidays do not count
    assert not due.provisional


def test_a_year_the_calendar_does_not_cover_is_counted_by_weekends_and_marked_provisional():
    late = rules.rectification_due(date(2099, 12, 24))
    assert late.provisional and late.fix.provisional_year == 2099
    announced = OfficialCalendar({2099: YearArrangement(2099, "通知", frozenset({date(2099, 12, 25)}), frozenset())},
                                 "calendar.toml")
    counted = rules.rectification_due(date(2099, 12, 24), announced)
    assert counted.callback.due_on == date(2099, 12, 28)  # the 25th off, then the weekend


def test_the_rectification_steps_follow_their_states():
    rules.check_rectification_step("call_back", "open")
    rules.check_rectification_step("put_right", "called_back")
    rules.check_rectification_step("put_right", "open")
    assert refusal(rules.check_rectification_step, "call_back", "called_back") == "rectification.call_back.state"
    assert refusal(rules.check_rectification_step, "put_right", "put_right") == "rectification.put_right.state"
    assert refusal(rules.check_rectification_step, "put_right", "withdrawn") == "rectification.put_right.state"


def test_an_appeal_is_made_once_with_a_reason_and_decided_once():
    reason = "同一人一小时内连续差评，内容与办件无关"
    assert rules.check_appeal(None, f"  {reason} ") == reason
    assert refusal(rules.check_appeal, None, "   ") == "appeal.reason"
    assert refusal(rules.check_appeal, "rejected", "再次申诉") == "appeal.once"
    rules.check_appeal_decision("pending")
    assert refusal(rules.check_appeal_decision, "upheld") == "appeal.none_pending"
    assert refusal(rules.check_appeal_decision, None) == "appeal.none_pending"


def test_the_figures_leave_out_excluded_ratings_and_count_bad_ones_put_right_on_time():
    facts = [RatingFact("establish", "2026-11", 5, False), RatingFact("establish", "2026-11", 4, False),
             RatingFact("establish", "2026-11", 2, False, True), RatingFact("establish", "2026-12", 1, False, False),
             RatingFact("change", "2026-12", 1, False, None),  # not due yet
             RatingFact("change", "2026-12", 1, True, None)]  # appeal upheld
    numbers = rules.figures(facts).as_json()
    assert numbers["ratings"] == 5 and numbers["satisfied"] == 2 and numbers["satisfied_pct"] == 40.0
    assert numbers["bad"] == 3 and numbers["put_right_due"] == 2 and numbers["put_right_on_time"] == 1
    assert numbers["put_right_on_time_pct"] == 50.0
    assert numbers["by_score"] == {"1": 2, "2": 1, "3": 0, "4": 1, "5": 1}
    assert numbers["by_matter"]["change"]["ratings"] == 1 and numbers["by_month"]["2026-11"]["ratings"] == 3
    assert [(r["matter"], r["month"], r["ratings"]) for r in numbers["rows"]] == [
        ("change", "2026-12", 1), ("establish", "2026-11", 3), ("establish", "2026-12", 1)]
    assert rules.figures([]).total.satisfied_pct is None


def test_put_right_on_time_is_judged_against_the_fix_deadline():
    due = date(2026, 12, 18)
    assert rules.put_right_on_time(date(2026, 12, 18), due, date(2026, 12, 30)) is True
    assert rules.put_right_on_time(date(2026, 12, 21), due, date(2026, 12, 30)) is False
    assert rules.put_right_on_time(None, due, date(2026, 12, 19)) is False  # overdue and not put right
    assert rules.put_right_on_time(None, due, date(2026, 12, 18)) is None  # still within the time


def test_the_ledger_number_is_per_year():
    assert rules.ledger_code(2026, 3) == "2026-0003"
