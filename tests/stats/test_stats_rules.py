"""The figures' pure rules: categories, formulas, periods, sectors, access, and the 2021 report's numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yima.errors import DomainError, Forbidden
from yima.stats.rules import (
    ApprovalTime,
    BundledReduction,
    MattersProcessed,
    Period,
    RegisterEntry,
    check_may_see_zone,
    growth_pct,
    is_active_on,
    may_see_zone,
    merge_months,
    parse_period,
    per_10k_residents,
    same_day_year_earlier,
    sectors_from_divisions,
    share_pct,
    statistical_category,
    whole_months,
)


@pytest.mark.parametrize("entity_type", ["llc", "joint_stock", "sole_proprietorship", "partnership",
                                         "domestic_enterprise"])
def test_yima_enterprise_types_and_imported_domestic_count_as_domestic_enterprises(entity_type):
    assert statistical_category(entity_type) == "domestic_enterprise"


@pytest.mark.parametrize("entity_type", ["foreign_enterprise", "individual_business", "farmer_cooperative"])
def test_other_market_entities_are_not_domestic_enterprises(entity_type):
    assert statistical_category(entity_type) == entity_type


def test_unknown_entity_type_is_refused():
    with pytest.raises(ValueError, match="unknown entity type"):
        statistical_category("state_secret")


def test_growth_is_undefined_on_a_zero_base_and_signed_otherwise():
    assert growth_pct(5, 0) is None
    assert growth_pct(0, 0) is None
    assert growth_pct(150, 100) == pytest.approx(50.0)
    assert growth_pct(Decimal("80"), Decimal("100")) == pytest.approx(-20.0)


def test_shares_and_per_10k_residents():
    assert share_pct(1, 0) is None
    assert share_pct(18_232, 23_858) == pytest.approx(76.4188, abs=1e-4)
    assert round(per_10k_residents(60_725, 575_047)) == 1056
    assert per_10k_residents(10, 0) is None


def test_the_seed_figures_follow_from_their_counts():
    assert round(growth_pct(3_437, 2_944), 2) == 16.75
    assert round(growth_pct(26_078_000_000, 15_939_000_000), 2) == 63.61
    assert round(growth_pct(60_725, 52_736), 2) == 15.15
    assert round(share_pct(18_232, 23_858), 2) == 76.42
    assert round(share_pct(7_846, 11_209)) == 70


def test_no_whole_base_gives_the_seeds_16_76_percent():
    """The 2021 report prints +16.76% for 3,437 new domestic enterprises; no integer base rounds to it."""
    rounded = {base: round(growth_pct(3_437, base), 2) for base in range(2_900, 3_000)}
    assert 16.76 not in rounded.values()
    assert rounded[2_944] == 16.75 and rounded[2_943] == 16.79


def test_29_february_falls_back_to_28_february_a_year_earlier():
    assert same_day_year_earlier(date(2024, 2, 29)) == date(2023, 2, 28)
    assert same_day_year_earlier(date(2024, 3, 1)) == date(2023, 3, 1)
    assert Period(date(2024, 2, 1), date(2024, 2, 29)).year_earlier() == Period(date(2023, 2, 1), date(2023, 2, 28))
    assert Period(date(2021, 1, 1), date(2021, 8, 31)).year_earlier() == Period(date(2020, 1, 1), date(2020, 8, 31))


def test_period_months_and_its_chinese_name():
    period = Period(date(2021, 1, 1), date(2021, 8, 31))
    assert period.months() == [f"2021-{m:02d}" for m in range(1, 9)]
    assert period.label_zh() == "2021年1-8月"
    assert Period(date(2021, 3, 5), date(2021, 8, 31)).label_zh() == "2021年3月5日至8月31日"
    assert Period(date(2020, 11, 1), date(2021, 2, 28)).months() == ["2020-11", "2020-12", "2021-01", "2021-02"]


def test_active_means_established_by_the_day_and_not_yet_cancelled():
    entry = RegisterEntry("llc", "I6513", Decimal(1), date(2020, 5, 1), date(2021, 8, 31))
    assert not is_active_on(entry, date(2020, 4, 30))
    assert is_active_on(entry, date(2020, 5, 1))
    assert is_active_on(entry, date(2021, 8, 30))
    assert not is_active_on(entry, date(2021, 8, 31))


def test_three_industries_follow_the_2018_rules_with_their_exceptions():
    counts = [("A01", 1), ("A05", 10), ("B06", 100), ("B11", 1_000), ("C31", 10_000), ("C43", 100_000),
              ("D44", 1_000_000), ("I", 10_000_000), ("I65", 100_000_000)]
    sectors = sectors_from_divisions(counts)
    assert sectors.primary == 1
    assert sectors.secondary == 100 + 10_000 + 1_000_000
    assert sectors.tertiary == 10 + 1_000 + 100_000 + 10_000_000 + 100_000_000
    assert sectors.share_pct(1) == pytest.approx(100 / sectors.total)


def test_months_without_registrations_are_zero_and_compared_with_the_same_month():
    period = Period(date(2021, 1, 1), date(2021, 3, 31))
    rows = merge_months(period, {"2021-02": (3, Decimal(30), 5)}, {"2020-01": (1, Decimal(10), 1)})
    assert [(m.month, m.new_domestic, m.new_domestic_year_earlier) for m in rows] == [
        ("2021-01", 0, 1), ("2021-02", 3, 0), ("2021-03", 0, 0)]


def test_matters_approval_times_and_bundled_reductions():
    matters = MattersProcessed(approved=7, rejected=3, online=7)
    assert matters.processed == 10 and matters.online_share_pct == pytest.approx(70)
    assert MattersProcessed().online_share_pct is None
    timing = ApprovalTime("establish", "设立登记", "Establishment", 3, approved=4, mean_hours=2.0, median_hours=0.72,
                          within_limit=3)
    assert timing.within_limit_pct == pytest.approx(75) and timing.median_vs_limit_pct == pytest.approx(1.0)
    bundled = BundledReduction(materials_separate=8, materials_bundled=4, days_separate=20, days_bundled=0.4)
    assert bundled.materials_reduction_pct == pytest.approx(50) and bundled.time_reduction_pct == pytest.approx(98)


@pytest.mark.parametrize("start,end,field,rule", [
    (None, "2021-08-31", "from", "stats.date_required"),
    ("2021-01-01", "", "to", "stats.date_required"),
    ("2021/01/01", "2021-08-31", "from", "stats.date_format"),
    ("2021-01-01", "2021-02-30", "to", "stats.date_format"),
    ("2021-09-01", "2021-08-31", "to", "stats.period_order"),
    ("2020-01-01", "2021-08-31", "to", "stats.period_too_long"),
])
def test_bad_periods_name_the_field_in_both_languages(start, end, field, rule):
    with pytest.raises(DomainError) as caught:
        parse_period(start, end)
    finding = caught.value.finding
    assert (finding.field, finding.rule) == (field, rule)
    assert finding.zh and finding.en and finding.zh != finding.en


def test_a_leap_year_is_one_period():
    assert parse_period("2024-01-01", "2024-12-31").days == 366


def test_officers_see_their_own_zone_and_administrators_every_zone():
    check_may_see_zone("admin", None, "cq-gxq")
    check_may_see_zone("officer", "cq-gxq", "cq-gxq")
    check_may_see_zone("leader", "cq-gxq", "cq-gxq")
    check_may_see_zone("reform_office", "cq-gxq", "cq-gxq")
    check_may_see_zone("investment_office", "cq-gxq", "cq-gxq")
    for role, zone in (("officer", "cd-gxq"), ("applicant", None), ("applicant", "cq-gxq"),
                       ("reform_office", "cd-gxq"), ("department", "cq-gxq"), ("observer", "cq-gxq")):
        with pytest.raises(Forbidden):
            check_may_see_zone(role, zone, "cq-gxq")


@given(st.dates(date(2019, 1, 1), date(2026, 12, 31)), st.integers(0, 800))
def test_whole_months_are_the_months_a_period_covers_from_their_first_day_to_their_last(start, length):
    period = Period(start, start + timedelta(days=length))
    days = {period.start + timedelta(days=n) for n in range(period.days)}
    covered = [date(*map(int, m.split("-")), 1) for m in period.months()]
    whole = [first for first in covered if all(first + timedelta(days=n) in days for n in range(31)
                                               if (first + timedelta(days=n)).month == first.month)]
    assert whole_months(period) == ((whole[0], whole[-1]) if whole else None)


def test_the_zones_an_actor_may_see_figures_of_are_those_the_check_lets_through():
    assert may_see_zone("admin", None, "gz-gxq") and may_see_zone("leader", "cq-gxq", "cq-gxq")
    assert not may_see_zone("leader", "cq-gxq", "gz-gxq") and not may_see_zone("applicant", "cq-gxq", "cq-gxq")
    with pytest.raises(Forbidden):
        check_may_see_zone("applicant", "cq-gxq", "cq-gxq")
