"""``yima bench register``: a live server and C concurrent clients submitting applications that
qualify for 秒批; prints throughput and latency percentiles, and the ratio to the floor measured in
the same run (``yima.bench.floor``: the same HTTP stack and one INSERT per request).

``--sqlite-synchronous NORMAL`` measures what durable commits cost: the server then syncs SQLite's
write-ahead log only at checkpoints, as it did before every acknowledged commit had to survive
power loss. On PostgreSQL the table shows the ``synchronous_commit`` the server's sessions run with.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import text

from yima.accounts.service import add_user
from yima.bench.bulk import copy_register
from yima.bench.floor import create_floor_table, drop_floor_table
from yima.clock import local_date, utcnow
from yima.db import Database
from yima.db.migrate import upgrade
from yima.identity import make_id_number
from yima.stats.importer import load_entities
from yima.stats.synthetic import SYNTHETIC_BLOCK, synthetic_register
from yima.zones.service import add_zone

PASSWORD = "bench-password-1"
#: Organisation codes of the synthetic register (``--register``), far from the zone's own block.
REGISTER_ORG_BLOCK = 90_000_000
#: Untimed requests per client before each run is timed.
WARM_UP = 4
TRADE_CHARS = "云帆星河山城嘉陵渝州巴蜀锦绣长江明月青松翠竹金桥银杏红岩朝天"


def trade_name(n: int) -> str:
    """A distinct two-or-more-character trade name (字号) for every n."""
    chars = []
    while True:
        n, digit = divmod(n, len(TRADE_CHARS))
        chars.append(TRADE_CHARS[digit])
        if n == 0:
            break
    while len(chars) < 3:
        chars.append(TRADE_CHARS[0])
    return "".join(reversed(chars))


def body(n: int) -> dict[str, object]:
    rep = {"name": "张三", "id_number": make_id_number("500107", date(1990, 1, 1) , 1 + n % 900),
           "phone": "13800000000"}
    return {"zone": "cq-gxq", "matter": "establish", "entity_type": "llc", "channel": "online",
            "name": f"重庆{trade_name(n)}科技有限公司", "registered_capital": "1000000.00",
            "industry_code": "I6513", "scope": ["software_development"],
            "addresses": [{"text": "重庆市九龙坡区科城路60号", "proof": "commitment"}],
            "legal_representative": rep,
            "shareholders": [{"name": "张三", "id_number": rep["id_number"], "share_pct": "100"}],
            "materials": ["application_form", "articles_of_association"],
            "commitments": ["address", "beneficial_owner"]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@dataclass
class LoadResult:
    """What one load run measured: every request's latency, the failed answers, the wall time."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0

    @property
    def per_second(self) -> float:
        return (len(self.latencies) - len(self.failures)) / self.wall if self.wall else 0.0

    def p(self, q: float) -> float:
        return _percentile(self.latencies, q) * 1000 if self.latencies else 0.0


def run_register_benchmark(console: Console, *, clients: int, count: int, db_url: str | None, workers: int,
                           sqlite_synchronous: str = "FULL", servers: int = 1, floor: bool = True,
                           register: int = 0) -> None:
    """The floor (``yima.bench.floor``) and then 秒批, each by the same clients on the same database;
    ``servers`` ``yima serve`` processes (each with ``workers`` workers) share the load. ``register``:
    the zone's register holds that many synthetic enterprises first (whole millions beyond the first),
    whose names the applications' names are checked against."""
    workdir = Path(tempfile.mkdtemp(prefix="yima-bench-"))
    url = db_url or f"sqlite:///{workdir / 'bench.db'}"
    console.print(f"database: {url}")
    upgrade(url)
    database = Database(url)
    durability = _durability(database, sqlite_synchronous)
    now = utcnow()
    add_zone(database, "cq-gxq", "重庆高新区", "500107", 575_047, now, place_names=["重庆", "重庆市"])
    for i in range(clients):
        add_user(database, f"bench{i}", "applicant", PASSWORD, now)
    held = _register(console, database, register, now) if register else 0
    env = {**os.environ, "YIMA_DATABASE_URL": url, "YIMA_DATA_DIR": str(workdir),
           "YIMA_SQLITE_SYNCHRONOUS": sqlite_synchronous}
    runs: list[tuple[str, LoadResult]] = []
    try:
        if floor:
            create_floor_table(database)
            command = [sys.executable, "-m", "uvicorn", "yima.bench.floor_asgi:app", "--workers", str(workers),
                       "--log-level", "warning", "--no-access-log"]
            runs.append(("floor",
                         _measure(console, "floor", [command], env, workdir, None, clients, count, database)))
        command = [sys.executable, "-m", "yima.cli", "serve", "--workers", str(workers), "--jobs-every", "0"]
        runs.append((f"秒批 ({servers} server(s))",
                     _measure(console, "秒批", [command] * servers, env, workdir, PASSWORD, clients, count,
                              database)))
    finally:
        if floor:
            drop_floor_table(database)
        database.dispose()
    table = Table(title=f"yima bench register — {count:,} applications, {clients} clients, {workers} worker(s) "
                        f"a server, {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'} {durability}, "
                        f"{held:,} enterprises in the zone's register before; floor: "
                        "uvicorn, ApplicationIn, one INSERT a request")
    for column in ("run", "approvals/s", "× floor", "p50 ms", "p95 ms", "p99 ms", "mean ms", "failed"):
        table.add_column(column, justify="right")
    base = runs[0][1].per_second if floor else 0.0
    for label, result in runs:
        table.add_row(label, f"{result.per_second:,.0f}", f"{result.per_second / base:.2f}" if base else "-",
                      f"{result.p(.5):.1f}", f"{result.p(.95):.1f}", f"{result.p(.99):.1f}",
                      f"{statistics.fmean(result.latencies) * 1000:.1f}", str(len(result.failures)))
    console.print(table)
    for _, result in runs:
        for failure in result.failures[:5]:
            console.print(f"[red]{failure}[/red]")


