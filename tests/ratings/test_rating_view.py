"""The typed rating keeps the v1 JSON: ``zone`` only in the reform office's view, ``may_appeal``
only in a panel, and the keys of ``RatingOut`` otherwise (no database)."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

from yima.ratings.api import FigureRowOut, FiguresOut, RatingOut, RatingPanelOut, RectificationBrief, RectificationOut
from yima.ratings.ratingview import AppealView, ApplicationRatings, RatingView, RectificationView
from yima.ratings.rules import RatingFact, figures
from yima.ratings.service import PublishedFigures, RatingPanel
from yima.registration.schemas import ApplicationOut
from yima.stats.rules import Period

RATING = RatingView(id=7, case_kind="application", case_id=3, zone=None, matter="sole_proprietorship", round=1,
                    score=1, score_zh="非常不满意", score_en="Very dissatisfied", satisfied=False, bad=True,
                    indicators=("visits",), comment="", rated_at="2026-03-01T08:00:00+00:00",
                    appeal=AppealView("pending", "恶意", "2026-03-02T08:00:00+00:00", "", None), excluded=False,
                    rectification=None)


def test_a_rating_as_json_has_the_v1_keys_and_zone_only_for_the_office():
    body = RATING.as_json()
    assert "zone" not in body and "may_appeal" not in body and body["indicators"] == ["visits"]
    assert set(body) == set(RatingOut.model_fields) - {"may_appeal"}
    assert body["appeal"] == {"state": "pending", "reason": "恶意", "appealed_at": "2026-03-02T08:00:00+00:00",
                              "note": "", "decided_at": None}
    assert replace(RATING, zone="cq-liangjiang").as_json()["zone"] == "cq-liangjiang"


def test_a_panel_as_json_is_the_body_of_rating_panel_out():
    panel = RatingPanel("application", 3, "approved", False, None, (replace(RATING, may_appeal=False),))
    assert panel.rating(7).may_appeal is False
    out = RatingPanelOut.model_validate(panel.as_json())
    assert out.ratings[0].may_appeal is False and out.ratings[0].appeal is not None
    assert set(panel.as_json()["ratings"][0]) == set(RatingOut.model_fields)


ITEM = RectificationView(id=4, code="2026-0004", zone="cq-liangjiang", state="called_back", opened_on="2026-03-01",
                         callback_due_on="2026-03-02", fix_due_on="2026-03-20", calendar="chinese-calendar 1.11",
                         due_provisional=False, called_back_at="2026-03-02T02:00:00+00:00", callback_note="已回访",
                         callback_on_time=True, put_right_at=None, fix_note="", put_right_on_time=None,
                         callback_overdue=False, fix_overdue=False)


def test_a_ledger_item_has_the_keys_of_rectification_out_and_its_rating_only_in_the_ledger():
    inside = replace(RATING, rectification=ITEM).as_json()["rectification"]
    assert set(inside) == set(RectificationBrief.model_fields) and "rating" not in inside
    ledger = replace(ITEM, rating=replace(RATING, zone="cq-liangjiang")).as_json()
    assert set(ledger) == set(RectificationOut.model_fields)
    out = RectificationOut.model_validate(ledger)
    assert out.rating.id == 7 and out.callback_on_time is True and ledger["rating"]["zone"] == "cq-liangjiang"


def test_the_ratings_of_an_application_view_keep_the_v1_keys_of_its_rating():
    rated = ApplicationRatings(False, None, (RATING,))
    assert {f.name for f in fields(ApplicationRatings)} == set(rated.as_json()) == {"open_to_applicant", "round",
                                                                                    "ratings"}
    assert set(rated.as_json()["ratings"][0]) == set(RatingOut.model_fields) - {"may_appeal"}
    assert "rating" in ApplicationOut.model_fields


def test_the_published_figures_have_the_keys_of_figures_out_with_each_matter_named():
    counted = figures([RatingFact("establish", "2026-03", 5, False),
                       RatingFact("establish", "2026-04", 1, False, False)])
    published = PublishedFigures("cq-gxq", "重庆高新区", Period(date(2026, 1, 1), date(2026, 6, 30)), counted,
                                 {"establish": ("设立登记", "Establishment")})
    body = published.as_json()
    assert set(body) == set(FiguresOut.model_fields) and set(body["rows"][0]) == set(FigureRowOut.model_fields)
    out = FiguresOut.model_validate(body)
    assert out.rows[0].matter_en == "Establishment" and out.ratings == 2 and out.bad == 1
