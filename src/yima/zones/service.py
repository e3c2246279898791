"""Zones and their address negative lists (住所负面清单)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from yima.audit import service as audit
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound
from yima.keys import service as keys
from yima.keys.service import create_zone_key
from yima.keys.trustlist import TrustList
from yima.pki.service import create_zone_pki
from yima.standard.model import MatterStandard
from yima.zones.tables import AddressBan, Zone, org_sequence

ORG_BLOCK_SIZE = 1_000_000
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}


@dataclass(frozen=True)
class ZoneView:
    id: str
    name: str
    name_en: str
    division_code: str
    residents: int
    org_block_start: int
    authority_name: str
    place_names: list[str]


def view(zone: Zone) -> ZoneView:
    return ZoneView(zone.id, zone.name, zone.name_en, zone.division_code, zone.residents, zone.org_block_start,
                    zone.authority_name, list(zone.place_names or []))


def check_division_code(code: str) -> str:
    """GB/T 2260: six digits, the first two a province-level division."""
    if not re.fullmatch(r"\d{6}", code) or code[:2] not in PROVINCES:
        raise DomainError("zone.division_code", "division", f"行政区划代码须为 GB/T 2260 的 6 位代码：{code}",
                          f"The division code must be a 6-digit GB/T 2260 code: {code}")
    return code


def add_zone(db: Database, zone_id: str, name: str, division: str, residents: int, now: datetime, *,
             name_en: str = "", authority_name: str = "", place_names: list[str] | None = None,
             org_block: int | None = None) -> ZoneView:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,31}", zone_id):
        raise DomainError("zone.id", "id", "开发区标识须为小写字母、数字和连字符", "A zone id is lower-case letters, "
                          "digits and hyphens")
    check_division_code(division)
    if residents <= 0:
        raise DomainError("zone.residents", "residents", "常住人口须为正数", "Residents must be positive")
    province = PROVINCES[division[:2]]
    places = place_names or [province, province + ("市" if division[:2] in {"11", "12", "31", "50"} else "省")]
    with db.write() as session:
        if session.get(Zone, zone_id) is not None:
            raise Conflict("zone.exists", "id", f"开发区 {zone_id} 已存在", f"Zone {zone_id} exists")
        if org_block is None:
            top = session.scalar(select(func.max(Zone.org_block_start)))
            start = 0 if top is None else top + ORG_BLOCK_SIZE
        else:
            start = org_block * ORG_BLOCK_SIZE
            if session.scalar(select(Zone).where(Zone.org_block_start == start)) is not None:
                raise Conflict("zone.org_block", "org_block", "该组织机构代码段已被占用",
                               "That organisation-code block is taken")
        zone = Zone(id=zone_id, name=name, name_en=name_en, division_code=division, residents=residents,
                    org_block_start=start, org_block_size=ORG_BLOCK_SIZE, org_next_seq=0,
                    authority_name=authority_name or f"{name}市场监督管理局", place_names=places, created_at=now)
        session.add(zone)
        session.flush()
        if session.get_bind().dialect.name == "postgresql":  # a zone made again after removal starts anew
            sequence = org_sequence(zone_id)
            session.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {sequence} MINVALUE 1"))
            session.execute(text("SELECT setval(CAST(:sequence AS regclass), 1, false)"), {"sequence": sequence})
        create_zone_pki(session, zone_id, name, zone.authority_name, now)
        kid = create_zone_key(session, zone_id, now)
        audit.record(session, [audit.event(zone_id, None, now, "zone.created", f"zone:{zone_id}", name=name,
                                           division=division, org_block_start=start, signing_key=kid)])
        return view(zone)


def published_trust_list(db: Database, standard: MatterStandard, zone_id: str) -> TrustList:
    """The zone's trust list as published (``keys.trust_list``); an unknown zone is NotFound."""
    with db.read() as session:
        if session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
    return keys.trust_list(db, standard, zone_id)


def list_zones(db: Database) -> list[ZoneView]:
    with db.read() as session:
        return [view(z) for z in session.scalars(select(Zone).order_by(Zone.id))]


def get_zone(db: Database, zone_id: str) -> ZoneView:
    with db.read() as session:
        zone = session.get(Zone, zone_id)
        if zone is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
        return view(zone)


def ban_address(db: Database, zone_id: str, pattern: str, reason: str, now: datetime) -> None:
    pattern = pattern.strip()
    if len(pattern) < 2:
        raise DomainError("address_ban.pattern", "pattern", "负面清单条目至少两个字", "A pattern needs 2+ characters")
    with db.write() as session:
        if session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
        session.add(AddressBan(zone_id=zone_id, pattern=pattern, reason=reason, created_at=now))
        audit.record(session, [audit.event(zone_id, None, now, "address_ban.added", f"zone:{zone_id}",
                                           pattern=pattern, reason=reason or None)])
    _settings.pop((db.url, zone_id), None)


@dataclass(frozen=True)
class ZoneRuleSettings:
    """What the registration rules need of a zone: its place names and address negative list."""

    place_names: tuple[str, ...]
    address_bans: tuple[tuple[str, str], ...]  # (pattern, reason)
    division_code: str = ""
    divisions: tuple[tuple[str, str], ...] = ()  # (place name, GB/T 2260 code prefix), for address.outside_zone


ZONE_SETTINGS_SECONDS = 2.0
_settings: dict[tuple[str, str], tuple[float, ZoneRuleSettings]] = {}


def _divisions(session: Session) -> tuple[tuple[str, str], ...]:
    """Place names an address may begin with and their GB/T 2260 code prefix: every province, and
    the prefecture-level names the zones of this instance are known by."""
    names = [(name, code) for code, name in PROVINCES.items()]
    for division, places in session.execute(select(Zone.division_code, Zone.place_names)):
        province = PROVINCES.get(division[:2], "")
        names += [(place, division[:4]) for place in places or ()
                  if place.removesuffix("省").removesuffix("市") != province]
    return tuple(names)


def rule_settings(db: Database, zone_id: str) -> ZoneRuleSettings | None:
    """The zone's settings for the rules, or None for an unknown zone. Read through a per-process
    cache of ``ZONE_SETTINGS_SECONDS``: a change made in this process counts at once, one made by
    another worker process within that time."""
    hit = _settings.get((db.url, zone_id))
    if hit is not None and time.monotonic() - hit[0] <= ZONE_SETTINGS_SECONDS:
        return hit[1]
    with db.read() as session:
        zone = session.get(Zone, zone_id)
        if zone is None:
            return None
        bans = session.execute(select(AddressBan.pattern, AddressBan.reason).where(AddressBan.zone_id == zone_id)
                               .order_by(AddressBan.id)).all()
        settings = ZoneRuleSettings(tuple(zone.place_names or ()), tuple((b.pattern, b.reason) for b in bans),
                                    zone.division_code, _divisions(session))
    _settings[(db.url, zone_id)] = (time.monotonic(), settings)
    return settings


def address_bans(db: Database, zone_id: str) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.scalars(select(AddressBan).where(AddressBan.zone_id == zone_id).order_by(AddressBan.id))
        return [(row.pattern, row.reason) for row in rows]
