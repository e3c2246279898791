"""Sign-in tells nothing by its timing, and logs nothing a person typed into the username box."""

from __future__ import annotations

import logging
import statistics
import time

import pytest

from factories import NOW, PASSWORD
from yima.accounts import service
from yima.accounts.service import add_user, authenticate, configure_hasher
from yima.errors import Unauthorized

pytestmark = pytest.mark.db
TYPED = ["110101199003074518", "+8613987654321", "139 8765 4321", "13987654321", "My-S3cret-passw0rd!"]


def test_failed_sign_ins_log_no_typed_username(db, people, caplog):
    caplog.set_level(logging.DEBUG)
    for typed in [*TYPED, "alice"]:
        with pytest.raises(Unauthorized):
            authenticate(db, typed, "wrong-password-1", address="10.1.2.3")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "sign_in.failed" in logged
    for typed in TYPED:
        assert typed not in logged and typed.replace(" ", "") not in logged, typed
    assert "'alice'" not in logged and "wrong-password-1" not in logged
    refs = [r.fields["account"] for r in caplog.records if r.getMessage() == "sign_in.failed"]
    assert all(ref.startswith("ref-") for ref in refs) and len(set(refs)) == len(TYPED) + 1


def _median_seconds(db, username: str) -> float:
    """The median CPU time of this thread for a failed sign-in: Argon2 runs in the calling thread,
    and CPU time, unlike the clock on the wall, does not grow when other processes share the cores."""
    times = []
    for _ in range(5):
        service.unlock(db, "account", username, NOW)  # the measure is the check, not the lock
        start = time.thread_time()
        with pytest.raises(Unauthorized):
            authenticate(db, username, "wrong-password-1")
        times.append(time.thread_time() - start)
    return statistics.median(times)


def test_an_unknown_user_takes_as_long_as_a_wrong_password(db, people):
    """Argon2 ran for an existing user only (~170 ms against ~7 ms): the time told who exists."""
    configure_hasher(time_cost=2, memory_kib=32 * 1024)  # a real cost, so that Argon2 dominates
    try:
        add_user(db, "dora", "applicant", PASSWORD, NOW)
        known, unknown = _median_seconds(db, "dora"), _median_seconds(db, "nobody-here")
        assert unknown > 0.6 * known, (known, unknown)
    finally:
        configure_hasher(time_cost=1, memory_kib=1024)


def test_old_sign_in_records_are_purged_by_a_job(db, people):
    """sign_in_attempts kept every typed name for ever; the job keeps them 30 days."""
    from datetime import timedelta

    from sqlalchemy import select

    from yima.accounts.tables import SignInAttempts
    from yima.app.features import registry
    from yima.jobs import JOBS

    for typed in ("13987654321", "alice"):
        with pytest.raises(Unauthorized):
            authenticate(db, typed, "wrong-password-1", now=NOW, address="10.9.9.9")
    assert service.purge_sign_in_attempts_job(db, NOW + timedelta(days=29)) == []
    with pytest.raises(Unauthorized):
        authenticate(db, "13987654321", "wrong-password-1", now=NOW + timedelta(days=29))  # counts again later
    report = service.purge_sign_in_attempts_job(db, NOW + timedelta(days=31))
    with db.read() as session:
        left = {row.key for row in session.scalars(select(SignInAttempts))}
    # gone: alice's account count, both (name, address) pairs and the address; kept: the name tried again
    assert report == ["sign-in records purged: 4"] and left == {"13987654321"}
    assert service.purge_sign_in_attempts_job in registry().items(JOBS)  # yima jobs run and serve run it
