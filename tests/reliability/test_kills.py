"""Acknowledged means kept: a real ``yima serve`` under load is SIGKILLed (its whole process group)
several times mid-stream and restarted; clients retry with their ``Idempotency-Key`` until they
are answered. Every application answered 201 is then there exactly once, approved, with its
credit code, its enterprise and its audit entries, and every audit chain verifies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reliability.load_helpers import check_every_acknowledgement_kept, establishment, seed, sign_in
from reliability.serve_process import KINDS, ServeProcess, own_database_for

CLIENTS = 8
PER_CLIENT = 30
KILLS = 3


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
        # One client per thread: a new client per retry costs a TLS context each time, and eight
        # threads retrying against a restarting server would then starve the restart of CPU.
        with httpx.Client(timeout=20) as client:
            for j in range(PER_CLIENT):
                key, n = f"client{i}-application{j}", i * PER_CLIENT + j
                self._submit(client, key, establishment(n), headers, self.servers[(i + j) % len(self.servers)])

    def _submit(self, client: httpx.Client, key: str, body: dict[str, Any], headers: dict[str, str],
                server: ServeProcess) -> None:
        pause = 0.05
        while True:
            try:
                response = client.post(f"{server.base}/api/v1/applications", json=body,
                                       headers={**headers, "Idempotency-Key": key})
            except httpx.HTTPError:
                with self.lock:
                    self.retries += 1
                time.sleep(pause)
                pause = min(pause * 2, 1.0)  # back off while the server restarts, as a real client would
                continue
            with self.lock:
                if response.status_code == 201:
                    self.acked[key] = response.json()
                    return
                self.unexpected.append(f"{key}: {response.status_code} {response.text[:300]}")
                return


@pytest.fixture(params=KINDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, unmigrated: SQLite, then PostgreSQL."""
    yield from own_database_for(request, tmp_path)


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
        clients.join(timeout=400)
    finally:
        server.stop()
    assert not clients.unexpected, clients.unexpected[:3]
    assert server.starts == KILLS + 1 and clients.retries > 0
    check_every_acknowledgement_kept(own_database, clients.acked)
    print(f"\n{len(clients.acked)} applications acknowledged, {KILLS} SIGKILLs, {clients.retries} retries: "
          f"none lost, none doubled ({own_database.split(':')[0]})")
