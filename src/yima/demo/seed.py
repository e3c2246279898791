"""The demo: two partner zones (Chongqing and Chengdu high-tech zones), users and applications.

Seeding goes through the same services a user would, so the demo data obey every rule. It resumes:
every step first looks whether its data are already there, and the last step records
``demo.seeded`` in the platform's audit log. A run that finds zones but no such entry was
interrupted (or began with an older Yima), says so, and finishes seeding; only a database with
the entry counts as "demo data already present".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from yima.accounts.service import SharedPassword, add_account_without_password, add_user, disable_user
from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.audit.tables import AuditEntry
from yima.clock import local_date
from yima.config import get_settings
from yima.db import Database
from yima.demo.cross_region import seed_cross_region_history
from yima.demo.history_2021 import (
    CHONGQING_2021,
    history_name,
    seed_matters,
    seed_one_code_licences,
    seed_register,
    seed_seal_sets,
    store_matters,
)
from yima.demo.investment import seed_investment
from yima.demo.observers import seed_observers
from yima.demo.ratings import seed_ratings
from yima.demo.users import demo_actor, demo_password
from yima.identity import make_id_number
from yima.jobs import JobRun
from yima.keys import service as keys
from yima.keys.model import SigningAlgorithm
from yima.licences.service import rotate_key
from yima.register.tables import Enterprise
from yima.registration import service
from yima.registration.model import ApplicationIn
from yima.registration.status import Status
from yima.registration.tables import Application
from yima.seals.tables import SealSet
from yima.standard.model import MatterStandard
from yima.stats.importer import load_entities
from yima.stats.synthetic import synthetic_register
from yima.zones.service import add_zone, ban_address
from yima.zones.tables import AddressBan, Zone

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
        "materials": ["application_form", "articles_of_association"],
        "commitments": ["address", "beneficial_owner"]}
    body.update(extra)
    return body


SEEDED = "demo.seeded"
"""The platform audit entry the last step writes: the demo data are complete."""
HISTORY_USER = "history-2021"
HISTORY_START = datetime(2022, 1, 1, tzinfo=UTC)  # the 2021 history's records are all before this


def seed_state(db: Database) -> str:
    """``empty`` (no demo zone), ``partial`` (an interrupted seed) or ``complete``."""
    with db.read() as session:
        if session.get(Zone, "cq-gxq") is None:
            return "empty"
        done = session.scalar(select(AuditEntry.id).where(AuditEntry.action == SEEDED).limit(1))
    return "complete" if done is not None else "partial"


def submissions(alice: Actor, bob: Actor) -> list[tuple[Actor, dict[str, Any]]]:
    yao = person("姚红艳", date(1988, 6, 24), 12, "13800000001")
    chen = person("陈立", date(1979, 3, 2), 35, "13900000002")
    permits = ["permit_conditions"]
    return [
        (alice, establishment("重庆云帆科技有限公司", ["software_development", "technical_consulting"], "I6513", yao)),
        (alice, establishment("重庆红艳美容美发有限公司", ["barber_beauty"], "O8040", yao, capital="200000.00",
                              materials=["application_form", "articles_of_association", "floor_plan",
                                         "staff_health_certificates"],
                              commitments=["address", "beneficial_owner", *permits])),
        (bob, establishment("重庆山城餐饮管理有限公司", ["catering"], "H6210", chen, capital="500000.00",
                            materials=["application_form", "articles_of_association", "food_safety_rules",
                                       "equipment_layout", "food_safety_manager"])),
        (alice, establishment("重庆嘉陵酒店管理有限公司", ["hotel", "convenience_store"], "H6110", yao,
                              capital="3000000.00", commitments=["address", *permits],
                              shareholders=[{"name": yao["name"], "id_number": yao["id_number"], "share_pct": "100",
                                             "contribution_due": "2029-06-30"}],
                              beneficial_owners=[{"name": yao["name"], "id_number": yao["id_number"],
                                                  "basis": "shares_25", "share_pct": "100", "since": "2024-01-01"}],
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


def seed_demo(db: Database, standard: MatterStandard, now: datetime, jobs: JobRun,
              on_progress: Progress | None = None, *, history: bool = True, register: int = 0,
              observers: bool = True) -> Iterator[str]:
    """Seed, or finish an interrupted seed, applying ``standard`` and running ``jobs`` once on the
    way; ``on_progress(done, total)`` follows the register's load. For ``yima bench pages``:
    ``history=False`` leaves out the 2021 register and matters behind the dashboard's figures
    (70,000 entities) and loads a synthetic register of ``register`` entities instead (at least 500,
    for the key enterprises); ``observers=False`` leaves out the observers' zone (37 accounts)."""
    state = seed_state(db)
    if state == "complete":
        yield "demo data already present"
        return
    if state == "partial":
        yield "demo data incomplete (an earlier seed was interrupted): finishing it"
    password = demo_password(DEMO_PASSWORD)  # one Argon2 hash for every demo account
    yield from _seed_zones(db, now, password)
    alice = demo_actor(db, "alice")
    bob = demo_actor(db, "bob")
    for actor, body in submissions(alice, bob):
        with db.read() as session:
            app_id = session.scalar(select(Application.id).where(Application.applicant_id == actor.id,
                                                                 Application.name == body["name"]))
        if app_id is None:
            app_id = service.submit(db, standard, actor, ApplicationIn.model_validate(body), now)
            yield f"application {app_id}: {body['name']}"
    with db.read() as session:
        deferrable = session.execute(select(Application.id, Application.status)
                                     .where(Application.name == "重庆渝味便利店有限公司")).first()
    if deferrable is not None and deferrable.status == Status.UNDER_REVIEW:
        officer = demo_actor(db, "officer-cq")
        service.decide(db, standard, officer, deferrable.id, "accept_with_missing", "容缺受理：章程15日内补交", now)
        yield f"application {deferrable.id}: accepted with missing materials (容缺受理)"
    if observers:
        yield from seed_observers(db, now, password)
    yield from seed_ratings(db, now, password)
    yield from jobs(db, now)
    if history:
        account = history_account(db, now)
        yield from seed_statistics(db, standard, account, now, on_progress)
        yield from seed_cross_region_history(db, db, standard, account)
    else:
        count = max(register, 500)
        load_entities(db, "cq-gxq", synthetic_register(count, local_date(now), SEED_ORG_BLOCK), now,
                      source="synthetic", on_progress=(lambda done: on_progress(done, count)) if on_progress else None)
        yield f"register: {count:,} synthetic entities"
    yield from seed_investment(db, "cq-gxq", now, password)
    with db.write() as session:
        audit.record(session, [audit.event(None, None, now, SEEDED, "demo:cq-gxq", zones=["cq-gxq", "cd-gxq"])])
    yield "demo data complete"


