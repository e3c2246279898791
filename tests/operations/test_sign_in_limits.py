"""Sign-in is limited per account and per client address; a lock refuses even the right password,
answers 429 with Retry-After, is logged, audited, shown to administrators, and holds across
server processes because it lives in the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from factories import NOW, PASSWORD
from reliability.serve_process import KINDS, ServeProcess, own_database_for
from yima.accounts import service, throttle
from yima.accounts.service import add_user
from yima.audit.tables import AuditEntry
from yima.db import Database
from yima.db.migrate import upgrade
from yima.errors import TooManyRequests, Unauthorized
from yima.zones.service import add_zone

TOKEN = "/api/v1/auth/token"


@pytest.fixture(params=KINDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, unmigrated: SQLite, then PostgreSQL."""
    yield from own_database_for(request, tmp_path)


# --- the rule --------------------------------------------------------------------------------

def test_the_fifth_failure_within_the_window_locks_the_account():
    state = None
    for n in range(1, throttle.ACCOUNT.failures):
        state = throttle.after_failure(state, throttle.ACCOUNT, NOW + timedelta(seconds=n))
        assert state.failures == n and state.locked_until is None
    state = throttle.after_failure(state, throttle.ACCOUNT, NOW + timedelta(minutes=1))
    assert state.locked_until == NOW + timedelta(minutes=1) + throttle.ACCOUNT.lock
    assert throttle.locked_for(state, NOW + timedelta(minutes=1)) == throttle.ACCOUNT.lock.total_seconds()
    assert throttle.locked_for(state, state.locked_until) is None


def test_failures_spread_beyond_the_window_do_not_lock():
    state = None
    for n in range(10):
        state = throttle.after_failure(state, throttle.ACCOUNT, NOW + n * throttle.ACCOUNT.window)
    assert state is not None and state.failures == 1 and state.locked_until is None


def test_a_failure_after_a_lock_ran_out_counts_from_one_again():
    locked = throttle.Attempts(5, NOW, NOW + timedelta(minutes=15))
    later = throttle.after_failure(locked, throttle.ACCOUNT, NOW + timedelta(minutes=16))
    assert later.failures == 1 and later.locked_until is None


# --- the service, on both databases ------------------------------------------------------------

def _fail(db: Database, username: str, times: int, address: str | None = None, start: int = 0) -> list[type]:
    outcomes = []
    for n in range(times):
        try:
            service.authenticate(db, username, "wrong-password", now=NOW + timedelta(seconds=start + n),
                                 address=address)
        except (Unauthorized, TooManyRequests) as err:
            outcomes.append(type(err))
    return outcomes


def test_a_locked_account_refuses_the_right_password_until_the_lock_runs_out(db, people):
    assert _fail(db, "alice", 5) == [Unauthorized] * 4 + [TooManyRequests]
    with pytest.raises(TooManyRequests) as locked:
        service.authenticate(db, "alice", PASSWORD, now=NOW + timedelta(minutes=1))
    assert locked.value.status == 429 and locked.value.retry_after == 4 + 15 * 60 - 60  # locked at the 5th, 4 s in
    assert locked.value.finding.rule == "auth.locked"
    assert service.authenticate(db, "bob", PASSWORD, now=NOW + timedelta(minutes=1)).username == "bob"
    listed = {u["username"]: u for u in service.list_users(db, NOW + timedelta(minutes=1))}
    assert listed["alice"]["failed_sign_ins"] == 5 and listed["alice"]["locked_until"] is not None
    assert listed["bob"]["locked_until"] is None
    with db.read() as session:
        locks = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.locked")).all()
    assert [e.subject for e in locks] == ["user:alice"]
    assert service.authenticate(db, "alice", PASSWORD, now=NOW + timedelta(minutes=16)).username == "alice"
    # the right password cleared the count: four new failures do not lock
    assert _fail(db, "alice", 4, start=20 * 60) == [Unauthorized] * 4


