"""Two real Yima instances for the federation tests: ``yima serve`` processes, each its own database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from yima.db import Database
from yima.db.engine import normalise_url
from yima.outbound import tls
from yima_process import Spawned, run_yima, spawn_yima


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

PASSWORD = "test-password-1"
ZONES = {"cq-gxq": ("重庆高新区", "500107", "重庆,重庆市", "0"),
         "cd-gxq": ("成都高新区", "510109", "成都,成都市,四川,四川省", "1")}


class Instance:
    """One zone's instance: its database, data directory, port and server process."""

    def __init__(self, zone: str, db_url: str, home: Path) -> None:
        self.zone, self.db_url, self.home = zone, db_url, home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Spawned | None = None
        self.tokens: dict[str, str] = {}
        self.env = {**os.environ, "YIMA_PUBLIC_BASE_URL": self.url, "YIMA_DATA_DIR": str(home / "data"),
                    "YIMA_DATABASE_URL": db_url, "YIMA_SECRET_KEY": "federation-test-secret-0123456789abcdef"}

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read session on the instance's database, its engine disposed afterwards."""
        db = Database(self.db_url)
        try:
            with db.read() as session:
                yield session
        finally:
            db.dispose()

    def cli(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = run_yima([*args, "--db", self.db_url], input=stdin, timeout=180, env=self.env)
        if check and result.returncode != 0:
            raise AssertionError(f"yima {' '.join(args)} failed: {result.stdout}\n{result.stderr}")
        return result

    def set_up(self, users: list[tuple[str, str, str | None]]) -> None:
        name, division, places, block = ZONES[self.zone]
        self.cli("zones", "add", self.zone, "--name", name, "--division", division, "--residents", "1000000",
                 "--places", places, "--org-block", block)
        for username, role, zone in users:
            self.cli("users", "add", username, "--role", role, *(["--zone", zone] if zone else []),
                     "--password-stdin", stdin=PASSWORD + "\n")

    def start(self) -> None:
        self.tokens.clear()  # a new process: its users sign in again
        self.process = spawn_yima(["serve", "--db", self.db_url, "--port", str(self.port), "--jobs-every", "0"],
                                  env=self.env, log=self.home / f"serve-{self.port}.log")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2, verify=tls()).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"yima serve exited: {(self.home / f'serve-{self.port}.log').read_text()}")
            time.sleep(0.3)
        raise AssertionError("yima serve did not come up")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, whatever was in flight is cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def log_text(self) -> str:
        """What the server wrote to its log (JSON lines) so far."""
        return "".join(path.read_text("utf-8", errors="replace") for path in sorted(self.home.glob("serve-*.log")))

    def token(self, username: str) -> dict[str, str]:
        """The user's bearer header; a user signs in once per server process (a sign-in runs Argon2
        at the production cost in the server, and tests poll pages as the user every 0.3 s)."""
        if username not in self.tokens:
            answer = httpx.post(self.url + "/api/v1/auth/token", data={"username": username, "password": PASSWORD},
                                timeout=30, verify=tls())
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        answer = httpx.get(self.url + path, headers=headers, timeout=30, verify=tls())
        assert answer.status_code == 200, answer.text
        return answer.json()


def wait_for(check: Any, seconds: float = 60.0, every: float = 0.3) -> Any:
    """Poll ``check()`` until it returns something true; its last value otherwise."""
    deadline = time.monotonic() + seconds
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = check()
    return value


def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database for one module's instances, dropped after (a fixture's body)."""
    admin_url = normalise_url(os.environ.get("YIMA_TEST_POSTGRES_URL",
                                             "postgresql://postgres:postgres@127.0.0.1:5432/postgres"))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        if os.environ.get("YIMA_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL unreachable: {err}")
        pytest.skip(f"PostgreSQL unreachable: {err.__class__.__name__}")
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
