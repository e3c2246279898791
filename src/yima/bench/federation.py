"""``yima bench federation``: two live instances (``yima serve`` processes, each its own SQLite
database) that are partners; C clients forward N applications that qualify for 秒批 from Chongqing
to Chengdu. Prints forwarded applications per second (accepted, and delivered back with their
licence), the latency from submission to the delivered licence, and a local 秒批 at Chengdu for
comparison: the difference is what a forward adds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from yima.accounts.service import add_user
from yima.bench.register import body as local_body
from yima.bench.register import trade_name
from yima.clock import as_utc, utcnow
from yima.db import Database
from yima.db.migrate import upgrade
from yima.demo.cross_region import partner_up
from yima.federation.tables import Case
from yima.identity import make_id_number
from yima.registration.tables import Application
from yima.standard import configured_standard
from yima.zones.service import add_zone

PASSWORD = "bench-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def forwarded_body(n: int) -> dict[str, Any]:
    rep = {"name": "张三", "id_number": make_id_number("500107", date(1990, 1, 1), 1 + n % 900),
           "phone": "13800000000"}
    return {"zone": "cd-gxq", "matter": "establish", "entity_type": "llc", "channel": "online",
            "name": f"成都{trade_name(n)}科技有限公司", "registered_capital": "1000000.00",
            "industry_code": "I6513", "scope": ["software_development"],
            "addresses": [{"text": "四川省成都市高新区天府大道北段1700号", "proof": "commitment"}],
            "legal_representative": rep,
            "shareholders": [{"name": "张三", "id_number": rep["id_number"], "share_pct": "100"}],
            "materials": ["application_form", "articles_of_association"],
            "commitments": ["address", "beneficial_owner"]}


def _serve(url: str, port: int, base: str, home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "YIMA_PUBLIC_BASE_URL": base, "YIMA_DATA_DIR": str(home), "YIMA_DATABASE_URL": url}
    log = open(home / "serve.log", "ab")  # noqa: SIM115 (kept open for the process)
    process = subprocess.Popen([sys.executable, "-m", "yima.cli", "serve", "--db", url, "--port", str(port),
                                "--jobs-every", "0"], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the server on port {port} did not start")


def _token(base: str, username: str) -> str:
    answer = httpx.post(base + "/api/v1/auth/token", data={"username": username, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def run_federation_benchmark(console: Console, *, count: int = 200, clients: int = 8, local: int = 50) -> None:
    home = Path(tempfile.mkdtemp(prefix="yima-bench-federation-"))
    urls = (f"sqlite:///{home / 'cq.db'}", f"sqlite:///{home / 'cd.db'}")
    ports = (_free_port(), _free_port())
    bases = (f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}")
    now = utcnow()
    standard = configured_standard()
    chongqing, chengdu = Database(urls[0]), Database(urls[1])
    for url in urls:
        upgrade(url)
    add_zone(chongqing, "cq-gxq", "重庆高新区", "500107", 575_047, now, place_names=["重庆", "重庆市"])
    add_zone(chengdu, "cd-gxq", "成都高新区", "510109", 1_263_000, now, place_names=["成都", "成都市"], org_block=1)
    add_user(chongqing, "bench", "applicant", PASSWORD, now)
    add_user(chengdu, "bench", "applicant", PASSWORD, now)
    partner_up(chongqing, chengdu, standard, bases[0], bases[1], now)
    (home / "cq").mkdir()
    (home / "cd").mkdir()
    console.print(f"starting two instances ({bases[0]} Chongqing, {bases[1]} Chengdu) …")
    servers = [_serve(urls[0], ports[0], bases[0], home / "cq"), _serve(urls[1], ports[1], bases[1], home / "cd")]
    try:
        local_ms = _local_instant(bases[1], _token(bases[1], "bench"), local)
        accepted_s, delivered_s = _forward(console, chongqing, bases[0], _token(bases[0], "bench"), count, clients)
        with chongqing.read() as session:
            rows = session.execute(select(Application.submitted_at, Case.licence_delivered_at)
                                   .join(Case, Case.application_id == Application.id)).all()
        latency_ms = [(as_utc(d) - as_utc(s)).total_seconds() * 1000 for s, d in rows if d is not None]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        chongqing.dispose()
        chengdu.dispose()
    table = Table(title=f"yima bench federation: {count} forwarded applications, {clients} clients (SQLite)")
    for column in ("measure", "value"):
        table.add_column(column)
    table.add_row("forwarded applications accepted per second (201 forwarded)", f"{count / accepted_s:.1f}")
    table.add_row("forwarded applications delivered back per second (licence at the accepting zone)",
                  f"{count / delivered_s:.1f}")
    table.add_row("submission → delivered licence, p50 / p95 (ms)",
                  f"{_percentile(latency_ms, 50):.0f} / {_percentile(latency_ms, 95):.0f}")
    table.add_row(f"local 秒批 at the issuing zone, p50 / p95 (ms, {local} sequential)",
                  f"{_percentile(local_ms, 50):.0f} / {_percentile(local_ms, 95):.0f}")
    table.add_row("added by the forward, p50 (ms)", f"{_percentile(latency_ms, 50) - _percentile(local_ms, 50):.0f}")
    console.print(table)


def _local_instant(base: str, token: str, count: int) -> list[float]:
    timings = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for n in range(count):
            data = {**local_body(100_000 + n), "zone": "cd-gxq", "name": f"成都{trade_name(100_000 + n)}科技有限公司",
                    "addresses": [{"text": "四川省成都市高新区天府大道北段1700号", "proof": "commitment"}]}
            started = time.perf_counter()
            answer = client.post("/api/v1/applications", json=data)
            timings.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 201 or answer.json()["status"] != "approved":
                raise RuntimeError(f"local 秒批 failed: {answer.text[:300]}")
    return timings


def _forward(console: Console, chongqing: Database, base: str, token: str, count: int,
             clients: int) -> tuple[float, float]:
    """(seconds until every application was accepted, seconds until every licence was delivered)."""
    numbers = iter(range(count))
    lock = threading.Lock()
    errors: list[str] = []

    def client() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                answer = http.post("/api/v1/applications", json=forwarded_body(n))
                if answer.status_code != 201 or answer.json()["status"] != "forwarded":
                    errors.append(answer.text[:300])

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} forwards failed, e.g. {errors[0]}")
    console.print(f"{count} accepted in {accepted:.1f} s; waiting for the licences …")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with chongqing.read() as session:
            done = session.scalar(select(func.count()).select_from(Case).where(Case.licence_delivered_at.is_not(None)))
        if done == count:
            return accepted, time.perf_counter() - started
        time.sleep(0.2)
    raise RuntimeError("not every licence came back within 10 minutes")