def _register(console: Console, database: Database, entities: int, now: datetime) -> int:
    """The zone's register grown to ``entities`` synthetic enterprises (their 字号 are not the
    applications', so each application is still approved at once); how many it holds."""
    first = min(entities, SYNTHETIC_BLOCK)
    started = time.perf_counter()
    load_entities(database, "cq-gxq", synthetic_register(first, local_date(now), REGISTER_ORG_BLOCK), now,
                  source="synthetic")
    held = copy_register(database, "cq-gxq", entities) if entities > first else first
    with database.read() as session:
        active = int(session.execute(text("SELECT count(*) FROM enterprises WHERE zone_id = 'cq-gxq' "
                                          "AND status = 'active'")).scalar_one())
    console.print(f"register: {held:,} synthetic enterprises, {active:,} active, in "
                  f"{time.perf_counter() - started:.0f} s")
    return held


def settle(database: Database) -> None:
    """The database as a running zone's is after its warm-up: on PostgreSQL with its tables' statistics,
    which autovacuum gathers within a minute of a zone's first fifty applications. A fresh benchmark
    database has none, and the statements the servers' sessions prepared while its tables were empty
    keep the plans made for empty tables (an index chosen by a tie of costs, scanning the whole zone
    as the tables grow) until statistics arrive; ``ANALYZE`` gives them and makes every session plan
    again. SQLite has no such statistics unless asked (``ANALYZE`` is never run by Yima), so there
    the database is left as a zone's is."""
    if not database.is_sqlite:
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def _measure(console: Console, label: str, commands: list[list[str]], env: dict[str, str], workdir: Path,
             password: str | None, clients: int, count: int, database: Database) -> LoadResult:
    """Start one server per command (each on its own port), load them round robin (an untimed warm-up,
    the database settled, then the timed run), stop them."""
    servers: list[tuple[subprocess.Popen[bytes], int]] = []
    try:
        for i, command in enumerate(commands):
            port = _free_port()
            log = workdir / f"{label}-{i}.log"  # a pipe nobody reads would fill and stall the server
            servers.append((subprocess.Popen([*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                             stderr=log.open("wb")), port))
            _wait_for(f"http://127.0.0.1:{port}", servers[-1][0], log)
        ports = [port for _, port in servers]
        tokens: list[str | None] = [None] * clients
        if password is not None:
            tokens = [httpx.post(f"http://127.0.0.1:{ports[i % len(ports)]}/api/v1/auth/token",
                                 data={"username": f"bench{i}", "password": password}).json()["access_token"]
                      for i in range(clients)]
        spread = [ports[i % len(ports)] for i in range(clients)]
        # Untimed first: each worker loads what it loads on first use (the licence font's glyph table,
        # the zone's keys), as a server that has run a while has.
        _load(console, f"{label} warm-up", spread, tokens, WARM_UP * clients, first=count)
        settle(database)
        return _load(console, label, spread, tokens, count)
    finally:
        for server, _ in servers:
            server.terminate()
        for server, _ in servers:
            server.wait(timeout=30)


def _load(console: Console, label: str, ports: list[int], tokens: list[str | None], count: int,
          first: int = 0) -> LoadResult:
    result = LoadResult()
    lock = threading.Lock()
    counter = iter(range(first, first + count))
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                  TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task("submit", total=count, rate="")
        started = time.perf_counter()

        def client(port: int, token: str | None) -> None:
            # The standard library's client: the load generator must cost far less than the server.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    connection.close()
                    return
                payload = json.dumps(body(n), ensure_ascii=False).encode()
                t0 = time.perf_counter()
                connection.request("POST", "/api/v1/applications", payload, headers)
                response = connection.getresponse()
                answer = response.read()
                elapsed = time.perf_counter() - t0
                ok = response.status == 201 and b'"status":"approved"' in answer
                with lock:
                    result.latencies.append(elapsed)
                    if not ok:
                        result.failures.append(f"{response.status} {answer[:200]!r}")
                    done = len(result.latencies)
                if done % 50 == 0:
                    progress.update(task, completed=done, rate=f"{done / (time.perf_counter() - started):,.0f}/s")

        threads = [threading.Thread(target=client, args=pair) for pair in zip(ports, tokens, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result.wall = time.perf_counter() - started
        progress.update(task, completed=len(result.latencies))
    return result


def _durability(database: Database, sqlite_synchronous: str) -> str:
    """How commits are made durable, as the server's sessions will run."""
    if database.is_sqlite:
        return f"synchronous={sqlite_synchronous}"
    with database.read() as session:
        setting = session.execute(text("SHOW synchronous_commit")).scalar_one()
    return f"synchronous_commit={setting}"


def _wait_for(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not start within 180 s")
