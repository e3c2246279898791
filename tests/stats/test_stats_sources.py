"""The figures other features keep, counted from their records: one-code licences, seal sets,
and the bundled-licence reductions (一业一证)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from factories import CATERING, HOTEL, NOW, application_body
from yima.licences import service as licences
from yima.registration import service as registration
from yima.registration.model import ApplicationIn
from yima.seals.service import issue_pending_seal_sets
from yima.stats.rules import Period
from yima.stats.service import compute_figures

pytestmark = pytest.mark.db
TODAY = Period(date(2026, 11, 1), date(2026, 11, 30))


def submit(db, standard, actor, **changes):
    return registration.submit(db, standard, actor, ApplicationIn.model_validate(application_body(**changes)), NOW)


def test_one_code_licences_seal_sets_and_savings_come_from_the_records(db, standard, people):
    submit(db, standard, people["alice"], **HOTEL)
    submit(db, standard, people["bob"], name="重庆山城软件有限公司")
    issue_pending_seal_sets(db, NOW)
    figures = compute_figures(db, "cq-gxq", TODAY, standard, seal_set_price_yuan=300).as_json()
    assert figures["one_code_licences"] == 1  # only the hotel's licence carries a permit
    assert (figures["seal_sets"], figures["seal_savings_yuan"]) == (2, 600)


def test_bundled_reduction_uses_the_standard_and_measured_times(db, standard, people):
    submit(db, standard, people["alice"], **HOTEL)
    figures = compute_figures(db, "cq-gxq", TODAY, standard).as_json()["bundled_licences"]
    assert (figures["materials_separate"], figures["materials_bundled"]) == (10, 5)
    assert figures["materials_reduction_pct"] == 50.0
    assert figures["days_separate"] == 23 and figures["time_reduction_pct"] > 99  # decided within the request


def test_a_permit_still_pending_is_not_counted_until_decided(db, standard, people):
    app_id = submit(db, standard, people["alice"], **CATERING)
    assert compute_figures(db, "cq-gxq", TODAY, standard).as_json()["bundled_licences"] is None
    permit = licences.pending_permits(db, people["officer-cq"]).items[0]
    licences.decide_permit(db, standard, people["officer-cq"], permit.id, "approve", "", NOW + timedelta(days=2))
    bundled = compute_figures(db, "cq-gxq", TODAY, standard).as_json()["bundled_licences"]
    assert bundled["days_bundled"] == pytest.approx(2.0)
    assert bundled["time_reduction_pct"] == pytest.approx(100 * (1 - 2 / 23), abs=0.01)
    assert app_id
