"""The figure sections later features add to a zone's report are typed: the command-line table's
rows read the typed figures and show the numbers the report's JSON carries; no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from yima.federation.figures import CrossRegionFigures
from yima.federation.figures import rows as cross_region_rows
from yima.observers.figures import ObserverFigures, SuggestionTally
from yima.observers.figures import rows as observer_rows
from yima.projects.figures import key_enterprise_rows, project_rows
from yima.projects.rules import INVESTOR_TAGS, ProjectFigures, ServiceFigures
from yima.ratings.figures import rows as rating_rows
from yima.ratings.rules import RatingFigures, RatingTally
from yima.stats.rules import MattersProcessed, Period, SectorCounts, YearOnYear, ZoneFigures

PERIOD = Period(date(2026, 1, 1), date(2026, 11, 30))


def _values(rows: list) -> list:
    return [(row.value, row.year_earlier, row.growth_pct) for row in rows]


def test_the_cross_region_observer_and_rating_rows_read_the_typed_figures():
    cross = CrossRegionFigures(accepted_for_partners=4, licences_delivered=3, issued_for_partners=2,
                               unanswered_after_a_day=1)
    assert [row.value for row in cross_region_rows(cross)] == [4, 3, 2, 1] == list(cross.as_json().values())
    tally = SuggestionTally(received=10, replies_due=8, replied_on_time=6, on_time_pct=75.0, rated=4, satisfied=3,
                            satisfied_pct=75.0)
    observers = ObserverFigures(observers_serving=5, total=tally).as_json()
    assert [row.value for row in observer_rows(ObserverFigures(observers_serving=5, total=tally))] == [
        observers[k] for k in ("observers_serving", "received", "replied_on_time", "on_time_pct", "satisfied_pct")]
    total = RatingTally(ratings=9, satisfied=6, satisfied_pct=66.7, bad=2, put_right_due=2, put_right_on_time=1,
                        put_right_on_time_pct=50.0, by_score={})
    assert [row.value for row in rating_rows(RatingFigures(total, {}, {}, []))] == [9, 66.7, 2, 1, 50.0]


def test_the_project_rows_show_amounts_in_100m_yuan_as_the_json_carries_them():
    def yoy(now: int | str, then: int | str) -> YearOnYear:
        return YearOnYear(Decimal(now), Decimal(then)) if isinstance(now, str) else YearOnYear(now, then)

    figures = ProjectFigures(
        period=PERIOD, signed=yoy(3, 2), signed_amount=yoy("250000000.004", "100000000"),
        funds_in_place=yoy("12345678.90", "0"), signed_large=yoy(1, 0), landed_large=yoy(1, 1), landed=yoy(2, 1),
        started=yoy(1, 0), completed=yoy(0, 1), started_or_completed=yoy(1, 1),
        investors_by_tag={tag: yoy(i, 1) for i, tag in enumerate(INVESTOR_TAGS)}, funnel={}, monthly=[],
        by_industry=[])
    rows, shown = project_rows(figures), figures.as_json()
    assert _values(rows[:3]) == [(3, 2, 50.0), (2.5, 1.0, 150.0), (0.12, 0.0, None)]
    signed = shown["projects_signed"]["amount_yuan"]
    assert rows[1].value == round(signed["value"] / 1e8, 2) and rows[1].growth_pct == signed["growth_pct"]
    assert [row.value for row in rows[9:]] == [shown["investors_by_tag"][tag]["value"] for tag in INVESTOR_TAGS]
    services = ServiceFigures(period=PERIOD, served=yoy(3, 2), high_tech=1, requests_resolved=yoy(5, 0),
                              median_days_to_resolve=2.25, open_requests=1)
    carried = services.as_json()
    assert [row.value for row in key_enterprise_rows(services)] == [
        3, carried["high_tech_share_pct"], 5, carried["median_days_to_resolve"], 1]


def test_the_report_carries_each_section_under_its_name_as_its_json():
    cross = CrossRegionFigures(4, 3, 2, 1)
    zero = YearOnYear(0, 0)
    figures = ZoneFigures(zone_id="cq-gxq", zone_name="重庆高新区", residents=1, period=PERIOD, new_domestic=zero,
                          new_domestic_capital=zero, market_entities=zero, market_entities_by_category={},
                          domestic_active=0, domestic_by_sector=SectorCounts(), domestic_by_section={},
                          matters=MattersProcessed(), approval_times=[], address_commitment=0, monthly=[],
                          sections={"cross_region": cross})
    assert figures.sections["cross_region"] is cross
    assert figures.as_json()["cross_region"] == {"accepted_for_partners": 4, "licences_delivered": 3,
                                                 "issued_for_partners": 2, "unanswered_after_a_day": 1}
