"""好差评 of a suggestion's reply (issue 21): one scale for every rating. The observer rates the
reply on the five levels with the indicators it speaks to; the ledger's 满意度 is the score's word
(4–5 满意, 3 基本满意, 1–2 不满意), and a word given alone (v1) is its level; a bad rating of the
first reply reopens the suggestion, whose second reply by the deadline in force is the fix; the
published ratings figures count replies beside the other cases."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from yima import satisfaction
from yima.errors import DomainError
from yima.observers import rules, service, views
from yima.ratings import service as ratings
from yima.stats.rules import Period

sys.path.insert(0, str(Path(__file__).parents[1] / "observers"))
from observer_helpers import ZONE, at, build_zone  # noqa: E402

pytestmark = pytest.mark.db
SEPTEMBER = Period(date(2025, 9, 1), date(2025, 9, 30))


def test_the_ledger_word_is_the_scores_level_and_a_word_alone_is_its_level():
    assert [satisfaction.ledger_word(s) for s in (5, 4, 3, 2, 1)] == [
        "satisfied", "satisfied", "basically_satisfied", "dissatisfied", "dissatisfied"]
    assert rules.rating_of("basically_satisfied", None) == (3, "basically_satisfied")
    assert rules.rating_of(None, 5) == (5, "satisfied") and rules.rating_of("dissatisfied", 1) == (1, "dissatisfied")
    for word, score, rule in (("satisfied", 2, "rating.word_mismatch"), (None, 6, "rating.score"),
                              (None, None, "rating.score"), ("great", None, "rating.value")):
        with pytest.raises(DomainError) as refused:
            rules.rating_of(word, score)
        assert refused.value.finding.rule == rule


def _replied(db, gz, title: str, day: str) -> int:
    sid = service.submit(db, gz.xie, title, "内容。", "registration", at(day))
    service.accept(db, gz.office, sid, at(day))
    service.assign(db, gz.office, sid, gz.market_id, 5, at(day))
    service.save_draft(db, gz.market, sid, "已办理", at(day))
    service.publish_reply(db, gz.market, sid, at(day))
    return sid


def test_a_reply_is_rated_on_five_levels_and_counted_in_the_published_figures(db):
    gz = build_zone(db, at("2025-08-01"))
    good, bad, plain = (_replied(db, gz, title, "2025-09-01") for title in ("建议一", "建议二", "建议三"))
    with pytest.raises(DomainError) as unknown:
        service.rate(db, gz.xie, good, None, "", at("2025-09-02"), 5, ["speed"])
    assert (unknown.value.finding.rule, unknown.value.finding.field) == ("rating.indicator", "indicators[0]")
    assert service.rate(db, gz.xie, good, None, "一次办好", at("2025-09-02"), 5, ["online", "online"]) == "closed"
    with pytest.raises(DomainError) as why:  # a bad rating says why
        service.rate(db, gz.xie, bad, None, "", at("2025-09-02"), 1, ["time_limit"])
    assert why.value.finding.rule == "rating.comment_required"
    assert service.rate(db, gz.xie, bad, None, "仍需跑现场", at("2025-09-02"), 1, ["visits"]) == "reopened"
    assert service.rate(db, gz.xie, plain, "basically_satisfied", "", at("2025-09-02")) == "closed"  # v1: the word

    replies = {sid: views.get_suggestion(db, gz.xie, sid, at("2025-09-03")).replies[0] for sid in (good, bad, plain)}
    assert [(replies[s].rating, replies[s].score, replies[s].indicators) for s in (good, bad, plain)] == [
        ("satisfied", 5, ("online",)), ("dissatisfied", 1, ("visits",)), ("basically_satisfied", 3, ())]

    early = ratings.figures_of(db, ZONE, SEPTEMBER).as_json()["by_matter"]["suggestion_reply"]
    assert (early["ratings"], early["satisfied"], early["bad"], early["by_score"]) == (
        3, 1, 1, {"1": 1, "2": 0, "3": 1, "4": 0, "5": 1})
    assert early["put_right_due"] == 0  # reopened, not yet assigned again: not due
    # the fix: assigned again and answered by the deadline in force, then rated again
    service.assign(db, gz.office, bad, gz.market_id, 5, at("2025-09-03"))
    service.save_draft(db, gz.market, bad, "已改为全程网办", at("2025-09-05"))
    assert service.publish_reply(db, gz.market, bad, at("2025-09-05")) is True
    service.rate(db, gz.xie, bad, None, "", at("2025-09-06"), 4, [])
    fixed = ratings.figures_of(db, ZONE, SEPTEMBER).as_json()["by_matter"]["suggestion_reply"]
    assert (fixed["ratings"], fixed["bad"], fixed["put_right_due"], fixed["put_right_on_time"]) == (4, 1, 1, 1)


def test_the_api_takes_a_score_with_indicators_or_the_v1_word(server, db):
    gz = build_zone(db, at("2025-08-01"))
    scored, worded = (_replied(db, gz, title, "2025-09-01") for title in ("建议一", "建议二"))
    with server.client("observer-gz-kfq-001") as api:
        refused = api.post(f"/api/v1/suggestions/{scored}/rating", json={"score": 2, "indicators": ["nope"]})
        assert refused.status_code == 422 and refused.json()["error"] == "rating.indicator"
        bad = {"score": 2, "indicators": ["attitude"], "comment": "态度差"}
        assert api.post(f"/api/v1/suggestions/{scored}/rating", json=bad).json()["state"] == "reopened"
        v1 = {"rating": "satisfied"}
        assert api.post(f"/api/v1/suggestions/{worded}/rating", json=v1).json()["state"] == "closed"
        reply = api.get(f"/api/v1/suggestions/{scored}").json()["replies"][0]
        assert (reply["rating"], reply["score"], reply["indicators"]) == ("dissatisfied", 2, ["attitude"])
        assert api.get(f"/api/v1/suggestions/{worded}").json()["replies"][0]["score"] == 4
