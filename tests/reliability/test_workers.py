"""``yima serve --workers 2``: the application built once, its workers forked from it
(``yima.web.prefork``). A worker that dies is replaced and the server keeps answering; SIGTERM to
the server stops every process it started and it exits 0; the supervisor holds no connection to
the database when it forks, and no two of its processes share one."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from reliability.serve_process import KINDS, ServeProcess, own_database_for
from yima.db.engine import normalise_url


@pytest.fixture(params=KINDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, unmigrated: SQLite, then PostgreSQL."""
    yield from own_database_for(request, tmp_path)


def started(server: ServeProcess, event: str) -> list[int]:
    """The pids the server's supervisor logged ``event`` for, in order."""
    return [line["pid"] for line in server.log_lines() if line.get("event") == event]


def wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (not gone, not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_killed_worker_is_replaced_and_sigterm_stops_every_process(tmp_path):
    server = ServeProcess(f"sqlite:///{tmp_path / 'workers.db'}", tmp_path, workers=2).start()
    try:
        assert server.process is not None
        wait_for(lambda: len(started(server, "serve.worker_started")) == 2, "two workers started")
        first, second = started(server, "serve.worker_started")
        (jobs,) = started(server, "serve.jobs_started")  # the features' loops, beside the workers
        assert len({server.process.pid, first, second, jobs}) == 4 and all(map(alive, (first, second, jobs)))

        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(started(server, "serve.worker_started")) == 3, "a worker started in its place")
        replacement = started(server, "serve.worker_started")[2]
        assert replacement not in (first, second) and alive(replacement) and alive(second)
        exited = [line for line in server.log_lines() if line.get("event") == "serve.worker_exited"]
        assert [(line["pid"], line["status"]) for line in exited] == [(first, -signal.SIGKILL)]
        # Each request on a new connection: whichever worker accepts it answers.
        for _ in range(20):
            assert httpx.get(f"{server.base}/readyz", timeout=30).status_code == 200

        os.kill(jobs, signal.SIGKILL)  # the jobs' process is supervised alike
        wait_for(lambda: len(started(server, "serve.jobs_started")) == 2, "the jobs' process started again")

        server.process.send_signal(signal.SIGTERM)  # the supervisor alone: it passes the signal on
        assert server.process.wait(timeout=60) == 0
        children = [second, replacement, *started(server, "serve.jobs_started")]
        assert not any(map(alive, children)), [pid for pid in children if alive(pid)]
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.base}/healthz", timeout=5)
        events = [line.get("event") for line in server.log_lines()]
        assert "serve.stopping" in events and events[-1] == "serve.stopped"
    finally:
        server.stop()


def test_sighup_replaces_every_worker_without_a_gap_or_an_error(tmp_path):
    """SIGHUP forks the new workers first, then retires the old ones: the server answers all the
    while, the old workers finish and go (logged as retired, at info level), and nothing is logged
    as an error. SIGTTOU retires one worker alike; SIGTTIN adds one."""
    server = ServeProcess(f"sqlite:///{tmp_path / 'sighup.db'}", tmp_path, workers=2).start()
    try:
        assert server.process is not None
        wait_for(lambda: len(started(server, "serve.worker_started")) == 2, "two workers started")
        old = started(server, "serve.worker_started")
        server.process.send_signal(signal.SIGHUP)
        answers = []
        deadline = time.monotonic() + 120
        while len(started(server, "serve.worker_retired")) < 2 and time.monotonic() < deadline:
            answers.append(httpx.get(f"{server.base}/readyz", timeout=30).status_code)
        retired = [line for line in server.log_lines() if line.get("event") == "serve.worker_retired"]
        # uvicorn ends a worker that finished its requests by raising the SIGTERM it handled again.
        assert sorted((line["pid"], line["status"], line["level"]) for line in retired) == \
            sorted((pid, -signal.SIGTERM, "info") for pid in old)
        new = started(server, "serve.worker_started")[2:]
        assert len(new) == 2 and all(map(alive, new)) and not any(map(alive, old))
        assert answers and set(answers) == {200}, answers

        server.process.send_signal(signal.SIGTTOU)  # one worker fewer: retired, not replaced
        wait_for(lambda: len(started(server, "serve.worker_retired")) == 3, "one worker retired")
        time.sleep(1.5)  # a replacement would be forked within the restart pause
        assert len(started(server, "serve.worker_started")) == 4
        assert httpx.get(f"{server.base}/readyz", timeout=30).status_code == 200

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
        lines = server.log_lines()
        assert not [line for line in lines if line.get("level") == "error"], lines
        assert not [line for line in lines if line.get("event") == "serve.worker_exited"]
    finally:
        server.stop()


def database_handles(pid: int, url: str) -> set[str]:
    """What process ``pid`` holds open on the database: its sockets connected to the PostgreSQL
    server's port (``socket:[inode]``), or the SQLite file and its companions (``-wal``, ``-shm``,
    the writer lock)."""
    links = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:  # closed meanwhile
            continue
    parsed = make_url(normalise_url(url))
    if parsed.drivername.startswith("sqlite"):
        path = str(Path(str(parsed.database)).resolve())
        return {link for link in links if link.startswith(path)}
    port = f":{parsed.port or 5432:04X}"
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[2].endswith(port):  # rem_address
                    sockets.add(f"socket:[{fields[9]}]")
    return links & sockets


def test_the_workers_do_not_share_a_database_connection(own_database, tmp_path):
    with ServeProcess(own_database, tmp_path, workers=2) as server:
        assert server.process is not None
        wait_for(lambda: len(started(server, "serve.worker_started")) == 2, "two workers started")
        workers = started(server, "serve.worker_started")
        # Requests that read the database, each on a new connection, until both workers hold one.
        for _ in range(400):
            if all(database_handles(pid, own_database) for pid in workers):
                break
            assert httpx.get(f"{server.base}/readyz", timeout=30).status_code == 200
        held = {pid: database_handles(pid, own_database) for pid in workers}
        assert all(held.values()), held
        # Nothing the workers could have inherited: the supervisor holds nothing on the database.
        assert database_handles(server.process.pid, own_database) == set()
        if not own_database.startswith("sqlite"):  # a socket shared by two processes is one inode in both
            first, second = held.values()
            assert first.isdisjoint(second), held
