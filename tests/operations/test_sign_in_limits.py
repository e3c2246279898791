"""Failed sign-ins slow the next attempt — per (address, username), per username, per address,
with a service hall's network allowed more — by delays that double; nothing locks a person out:
after the delay the right password signs in. A delay answers 429 with Retry-After, is logged,
shown to administrators, who lift it, and holds across server processes (it lives in the
database)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from factories import NOW, PASSWORD
from reliability.serve_process import KINDS, ServeProcess, own_database_for
from yima.accounts import service, throttle
from yima.accounts.service import add_user
from yima.audit.tables import AuditEntry
from yima.config import Settings, parse_networks
from yima.db import Database
from yima.db.migrate import upgrade
from yima.errors import TooManyRequests, Unauthorized
from yima.zones.service import add_zone

TOKEN = "/api/v1/auth/token"


@pytest.fixture(params=KINDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, unmigrated: SQLite, then PostgreSQL."""
    yield from own_database_for(request, tmp_path)


# --- the rule, without a database ---------------------------------------------------------------

def test_the_first_failures_are_free_then_each_doubles_the_wait_up_to_a_cap():
    state, waits = None, []
    for n in range(1, 16):
        state = throttle.after_failure(state, throttle.PAIR, NOW + timedelta(seconds=n))
        waits.append(throttle.wait_seconds(state, NOW + timedelta(seconds=n)))
    assert waits[:throttle.PAIR.free] == [0] * throttle.PAIR.free
    assert waits[throttle.PAIR.free:throttle.PAIR.free + 4] == [5, 10, 20, 40]
    assert max(waits) == throttle.PAIR.cap.total_seconds() == waits[-1]
    assert state is not None and throttle.wait_seconds(state, state.wait_until) == 0  # a wait, never a lock


def test_a_key_quiet_for_an_hour_counts_from_one_again():
    slowed = throttle.Attempts(9, NOW, NOW + timedelta(minutes=5))
    later = throttle.after_failure(slowed, throttle.ACCOUNT, NOW + throttle.ACCOUNT.forget)
    assert later.failures == 1 and later.wait_until is None


def test_a_known_person_waits_only_for_their_own_pair():
    keys = throttle.keys_for("alice", "198.51.100.4")
    assert keys == {"account": "alice", "pair": "alice\n198.51.100.4", "address": "198.51.100.4"}
    attempts = {("account", "alice"): throttle.Attempts(12, NOW, NOW + timedelta(seconds=40)),
                ("address", "198.51.100.4"): throttle.Attempts(30, NOW, NOW + timedelta(seconds=90))}
    assert throttle.waiting(attempts, keys, known=False, now=NOW) == 90
    assert throttle.waiting(attempts, keys, known=True, now=NOW) == 0
    attempts[("pair", keys["pair"])] = throttle.Attempts(4, NOW, NOW + timedelta(seconds=5))
    assert throttle.waiting(attempts, keys, known=True, now=NOW) == 5


def test_a_service_hall_network_has_the_larger_budget():
    halls = parse_networks("10.8.0.0/24, 2001:db8:8::/48")
    assert throttle.delay_for("address", "10.8.0.77", halls) == throttle.HALL
    assert throttle.delay_for("address", "2001:db8:8::5", halls) == throttle.HALL
    assert throttle.delay_for("address", "10.8.1.77", halls) == throttle.ADDRESS
    assert throttle.delay_for("pair", "alice\n10.8.0.77", halls) == throttle.PAIR  # one person's guesses: as anywhere
    assert throttle.HALL.free >= 10 * throttle.ADDRESS.free
    with pytest.raises(ValidationError, match="service_hall_nets"):
        Settings(service_hall_nets="10.8.0.0/24, the-hall")
    assert Settings(service_hall_nets="10.8.0.0/24").service_halls == (ipaddress.ip_network("10.8.0.0/24"),)


# --- the service, on both databases ------------------------------------------------------------

def _fail(db: Database, username: str, times: int, address: str | None = None, start: float = 0,
          halls: tuple = ()) -> list[type]:
    outcomes = []
    for n in range(times):
        try:
            service.authenticate(db, username, "wrong-password", now=NOW + timedelta(seconds=start + n * 0.01),
                                 address=address, halls=halls)
        except (Unauthorized, TooManyRequests) as err:
            outcomes.append(type(err))
    return outcomes


def test_a_guesser_is_slowed_and_the_right_password_still_signs_in_after_the_delay(db, people):
    """Five wrong passwords used to lock any account, the administrator's too, for 15 minutes."""
    here = "198.51.100.9"
    assert _fail(db, "admin", throttle.PAIR.free + 1, address=here) == [Unauthorized] * (throttle.PAIR.free + 1)
    with pytest.raises(TooManyRequests) as slowed:
        service.authenticate(db, "admin", PASSWORD, now=NOW + timedelta(seconds=1), address=here)
    assert slowed.value.status == 429 and slowed.value.finding.rule == "auth.throttled"
    assert slowed.value.retry_after == 5
    listed = {u.username: u for u in service.list_users(db, NOW + timedelta(seconds=1)).items}
    assert listed["admin"].failed_sign_ins == throttle.PAIR.free + 1 and listed["admin"].locked_until
    assert listed["bob"].locked_until is None
    after_the_delay = NOW + timedelta(seconds=5.1)
    assert service.authenticate(db, "admin", PASSWORD, now=after_the_delay, address=here).username == "admin"
    # the right password cleared the count: the first failures are free again
    assert _fail(db, "admin", throttle.PAIR.free, address=here, start=10) == [Unauthorized] * throttle.PAIR.free
    assert service.authenticate(db, "admin", PASSWORD, now=NOW + timedelta(seconds=11), address=here)


