"""A zone with a reform office, two departments with their users and three observers (one whose
term has ended), shared by the observers' tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from factories import PASSWORD
from yima.accounts.service import add_user, authenticate, set_password
from yima.actors import Actor
from yima.db import Database
from yima.observers import service
from yima.zones.service import add_zone

ZONE = "gz-kfq"
TERM = (date(2025, 1, 1), date(2030, 12, 31))


def at(day: str, hour: int = 2) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(hour=hour)


@dataclass
class Zone:
    office: Actor
    other_office: Actor
    market: Actor  # department user of the market bureau
    tax: Actor  # department user of the tax bureau
    xie: Actor  # observer serving
    li: Actor  # observer serving
    former: Actor  # observer whose term ended
    market_id: int
    tax_id: int


def build_zone(db: Database, now: datetime) -> Zone:
    add_zone(db, ZONE, "广州开发区", "440112", 1_270_000, now, place_names=["广州"])
    add_zone(db, "sh-pd", "上海浦东新区", "310115", 5_781_000, now, place_names=["上海"])
    for name, role, zone in (("office", "reform_office", ZONE), ("office-sh", "reform_office", "sh-pd"),
                             ("market", "department", ZONE), ("tax", "department", ZONE)):
        add_user(db, name, role, PASSWORD, now, zone_id=zone)
    market_id = service.add_department(db, None, ZONE, "区市场监督管理局", now, "Market Regulation Bureau")
    tax_id = service.add_department(db, None, ZONE, "区税务局", now, "Tax Bureau")
    service.bind_department_user(db, None, "market", market_id, now)
    service.bind_department_user(db, None, "tax", tax_id, now)
    service.appoint_observer(db, None, ZONE, "谢泽帆", "enterprise", *TERM, now, "华南新材料创新园")
    add_user(db, "li", "observer", PASSWORD, now, zone_id=ZONE)
    service.appoint_observer(db, None, ZONE, "李律师", "lawyer", *TERM, now, "律师事务所", username="li")
    service.appoint_observer(db, None, ZONE, "罗记者", "media", date(2023, 1, 1), date(2024, 12, 31), now, "媒体")
    for username in ("observer-gz-kfq-001", "observer-gz-kfq-003"):
        set_password(db, username, PASSWORD, now)
    who = {name: authenticate(db, name, PASSWORD) for name in
           ("office", "office-sh", "market", "tax", "observer-gz-kfq-001", "li", "observer-gz-kfq-003")}
    return Zone(who["office"], who["office-sh"], who["market"], who["tax"], who["observer-gz-kfq-001"], who["li"],
                who["observer-gz-kfq-003"], market_id, tax_id)
