"""Acknowledged means kept: a real ``yima serve`` under load is SIGKILLed (its whole process group)
several times mid-stream and restarted; clients retry with their ``Idempotency-Key`` until they
are answered. Every application answered 201 is then there exactly once, approved, with its
credit code, its enterprise and its audit entries, and every audit chain verifies."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from factories import NOW, PASSWORD, application_body
from reliability.serve_process import ServeProcess
from yima.accounts.service import add_user
from yima.audit.tables import AuditEntry
from yima.bench.register import trade_name
from yima.db import Database
from yima.db.migrate import upgrade
from yima.registration.codes import is_valid_uscc
from yima.registration.identity import make_id_number
from yima.registration.tables import Application, Enterprise
from yima.zones.service import add_zone

CLIENTS = 8
PER_CLIENT = 30
KILLS = 3


def establishment(n: int) -> dict[str, Any]:
    """The n-th distinct establishment that qualifies for 秒批 (the seal tests' 秒批 body)."""
    rep = {"name": "张小明", "id_number": make_id_number("500107", date(1988, 3, 9), n % 1000),
           "phone": "13800000000"}
    return application_body(name=f"重庆{trade_name(n + 1000)}科技有限公司", legal_representative=rep,
                            shareholders=[{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "100"}])


def seed(url: str, users: int) -> None:
    upgrade(url)
    db = Database(url)
    add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, NOW, place_names=["重庆", "重庆市"])
    for i in range(users):
        add_user(db, f"founder{i}", "applicant", PASSWORD, NOW)
    db.dispose()


def sign_in(base: str, username: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}, timeout=60)
    response.raise_for_status()
    return str(response.json()["access_token"])


class Clients:
    """C client threads, each submitting its share with one Idempotency-Key per application and
    retrying that key (a refused connection, a reset, a timeout) until it is answered."""

    def __init__(self, servers: list[ServeProcess], tokens: list[str]) -> None:
        self.servers, self.tokens = servers, tokens
        self.acked: dict[str, dict[str, Any]] = {}  # key -> the 201 body
        self.answers: dict[str, list[dict[str, Any]]] = {}
        self.unexpected: list[str] = []
        self.retries = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(len(tokens))]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "clients did not finish"

    def _run(self, i: int) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[i]}"}
        for j in range(PER_CLIENT):
            key, n = f"client{i}-application{j}", i * PER_CLIENT + j
            self._submit(key, establishment(n), headers, self.servers[(i + j) % len(self.servers)])

    def _submit(self, key: str, body: dict[str, Any], headers: dict[str, str], server: ServeProcess) -> None:
        while True:
            try:
                response = httpx.post(f"{server.base}/api/v1/applications", json=body, timeout=20,
                                      headers={**headers, "Idempotency-Key": key})
            except httpx.HTTPError:
                with self.lock:
                    self.retries += 1
                time.sleep(0.1)
                continue
            with self.lock:
                if response.status_code == 201:
                    self.acked[key] = response.json()
                    return
                self.unexpected.append(f"{key}: {response.status_code} {response.text[:300]}")
                return


def check_every_acknowledgement_kept(url: str, acked: dict[str, dict[str, Any]]) -> None:
    db = Database(url)
    try:
        with db.read() as session:
            apps = {a.idempotency_key: a for a in session.scalars(select(Application))}
            usccs = set(session.scalars(select(Enterprise.uscc)))
            audited = Counter((e.subject, e.action) for e in session.scalars(select(AuditEntry)))
    finally:
        db.dispose()
    assert len(apps) == len(acked), "an application more or less than was acknowledged"
    for key, answer in acked.items():
        app = apps[key]
        assert app.id == answer["id"] and app.status == "approved" == answer["status"]
        assert app.enterprise_uscc == answer["uscc"] and is_valid_uscc(app.enterprise_uscc)
        assert app.enterprise_uscc in usccs
        for action in ("application.submitted", "application.approved"):
            assert audited[(f"application:{app.id}", action)] == 1, (key, action)
        assert audited[(f"enterprise:{app.enterprise_uscc}", "enterprise.established")] == 1
    assert len({a["uscc"] for a in acked.values()}) == len(acked) == len(usccs)
    verify = subprocess.run([sys.executable, "-m", "yima.cli", "audit", "verify", "--db", url],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_acknowledged_applications_survive_sigkill_of_the_whole_server(own_database: str, tmp_path: Path):
    seed(own_database, CLIENTS)
    server = ServeProcess(own_database, tmp_path, workers=2).start()
    try:
        clients = Clients([server], [sign_in(server.base, f"founder{i}") for i in range(CLIENTS)])
        clients.start()
        total = CLIENTS * PER_CLIENT
        for kill in range(1, KILLS + 1):
            while len(clients.acked) < total * kill // (KILLS + 1):
                assert not clients.unexpected, clients.unexpected[:3]
                time.sleep(0.02)
            server.kill()  # mid-stream: every client has a request in flight or about to be sent
            server.start()
        clients.join(timeout=240)
    finally:
        server.stop()
    assert not clients.unexpected, clients.unexpected[:3]
    assert server.starts == KILLS + 1 and clients.retries > 0
    check_every_acknowledgement_kept(own_database, clients.acked)
    print(f"\n{len(clients.acked)} applications acknowledged, {KILLS} SIGKILLs, {clients.retries} retries: "
          f"none lost, none doubled ({own_database.split(':')[0]})")