def _seed_zones(db: Database, now: datetime, password: str | SharedPassword = DEMO_PASSWORD) -> Iterator[str]:
    with db.read() as session:
        zones = set(session.scalars(select(Zone.id)))
        banned = session.scalar(select(AddressBan.id).where(AddressBan.zone_id == "cq-gxq",
                                                            AddressBan.pattern == "科城路99号"))
        users = set(session.scalars(select(User.username)))
    if "cq-gxq" not in zones:
        add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, now, name_en="Chongqing High-tech Zone",
                 authority_name="重庆高新技术产业开发区市场监督管理局", place_names=["重庆", "重庆市", "重庆高新区"])
    if "cd-gxq" not in zones:
        add_zone(db, "cd-gxq", "成都高新区", "510109", 1_263_000, now, name_en="Chengdu High-tech Zone",
                 authority_name="成都高新技术产业开发区市场监督管理局",
                 place_names=["成都", "成都市", "四川", "四川省"])
    yield "zones: cq-gxq 重庆高新区, cd-gxq 成都高新区"
    with db.read() as session:
        national = keys.keyring(session, "cq-gxq", fresh=True).active_national
    if national is None:  # 重庆高新区 runs the national profile: licences signed twice, sealed OFD
        rotate_key(db, "cq-gxq", now, SigningAlgorithm.SM2)
    yield "keys: cq-gxq signs with Ed25519 and SM2 (licences signed twice, OFD sealed); cd-gxq with Ed25519"
    if banned is None:
        ban_address(db, "cq-gxq", "科城路99号", "规划拆迁区域 / planned demolition area", now)
    shared = demo_password(password)
    for username, role, zone, display in DEMO_USERS:
        if username not in users:
            add_user(db, username, role, shared, now, zone_id=zone, display_name=display)
    yield f"users: {', '.join(u[0] for u in DEMO_USERS)} (password {DEMO_PASSWORD})"