def test_a_guesser_on_many_addresses_does_not_keep_a_known_person_out(db, people):
    service.authenticate(db, "alice", PASSWORD, now=NOW, address="198.51.100.4")  # her usual address
    for n in range(throttle.ACCOUNT.free + 2):
        _fail(db, "alice", 1, address=f"203.0.113.{n}", start=n)
    with pytest.raises(TooManyRequests):  # from an address she never used, the account's delay holds
        service.authenticate(db, "alice", PASSWORD, now=NOW + timedelta(seconds=13), address="192.0.2.50")
    assert service.authenticate(db, "alice", PASSWORD, now=NOW + timedelta(seconds=13),
                                address="198.51.100.4").username == "alice"
    with db.read() as session:
        slowed = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.sign_in_slowed")).all()
    assert [e.subject for e in slowed] == ["user:alice"]


def test_an_address_trying_many_accounts_is_slowed_but_not_a_service_hall(db, people):
    service.authenticate(db, "bob", PASSWORD, now=NOW, address="203.0.113.7")  # bob used this address before
    halls = parse_networks("10.8.0.0/24")
    for address in ("203.0.113.7", "10.8.0.7"):
        for n in range(throttle.ADDRESS.free + 1):
            _fail(db, f"nobody-{n}", 1, address=address, start=n, halls=halls)
    later = NOW + timedelta(seconds=throttle.ADDRESS.free + 1)
    with pytest.raises(TooManyRequests):
        service.authenticate(db, "alice", PASSWORD, now=later, address="203.0.113.7")
    assert service.authenticate(db, "bob", PASSWORD, now=later, address="203.0.113.7").username == "bob"
    assert service.authenticate(db, "alice", PASSWORD, now=later, address="10.8.0.7", halls=halls)
    assert set(service.sign_in_delays(db, later)) == {("address", "203.0.113.7")}


def test_an_administrator_lifts_every_delay_of_an_account(db, people):
    for address in ("198.51.100.1", "198.51.100.2"):
        _fail(db, "alice", throttle.PAIR.free + 1, address=address)
    assert ("account", "alice") in service.sign_in_delays(db, NOW + timedelta(seconds=1))
    service.unlock_user(db, "alice", NOW, people["admin"])
    assert service.sign_in_delays(db, NOW + timedelta(seconds=1)) == {}
    for address in ("198.51.100.1", "198.51.100.2"):
        assert service.authenticate(db, "alice", PASSWORD, now=NOW + timedelta(seconds=1), address=address)
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject == "user:alice")).all()
    assert "sign_in.account_unlocked" in actions


# --- over HTTP ------------------------------------------------------------------------------

def test_http_answers_429_with_retry_after_and_admins_see_and_lift_the_delay(server):
    tries = throttle.PAIR.free + 1
    wrong = [httpx.post(server.url + TOKEN, data={"username": "alice", "password": "nope-nope"}) for _ in range(tries)]
    assert [r.status_code for r in wrong] == [401] * tries
    assert "try again in 5 second" in wrong[-1].json()["message"] and "5 秒后再试" in wrong[-1].json()["message"]
    right = httpx.post(server.url + TOKEN, data={"username": "alice", "password": PASSWORD})
    assert right.status_code == 429 and right.json()["error"] == "auth.throttled"
    assert set(right.json()) >= {"error", "field", "message"}
    assert 0 < int(right.headers["Retry-After"]) <= 5
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
        assert "Sign-in waits until" in row and f"{tries} failed sign-ins" in row and "/admin/users/alice/unlock" in row
        assert admin.post("/api/v1/users/alice/unlock").status_code == 200
    assert httpx.post(server.url + TOKEN, data={"username": "alice", "password": PASSWORD}).status_code == 200


def test_the_client_address_comes_from_the_connection_or_a_trusted_proxy(server):
    """uvicorn trusts X-Forwarded-For from loopback only (a reverse proxy on the same host)."""
    for n in range(throttle.ADDRESS.free + 1):
        httpx.post(server.url + TOKEN, data={"username": f"ghost{n}", "password": "x" * 9},
                   headers={"X-Forwarded-For": "203.0.113.9"})
    behind = httpx.post(server.url + TOKEN, data={"username": "bob", "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.9"})
    elsewhere = httpx.post(server.url + TOKEN, data={"username": "bob", "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.20"})
    assert behind.status_code == 429 and elsewhere.status_code == 200


def test_delays_hold_across_server_processes(own_database, tmp_path):
    upgrade(own_database)
    db = Database(own_database)
    add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, NOW, place_names=["重庆", "重庆市"])
    add_user(db, "carol", "applicant", PASSWORD, NOW)
    db.dispose()
    with ServeProcess(own_database, tmp_path) as first, ServeProcess(own_database, tmp_path) as second:
        statuses = [httpx.post(server.base + TOKEN, data={"username": "carol", "password": "wrong-one"}).status_code
                    for server in (first, second, first, second)]
        assert statuses == [401, 401, 401, 401]
        for server in (first, second):
            right = httpx.post(server.base + TOKEN, data={"username": "carol", "password": PASSWORD})
            assert right.status_code == 429 and 0 < int(right.headers["Retry-After"]) <= 5
        logged = [line for server in (first, second) for line in server.log_lines()
                  if line["event"] == "sign_in.slowed"]
    assert len(logged) == 1 and logged[0]["scope"] == "pair" and logged[0]["key"].startswith("ref-")
    assert all("carol" not in server.log_path.read_text() for server in (first, second))  # the name is masked
    assert all(PASSWORD not in server.log_path.read_text() for server in (first, second))
