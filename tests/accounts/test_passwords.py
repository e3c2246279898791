"""The password rule (length, not the username, not a common password) on every path, and a
user changing their own password over the API and the page."""

from __future__ import annotations

import re

import httpx
import pytest

from factories import NOW, PASSWORD
from yima.accounts.passwords import check_password, common_passwords
from yima.accounts.service import add_user, authenticate, set_password
from yima.errors import DomainError, Unauthorized

NEW = "a-fresh-password-9"


@pytest.mark.parametrize(("password", "rule"), [("1234567", "user.password"), ("12345678", "user.password_common"),
                                               ("password", "user.password_common"),
                                               ("PassWord", "user.password_common"),
                                               ("qq123456", "user.password_common"),
                                               ("woaini1314", "user.password_common"),
                                               ("carol-the-user", "user.password_is_username"),
                                               ("x" * 129, "user.password_too_long")])
def test_weak_passwords_are_refused_naming_the_rule(password, rule):
    with pytest.raises(DomainError) as refused:
        check_password(password, "carol-the-user")
    assert refused.value.finding.rule == rule and refused.value.finding.zh and refused.value.finding.en
    assert len(common_passwords()) >= 9000


@pytest.mark.db
def test_an_administrator_cannot_set_a_common_password_either(db, people):
    with pytest.raises(DomainError) as refused:
        add_user(db, "carol", "applicant", "12345678", NOW)
    assert refused.value.finding.rule == "user.password_common"
    with pytest.raises(DomainError):
        set_password(db, "alice", "password", NOW)
    assert authenticate(db, "alice", PASSWORD).username == "alice"


@pytest.mark.db
@pytest.mark.e2e
def test_a_user_changes_their_own_password_over_the_api(server):
    with server.client("alice") as alice:
        wrong = alice.post("/api/v1/me/password", json={"current_password": "nope-nope-1", "new_password": NEW})
        assert wrong.status_code == 422 and wrong.json()["error"] == "user.current_password"
        common = alice.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "12345678"})
        assert common.status_code == 422 and common.json()["field"] == "new_password"
        done = alice.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW})
        assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
        assert alice.get("/api/v1/me").status_code == 401  # the old token ended with the old password
        fresh = {"Authorization": f"Bearer {done.json()['access_token']}"}
        assert httpx.get(f"{server.url}/api/v1/me", headers=fresh).json()["username"] == "alice"
    with pytest.raises(Unauthorized):
        authenticate(server.app.state.db, "alice", PASSWORD)
    assert authenticate(server.app.state.db, "alice", NEW).username == "alice"


@pytest.mark.db
@pytest.mark.e2e
def test_a_user_changes_their_own_password_on_the_page(server):
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        first = token.search(browser.get("/login").text).group(1)
        browser.post("/login", data={"username": "bob", "password": PASSWORD, "csrf_token": first})
        form = browser.get("/account/password")
        assert form.status_code == 200 and "修改密码" in form.text
        csrf = token.search(form.text).group(1)
        weak = browser.post("/account/password", data={"current_password": PASSWORD, "new_password": "password",
                                                       "csrf_token": csrf})
        assert weak.status_code == 422 and "过于常见" in weak.text
        # reported as every form reports: a summary that takes the focus and links to the field it names
        assert 'id="errors" tabindex="-1" data-focus-on-load' in weak.text and "<title>错误：" in weak.text
        assert '<a href="#new_password">' in weak.text and 'aria-describedby="new_password-error' in weak.text
        done = browser.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                       "csrf_token": csrf})
        assert done.status_code == 303 and browser.get("/api/v1/me").json()["username"] == "bob"
    assert httpx.get(f"{server.url}/account/password").status_code in (302, 303)  # anonymous: sign in first
    assert authenticate(server.app.state.db, "bob", NEW).username == "bob"
