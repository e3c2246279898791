"""Partner zones: adding one from its published trust list, refreshing it, listing them.

Two zones cooperate only on the same matter standard: a trust list whose ``standard_digest``
differs from this instance's is refused, naming both digests. Every change is in the audit log.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yima.accounts.service import add_user, disable_user
from yima.accounts.tables import User
from yima.audit import service as audit
from yima.clock import as_utc
from yima.config import get_settings
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound
from yima.federation.rules import PartnerKeys, check_partner_url, standard_mismatch
from yima.federation.tables import OutboxMessage, Partner
from yima.keys.trustlist import TrustList
from yima.standard.model import MatterStandard
from yima.zones.tables import Zone

FETCH_TIMEOUT_SECONDS = 10.0
PARTNERS_CACHE_SECONDS = 2.0
_cache: dict[str, tuple[float, dict[str, PartnerKeys]]] = {}


def read_trust_list(source: str) -> TrustList:
    """A trust list from a file or an http(s) URL (https unless loopback or the development setting)."""
    try:
        if source.startswith(("http://", "https://")):
            check_partner_url(source, "trust_list", allow_http=get_settings().federation_allow_http)
            response = httpx.get(source, timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True)
            response.raise_for_status()
            text = response.text
        else:
            text = Path(source).read_text("utf-8")
    except (OSError, httpx.HTTPError) as err:
        raise DomainError("federation.trust_list_unreadable", "trust_list", f"无法读取信任列表 {source}：{err}",
                          f"Cannot read the trust list {source}: {err}") from err
    return TrustList.from_json(text)


def _local_zone(session: Session, wanted: str | None) -> str:
    zones = list(session.scalars(select(Zone.id).order_by(Zone.id)))
    if wanted is not None:
        if wanted not in zones:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{wanted}", f"Unknown zone: {wanted}")
        return wanted
    if len(zones) != 1:
        raise DomainError("federation.local_zone", "as", "本平台有多个或没有开发区，请用 --as 指明本区",
                          f"This instance has {len(zones)} zones; name the local one with --as")
    return zones[0]


def _checked(trust: TrustList, zone_id: str, standard: MatterStandard) -> TrustList:
    if trust.zone != zone_id:
        raise DomainError("federation.trust_list_zone", "trust_list", f"信任列表属于 {trust.zone}，不是 {zone_id}",
                          f"The trust list is of zone {trust.zone}, not {zone_id}")
    if trust.standard_digest != standard.digest:
        raise standard_mismatch(trust.standard_digest, standard.digest, zone_id)
    if not trust.keys:
        raise DomainError("federation.trust_list_empty", "trust_list", "信任列表中没有可用的密钥",
                          "The trust list has no usable key")
    return trust


def _partner_account(db: Database, zone_id: str, now: datetime) -> int:
    """The account a partner's applications are filed under here: disabled, nobody signs in with it."""
    username = f"partner-{zone_id}"
    with db.read() as session:
        existing = session.scalar(select(User.id).where(User.username == username))
    if existing is not None:
        return int(existing)
    actor = add_user(db, username, "applicant", secrets.token_urlsafe(24), now,
                     display_name=f"{zone_id} 跨省异地办照 / cross-region applications of {zone_id}")
    disable_user(db, username, now)
    return actor.id


def add_partner(db: Database, standard: MatterStandard, zone_id: str, url: str, source: str, now: datetime,
                local_zone: str | None = None) -> PartnerView:
    """Record a partner from its trust list at ``source`` (a file or a URL)."""
    return record_partner(db, standard, zone_id, url, source, read_trust_list(source), now, local_zone)


