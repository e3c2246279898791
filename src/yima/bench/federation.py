"""``yima bench federation``: N zones (three by default, up to sixteen), each its own ``yima
serve`` process and SQLite database, members of one network (信任配置) hosted by the first. Each
zone forwards applications that qualify for 秒批 to the next one (a ring), so every zone accepts
and issues.

It prints, as absolute figures and as ratios to the targets:

* licences delivered back per second under load (every forward approved by 秒批 at the issuing
  zone and its licence — QR and COSE — delivered back to the accepting zone with the decision),
  and the signed PDFs, which follow in messages of their own, per second until the last arrived;
* submission → delivered licence, p50 and p95, at that load, and submission → delivered PDF;
* on an idle pair, what a forward adds over a local 秒批 at the issuing zone (submission to
  delivered licence, one at a time);
* what the network costs: the signed configuration's size, signing and verifying it, a member's
  poll (fetch and verify), the authority's round over its members' trust lists, and each
  instance's memory and its CPU while idle (its delivery loop and network poll alone).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from yima.accounts.service import add_user
from yima.bench.register import trade_name
from yima.clock import as_utc, utcnow
from yima.db import Database
from yima.db.migrate import upgrade
from yima.federation import network, network_rules
from yima.federation.delivery import unb64
from yima.federation.service import PDF_DELIVERED
from yima.federation.states import CaseRole
from yima.federation.tables import Case
from yima.identity import make_id_number
from yima.registration.tables import Application
from yima.standard.model import MatterStandard
from yima.zones.service import add_zone
from yima.zones.service import published_trust_list as trust_list

PASSWORD = "bench-password-1"
NETWORK = "bench"
TARGET_PER_S = 10.0
TARGET_P95_MS = 5000.0
TARGET_ADDED_MS = 100.0


@dataclass(frozen=True)
class BenchZone:
    id: str
    name: str
    division: str
    city: str
    address: str


ZONES = (
    BenchZone("cq-gxq", "重庆高新区", "500107", "重庆", "重庆市九龙坡区科城路60号"),
    BenchZone("cd-gxq", "成都高新区", "510109", "成都", "四川省成都市高新区天府大道北段1700号"),
    BenchZone("gz-gxq", "广州高新区", "440106", "广州", "广东省广州市天河区科韵路16号"),
    BenchZone("wh-gxq", "武汉东湖高新区", "420111", "武汉", "湖北省武汉市洪山区关山大道1号"),
    BenchZone("xa-gxq", "西安高新区", "610113", "西安", "陕西省西安市雁塔区科技路1号"),
    BenchZone("nj-gxq", "南京高新区", "320114", "南京", "江苏省南京市雨花台区软件大道1号"),
    BenchZone("hz-gxq", "杭州高新区", "330108", "杭州", "浙江省杭州市滨江区江南大道1号"),
    BenchZone("sz-gxq", "深圳高新区", "440305", "深圳", "广东省深圳市南山区科技园1号"),
    BenchZone("cs-gxq", "长沙高新区", "430104", "长沙", "湖南省长沙市岳麓区麓谷大道1号"),
    BenchZone("km-gxq", "昆明高新区", "530102", "昆明", "云南省昆明市五华区科普路1号"),
    BenchZone("hf-gxq", "合肥高新区", "340104", "合肥", "安徽省合肥市蜀山区望江西路1号"),
    BenchZone("zz-gxq", "郑州高新区", "410102", "郑州", "河南省郑州市中原区科学大道1号"),
    BenchZone("jn-gxq", "济南高新区", "370112", "济南", "山东省济南市历城区港兴三路1号"),
    BenchZone("fz-gxq", "福州高新区", "350102", "福州", "福建省福州市鼓楼区软件大道1号"),
    BenchZone("nc-gxq", "南昌高新区", "360102", "南昌", "江西省南昌市东湖区高新大道1号"),
    BenchZone("gy-gxq", "贵阳高新区", "520115", "贵阳", "贵州省贵阳市观山湖区长岭北路1号"),
)
MAX_ZONES = len(ZONES)


@dataclass
class Instance:
    zone: BenchZone
    url: str
    base: str
    port: int
    home: Path
    process: subprocess.Popen[bytes] | None = None

    def db(self) -> Database:
        return Database(self.url)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def application_for(zone: BenchZone, n: int) -> dict[str, Any]:
    """An application for ``zone`` that qualifies for 秒批 there."""
    rep = {"name": "张三", "id_number": make_id_number("500107", date(1990, 1, 1), 1 + n % 900),
           "phone": "13800000000"}
    return {"zone": zone.id, "matter": "establish", "entity_type": "llc", "channel": "online",
            "name": f"{zone.city}{trade_name(n)}科技有限公司", "registered_capital": "1000000.00",
            "industry_code": "I6513", "scope": ["software_development"],
            "addresses": [{"text": zone.address, "proof": "commitment"}],
            "legal_representative": rep,
            "shareholders": [{"name": "张三", "id_number": rep["id_number"], "share_pct": "100"}],
            "materials": ["application_form", "articles_of_association"],
            "commitments": ["address", "beneficial_owner"]}


def set_up_network(home: Path, count: int, standard: MatterStandard, now: datetime) -> list[Instance]:
    """``count`` zones, each its own SQLite database with an applicant ``bench``, members of the
    network ``bench`` hosted by the first (joined from the databases: the servers are not up yet)."""
    if not 2 <= count <= MAX_ZONES:
        raise ValueError(f"between 2 and {MAX_ZONES} zones")
    instances = []
    for number, zone in enumerate(ZONES[:count]):
        port = _free_port()
        instance = Instance(zone, f"sqlite:///{home / (zone.id + '.db')}", f"http://127.0.0.1:{port}", port,
                            home / zone.id)
        instance.home.mkdir()
        upgrade(instance.url)
        db = instance.db()
        add_zone(db, zone.id, zone.name, zone.division, 1_000_000, now, place_names=[zone.city, zone.city + "市"],
                 org_block=number)
        add_user(db, "bench", "applicant", PASSWORD, now)
        db.dispose()
        instances.append(instance)
    host = instances[0].db()
    network.init_network(host, NETWORK, "基准测试网络", now)
    for instance in instances:
        db = instance.db()
        network.list_zone(host, standard, instance.zone.id, instance.base, trust_list(db, standard, instance.zone.id),
                          now, allow_http=True)
        db.dispose()
    anchor, document = network.anchor(host), network.signed_document(host)
    host.dispose()
    for instance in instances:
        db = instance.db()
        network.join_document(db, standard, network.config_url(instances[0].base), anchor, document, now)
        db.dispose()
    return instances


def start(instance: Instance) -> None:
    env = {**os.environ, "YIMA_PUBLIC_BASE_URL": instance.base, "YIMA_DATA_DIR": str(instance.home),
           "YIMA_DATABASE_URL": instance.url, "YIMA_FEDERATION_ALLOW_HTTP": "1"}
    log = open(instance.home / "serve.log", "ab")  # noqa: SIM115 (kept open for the process)
    instance.process = subprocess.Popen(
        [sys.executable, "-m", "yima.cli", "serve", "--db", instance.url, "--port", str(instance.port),
         "--jobs-every", "0"], env=env, stdout=log, stderr=log)


def wait_up(instance: Instance, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(instance.base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{instance.zone.id} did not start on port {instance.port} (see {instance.home}/serve.log)")


def stop(instances: list[Instance]) -> None:
    for instance in instances:
        if instance.process is not None:
            instance.process.terminate()
    for instance in instances:
        if instance.process is not None:
            try:
                instance.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                instance.process.kill()


def rss_mib(instance: Instance) -> float:
    """The resident memory of the instance's process and its children (uvicorn's workers), MiB."""
    total = 0
    for pid in _pids(instance):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _pids(instance: Instance) -> list[int]:
    if instance.process is None:
        return []
    pid = instance.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(p) for p in children.read_text().split())] if children.exists() else [pid]


def cpu_seconds(instance: Instance) -> float:
    """CPU time (user + system) the instance's processes have used so far."""
    ticks = 0
    for pid in _pids(instance):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def idle_cpu_percent(instances: list[Instance], seconds: float) -> list[float]:
    """Each instance's CPU use while nobody uses it: its delivery loop and network poll alone."""
    before = [cpu_seconds(i) for i in instances]
    time.sleep(seconds)
    return [100 * (cpu_seconds(i) - b) / seconds for i, b in zip(instances, before, strict=True)]


