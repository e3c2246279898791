"""Signing out everywhere, new passwords and disabled accounts: service, HTTP API, pages and CLI."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import update

from factories import NOW, PASSWORD
from yima.accounts import service
from yima.accounts.tables import User
from yima.clock import utcnow
from yima.errors import DomainError, NotFound, Unauthorized

pytestmark = pytest.mark.db
SECRET = "test-secret-key-0123456789abcdef0123"


def _token(db, username: str, password: str = PASSWORD) -> str:
    return service.issue_token(service.authenticate(db, username, password), SECRET, utcnow(), 60)


def _current(db, token: str):
    return service.check_current(db, service.read_token(token, SECRET))


def test_the_people_the_suite_adds_are_who_signing_in_gives(db, people):
    """The suite's ``people`` fixture answers ``add_user``'s actors, which share one password hash:
    signing in as each gives the same actor, and the hash is each account's own password's."""
    for name, actor in people.items():
        assert service.authenticate(db, name, PASSWORD) == actor
    with pytest.raises(Unauthorized):
        service.authenticate(db, "alice", PASSWORD + "x")


def test_signing_out_everywhere_refuses_earlier_tokens_only(db, people):
    before = _token(db, "alice")
    assert _current(db, before).username == "alice"
    service.sign_out_everywhere(db, "alice", NOW)
    with pytest.raises(Unauthorized) as refused:
        _current(db, before)
    assert refused.value.finding.rule == "auth.token"
    assert _current(db, _token(db, "alice")).username == "alice"
    assert _current(db, _token(db, "bob")).username == "bob"  # others are not affected


def test_a_disabled_account_cannot_sign_in_until_enabled(db, people):
    token = _token(db, "officer-cq")
    service.disable_user(db, "officer-cq", NOW)
    with pytest.raises(Unauthorized) as refused:
        service.authenticate(db, "officer-cq", PASSWORD)
    assert refused.value.finding.rule == "auth.disabled" and "停用" in refused.value.finding.zh
    with pytest.raises(Unauthorized):
        _current(db, token)
    with pytest.raises(Unauthorized) as wrong:  # a wrong password does not reveal the account is disabled
        service.authenticate(db, "officer-cq", "not-the-password")
    assert wrong.value.finding.rule == "auth.credentials"
    service.enable_user(db, "officer-cq", NOW)
    with pytest.raises(Unauthorized):
        _current(db, token)  # enabling does not revive the old token
    assert _current(db, _token(db, "officer-cq")).role == "officer"


def test_a_new_password_replaces_the_old_and_its_tokens(db, people):
    token = _token(db, "bob")
    with pytest.raises(DomainError) as short:
        service.set_password(db, "bob", "short", NOW)
    assert short.value.finding.field == "password"
    assert _current(db, token).username == "bob"  # nothing changed by the refused password
    service.set_password(db, "bob", "a-brand-new-password", NOW)
    with pytest.raises(Unauthorized):
        _current(db, token)
    with pytest.raises(Unauthorized):
        service.authenticate(db, "bob", PASSWORD)
    assert service.authenticate(db, "bob", "a-brand-new-password").username == "bob"
    with pytest.raises(NotFound):
        service.set_password(db, "nobody", "a-brand-new-password", NOW)


def test_a_change_made_by_another_process_counts_once_the_cache_expires(db, people, monkeypatch):
    token = _token(db, "alice")
    assert _current(db, token).username == "alice"
    with db.write() as session:  # what another worker process would do: only the database changes
        session.execute(update(User).where(User.username == "alice").values(disabled_at=NOW))
    assert _current(db, token).username == "alice"  # within TOKEN_CHECK_SECONDS the cache answers
    monkeypatch.setattr(service, "TOKEN_CHECK_SECONDS", 0.0)
    with pytest.raises(Unauthorized):
        _current(db, token)


@pytest.mark.e2e
def test_administrators_disable_and_enable_accounts_over_http(server):
    with server.client("alice") as alice, server.client("admin") as admin, server.client("bob") as bob:
        assert alice.get("/api/v1/me").status_code == 200
        assert bob.post("/api/v1/users/alice/disable").status_code == 403
        own = admin.post("/api/v1/users/admin/disable")
        assert own.status_code == 422 and own.json()["error"] == "user.disable_self"
        unknown = admin.post("/api/v1/users/alice/delete")
        # one route per action: any other is no route of an account (404), named with the actions there are
        assert unknown.status_code == 404 and unknown.json()["field"] == "action"
        assert unknown.json()["error"] == "user.action" and "sign-out" in unknown.json()["message"]
        assert admin.post("/api/v1/users/nobody/disable").status_code == 404
        done = admin.post("/api/v1/users/alice/disable")
        assert done.status_code == 200 and done.json() == {"username": "alice", "role": "applicant",
                                                           "action": "disable"}
        refused = alice.get("/api/v1/me")
        assert refused.status_code == 401 and refused.json()["error"] == "auth.token"
        sign_in = alice.post("/api/v1/auth/token", data={"username": "alice", "password": PASSWORD})
        assert sign_in.status_code == 401 and sign_in.json()["error"] == "auth.disabled"
        assert admin.post("/api/v1/users/alice/enable").status_code == 200
    with server.client("alice") as alice:
        assert alice.get("/api/v1/me").json()["username"] == "alice"


@pytest.mark.e2e
def test_signing_out_over_the_api_ends_the_token(server):
    with server.client("bob") as bob:
        assert bob.post("/api/v1/auth/sign-out").json() == {"signed_out": True}
        assert bob.get("/api/v1/me").status_code == 401
        assert bob.post("/api/v1/auth/sign-out").status_code == 401


@pytest.mark.e2e
@pytest.mark.browser
def test_signing_out_of_the_pages_ends_the_session_on_the_server(server, page):
    from web.browser import sign_in

    sign_in(page, server, "alice")
    cookie = next(c for c in page.context.cookies() if c["name"] == "yima_token")
    with server.client() as copied:  # someone who copied the cookie
        copied.cookies.set("yima_token", cookie["value"])
        assert copied.get("/api/v1/me").status_code == 200
        page.click("form[action='/logout'] button")
        page.wait_for_load_state()
        assert not any(c["name"] == "yima_token" for c in page.context.cookies())
        assert copied.get("/api/v1/me").status_code == 401


def test_cli_disables_enables_signs_out_and_sets_passwords(tmp_path):
    """The verbs in-process (Typer's runner: exit code, stdout and stderr as a shell sees them); that
    ``yima`` runs as a process is tests/test_cli.py's business."""
    from typer.testing import CliRunner

    from yima.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"

    @dataclass
    class Ran:
        returncode: int
        stdout: str
        stderr: str

    def run(*args: str, stdin: str | None = None) -> Ran:
        result = CliRunner().invoke(app, [*args, "--db", url], input=stdin)
        return Ran(result.exit_code, result.stdout, result.stderr)

    assert run("init").returncode == 0
    assert run("users", "add", "zhao", "--role", "admin", "--password-stdin", stdin="first-password\n").returncode == 0
    disabled = run("users", "disable", "zhao")
    assert disabled.returncode == 0 and "disabled" in disabled.stdout
    assert run("users", "enable", "zhao").returncode == 0
    assert run("users", "sign-out", "zhao").returncode == 0
    short = run("users", "password", "zhao", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "[password]" in short.stderr
    assert run("users", "password", "zhao", "--password-stdin", stdin="second-password\n").returncode == 0
    unknown = run("users", "disable", "nobody")
    assert unknown.returncode == 1 and "user.unknown" in unknown.stderr


def test_an_account_line_is_typed_and_answers_as_user_out():
    from datetime import timedelta

    from yima.accounts.schemas import UserOut

    line = service.AccountLine("alice", "Alice", "applicant", None, False, NOW, NOW + timedelta(seconds=5), 6)
    shown = line.as_json()
    assert set(shown) == set(UserOut.model_fields) and UserOut.model_validate(shown).model_dump() == shown
    assert shown["created_at"] == NOW.isoformat() and shown["locked_until"].endswith("+00:00")
    assert service.AccountLine("bob", "", "applicant", None, True, NOW, None, 0).as_json()["locked_until"] is None
