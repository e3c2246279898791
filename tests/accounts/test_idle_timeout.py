"""A session ends after YIMA_IDLE_TIMEOUT_MIN minutes without a request, on the pages and the API;
the sign-in page says why. Tokens used to live their 12 hours whatever happened."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from factories import NOW, PASSWORD
from yima.accounts import idle, service
from yima.accounts.tables import SessionActivity
from yima.clock import as_utc, utcnow
from yima.errors import Unauthorized

IDLE = timedelta(minutes=30)
SECRET = "test-secret-key-0123456789abcdef0123"


# --- the rule, without a database ---------------------------------------------------------------

def test_the_last_activity_decides_and_is_written_at_most_every_minute():
    assert idle.last_activity(NOW, None, NOW + timedelta(minutes=20), NOW + timedelta(minutes=5)) == \
        NOW + timedelta(minutes=20)
    assert not idle.is_idle(NOW, NOW + IDLE, IDLE) and idle.is_idle(NOW, NOW + IDLE + timedelta(seconds=1), IDLE)
    assert idle.write_due(None, NOW) and not idle.write_due(NOW, NOW + timedelta(seconds=59))
    assert idle.write_due(NOW, NOW + idle.WRITE_EVERY)
    token = "eyJhbGciOiJIUzI1NiJ9.e30.signature"
    assert idle.session_key(token) != token and len(idle.session_key(token)) == 64  # the database keeps a hash


# --- the service, on both databases ------------------------------------------------------------

def test_a_session_unused_for_longer_than_the_timeout_ends_in_every_process(db, people):
    alice = people["alice"]
    token = service.issue_token(alice, SECRET, NOW, 12 * 60)
    service.check_activity(db, token, alice, NOW + timedelta(minutes=10), IDLE)
    service._activity.clear()  # another worker process: it knows only what the database says
    service.check_activity(db, token, alice, NOW + timedelta(minutes=39), IDLE)  # used 29 minutes before
    service._activity.clear()
    with pytest.raises(Unauthorized) as ended:
        service.check_activity(db, token, alice, NOW + timedelta(minutes=69, seconds=30), IDLE)
    assert ended.value.finding.rule == "auth.idle" and "30 分钟未操作" in ended.value.finding.zh
    assert "30 minutes without activity" in ended.value.finding.en
    unused = service.issue_token(alice, SECRET, NOW + timedelta(seconds=1), 12 * 60)
    with pytest.raises(Unauthorized):  # never used at all: idle from its issue
        service.check_activity(db, unused, alice, NOW + timedelta(minutes=31), IDLE)
    assert service.purge_session_activity_job(db, NOW + timedelta(hours=13)) == ["expired sessions forgotten: 1"]


def test_requests_within_a_minute_write_the_activity_once(db, people):
    """A page view is a read: the session's activity is written at most every ``WRITE_EVERY`` per
    process, and the requests in between still count (in that process, to the second)."""
    alice = people["alice"]
    token = service.issue_token(alice, SECRET, NOW, 12 * 60)
    key = idle.session_key(token)

    def stored() -> object:
        with db.read() as session:
            return as_utc(session.scalar(select(SessionActivity.last_seen_at)
                                                 .where(SessionActivity.key == key)))

    service.check_activity(db, token, alice, NOW + timedelta(minutes=1), IDLE)
    for seconds in (1, 30, 59):  # the cache settles these, the database keeps the first
        at = NOW + timedelta(minutes=1, seconds=seconds)
        if not service.check_activity_cached(token, at, IDLE):
            service.check_activity(db, token, alice, at, IDLE)
    assert stored() == NOW + timedelta(minutes=1)
    assert service._activity[key][0] == NOW + timedelta(minutes=1, seconds=59)  # yet each request counted here
    service.check_activity(db, token, alice, NOW + timedelta(minutes=2), IDLE)  # a minute on: written
    assert stored() == NOW + timedelta(minutes=2)


# --- over HTTP: the API and the pages ----------------------------------------------------------

def test_an_idle_session_is_refused_by_the_api_and_the_pages_say_why(server):
    alice = service.read_token(httpx.post(server.url + "/api/v1/auth/token",
                                          data={"username": "alice", "password": PASSWORD}).json()["access_token"],
                               SECRET)
    stale = service.issue_token(alice, SECRET, utcnow() - timedelta(minutes=31), 12 * 60)
    api = httpx.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {stale}"})
    assert api.status_code == 401 and api.json()["error"] == "auth.idle"
    assert "分钟未操作" in api.json()["message"] and "without activity" in api.json()["message"]
    page = httpx.get(server.url + "/applications", cookies={"yima_token": stale})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/applications&why=idle"
    assert 'yima_token=""' in page.headers["set-cookie"]  # the stale cookie goes
    for lang, words in (("zh", "您已有 30 分钟未操作，为安全起见已自动退出登录"),
                        ("en", "You were signed out after 30 minutes without activity")):
        assert words in httpx.get(f"{server.url}/login?next=/applications&why=idle&lang={lang}").text
    # a session used 10 minutes ago (in any process: the time is in the database) goes on
    used = service.issue_token(alice, SECRET, utcnow() - timedelta(minutes=31, seconds=1), 12 * 60)
    service.check_activity(server.app.state.db, used, alice, utcnow() - timedelta(minutes=10), IDLE)
    service._activity.clear()
    assert httpx.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {used}"}).status_code == 200
    assert httpx.get(server.url + "/applications", cookies={"yima_token": used}).status_code == 200