def _token(base: str) -> str:
    answer = httpx.post(base + "/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}, timeout=60)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def delivered_latencies(instance: Instance, pdf: bool = False) -> list[float]:
    """Submission → delivered licence (ms) of the applications this zone forwarded, by its clock;
    with ``pdf``, submission → delivered licence PDF (of those whose PDF arrived)."""
    db = instance.db()
    try:
        with db.read() as session:
            rows = session.execute(select(Application.submitted_at, Case.licence_delivered_at, Case.steps)
                                   .join(Case, Case.application_id == Application.id)
                                   .where(Case.role == CaseRole.ACCEPTING).order_by(Application.id)).all()
    finally:
        db.dispose()
    if pdf:
        arrived = [(s, next((datetime.fromisoformat(step["at"]) for step in steps
                             if step.get("step") == PDF_DELIVERED), None)) for s, d, steps in rows if d is not None]
        return [(as_utc(a) - as_utc(s)).total_seconds() * 1000 for s, a in arrived if a is not None]
    return [(as_utc(d) - as_utc(s)).total_seconds() * 1000 for s, d, _ in rows if d is not None]


def _pdf_count(instance: Instance) -> int:
    db = instance.db()
    try:
        with db.read() as session:
            return int(session.scalar(select(func.count()).select_from(Case).where(
                Case.role == CaseRole.ACCEPTING, Case.licence_delivered_at.is_not(None),
                Case.licence_pdf.is_not(None))) or 0)
    finally:
        db.dispose()


def _delivered_count(instance: Instance) -> int:
    db = instance.db()
    try:
        with db.read() as session:
            return int(session.scalar(select(func.count()).select_from(Case).where(
                Case.role == CaseRole.ACCEPTING, Case.licence_delivered_at.is_not(None))) or 0)
    finally:
        db.dispose()


class Numbers:
    """Distinct application numbers (so distinct company names) across every client."""

    def __init__(self, start: int = 0) -> None:
        self._next, self._lock = start, threading.Lock()

    def take(self) -> int:
        with self._lock:
            self._next += 1
            return self._next


def submit(client: httpx.Client, body: dict[str, Any], status: str) -> float:
    started = time.perf_counter()
    answer = client.post("/api/v1/applications", json=body)
    took = (time.perf_counter() - started) * 1000
    if answer.status_code != 201 or answer.json()["status"] != status:
        raise RuntimeError(f"{body['zone']}: expected {status}, got {answer.status_code} {answer.text[:300]}")
    return took


def idle_pair(instances: list[Instance], tokens: dict[str, str], numbers: Numbers, count: int,
              seconds: float = 60) -> tuple[list[float], list[float]]:
    """One at a time, on an idle network: local 秒批 at the second zone (client round trip), and
    forwards from the first to the second (submission → delivered licence by the first's clock),
    each after the licence PDF of the one before arrived."""
    accepting, issuing = instances[0], instances[1]
    local = []
    with httpx.Client(base_url=issuing.base, headers={"Authorization": f"Bearer {tokens[issuing.zone.id]}"},
                      timeout=60) as client:
        for _ in range(count):
            local.append(submit(client, application_for(issuing.zone, numbers.take()), "approved"))
    before, pdfs = _delivered_count(accepting), _pdf_count(accepting)
    with httpx.Client(base_url=accepting.base, headers={"Authorization": f"Bearer {tokens[accepting.zone.id]}"},
                      timeout=60) as client:
        for n in range(count):
            submit(client, application_for(issuing.zone, numbers.take()), "forwarded")
            deadline = time.monotonic() + seconds
            while _delivered_count(accepting) < before + n + 1:
                if time.monotonic() > deadline:
                    raise RuntimeError("an idle forward's licence did not come back within a minute")
                time.sleep(0.005)
            while _pdf_count(accepting) < pdfs + n + 1:  # idle again before the next one
                if time.monotonic() > deadline:
                    raise RuntimeError("an idle forward's licence PDF did not come back within a minute")
                time.sleep(0.005)
    return local, delivered_latencies(accepting)[-count:]


@dataclass
class RingLoad:
    accepted_s: float  # until every forward was accepted
    delivered_s: float  # until every licence was back
    pdf_s: float  # until every licence PDF was back
    latency_ms: list[float]  # submission → delivered licence
    pdf_latency_ms: list[float]  # submission → delivered licence PDF


def ring_load(instances: list[Instance], tokens: dict[str, str], numbers: Numbers, count: int, clients: int,
              seconds: float = 900) -> RingLoad:
    """``count`` forwards in all, each zone's clients forwarding to the next zone."""
    before = {i.zone.id: _delivered_count(i) for i in instances}
    pdfs_before = {i.zone.id: _pdf_count(i) for i in instances}
    earlier = {i.zone.id: len(delivered_latencies(i)) for i in instances}
    earlier_pdf = {i.zone.id: len(delivered_latencies(i, pdf=True)) for i in instances}
    errors: list[str] = []
    together = max(clients, len(instances))

    def client(k: int) -> None:
        """Client ``k`` makes forwards k, k + clients, …: every zone forwards its share, whichever
        client's thread starts first."""
        accepting = instances[k % len(instances)]
        issuing = instances[(k + 1) % len(instances)]
        with httpx.Client(base_url=accepting.base, timeout=120,
                          headers={"Authorization": f"Bearer {tokens[accepting.zone.id]}"}) as http:
            for _ in range(k, count, together):
                try:
                    submit(http, application_for(issuing.zone, numbers.take()), "forwarded")
                except (RuntimeError, httpx.HTTPError) as err:
                    errors.append(str(err))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(together)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} forwards failed, e.g. {errors[0]}")
    deadline = time.monotonic() + seconds
    while sum(_delivered_count(i) - before[i.zone.id] for i in instances) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every licence came back within {seconds:.0f} s")
        time.sleep(0.1)
    delivered = time.perf_counter() - started
    while sum(_pdf_count(i) - pdfs_before[i.zone.id] for i in instances) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every licence PDF came back within {seconds:.0f} s")
        time.sleep(0.1)
    pdf_s = time.perf_counter() - started
    latencies = [ms for i in instances for ms in delivered_latencies(i)[earlier[i.zone.id]:]]
    pdf_latencies = [ms for i in instances for ms in delivered_latencies(i, pdf=True)[earlier_pdf[i.zone.id]:]]
    return RingLoad(accepted, delivered, pdf_s, latencies, pdf_latencies)


