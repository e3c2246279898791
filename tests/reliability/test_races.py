"""Concurrency with real concurrent HTTP requests: two officers deciding one application end in one
decision; approvals racing for credit codes get distinct codes; two server processes on one
PostgreSQL, hammered together, lose nothing and duplicate nothing."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from factories import NOW, PASSWORD
from reliability.load_helpers import check_every_acknowledgement_kept, establishment, seed, sign_in
from reliability.serve_process import ServeProcess, fresh_database
from yima.accounts.service import add_user
from yima.bench.register import trade_name
from yima.register.tables import Enterprise
from yima.registration.codes import is_valid_uscc
from yima.registration.tables import Application, Transition


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls in threads released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def for_review(n: int) -> dict[str, Any]:
    """An establishment an officer must look at: its name lacks the division (name.form)."""
    body = establishment(n)
    body["name"] = f"{trade_name(n + 5000)}科技有限公司"
    return body


def submit_for_review(client: httpx.Client, count: int, first: int = 0) -> list[int]:
    ids = []
    for n in range(first, first + count):
        created = client.post("/api/v1/applications", json=for_review(n))
        assert created.status_code == 201 and created.json()["status"] == "under_review", created.text
        ids.append(created.json()["id"])
    return ids


def test_two_officers_deciding_one_application_end_in_one_decision(server, db):
    add_user(db, "officer-cq2", "officer", PASSWORD, NOW, zone_id="cq-gxq")
    with server.client("alice") as alice, server.client("officer-cq") as one, server.client("officer-cq2") as two:
        ids = submit_for_review(alice, 6)
        for app_id in ids:
            url = f"/api/v1/applications/{app_id}/decision"
            answers = at_once(lambda url=url: one.post(url, json={"decision": "approve", "reason": "名称经核准"}),
                              lambda url=url: two.post(url, json={"decision": "reject", "reason": "名称不规范"}))
            assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
            assert next(a for a in answers if a.status_code == 409).json()["error"] == "decision.state"
    with db.read() as session:
        decided = Counter(session.scalars(select(Transition.application_id)
                                          .where(Transition.from_status == "under_review")))
        approved = session.scalars(select(Application).where(Application.status == "approved")).all()
        enterprises = Counter(session.scalars(select(Enterprise.owner_id)))
    assert decided == dict.fromkeys(ids, 1)
    assert len({a.enterprise_uscc for a in approved}) == len(approved) == sum(enterprises.values())


def test_approvals_racing_for_credit_codes_get_distinct_codes(server, db):
    add_user(db, "officer-cq2", "officer", PASSWORD, NOW, zone_id="cq-gxq")
    with server.client("alice") as alice, server.client("bob") as bob, server.client("officer-cq") as one, \
            server.client("officer-cq2") as two:
        ids = submit_for_review(alice, 12)
        approve = {"decision": "approve", "reason": "名称经核准"}
        approvals = [lambda i=i, c=(one, two)[i % 2]: c.post(f"/api/v1/applications/{i}/decision", json=approve)
                     for i in ids]
        instant = [lambda n=n: bob.post("/api/v1/applications", json=establishment(n)) for n in range(12)]
        answers = at_once(*[call for pair in zip(approvals, instant, strict=True) for call in pair])
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers if a.status_code >= 300]
    codes = [a.json()["uscc"] for a in answers]
    assert len(set(codes)) == 24 and all(is_valid_uscc(code) for code in codes)
    with db.read() as session:
        assert sorted(session.scalars(select(Enterprise.uscc))) == sorted(codes)


@pytest.fixture
def own_postgres(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", request.getfixturevalue("postgres_url"), tmp_path) as url:
        yield url


def test_two_server_processes_on_one_postgresql_lose_and_duplicate_nothing(own_postgres, tmp_path):
    seed(own_postgres, 6)
    with ServeProcess(own_postgres, tmp_path) as a, ServeProcess(own_postgres, tmp_path) as b:
        tokens = [sign_in(a.base, f"founder{i}") for i in range(6)]
        acked: dict[str, dict[str, Any]] = {}

        def post(server: ServeProcess, i: int, n: int) -> Callable[[], httpx.Response]:
            return lambda: httpx.post(f"{server.base}/api/v1/applications", json=establishment(n), timeout=60,
                                      headers={"Authorization": f"Bearer {tokens[i]}", "Idempotency-Key": f"k{n}"})

        # The same key sent to both processes at once, by every client at once: 12 requests in flight.
        for round_ in range(10):
            calls = [post(server, i, round_ * 6 + i) for i in range(6) for server in (a, b)]
            answers = at_once(*calls)
            assert all(r.status_code == 201 for r in answers), [r.text for r in answers if r.status_code != 201]
            for i in range(6):
                first, second = answers[2 * i].json(), answers[2 * i + 1].json()
                assert first["id"] == second["id"] and first["uscc"] == second["uscc"]
                acked[f"k{round_ * 6 + i}"] = first
    assert len(acked) == 60
    check_every_acknowledgement_kept(own_postgres, acked)  # and `yima audit verify` passes