def test_an_address_trying_many_accounts_is_locked_for_every_account(db, people):
    names = [f"nobody-{n}" for n in range(throttle.ADDRESS.failures)]
    outcomes = [o for n, name in enumerate(names) for o in _fail(db, name, 1, address="203.0.113.7", start=n)]
    assert outcomes == [Unauthorized] * (throttle.ADDRESS.failures - 1) + [TooManyRequests]
    with pytest.raises(TooManyRequests):
        service.authenticate(db, "bob", PASSWORD, now=NOW + timedelta(minutes=1), address="203.0.113.7")
    assert service.authenticate(db, "bob", PASSWORD, now=NOW + timedelta(minutes=1),
                                address="198.51.100.2").username == "bob"
    locks = service.sign_in_locks(db, NOW + timedelta(minutes=1))
    assert set(locks) == {("address", "203.0.113.7")}  # unknown account names count, but lock nothing


def test_an_administrator_lifts_a_lock(db, people):
    _fail(db, "alice", 5)
    service.unlock_user(db, "alice", NOW, people["admin"])
    assert service.authenticate(db, "alice", PASSWORD, now=NOW + timedelta(seconds=10)).username == "alice"
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject == "user:alice")).all()
    assert "user.locked" in actions and "sign_in.account_unlocked" in actions


# --- over HTTP ------------------------------------------------------------------------------

def test_http_answers_429_with_retry_after_and_admins_see_and_lift_the_lock(server):
    wrong = [httpx.post(server.url + TOKEN, data={"username": "alice", "password": "nope-nope"}) for _ in range(5)]
    assert [r.status_code for r in wrong] == [401] * 4 + [429]
    right = httpx.post(server.url + TOKEN, data={"username": "alice", "password": PASSWORD})
    assert right.status_code == 429 and right.json()["error"] == "auth.locked"
    assert 0 < int(right.headers["Retry-After"]) <= 15 * 60
    with httpx.Client(base_url=server.url) as browser_like:
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser_like.get("/login").text)
        assert token is not None
        page = browser_like.post("/login", data={"username": "alice", "password": PASSWORD,
                                                 "csrf_token": token.group(1)})
    assert page.status_code == 429 and "Retry-After" in page.headers and "yima_token" not in page.cookies
    assert "登录失败次数过多" in page.text
    with server.client("admin") as admin:
        admin.cookies.set("yima_token", admin.headers["Authorization"].removeprefix("Bearer "))
        users = admin.get("/admin/users?lang=en")
        row = users.text.split('data-user="alice"')[1].split("</tr>")[0]
        assert "Locked until" in row and "5 failed sign-ins" in row and "/admin/users/alice/unlock" in row
        assert admin.post("/api/v1/users/alice/unlock").status_code == 200
    assert httpx.post(server.url + TOKEN, data={"username": "alice", "password": PASSWORD}).status_code == 200


def test_the_client_address_comes_from_the_connection_or_a_trusted_proxy(server):
    """uvicorn trusts X-Forwarded-For from loopback only (a reverse proxy on the same host)."""
    for n in range(throttle.ADDRESS.failures):
        httpx.post(server.url + TOKEN, data={"username": f"ghost{n}", "password": "x" * 9},
                   headers={"X-Forwarded-For": "203.0.113.9"})
    behind = httpx.post(server.url + TOKEN, data={"username": "bob", "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.9"})
    elsewhere = httpx.post(server.url + TOKEN, data={"username": "bob", "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.20"})
    assert behind.status_code == 429 and elsewhere.status_code == 200


def test_the_lock_holds_across_server_processes(own_database, tmp_path):
    upgrade(own_database)
    db = Database(own_database)
    add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, NOW, place_names=["重庆", "重庆市"])
    add_user(db, "carol", "applicant", PASSWORD, NOW)
    db.dispose()
    with ServeProcess(own_database, tmp_path) as first, ServeProcess(own_database, tmp_path) as second:
        statuses = [httpx.post(server.base + TOKEN, data={"username": "carol", "password": "wrong-one"}).status_code
                    for server in (first, second, first, second, first)]
        assert statuses == [401, 401, 401, 401, 429]
        for server in (first, second):
            right = httpx.post(server.base + TOKEN, data={"username": "carol", "password": PASSWORD})
            assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
        logged = [line for server in (first, second) for line in server.log_lines()
                  if line["event"] == "sign_in.locked"]
    assert len(logged) == 1 and logged[0]["scope"] == "account" and logged[0]["key"].startswith("ref-")
    assert all("carol" not in server.log_path.read_text() for server in (first, second))  # the name is masked
    assert all(PASSWORD not in server.log_path.read_text() for server in (first, second))
