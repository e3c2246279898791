"""Issue 20, finding 11: 60 anonymous licence.pdf requests, each freshly signed, ran in 4.9 s with
no limit; nothing limited verification, name checks or seal validation. Now each has a limit
(the ``limits`` package, counters in the database shared by every worker process), configurable
with YIMA_RATE_LIMITS, answered past it with 429, Retry-After and a message naming the limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from factories import PASSWORD
from live import LiveServer
from yima.db import Database
from yima.errors import TooManyRequests
from yima.web.ratelimit import DatabaseStorage, RateLimits, describe, parse_rate_limits

EVERY_LIMIT_TWO = "licence_document=2/minute, verify=2/minute, name_check=2/minute, seal_validation=2/minute"


# --- the rule, without a database ---------------------------------------------------------------

def test_each_route_limit_has_a_default_and_the_setting_changes_it_or_turns_it_off():
    defaults = parse_rate_limits("")
    assert {name: describe(item)[1] for name, item in defaults.items() if item} == {
        "licence_document": "30 per minute", "verify": "120 per minute", "name_check": "60 per minute",
        "seal_validation": "30 per minute"}
    chosen = parse_rate_limits("licence_document=500/hour, seal_validation=off")
    assert chosen["licence_document"] is not None and describe(chosen["licence_document"]) == \
        ("每小时 500 次", "500 per hour")
    assert chosen["seal_validation"] is None and chosen["verify"] == defaults["verify"]
    with pytest.raises(ValueError, match="unknown rate limit 'licence_pdf'"):
        parse_rate_limits("licence_pdf=10/minute")
    with pytest.raises(ValueError, match="verify: 'often' is not a rate"):
        parse_rate_limits("verify=often")


# --- the storage, on both databases ------------------------------------------------------------

def test_counts_are_shared_by_every_process_and_a_new_window_starts_afresh(db: Database):
    clock = [1_000_000.0]
    other_process = Database(db.url)  # a second engine, as another worker process has
    try:
        here, there = DatabaseStorage(db, lambda: clock[0]), DatabaseStorage(other_process, lambda: clock[0])
        assert [here.incr("k", 60), there.incr("k", 60), here.incr("k", 60)] == [1, 2, 3]
        assert there.get("k") == 3 and here.get_expiry("k") == 1_000_060.0
        clock[0] += 61
        assert here.get("k") == 0 and there.incr("k", 60) == 1
        limits = RateLimits(here, "name_check=2/minute")
        limits.hit("name_check", "address:203.0.113.5")
        limits.hit("name_check", "address:203.0.113.5")
        limits.hit("name_check", "address:198.51.100.1")  # another caller, its own count
        with pytest.raises(TooManyRequests) as refused:
            RateLimits(there, "name_check=2/minute").hit("name_check", "address:203.0.113.5")
        assert refused.value.finding.rule == "names.rate_limited" and 0 < refused.value.retry_after <= 60
        assert "名称查询限每分钟 2 次" in refused.value.finding.zh
        assert "name checks are limited to 2 per minute" in refused.value.finding.en
    finally:
        other_process.dispose()


# --- over HTTP ------------------------------------------------------------------------------

@pytest.fixture
def limited(db: Database, people, tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(db, tmp_path / "data", rate_limits=EVERY_LIMIT_TWO) as live:
        yield live


def test_each_anonymous_expensive_route_answers_429_naming_its_limit(limited):
    pdf = {"file": ("a.pdf", b"%PDF-1.7\nnot really\n%%EOF\n", "application/pdf")}
    routes = {
        "rate.licence_document": lambda c: c.get("/api/v1/licences/91500000MA000000XX/licence.pdf"),
        "rate.verify": lambda c: c.post("/api/v1/verify", json={"qr": "https://example.invalid/V/nothing"}),
        "names.rate_limited": lambda c: c.post("/api/v1/names/check", json={"name": "重庆测试科技有限公司",
                                                                            "zone": "cq-gxq"}),
        "rate.seal_validation": lambda c: c.post("/api/v1/seals/validate", files=pdf),
    }
    with httpx.Client(base_url=limited.url) as anonymous:
        for rule, send in routes.items():
            first = [send(anonymous).status_code for _ in range(2)]
            assert 429 not in first, (rule, first)
            refused = send(anonymous)
            assert refused.status_code == 429 and refused.json()["error"] == rule, refused.text
            assert 0 < int(refused.headers["Retry-After"]) <= 60
            assert "2 per minute" in refused.json()["message"] and "每分钟 2 次" in refused.json()["message"]
        scanned = [anonymous.get("/V/nothing", headers={"Accept": "text/html"}) for _ in range(2)]
        assert [r.status_code for r in scanned] == [429, 429]  # the scan page counts as a verification
        assert "执照核验限每分钟 2 次" in scanned[0].text and scanned[0].headers["content-type"].startswith("text/html")
    with limited.client("alice") as alice:  # a signed-in caller is counted on their own
        assert alice.get("/api/v1/licences/91500000MA000000XX/licence.pdf").status_code != 429
        token = httpx.post(limited.url + "/api/v1/auth/token", data={"username": "bob", "password": PASSWORD})
        assert token.status_code == 200  # sign-in is not among these limits
