"""Reading a sign-in token: a token seen before is answered from the cache, which keeps its expiry."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from yima.accounts import service
from yima.actors import Actor
from yima.clock import utcnow
from yima.errors import Unauthorized

SECRET = "test-secret-key-0123456789abcdef0123"
ALICE = Actor(id=7, username="alice", role="applicant", zone_id=None, display_name="Alice", token_generation=2)


def test_a_token_read_again_is_the_same_actor_and_still_expires(monkeypatch):
    token = service.issue_token(ALICE, SECRET, utcnow(), 60)
    assert service.read_token(token, SECRET) == ALICE
    assert (SECRET, token) in service._tokens
    assert service.read_token(token, SECRET) == ALICE  # from the cache
    with pytest.raises(Unauthorized) as other_secret:  # the cache is per secret: another key's check fails
        service.read_token(token, SECRET + "x")
    assert other_secret.value.finding.rule == "auth.token"
    later = time.time() + 61 * 60  # the token's hour is over
    monkeypatch.setattr(service.time, "time", lambda: later)
    with pytest.raises(Unauthorized) as expired:
        service.read_token(token, SECRET)
    assert expired.value.finding.rule == "auth.token"
    assert (SECRET, token) not in service._tokens


def test_an_expired_or_forged_token_is_refused_and_not_cached():
    expired = service.issue_token(ALICE, SECRET, utcnow() - timedelta(hours=2), 60)
    forged = service.issue_token(ALICE, "another-secret-0123456789abcdef01234", utcnow(), 60)
    for token in (expired, forged, forged + "x"):
        with pytest.raises(Unauthorized):
            service.read_token(token, SECRET)
        assert (SECRET, token) not in service._tokens