def history_account(db: Database, now: datetime) -> int:
    """The account the 2021 matters are filed under, so that they stay out of the demo users'
    lists; disabled, without a password."""
    with db.read() as session:
        found = session.execute(select(User.id, User.disabled_at).where(User.username == HISTORY_USER)).first()
    if found is None:
        with db.write() as session:
            user_id = add_account_without_password(session, HISTORY_USER, "applicant", None, now,
                                                   display_name="2021年历史办件 / matters of 2021").id
        disabled = False
    else:
        user_id, disabled = found.id, found.disabled_at is not None
    if not disabled:
        disable_user(db, HISTORY_USER, now)
    return user_id


SEED_ORG_BLOCK = 90_000_000  # organisation codes of the synthetic register, far from any zone's block


def seed_statistics(db: Database, standard: MatterStandard, applicant_id: int, now: datetime,
                    on_progress: Progress | None = None) -> Iterator[str]:
    """The register and matters behind the zone's figures published in its 2021 report (Jan–Aug),
    so the dashboard shows them. Each part is one transaction but the register, loaded in
    batches, is skipped where it is already stored; so an interrupted load is finished here."""
    targets, zone = CHONGQING_2021, "cq-gxq"
    with db.read() as session:
        history = select(Application.id).where(Application.applicant_id == applicant_id)
        matters = session.scalar(history.where(Application.name.in_((history_name(1), "历史办件00001"))).limit(1))
        licensed = session.scalar(history.where(Application.matter == "establish").limit(1))
        sealed = session.scalar(select(SealSet.id).where(SealSet.zone_id == zone,
                                                         SealSet.requested_at < HISTORY_START).limit(1))
    if matters is None:
        with db.read() as session:
            stored = session.scalar(select(func.count()).select_from(Enterprise).where(
                Enterprise.zone_id == zone, Enterprise.source == "synthetic")) or 0
        rows = seed_register(targets, division_code="500107", org_block_start=SEED_ORG_BLOCK)
        if stored < len(rows):
            yield (f"statistics: loading the Chongqing High-tech Zone register of 2021 ({len(rows):,} records"
                   + (f", {stored:,} already stored" if stored else "") + ") …")
            load_entities(db, zone, rows, now, source="synthetic",
                          on_progress=(lambda done: on_progress(done, len(rows))) if on_progress else None)
        others = replace(targets, matters_processed=targets.matters_processed - targets.one_code_licences,
                         matters_online=targets.matters_online - targets.one_code_licences)
        store_matters(db, zone, applicant_id, seed_matters(others), standard)
        yield "statistics: the register and the 2021 registration matters stored"
    if licensed is None:
        seed_one_code_licences(db, zone, applicant_id, standard, targets)
        yield f"statistics: {targets.one_code_licences} one-code licences of 2021 signed"
    if sealed is None:
        seed_seal_sets(db, zone, targets, price_yuan=get_settings().seal_set_price_yuan)
        yield f"statistics: {targets.seal_sets:,} free seal sets of 2021 recorded"
    yield "statistics: see /dashboard?zone=cq-gxq&from=2021-01-01&to=2021-08-31"