@dataclass
class NetworkCosts:
    zones: int
    document_bytes: int
    sign_ms: float
    verify_ms: float
    poll_ms: float
    round_ms: float
    rss_mib: list[float]
    idle_cpu: list[float]


def network_costs(instances: list[Instance], standard: MatterStandard, repeat: int = 50,
                  idle_s: float = 20) -> NetworkCosts:
    """The configuration's size; signing and verifying it (in this process, the median of
    ``repeat``); a member's poll (fetch over HTTP and verify); one authority round (every member's
    trust list fetched and compared); each instance's resident memory and its CPU while idle."""
    host = instances[0].db()
    try:
        with host.read() as session:
            row = network._authority(session)
            key = network._authority_key(row)
        document = network.signed_document(host)
        anchor_id, anchor_key = network_rules.read_anchor(network.anchor(host))
        now = utcnow()
        config = network_rules.verify(document, anchor_id, anchor_key, now)
        signing, verifying, polling = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            network_rules.issue(config, key)
            signing.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            network_rules.verify(document, anchor_id, anchor_key, now)
            verifying.append((time.perf_counter() - started) * 1000)
        with httpx.Client(timeout=30) as client:
            for _ in range(min(repeat, 20)):
                started = time.perf_counter()
                fetched = client.get(network.config_url(instances[0].base)).json()
                network_rules.verify(unb64(fetched["signed"]), anchor_id, anchor_key, now)
                polling.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        network.follow_members(host, standard, utcnow())
        round_ms = (time.perf_counter() - started) * 1000
    finally:
        host.dispose()
    return NetworkCosts(len(instances), len(document), percentile(signing, 50), percentile(verifying, 50),
                        percentile(polling, 50), round_ms, [rss_mib(i) for i in instances],
                        idle_cpu_percent(instances, idle_s))


