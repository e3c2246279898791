"""Two ``yima serve`` processes of one zone on one PostgreSQL database deliver its outbox together:
Chengdu is down while Chongqing's applicants submit through either process, so every forwarded
application waits in the outbox; once Chengdu is back, both processes' delivery loops race for the
same due messages. Each message is delivered by exactly one of them, Chengdu never receives a copy
while the first is being applied (it logs any copy it sees again), and it holds each application
once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from instances import Instance, throwaway_postgres, wait_for
from sqlalchemy import func, select
from test_two_instances import body

from yima.db import Database
from yima.federation.tables import OutboxMessage
from yima.registration.tables import Application

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("outbox_two_processes")]
COUNT = 12
DELIVERED = re.compile(r"message ([0-9a-f-]{36}) \(application\.forwarded\) delivered to cd-gxq")


@pytest.fixture(scope="module")
def chongqing_postgres_url() -> Iterator[str]:
    yield from throwaway_postgres("yima_outbox")


def _forwarded(url: str) -> list[OutboxMessage]:
    db = Database(url)
    try:
        with db.read() as session:
            return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "application.forwarded")))
    finally:
        db.dispose()


def _count_applications(url: str) -> int:
    db = Database(url)
    try:
        with db.read() as session:
            return int(session.scalar(select(func.count()).select_from(Application)) or 0)
    finally:
        db.dispose()


def test_two_processes_on_one_postgresql_send_each_message_once(tmp_path_factory, chongqing_postgres_url) -> None:
    homes = [Path(tmp_path_factory.mktemp(name)) for name in ("cq-a", "cq-b", "cd")]
    first = Instance("cq-gxq", chongqing_postgres_url, homes[0])
    second = Instance("cq-gxq", chongqing_postgres_url, homes[1])
    chengdu = Instance("cd-gxq", f"sqlite:///{homes[2] / 'cd.db'}", homes[2])
    first.set_up([("alice", "applicant", None)])
    chengdu.set_up([])
    try:
        for instance in (first, second, chengdu):
            instance.start()
        first.cli("partners", "add", "cd-gxq", "--url", chengdu.url, "--trust-list",
                  chengdu.url + "/.well-known/yima/trust-list.json")
        chengdu.cli("partners", "add", "cq-gxq", "--url", first.url, "--trust-list",
                    first.url + "/.well-known/yima/trust-list.json")
        chengdu.stop()
        for n in range(COUNT):
            through = (first, second)[n % 2]
            answer = httpx.post(through.url + "/api/v1/applications", json=body(f"成都并发{n:02d}号科技有限公司"),
                                headers=through.token("alice"), timeout=60)
            assert answer.status_code == 201 and answer.json()["status"] == "forwarded", answer.text
        assert wait_for(lambda: all(m.attempts >= 1 for m in _forwarded(chongqing_postgres_url)), seconds=60)
        assert all(m.delivered_at is None for m in _forwarded(chongqing_postgres_url))
        chengdu.start()
        assert wait_for(lambda: all(m.delivered_at for m in _forwarded(chongqing_postgres_url)), seconds=180)
    finally:
        for instance in (first, second, chengdu):
            instance.stop()
    messages = {m.id for m in _forwarded(chongqing_postgres_url)}
    assert len(messages) == COUNT
    by_process = [set(DELIVERED.findall(_log(instance))) for instance in (first, second)]
    assert by_process[0] | by_process[1] == messages  # every message delivered, and logged by its sender
    assert not by_process[0] & by_process[1], "a message was delivered by both processes"
    assert "received again" not in _log(chengdu), "Chengdu received a copy of a message it had applied"
    assert _count_applications(chengdu.db_url) == COUNT
    print(f"delivered by the first process: {len(by_process[0])}, by the second: {len(by_process[1])}")


def _log(instance: Instance) -> str:
    return "".join(path.read_text("utf-8") for path in instance.home.glob("serve-*.log"))
