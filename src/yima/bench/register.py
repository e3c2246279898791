"""``yima bench register``: a live server and C concurrent clients submitting applications that
qualify for 秒批; prints throughput and latency percentiles.

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
from datetime import date
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import text

from yima.accounts.service import add_user
from yima.clock import utcnow
from yima.db import Database
from yima.db.migrate import upgrade
from yima.identity import make_id_number
from yima.zones.service import add_zone

PASSWORD = "bench-password-1"
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


def run_register_benchmark(console: Console, *, clients: int, count: int, db_url: str | None, workers: int,
                           sqlite_synchronous: str = "FULL") -> None:
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
    database.dispose()
    port = _free_port()
    env = {**os.environ, "YIMA_DATABASE_URL": url, "YIMA_DATA_DIR": str(workdir),
           "YIMA_SQLITE_SYNCHRONOUS": sqlite_synchronous}
    server_log = workdir / "server.log"  # a JSON line per request: a pipe nobody reads would fill and stall
    server = subprocess.Popen([sys.executable, "-m", "yima.cli", "serve", "--port", str(port), "--workers",
                               str(workers), "--jobs-every", "0"], env=env, stdout=subprocess.DEVNULL,
                              stderr=server_log.open("wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, server, server_log)
        tokens = [httpx.post(f"{base}/api/v1/auth/token", data={"username": f"bench{i}", "password": PASSWORD})
                  .json()["access_token"] for i in range(clients)]
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        counter = iter(range(count))
        with Progress(TextColumn("submitting"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                      TimeRemainingColumn(), console=console) as progress:
            task = progress.add_task("submit", total=count, rate="")
            started = time.perf_counter()

            def client(token: str) -> None:
                # The standard library's client: the load generator must cost far less than the server.
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
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
                        latencies.append(elapsed)
                        if not ok:
                            failures.append(f"{response.status} {answer[:200]!r}")
                        done = len(latencies)
                    if done % 50 == 0:
                        progress.update(task, completed=done, rate=f"{done / (time.perf_counter() - started):,.0f}/s")

            threads = [threading.Thread(target=client, args=(token,)) for token in tokens]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
            progress.update(task, completed=len(latencies))
    finally:
        server.terminate()
        server.wait(timeout=30)
    table = Table(title=f"yima bench register — {count:,} applications, {clients} clients, "
                        f"{workers} worker(s), {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'} "
                        f"{durability}")
    for column in ("approvals/s", "p50 ms", "p95 ms", "p99 ms", "mean ms", "failed"):
        table.add_column(column, justify="right")
    approved = len(latencies) - len(failures)
    table.add_row(f"{approved / wall:,.0f}", f"{_percentile(latencies, .5) * 1000:.1f}",
                  f"{_percentile(latencies, .95) * 1000:.1f}", f"{_percentile(latencies, .99) * 1000:.1f}",
                  f"{statistics.fmean(latencies) * 1000:.1f}", str(len(failures)))
    console.print(table)
    for failure in failures[:5]:
        console.print(f"[red]{failure}[/red]")


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