def run_federation_benchmark(console: Console, standard: MatterStandard, *, count: int = 200, clients: int = 6,
                             local: int = 20, zones: int = 3, home: Path | None = None,
                             idle_s: float = 20) -> dict[str, float]:
    """Set up, start, measure, stop; print the table and return the figures."""
    home = home or Path(tempfile.mkdtemp(prefix="yima-bench-federation-"))
    instances = set_up_network(home, zones, standard, utcnow())
    console.print(f"starting {zones} instances ({', '.join(f'{i.zone.id} {i.base}' for i in instances)}), "
                  f"network {NETWORK!r} hosted by {instances[0].zone.id} …")
    figures: dict[str, float] = {}
    try:
        for instance in instances:
            start(instance)
        for instance in instances:
            wait_up(instance)
        tokens = {i.zone.id: _token(i.base) for i in instances}
        numbers = Numbers()
        local_ms, forward_ms = idle_pair(instances, tokens, numbers, local)
        idle_pdf_ms = delivered_latencies(instances[0], pdf=True)[-local:]
        load = ring_load(instances, tokens, numbers, count, clients)
        costs = network_costs(instances, standard, idle_s=idle_s)
    finally:
        stop(instances)
    latency_ms = load.latency_ms
    figures = {"delivered_per_s": count / load.delivered_s, "accepted_per_s": count / load.accepted_s,
               "pdf_per_s": count / load.pdf_s,
               "p50_ms": percentile(latency_ms, 50), "p95_ms": percentile(latency_ms, 95),
               "pdf_p50_ms": percentile(load.pdf_latency_ms, 50), "pdf_p95_ms": percentile(load.pdf_latency_ms, 95),
               "idle_pdf_p50_ms": percentile(idle_pdf_ms, 50),
               "local_p50_ms": percentile(local_ms, 50), "forward_p50_ms": percentile(forward_ms, 50),
               "added_ms": percentile(forward_ms, 50) - percentile(local_ms, 50),
               "document_bytes": costs.document_bytes, "sign_ms": costs.sign_ms, "verify_ms": costs.verify_ms,
               "poll_ms": costs.poll_ms, "round_ms": costs.round_ms,
               "rss_mib": sum(costs.rss_mib) / len(costs.rss_mib),
               "idle_cpu_pct": sum(costs.idle_cpu) / len(costs.idle_cpu)}
    table = Table(title=f"yima bench federation: {zones} zones (yima serve, SQLite), network {NETWORK!r}; "
                        f"{count} forwards around the ring, {max(clients, zones)} clients; {local} idle forwards")
    for column in ("measure", "value", "target", "value ÷ target"):
        table.add_column(column)
    table.add_row("licences delivered back per second (under load)", f"{figures['delivered_per_s']:.1f}",
                  f"≥ {TARGET_PER_S:.0f}", f"{figures['delivered_per_s'] / TARGET_PER_S:.2f}")
    table.add_row("licence PDFs delivered back per second (until the last arrived)", f"{figures['pdf_per_s']:.1f}",
                  "", "")
    table.add_row("forwards accepted per second (201 forwarded)", f"{figures['accepted_per_s']:.1f}", "", "")
    table.add_row("submission → delivered licence p50 / p95 (ms, under load)",
                  f"{figures['p50_ms']:.0f} / {figures['p95_ms']:.0f}", f"p95 < {TARGET_P95_MS:.0f}",
                  f"{figures['p95_ms'] / TARGET_P95_MS:.2f}")
    table.add_row("submission → delivered licence PDF p50 / p95 (ms, under load)",
                  f"{figures['pdf_p50_ms']:.0f} / {figures['pdf_p95_ms']:.0f}", "", "")
    table.add_row(f"idle pair: local 秒批 at {instances[1].zone.id}, p50 (ms)", f"{figures['local_p50_ms']:.0f}",
                  "", "")
    table.add_row(f"idle pair: forward {instances[0].zone.id} → {instances[1].zone.id}, submission → delivered "
                  "licence p50 (ms)", f"{figures['forward_p50_ms']:.0f}", "",
                  f"{figures['forward_p50_ms'] / max(figures['local_p50_ms'], 1e-9):.1f} × local")
    table.add_row("idle pair: added by the forward, p50 (ms)", f"{figures['added_ms']:.0f}",
                  f"< {TARGET_ADDED_MS:.0f}", f"{figures['added_ms'] / TARGET_ADDED_MS:.2f}")
    table.add_row("idle pair: forward, submission → delivered licence PDF p50 (ms)",
                  f"{figures['idle_pdf_p50_ms']:.0f}", "", "")
    table.add_row(f"network configuration, {zones} zones (bytes signed)", f"{costs.document_bytes:,}", "", "")
    table.add_row("signing it / verifying it (ms, median)", f"{costs.sign_ms:.2f} / {costs.verify_ms:.2f}", "", "")
    table.add_row("a member's poll: fetch + verify (ms, median)", f"{costs.poll_ms:.1f}", "", "")
    table.add_row(f"the authority's round over {zones} members' trust lists (ms)", f"{costs.round_ms:.0f}", "", "")
    table.add_row("resident memory per instance (MiB, mean; min–max)",
                  f"{figures['rss_mib']:.0f}; {min(costs.rss_mib):.0f}–{max(costs.rss_mib):.0f}", "", "")
    table.add_row(f"CPU per idle instance (%, mean over {idle_s:.0f} s; min–max)",
                  f"{figures['idle_cpu_pct']:.1f}; {min(costs.idle_cpu):.1f}–{max(costs.idle_cpu):.1f}", "", "")
    console.print(table)
    return figures