def record_partner(db: Database, standard: MatterStandard, zone_id: str, url: str, source: str, trust: TrustList,
                   now: datetime, local_zone: str | None = None, *, allow_http: bool = False) -> PartnerView:
    """Record a partner whose trust list the caller has read (the demo reads it from the other
    database, and may use plain http: ``allow_http``)."""
    trust = _checked(trust, zone_id, standard)
    url = check_partner_url(url, allow_http=allow_http or get_settings().federation_allow_http)
    with db.read() as session:
        local = _local_zone(session, local_zone)
        if local == zone_id:
            raise DomainError("federation.self", "zone", "开发区不能与自己合作", "A zone cannot be its own partner")
    account = _partner_account(db, zone_id, now)
    with db.write() as session:
        if session.get(Partner, zone_id) is not None:
            raise Conflict("federation.partner_exists", "zone", f"{zone_id} 已是合作伙伴，可用 refresh 更新",
                           f"{zone_id} is already a partner; use refresh")
        partner = Partner(zone_id=zone_id, local_zone=local, url=url.rstrip("/"), trust_list_source=source,
                          trust_list=trust.to_dict(), standard_digest=trust.standard_digest, account_id=account,
                          added_at=now, refreshed_at=now)
        session.add(partner)
        audit.record(session, [audit.event(local, None, now, "federation.partner_added", f"partner:{zone_id}",
                                           url=partner.url, standard=trust.standard_digest,
                                           keys=[k["kid"] for k in trust.to_dict()["keys"]])])
    _cache.clear()
    return partner_view(partner, None, 0)


def refresh_partner(db: Database, standard: MatterStandard, zone_id: str, now: datetime) -> PartnerView:
    with db.read() as session:
        source = session.scalar(select(Partner.trust_list_source).where(Partner.zone_id == zone_id))
    if source is None:
        raise NotFound("federation.not_partner", "zone", f"{zone_id} 不是合作伙伴", f"{zone_id} is not a partner")
    trust = _checked(read_trust_list(source), zone_id, standard)
    with db.write() as session:
        partner = session.get(Partner, zone_id)
        assert partner is not None
        partner.trust_list, partner.standard_digest, partner.refreshed_at = trust.to_dict(), trust.standard_digest, now
        audit.record(session, [audit.event(partner.local_zone, None, now, "federation.partner_refreshed",
                                           f"partner:{zone_id}", standard=trust.standard_digest,
                                           keys=[k["kid"] for k in trust.to_dict()["keys"]])])
    _cache.clear()
    return partner_view(partner, None, 0)


@dataclass(frozen=True)
class PartnerView:
    zone: str
    local_zone: str
    url: str
    standard_digest: str
    keys: int
    refreshed_at: str
    last_delivery: str | None
    waiting: int
    dead: int = 0


def partner_view(partner: Partner, last: datetime | None, waiting: int, dead: int = 0) -> PartnerView:
    return PartnerView(partner.zone_id, partner.local_zone, partner.url, partner.standard_digest,
                       len(partner.trust_list.get("keys", [])), as_utc(partner.refreshed_at).isoformat(),
                       as_utc(last).isoformat() if last else None, waiting, dead)


def list_partners(db: Database) -> list[PartnerView]:
    """Each partner with its digest, the last delivery to it, how many messages wait for it and how
    many will not be delivered (dead letters: refused for good or expired)."""
    with db.read() as session:
        last = dict(session.execute(select(OutboxMessage.recipient, func.max(OutboxMessage.delivered_at))
                                    .group_by(OutboxMessage.recipient)).all())
        waiting = dict(session.execute(select(OutboxMessage.recipient, func.count())
                                       .where(OutboxMessage.state == "pending")
                                       .group_by(OutboxMessage.recipient)).all())
        dead = dict(session.execute(select(OutboxMessage.recipient, func.count())
                                    .where(OutboxMessage.state.in_(("dead", "expired")))
                                    .group_by(OutboxMessage.recipient)).all())
        return [partner_view(p, last.get(p.zone_id), int(waiting.get(p.zone_id, 0)), int(dead.get(p.zone_id, 0)))
                for p in session.scalars(select(Partner).order_by(Partner.zone_id))]


def partner_keys(db: Database) -> dict[str, PartnerKeys]:
    """Every partner's trust list, read through a cache of ``PARTNERS_CACHE_SECONDS`` so that a
    running server sees a new or refreshed partner within seconds."""
    hit = _cache.get(db.url)
    if hit is not None and time.monotonic() - hit[0] <= PARTNERS_CACHE_SECONDS:
        return hit[1]
    with db.read() as session:
        keys = {p.zone_id: PartnerKeys(p.zone_id, p.local_zone, TrustList.from_dict(p.trust_list))
                for p in session.scalars(select(Partner))}
    _cache[db.url] = (time.monotonic(), keys)
    return keys


def local_zones(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Zone.id)))


def get_partner(session: Session, zone_id: str) -> Partner:
    partner = session.get(Partner, zone_id)
    if partner is None:
        raise NotFound("federation.not_partner", "zone", f"{zone_id} 不是合作伙伴", f"{zone_id} is not a partner")
    return partner
