"""The demo: two partner zones (Chongqing and Chengdu high-tech zones), users and applications.

Seeding goes through the same services a user would, so the demo data obey every rule.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from yima.accounts.rules import Actor
from yima.accounts.service import add_user, authenticate, disable_user
from yima.config import get_settings
from yima.db import Database
from yima.jobs import run_jobs
from yima.projects.history import seed_investment
from yima.registration import service
from yima.registration.identity import make_id_number
from yima.registration.model import ApplicationIn
from yima.registration.tables import Application
from yima.standard import load_standard
from yima.standard.model import MatterStandard
from yima.stats.seed_figures import load_seed
from yima.zones.service import add_zone, ban_address
from yima.zones.tables import Zone

Progress = Callable[[int, int], None]  # (done, total)

DEMO_PASSWORD = "yima-demo-2026"
DEMO_USERS: tuple[tuple[str, str, str | None, str], ...] = (
    ("admin", "admin", None, "系统管理员"),
    ("officer-cq", "officer", "cq-gxq", "重庆高新区窗口 李审批"),
    ("officer-cd", "officer", "cd-gxq", "成都高新区窗口 王审批"),
    ("alice", "applicant", None, "姚红艳"),
    ("bob", "applicant", None, "陈立"),
)


def person(name: str, birth: date, seq: int, phone: str) -> dict[str, str]:
    return {"name": name, "id_number": make_id_number("500107", birth, seq), "phone": phone}


def establishment(name: str, scope: list[str], industry: str, owner: dict[str, str], capital: str = "1000000.00",
                  **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "zone": "cq-gxq", "matter": "establish", "entity_type": "llc", "channel": "online", "name": name,
        "registered_capital": capital, "industry_code": industry, "scope": scope,
        "addresses": [{"text": "重庆市九龙坡区科城路60号康田西锦荟3栋", "proof": "commitment"}],
        "legal_representative": owner,
        "shareholders": [{"name": owner["name"], "id_number": owner["id_number"], "share_pct": "100"}],
        "materials": ["application_form", "articles_of_association"], "commitments": ["address"]}
    body.update(extra)
    return body


def seed_demo(db: Database, now: datetime, on_progress: Progress | None = None) -> Iterator[str]:
    """Seed once; ``on_progress(done, total)`` follows the register's load, the long step."""
    with db.read() as session:
        if session.get(Zone, "cq-gxq") is not None:
            yield "demo data already present"
            return
    add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, now, name_en="Chongqing High-tech Zone",
             authority_name="重庆高新技术产业开发区市场监督管理局", place_names=["重庆", "重庆市", "重庆高新区"])
    add_zone(db, "cd-gxq", "成都高新区", "510109", 1_263_000, now, name_en="Chengdu High-tech Zone",
             authority_name="成都高新技术产业开发区市场监督管理局", place_names=["成都", "成都市", "四川", "四川省"])
    yield "zones: cq-gxq 重庆高新区, cd-gxq 成都高新区"
    ban_address(db, "cq-gxq", "科城路99号", "规划拆迁区域 / planned demolition area", now)
    for username, role, zone, display in DEMO_USERS:
        add_user(db, username, role, DEMO_PASSWORD, now, zone_id=zone, display_name=display)
    yield f"users: {', '.join(u[0] for u in DEMO_USERS)} (password {DEMO_PASSWORD})"
    standard = load_standard()
    alice = authenticate(db, "alice", DEMO_PASSWORD)
    bob = authenticate(db, "bob", DEMO_PASSWORD)
    yao = person("姚红艳", date(1988, 6, 24), 12, "13800000001")
    chen = person("陈立", date(1979, 3, 2), 35, "13900000002")
    permits = ["permit_conditions"]
    submissions: list[tuple[Actor, dict[str, Any]]] = [
        (alice, establishment("重庆云帆科技有限公司", ["software_development", "technical_consulting"], "I6513", yao)),
        (alice, establishment("重庆红艳美容美发有限公司", ["barber_beauty"], "O8040", yao, capital="200000.00",
                              materials=["application_form", "articles_of_association", "floor_plan",
                                         "staff_health_certificates"], commitments=["address", *permits])),
        (bob, establishment("重庆山城餐饮管理有限公司", ["catering"], "H6210", chen, capital="500000.00",
                            materials=["application_form", "articles_of_association", "food_safety_rules",
                                       "equipment_layout", "food_safety_manager"])),
        (alice, establishment("重庆嘉陵酒店管理有限公司", ["hotel", "convenience_store"], "H6110", yao,
                              capital="3000000.00", commitments=["address", *permits],
                              materials=["application_form", "articles_of_association", "floor_plan",
                                         "staff_health_certificates"],
                              addresses=[{"text": "重庆市九龙坡区科城路60号康田西锦荟3栋", "proof": "commitment"},
                                         {"text": "重庆市九龙坡区石桥铺渝州路88号", "proof": "commitment"}])),
        (bob, establishment("山城小面", ["catering"], "H6210", chen)),
        (bob, establishment("重庆渝味便利店有限公司", ["convenience_store"], "F5213", chen, capital="100000.00",
                            materials=["application_form"])),
        (alice, establishment("重庆朝天门商贸有限公司", ["software_development"], "I6513", yao, channel="counter",
                              addresses=[{"text": "重庆市九龙坡区科城路99号", "proof": "commitment"}])),
    ]
    for actor, body in submissions:
        app_id = service.submit(db, standard, actor, ApplicationIn.model_validate(body), now)
        yield f"application {app_id}: {body['name']}"
    with db.read() as session:
        deferrable = session.scalar(select(Application.id).where(Application.name == "重庆渝味便利店有限公司"))
    officer = authenticate(db, "officer-cq", DEMO_PASSWORD)
    if deferrable is not None:
        service.decide(db, standard, officer, deferrable, "accept_with_missing", "容缺受理：章程15日内补交", now)
        yield f"application {deferrable}: accepted with missing materials (容缺受理)"
    yield from run_jobs(db, now)
    yield from seed_statistics(db, standard, _history_account(db, now), now, on_progress)
    yield from seed_investment(db, "cq-gxq", now, DEMO_PASSWORD)


def _history_account(db: Database, now: datetime) -> int:
    """The account the 2021 matters are filed under, so that they stay out of the demo users'
    lists; disabled, with a password nobody knows."""
    history = add_user(db, "history-2021", "applicant", secrets.token_urlsafe(24), now,
                       display_name="2021年历史办件 / matters of 2021")
    disable_user(db, history.username, now)
    return history.id


SEED_ORG_BLOCK = 90_000_000  # organisation codes of the synthetic register, far from any zone's block


def seed_statistics(db: Database, standard: MatterStandard, applicant_id: int, now: datetime,
                    on_progress: Progress | None = None) -> Iterator[str]:
    """The register behind the seed's figures (Jan–Aug 2021), so the dashboard shows them."""
    yield "statistics: loading the Chongqing High-tech Zone register of 2021 (about 70,000 records) …"
    summary = load_seed(db, "cq-gxq", applicant_id, now, standard, org_block_start=SEED_ORG_BLOCK,
                        seal_set_price_yuan=get_settings().seal_set_price_yuan, on_progress=on_progress)
    yield (f"statistics: {summary.loaded:,} entities, the 2021 registration matters, one-code licences and seal "
           "sets loaded; see /dashboard?zone=cq-gxq&from=2021-01-01&to=2021-08-31")
