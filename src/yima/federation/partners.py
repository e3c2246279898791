"""Partner zones: adding one from its published trust list, refreshing it, listing them.

Two zones cooperate only on the same matter standard: a trust list whose ``standard_digest``
differs from this instance's is refused, naming both digests. Every change is in the audit log.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yima.accounts.service import add_user, disable_user
from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.clock import as_utc
from yima.config import get_settings
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound
from yima.federation import keysets
from yima.federation.rules import PartnerKeys, check_partner_url, standard_mismatch
from yima.federation.states import UNDELIVERED, MessageState
from yima.federation.tables import OutboxMessage, Partner
from yima.keys.service import keyring
from yima.keys.trustlist import TrustList
from yima.outbound import fetch
from yima.standard.model import MatterStandard
from yima.zones.service import published_trust_list
from yima.zones.tables import Zone

log = logging.getLogger("yima.federation")
FETCH_TIMEOUT_SECONDS = 10.0
FETCH_MAX_BYTES = 256 * 1024
"""A trust list is a few keys: a few KiB. More is not a trust list."""
PARTNERS_CACHE_SECONDS = 2.0
KEY_FOLLOW_INTERVAL_SECONDS = 5.0
"""A partner's signed trust list is fetched at most once in this many seconds per partner and process
(an unknown ``kid`` in a forged message costs the partner one request, not one per message)."""
_cache: dict[str, tuple[float, dict[str, PartnerKeys]]] = {}
_followed_at: dict[tuple[str, str], tuple[float, datetime | None]] = {}
_follow_lock = threading.Lock()


def read_trust_list(source: str) -> TrustList:
    """A trust list from a file or an http(s) URL (https unless loopback or the development setting)."""
    try:
        if source.startswith(("http://", "https://")):
            check_partner_url(source, "trust_list", allow_http=get_settings().federation_allow_http)
            fetched = fetch(source, max_bytes=FETCH_MAX_BYTES, timeout_s=FETCH_TIMEOUT_SECONDS,
                            accept="application/json")
            if fetched.status != 200:
                raise OSError(f"HTTP {fetched.status}")
            text = fetched.content.decode("utf-8", errors="replace")
        else:
            text = Path(source).read_text("utf-8")
    except OSError as err:
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
                                       .where(OutboxMessage.state == MessageState.PENDING)
                                       .group_by(OutboxMessage.recipient)).all())
        dead = dict(session.execute(select(OutboxMessage.recipient, func.count())
                                    .where(OutboxMessage.state.in_(UNDELIVERED))
                                    .group_by(OutboxMessage.recipient)).all())
        return [partner_view(p, last.get(p.zone_id), int(waiting.get(p.zone_id, 0)), int(dead.get(p.zone_id, 0)))
                for p in session.scalars(select(Partner).order_by(Partner.zone_id))]


def partners_of(db: Database, actor: Actor) -> list[PartnerView]:
    """The partners of the actor's zone (an administrator's: every zone's), as ``list_partners``."""
    return [p for p in list_partners(db) if actor.role == "admin" or p.local_zone == actor.zone_id]


def partner_keys(db: Database) -> dict[str, PartnerKeys]:
    """Every partner's trust list, read through a cache of ``PARTNERS_CACHE_SECONDS`` so that a
    running server sees a new or refreshed partner within seconds."""
    hit = _cache.get(db.url)
    if hit is not None and time.monotonic() - hit[0] <= PARTNERS_CACHE_SECONDS:
        return hit[1]
    with db.read() as session:
        keys = {p.zone_id: PartnerKeys(p.zone_id, p.local_zone, TrustList.from_dict(p.trust_list),
                                       p.trust_list_source)
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


def signed_trust_list(db: Database, standard: MatterStandard, zone_id: str) -> bytes:
    """This instance's zone's trust list, signed (``keysets``): what partners follow a rotation by."""
    trust = published_trust_list(db, standard, zone_id)
    with db.read() as session:
        ring = keyring(session, zone_id, fresh=True)
    return keysets.signed_trust_list(ring, trust)


def signed_trust_list_url(partner_url: str, zone_id: str) -> str:
    return f"{partner_url}/.well-known/yima/trust-list.cose?zone={zone_id}"


class Followed(StrEnum):
    CHANGED = "changed"  # a newer trust list continuing the trusted keys was taken
    SAME = "same"  # read just now (or since the message was signed): nothing newer to take
    UNAVAILABLE = "unavailable"  # not read: asked too recently, or the partner could not be reached


def follow_keys(db: Database, standard: MatterStandard, zone_id: str, now: datetime,
                signed_at: datetime | None = None, revoked: frozenset[bytes] = frozenset()) -> Followed:
    """Fetch the partner's signed trust list and take it if it continues the keys trusted now
    (``keysets.followed``). At most once per ``KEY_FOLLOW_INTERVAL_SECONDS`` per partner and
    process; asked again meanwhile, the last reading stands (``SAME``) for what was signed
    (``signed_at``) before it, else ``UNAVAILABLE``. A list that does not continue the trusted keys
    is logged and changes nothing (``SAME``)."""
    lane = (db.url, zone_id)
    with _follow_lock:
        last = _followed_at.get(lane)
        if last is not None and time.monotonic() - last[0] < KEY_FOLLOW_INTERVAL_SECONDS:
            read_at = last[1]
            if read_at is not None and signed_at is not None and signed_at <= read_at:
                return Followed.SAME
            return Followed.UNAVAILABLE
        _followed_at[lane] = (time.monotonic(), None)
    with db.read() as session:
        partner = session.get(Partner, zone_id)
        if partner is None:
            return Followed.SAME
        url, known = partner.url, TrustList.from_dict(partner.trust_list)
    try:
        fetched = fetch(signed_trust_list_url(url, zone_id), max_bytes=FETCH_MAX_BYTES,
                        timeout_s=FETCH_TIMEOUT_SECONDS, accept=keysets.MEDIA_TYPE)
        if fetched.status != 200:
            raise DomainError("federation.trust_list_unreadable", "trust_list", f"HTTP {fetched.status}",
                              f"HTTP {fetched.status}")
    except DomainError as err:
        log.warning("the keys of %s could not be read: %s", zone_id, err.findings[0].en)
        return Followed.UNAVAILABLE
    with _follow_lock:
        _followed_at[lane] = (_followed_at.get(lane, (time.monotonic(), None))[0], now)
    try:
        trust = keysets.followed(fetched.content, known, standard.digest, revoked)
    except DomainError as err:
        log.warning("the keys of %s were not followed: %s", zone_id, err.findings[0].en)
        return Followed.SAME
    if trust.to_dict() == known.to_dict():
        return Followed.SAME
    with db.write() as session:
        row = session.get(Partner, zone_id)
        if row is None:
            return Followed.SAME
        row.trust_list, row.refreshed_at = trust.to_dict(), now
        audit.record(session, [audit.event(row.local_zone, None, now, "federation.partner_keys_followed",
                                           f"partner:{zone_id}", keys=[k["kid"] for k in trust.to_dict()["keys"]],
                                           before=[k["kid"] for k in known.to_dict()["keys"]])])
    _cache.clear()
    log.info("followed the keys of %s: %s", zone_id, [k["kid"] for k in trust.to_dict()["keys"]])
    return Followed.CHANGED
