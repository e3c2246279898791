"""The demo seeds 好差评 (issue 21): its applicants rate their decided applications through the
ratings service and one bad rating is called back, put right and rated again, so the ratings
figures are not empty — at the seed's time, leaving the 2021 report's period without a rating."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from yima.accounts.service import authenticate
from yima.demo.ratings import seed_ratings
from yima.demo.seed import DEMO_PASSWORD, _seed_zones, submissions
from yima.ratings import service as ratings
from yima.registration import service
from yima.registration.model import ApplicationIn
from yima.stats.rules import Period

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_the_demo_rates_its_decided_applications_and_puts_the_bad_rating_right(db, standard):
    list(_seed_zones(db, NOW))
    alice, bob = (authenticate(db, name, DEMO_PASSWORD) for name in ("alice", "bob"))
    for actor, body in submissions(alice, bob):
        service.submit(db, standard, actor, ApplicationIn.model_validate(body), NOW)
    lines = list(seed_ratings(db, NOW, DEMO_PASSWORD))
    figures = ratings.figures_of(db, "cq-gxq", Period(date(2026, 11, 1), date(2026, 11, 30))).as_json()
    assert (figures["ratings"], figures["bad"], figures["satisfied"]) == (5, 1, 4)  # four, and one rated again
    assert (figures["put_right_due"], figures["put_right_on_time"]) == (1, 1)
    assert figures["ratings"] == int(lines[0].split()[1])
    [item] = ratings.rectifications(db, authenticate(db, "reform-cq", DEMO_PASSWORD))
    assert item.state == "put_right" and item.rating is not None and item.rating.score == 2
    assert list(seed_ratings(db, NOW, DEMO_PASSWORD))[0].startswith("ratings: 0 ratings")  # it resumes
    assert ratings.figures_of(db, "cq-gxq", Period(date(2021, 1, 1), date(2021, 8, 31))).total.ratings == 0
