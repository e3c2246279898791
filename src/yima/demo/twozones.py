"""``yima demo --federated``: the two demo zones as two instances, two databases and two ports.

Chongqing (the accepting zone, with the 2021 register, its statistics and the 28 cross-region
licences of 2021) serves on ``port``; Chengdu (the issuing zone) on ``port + 1``. Chengdu hosts the
network ``chengyu`` (信任配置) and both zones are its members: each takes the other as its partner
from the signed configuration. Two applications for Chengdu
wait in Chongqing's outbox when the servers start — one for 秒批, one for Chengdu's officers —
and the delivery loop sends them within a second.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime

from rich.console import Console

from yima.accounts.service import add_user, authenticate
from yima.cli_support import row_progress
from yima.clock import utcnow
from yima.config import Settings, get_settings, use_settings
from yima.db import Database
from yima.db.migrate import upgrade
from yima.demo import cross_region as history
from yima.demo.seed import DEMO_PASSWORD, history_account, seed_statistics
from yima.federation import network, network_rules, service
from yima.identity import make_id_number
from yima.registration.model import ApplicationIn
from yima.standard.model import MatterStandard
from yima.zones.service import add_zone, ban_address
from yima.zones.tables import Zone

NETWORK = "chengyu"
Progress = Callable[[int, int], None]
Serve = Callable[[str, str, int, int, int, Settings, str], None]
USERS = {"cq-gxq": (("admin", "admin", None, "系统管理员"),
                    ("officer-cq", "officer", "cq-gxq", "重庆高新区窗口 李审批"),
                    ("alice", "applicant", None, "姚红艳"), ("bob", "applicant", None, "陈立")),
         "cd-gxq": (("admin", "admin", None, "系统管理员"),
                    ("officer-cd", "officer", "cd-gxq", "成都高新区窗口 王审批"))}


def _sample(name: str, **changes: object) -> ApplicationIn:
    person = {"name": "姚红艳", "id_number": make_id_number("500107", date(1988, 6, 24), 12), "phone": "13800000001"}
    body: dict[str, object] = {
        "zone": "cd-gxq", "matter": "establish", "entity_type": "llc", "channel": "counter", "name": name,
        "registered_capital": "1000000.00", "industry_code": "I6513", "scope": ["software_development"],
        "addresses": [{"text": "四川省成都市高新区天府大道北段1700号", "proof": "commitment"}],
        "legal_representative": person,
        "shareholders": [{"name": person["name"], "id_number": person["id_number"], "share_pct": "100"}],
        "materials": ["application_form", "articles_of_association"], "commitments": ["address", "beneficial_owner"]}
    body.update(changes)
    return ApplicationIn.model_validate(body)


def seed_two_zones(chongqing: Database, chengdu: Database, standard: MatterStandard, urls: tuple[str, str],
                   now: datetime, on_progress: Progress | None = None) -> Iterator[str]:
    """Seed both instances once (a second run finds them seeded)."""
    with chongqing.read() as session:
        if session.get(Zone, "cq-gxq") is not None:
            yield "demo data already present"
            return
    add_zone(chongqing, "cq-gxq", "重庆高新区", "500107", 575_047, now, name_en="Chongqing High-tech Zone",
             authority_name="重庆高新技术产业开发区市场监督管理局", place_names=["重庆", "重庆市", "重庆高新区"])
    add_zone(chengdu, "cd-gxq", "成都高新区", "510109", 1_263_000, now, name_en="Chengdu High-tech Zone",
             authority_name="成都高新技术产业开发区市场监督管理局", place_names=["成都", "成都市", "四川", "四川省"],
             org_block=1)
    ban_address(chongqing, "cq-gxq", "科城路99号", "规划拆迁区域 / planned demolition area", now)
    for zone, database in (("cq-gxq", chongqing), ("cd-gxq", chengdu)):
        for username, role, bound, display in USERS[zone]:
            add_user(database, username, role, DEMO_PASSWORD, now, zone_id=bound, display_name=display)
    yield f"zones: cq-gxq at {urls[0]}, cd-gxq at {urls[1]}; users password {DEMO_PASSWORD}"
    history.partner_up(chongqing, chengdu, standard, urls[0], urls[1], now)
    yield "partners: cq-gxq ⇄ cd-gxq (trust lists exchanged, same standard digest)"
    yield from join_network(chongqing, chengdu, standard, urls, now)
    account = history_account(chongqing, now)
    yield from seed_statistics(chongqing, standard, account, now, on_progress)
    yield from history.seed_cross_region_history(chongqing, chengdu, standard, account, accepting_url=urls[0],
                                                 issuing_url=urls[1])
    alice = authenticate(chongqing, "alice", DEMO_PASSWORD)
    with service.sending_paused():  # the servers are not up yet: the delivery loop sends them
        for body in (_sample("成都云帆科技有限公司"),
                     _sample("成都渝味便利店有限公司", scope=["convenience_store"], industry_code="F5213",
                             registered_capital="100000.00", materials=["application_form"])):
            view, _ = service.forward(chongqing, standard, alice, body, now)
            yield f"application {view.id} at cq-gxq: {body.name} → forwarded to cd-gxq (waits in the outbox)"


def join_network(chongqing: Database, chengdu: Database, standard: MatterStandard, urls: tuple[str, str],
                 now: datetime) -> Iterator[str]:
    """Chengdu hosts the network ``chengyu`` (成渝地区双城经济圈) as its authority; both zones join it
    and take their partners from its signed configuration (read from the database: the servers are
    not up yet; they read it again from Chengdu every ``YIMA_NETWORK_POLL_S``)."""
    network.init_network(chengdu, NETWORK, "成渝地区双城经济圈", now)
    for zone, database, url in (("cd-gxq", chengdu, urls[1]), ("cq-gxq", chongqing, urls[0])):
        network.list_zone(chengdu, standard, zone, url, history.trust_list(database, standard, zone), now,
                          allow_http=True)
    anchor = network.anchor(chengdu)
    document = network.signed_document(chengdu)
    for database in (chengdu, chongqing):
        config = network.join_document(database, standard, network.config_url(urls[1]), anchor, document, now)
    yield (f"network {NETWORK}: hosted by cd-gxq at {urls[1]}{network_rules.WELL_KNOWN}, version {config.version}, "
           "cq-gxq and cd-gxq members (partners from the signed configuration)")


def run_federated_demo(console: Console, chongqing_url: str, chengdu_url: str, host: str, port: int,
                       serve: Serve | None, standard: MatterStandard) -> None:
    """Seed both instances, then (unless ``serve`` is None) serve Chengdu in a child process and
    Chongqing in this one, by ``serve(url, host, port, workers, jobs_every, settings, log_format)``."""
    urls = (f"http://{host}:{port}", f"http://{host}:{port + 1}")
    for url in (chongqing_url, chengdu_url):
        upgrade(url)
    chongqing, chengdu = Database(chongqing_url), Database(chengdu_url)
    base = get_settings()
    use_settings(Settings(**{**base.model_dump(), "public_base_url": urls[1]}))  # Chengdu signs the licences
    with row_progress(console) as progress:
        task = progress.add_task("register", total=None)
        for line in seed_two_zones(chongqing, chengdu, standard, urls, utcnow(),
                                   on_progress=lambda done, total: progress.update(task, completed=done,
                                                                                    total=total)):
            progress.console.print(line)
    chongqing.dispose()
    chengdu.dispose()
    if serve is None:
        return
    env = {"YIMA_LOG_FORMAT": "text", **os.environ, "YIMA_PUBLIC_BASE_URL": urls[1], "YIMA_DATABASE_URL": chengdu_url}
    partner = subprocess.Popen([sys.executable, "-m", "yima.cli", "serve", "--db", chengdu_url, "--host", host,
                                "--port", str(port + 1)], env=env)
    atexit.register(_stop, partner)  # uvicorn may end this process without unwinding to ``finally``
    os.environ["YIMA_PUBLIC_BASE_URL"] = urls[0]
    served = Settings(**{**base.model_dump(), "public_base_url": urls[0], "database_url": chongqing_url})
    use_settings(served)
    print(f"Yima federated demo: Chongqing {urls[0]}/  ·  Chengdu {urls[1]}/  (API docs: /docs)", flush=True)
    try:
        serve(chongqing_url, host, port, 1, 300, served, "text")
    finally:
        _stop(partner)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)
