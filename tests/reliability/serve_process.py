"""Real ``yima serve`` processes for the reliability and operations tests: each in its own process
group (so that SIGKILL takes its worker processes too), on a free port, logging to a file."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from yima.db.engine import normalise_url
from yima_process import Spawned, spawn_yima


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    """``yima serve`` on 127.0.0.1: start, SIGKILL its whole process group, start again."""

    def __init__(self, url: str, workdir: Path, workers: int = 1, env: dict[str, str] | None = None,
                 jobs_every: int = 0) -> None:
        self.url, self.workdir, self.workers, self.jobs_every = url, workdir, workers, jobs_every
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"serve-{self.port}.log"
        # The development secrets (loopback only): the tests seed zone keys with them in-process.
        self.env = {**os.environ, "YIMA_DATABASE_URL": url, "YIMA_DATA_DIR": str(workdir / "data"),
                    "YIMA_PUBLIC_BASE_URL": self.base, **(env or {})}
        self.process: Spawned | None = None
        self.starts = 0

    def start(self, timeout: float = 180) -> ServeProcess:
        """Start (forked from the worker's zygote, see ``yima_process``) and wait for /healthz. The
        allowance is generous: on a loaded 2-core CI machine a start builds the application and
        warms it up (once, before the workers are forked from it: ``yima.web.prefork``)."""
        self.process = spawn_yima(["serve", "--port", str(self.port), "--workers", str(self.workers),
                                   "--jobs-every", str(self.jobs_every)], env=self.env, log=self.log_path,
                                  stdout=os.devnull)
        self.starts += 1
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"yima serve exited {self.process.returncode}: "
                                       f"{self.log_path.read_text()[-3000:]}")
                try:
                    if client.get(f"{self.base}/healthz").status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        raise RuntimeError(f"yima serve did not answer within {timeout} s: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: the server and every worker die at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_lines(self) -> list[dict[str, Any]]:
        """Every whole JSON line the server wrote (a line that is not JSON fails the test); a last line
        still being written, without its newline yet, is left for the next read."""
        written = self.log_path.read_text("utf-8")
        whole = written[: written.rfind("\n") + 1]
        return [json.loads(line) for line in whole.splitlines() if line.strip()]

    def wait_for_log(self, wanted: Callable[[dict[str, Any]], bool], what: str,
                     timeout: float = 30) -> list[dict[str, Any]]:
        """The log's lines once one of them is ``wanted``: a request's line is written after its
        response has been sent, so on a loaded machine it comes a moment after the answer."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.log_lines()
            if any(wanted(line) for line in lines):
                return lines
            assert time.monotonic() < deadline, f"{what} was not logged within {timeout} s"
            time.sleep(0.1)

    def wait_for_text(self, pattern: re.Pattern[str], timeout: float = 30) -> str:
        """The text log once ``pattern`` is found in it (for ``YIMA_LOG_FORMAT=text``)."""
        deadline = time.monotonic() + timeout
        while not pattern.search(written := self.log_path.read_text("utf-8")):
            assert time.monotonic() < deadline, f"{pattern.pattern} not logged within {timeout} s: {written[-2000:]}"
            time.sleep(0.1)
        return written

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def fresh_database(kind: str, postgres_url: str | None, workdir: Path) -> Iterator[str]:
    """A database of its own, unmigrated: a SQLite file, or a throwaway PostgreSQL database on the
    suite's server (dropped after)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'own-{uuid.uuid4().hex[:8]}.db'}"
        return
    assert postgres_url is not None
    name = f"yima_rel_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(postgres_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


KINDS = ["sqlite", "postgresql"]


def own_database_for(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """For a fixture parametrised by ``KINDS``: an unmigrated database of the test's own."""
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with fresh_database(request.param, postgres, tmp_path) as url:
        yield url
