"""The network configuration (信任配置): hosting a network as its authority, and joining one.

An authority (``yima network init``) keeps its member zones and the keys it revoked, signs the
configuration (``network_rules``) with its own key, and serves the latest at
``/.well-known/yima/network.json``. Every ``YIMA_NETWORK_POLL_S`` it follows each member's signed
trust list (``keysets.followed``: a rotated key appears in the next version with nobody acting)
and signs again when something changed or half of the validity (``YIMA_NETWORK_VALIDITY_S``) has
passed.

A member (``yima network join``) pins the authority's key, takes its partners from the
configuration, and reads it again every ``YIMA_NETWORK_POLL_S``, taking only a newer version signed
by the anchor. When its copy has expired it fails closed: it neither sends nor accepts messages
(``closed_reason``), ``/readyz`` says why, and ``/federation`` shows it. Bilateral partners
(``yima partners add``) stay for zones outside any network.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from yima.audit import service as audit
from yima.clock import as_utc, utcnow
from yima.config import get_settings
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound
from yima.federation import keysets, network_rules
from yima.federation import partners as partner_store
from yima.federation.errors import NetworkClosed
from yima.federation.network_rules import NetworkConfig, Revoked
from yima.federation.rules import check_partner_url, standard_mismatch
from yima.federation.tables import NetworkAuthority, NetworkMembership, Partner
from yima.keys.model import ZoneSigningKey, generate_signing_key, kid_from_text
from yima.keys.trustlist import TrustList
from yima.licences.cose import decode_sign1
from yima.outbound import fetch
from yima.pki.service import decrypt_key, encrypt_key
from yima.standard.model import MatterStandard
from yima.zones.tables import Zone

log = logging.getLogger("yima.federation")
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10.0
FOLLOW_THREADS = 8
"""How many members' trust lists the authority fetches at once."""
SOURCE_PREFIX = "network:"
"""A partner taken from a network configuration has ``trust_list_source`` ``network:ID``."""
STATE_CACHE_SECONDS = 1.0
_state_cache: dict[str, tuple[float, MemberState | None]] = {}


# --- the authority --------------------------------------------------------------------------------

def _authority(session: Any) -> NetworkAuthority:
    found = session.scalars(select(NetworkAuthority)).first()
    if found is None:
        raise NotFound("federation.no_network", "network", "本平台未主管任何网络，请先运行 yima network init",
                       "This instance hosts no network; run yima network init first")
    return found


def _authority_key(row: NetworkAuthority) -> ZoneSigningKey:
    return ZoneSigningKey(decrypt_key(row.key_pem), created_at=as_utc(row.created_at))


def _reissue(session: Any, row: NetworkAuthority, now: datetime, why: str) -> NetworkConfig:
    """Sign the next version of the configuration (in the caller's transaction)."""
    revoked = tuple(Revoked(**r) for r in row.revoked)
    config = NetworkConfig(row.network_id, row.name, row.version + 1, now,
                           now + timedelta(seconds=get_settings().network_validity_s),
                           tuple(network_rules.NetworkZone(z["id"], z["name"], z["url"], z["standard_digest"],
                                                           tuple(z["keys"])) for z in row.zones), revoked)
    row.document = network_rules.issue(config, _authority_key(row))
    row.version, row.issued_at, row.expires_at = config.version, config.issued, config.expires
    audit.record(session, [audit.event(_audit_chain(session), None, now, "federation.network_issued",
                                       f"network:{row.network_id}", version=config.version, why=why,
                                       zones=[z.id for z in config.zones], revoked=[r.kid for r in revoked])])
    return config


def _audit_chain(session: Any) -> str:
    """The hosting instance's first zone keeps the network's entries in its audit chain."""
    zone = session.scalar(select(Zone.id).order_by(Zone.org_block_start).limit(1))
    if zone is None:
        raise DomainError("federation.no_zone", "zone", "请先添加本平台的开发区", "Add this instance's zone first")
    return str(zone)


def init_network(db: Database, network_id: str, name: str, now: datetime) -> NetworkConfig:
    """Host a network: a new authority key and version 1 of its configuration (no zone yet)."""
    if not network_id or len(network_id) > 64 or not all(c.isalnum() or c in "-_." for c in network_id):
        raise DomainError("federation.network_id", "network_id", "网络标识只能由字母、数字和 -_. 组成（至多 64 个）",
                          "A network id is letters, digits and -_. (at most 64)")
    key = generate_signing_key(now)
    with db.write() as session:
        if session.scalars(select(NetworkAuthority)).first() is not None:
            raise Conflict("federation.network_exists", "network_id", "本平台已主管一个网络",
                           "This instance already hosts a network")
        row = NetworkAuthority(network_id=network_id, name=name, key_pem=encrypt_key(key.private_key), zones=[],
                               revoked=[], version=0, issued_at=now, expires_at=now, document=b"", created_at=now)
        session.add(row)
        return _reissue(session, row, now, "init")


def add_zone(db: Database, standard: MatterStandard, zone_id: str, url: str, source: str, now: datetime,
             name: str | None = None) -> NetworkConfig:
    """List a member zone from its trust list (a file or a URL): same standard, https URL."""
    return list_zone(db, standard, zone_id, url, partner_store.read_trust_list(source), now, name)


def list_zone(db: Database, standard: MatterStandard, zone_id: str, url: str, trust: TrustList, now: datetime,
              name: str | None = None, *, allow_http: bool = False) -> NetworkConfig:
    """List a member zone whose trust list the caller has read (the demo reads it from the other
    database, and may use plain http: ``allow_http``)."""
    url = check_partner_url(url, allow_http=allow_http or get_settings().federation_allow_http)
    if trust.zone != zone_id:
        raise DomainError("federation.trust_list_zone", "trust_list", f"信任列表属于 {trust.zone}，不是 {zone_id}",
                          f"The trust list is of zone {trust.zone}, not {zone_id}")
    if trust.standard_digest != standard.digest:
        raise standard_mismatch(trust.standard_digest, standard.digest, zone_id)
    with db.write() as session:
        row = _authority(session)
        if any(z["id"] == zone_id for z in row.zones):
            raise Conflict("federation.zone_listed", "zone", f"{zone_id} 已在网络中", f"{zone_id} is in the network")
        local = session.get(Zone, zone_id)
        shown = name or (local.name if local is not None else zone_id)
        entry = network_rules.zone_entry(zone_id, shown, url, trust, tuple(Revoked(**r) for r in row.revoked))
        row.zones = [*row.zones, entry.to_dict()]
        return _reissue(session, row, now, f"add-zone {zone_id}")


def remove_zone(db: Database, zone_id: str, now: datetime) -> NetworkConfig:
    with db.write() as session:
        row = _authority(session)
        if not any(z["id"] == zone_id for z in row.zones):
            raise NotFound("federation.zone_not_listed", "zone", f"{zone_id} 不在网络中",
                           f"{zone_id} is not in the network")
        row.zones = [z for z in row.zones if z["id"] != zone_id]
        return _reissue(session, row, now, f"remove-zone {zone_id}")


def revoke_key(db: Database, zone_id: str, kid: str, now: datetime) -> NetworkConfig:
    """Withdraw a member's key (compromise): listed as revoked, dropped from the zone's keys, never
    taken back from its trust list; members refuse it at once."""
    with db.write() as session:
        row = _authority(session)
        zone = next((z for z in row.zones if z["id"] == zone_id), None)
        if zone is None:
            raise NotFound("federation.zone_not_listed", "zone", f"{zone_id} 不在网络中",
                           f"{zone_id} is not in the network")
        if not any(k.get("kid") == kid for k in zone["keys"]) and not any(r["kid"] == kid for r in row.revoked):
            raise NotFound("federation.key_not_listed", "kid", f"{zone_id} 没有密钥 {kid}",
                           f"{zone_id} has no key {kid}")
        if not any(r["kid"] == kid for r in row.revoked):
            row.revoked = [*row.revoked, Revoked(zone_id, kid, network_rules.instant(now)).to_dict()]
        row.zones = [{**z, "keys": [k for k in z["keys"] if k.get("kid") != kid]} if z["id"] == zone_id else z
                     for z in row.zones]
        return _reissue(session, row, now, f"revoke-key {zone_id} {kid}")


def anchor(db: Database) -> dict[str, Any]:
    """The authority's public key, for members to pin (``yima network join --anchor``)."""
    with db.read() as session:
        row = _authority(session)
        return network_rules.anchor_document(row.network_id, row.name, _authority_key(row).public())


def signed_document(db: Database) -> bytes:
    """The configuration this instance signed last, as its bytes."""
    with db.read() as session:
        return bytes(_authority(session).document)


def published(db: Database) -> dict[str, str] | None:
    """The document served at ``/.well-known/yima/network.json``: the signed configuration."""
    with db.read() as session:
        row = session.scalars(select(NetworkAuthority)).first()
        if row is None:
            return None
        return {"network": row.network_id, "signed": base64.urlsafe_b64encode(row.document).rstrip(b"=").decode()}


def follow_members(db: Database, standard: MatterStandard, now: datetime) -> list[str]:
    """One round of the authority: follow each member's signed trust list; sign a new version when
    a key changed or half the validity has passed. The lists are fetched at once, at most
    ``FOLLOW_THREADS`` at a time, each with its own size limit and total timeout: a slow or dead
    member costs the round one timeout, not one per member before it."""
    with db.read() as session:
        row = session.scalars(select(NetworkAuthority)).first()
        if row is None:
            return []
        zones, revoked = list(row.zones), frozenset(kid_from_text(r["kid"]) for r in row.revoked)
        revoked_rows = tuple(Revoked(**r) for r in row.revoked)
        issued, expires = as_utc(row.issued_at), as_utc(row.expires_at)
    def follow(zone: dict[str, Any]) -> dict[str, Any] | None:
        known = TrustList.from_dict({"zone": zone["id"], "standard_digest": zone["standard_digest"],
                                     "keys": zone["keys"]})
        try:
            fetched = fetch(partner_store.signed_trust_list_url(zone["url"], zone["id"]),
                            max_bytes=partner_store.FETCH_MAX_BYTES, timeout_s=FETCH_TIMEOUT_SECONDS,
                            accept=keysets.MEDIA_TYPE)
            if fetched.status != 200:
                raise DomainError("federation.trust_list_unreadable", "trust_list", f"HTTP {fetched.status}",
                                  f"HTTP {fetched.status}")
            trust = keysets.followed(fetched.content, known, standard.digest, revoked)
        except DomainError as err:
            log.warning("network: the trust list of %s was not followed: %s", zone["id"], err.findings[0].en)
            return None
        entry = network_rules.zone_entry(zone["id"], zone["name"], zone["url"], trust, revoked_rows)
        return entry.to_dict() if list(entry.keys) != list(zone["keys"]) else None

    changed: dict[str, dict[str, Any]] = {}
    if zones:
        with ThreadPoolExecutor(max_workers=min(FOLLOW_THREADS, len(zones)),
                                thread_name_prefix="yima-network-follow") as pool:
            for zone, entry in zip(zones, pool.map(follow, zones), strict=True):
                if entry is not None:
                    changed[zone["id"]] = entry
    due = now >= issued + (expires - issued) / 2
    if not changed and not due:
        return []
    with db.write() as session:
        row = _authority(session)
        row.zones = [changed.get(z["id"], z) for z in row.zones]
        config = _reissue(session, row, now, "keys followed: " + ", ".join(sorted(changed)) if changed else "renewed")
    return [f"network {config.network}: version {config.version} signed"
            + (f" (keys of {', '.join(sorted(changed))} followed)" if changed else "")]


# --- the member -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberState:
    network: str
    version: int
    issued_at: datetime
    expires_at: datetime
    fetched_at: datetime
    last_error: str
    revoked: frozenset[bytes]

    def expired(self, now: datetime) -> bool:
        return network_rules.expired(self.expires_at, now)


def config_url(url: str) -> str:
    return url if url.endswith(".json") else url.rstrip("/") + network_rules.WELL_KNOWN


def _read_document(url: str) -> bytes:
    fetched = fetch(url, max_bytes=MAX_DOCUMENT_BYTES, timeout_s=FETCH_TIMEOUT_SECONDS, accept="application/json")
    if fetched.status != 200:
        raise DomainError("federation.network_unreadable", "url", f"无法读取网络信任配置：HTTP {fetched.status}",
                          f"The network configuration cannot be read: HTTP {fetched.status}")
    try:
        document = json.loads(fetched.content)
        signed = str(document["signed"])
        return base64.urlsafe_b64decode(signed + "=" * (-len(signed) % 4))
    except (ValueError, KeyError, TypeError) as err:
        raise DomainError("federation.network_unverified", "network", "网络信任配置不是签名文档",
                          "The network configuration is not a signed document") from err


def join(db: Database, standard: MatterStandard, url: str, anchor_file: str, now: datetime) -> NetworkConfig:
    """Join the network whose configuration is at ``url`` (its authority's base URL or the document's
    URL), pinning the authority key of ``anchor_file``."""
    url = config_url(check_partner_url(url, allow_http=get_settings().federation_allow_http))
    try:
        anchor_doc = json.loads(Path(anchor_file).read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise DomainError("federation.anchor", "anchor", f"无法读取锚点文件 {anchor_file}：{err}",
                          f"Cannot read the anchor file {anchor_file}: {err}") from err
    return join_document(db, standard, url, anchor_doc, _read_document(url), now)


def join_document(db: Database, standard: MatterStandard, url: str, anchor_doc: dict[str, Any], data: bytes,
                  now: datetime) -> NetworkConfig:
    """Join with a signed configuration the caller has read (from ``url``, where it is read again)."""
    network_id, key = network_rules.read_anchor(anchor_doc)
    config = network_rules.verify(data, network_id, key, now)
    with db.read() as session:
        local = set(session.scalars(select(Zone.id)))
    if not local & {z.id for z in config.zones}:
        raise DomainError("federation.not_member", "network", f"网络 {network_id} 的配置中没有本平台的开发区",
                          f"The configuration of network {network_id} lists no zone of this instance")
    with db.write() as session:
        if session.scalars(select(NetworkMembership)).first() is not None:
            raise Conflict("federation.network_joined", "network", "本平台已加入一个网络",
                           "This instance has already joined a network")
        session.add(NetworkMembership(network_id=network_id, url=url, anchor=anchor_doc, version=config.version,
                                      issued_at=config.issued, expires_at=config.expires,
                                      document=data, joined_at=now, fetched_at=now, last_error=""))
    _take(db, standard, config, now)
    return config


def poll(db: Database, standard: MatterStandard, now: datetime) -> list[str]:
    """Read the configuration again; take it if the anchor signed it and it is newer."""
    with db.read() as session:
        row = session.scalars(select(NetworkMembership)).first()
        if row is None:
            return []
        network_id, url, anchor_doc, current = row.network_id, row.url, dict(row.anchor), row.version
    try:
        _, key = network_rules.read_anchor(anchor_doc)
        data = _read_document(url)
        config = network_rules.verify(data, network_id, key, now)
    except DomainError as err:
        _note(db, network_id, now, err.findings[0].en)
        log.warning("network %s: configuration not taken: %s", network_id, err.findings[0].en)
        return [f"network {network_id}: configuration not taken: {err.findings[0].en}"]
    if not network_rules.newer(current, config):
        _note(db, network_id, now, "" if config.version == current else
              f"version {config.version} is older than the copy held ({current}): not taken")
        return []
    with db.write() as session:
        member = session.get(NetworkMembership, network_id)
        if member is None:
            return []
        member.version, member.issued_at, member.expires_at = config.version, config.issued, config.expires
        member.document, member.fetched_at, member.last_error = data, now, ""
    _take(db, standard, config, now)
    return [f"network {network_id}: version {config.version} taken"]


def _note(db: Database, network_id: str, now: datetime, error: str) -> None:
    with db.write() as session:
        member = session.get(NetworkMembership, network_id)
        if member is not None:
            member.last_error = error[:2000]
            if not error:
                member.fetched_at = now
    _state_cache.clear()


def _take(db: Database, standard: MatterStandard, config: NetworkConfig, now: datetime) -> None:
    """The partners are the configuration's other zones: added, their keys and URL updated, and
    those no longer listed removed (their messages become dead letters here, and are refused)."""
    source = SOURCE_PREFIX + config.network
    with db.read() as session:
        local = [z for z in session.scalars(select(Zone.id).order_by(Zone.org_block_start))]
        existing = {p.zone_id: p.trust_list_source for p in session.scalars(select(Partner))}
    ours = next((z for z in local if config.zone(z) is not None), None)
    wanted = {z.id: z for z in config.zones if z.id not in local and ours is not None}
    for zone in wanted.values():
        if zone.standard_digest != standard.digest:
            log.warning("network %s: %s applies another standard (%s); not a partner", config.network, zone.id,
                        zone.standard_digest)
            continue
        if zone.id not in existing:
            try:
                partner_store.record_partner(db, standard, zone.id, zone.url, source, zone.trust_list(), now, ours,
                                             allow_http=True)
            except DomainError as err:  # e.g. every key of the zone revoked: no partner until it has one
                log.warning("network %s: %s not taken as a partner: %s", config.network, zone.id,
                            err.findings[0].en)
            continue
        with db.write() as session:
            partner = session.get(Partner, zone.id)
            if partner is None:
                continue
            partner.url, partner.trust_list, partner.trust_list_source = zone.url, zone.trust_list().to_dict(), source
            partner.standard_digest, partner.refreshed_at = zone.standard_digest, now
    gone = [zone_id for zone_id, src in existing.items() if src == source and zone_id not in wanted]
    if gone:
        with db.write() as session:
            for zone_id in gone:
                partner = session.get(Partner, zone_id)
                if partner is not None:
                    session.delete(partner)
                    audit.record(session, [audit.event(partner.local_zone, None, now, "federation.partner_removed",
                                                       f"partner:{zone_id}", network=config.network,
                                                       version=config.version)])
    partner_store._cache.clear()
    _state_cache.clear()


def member_state(db: Database) -> MemberState | None:
    """The network this instance joined and its copy of the configuration (cached a second)."""
    hit = _state_cache.get(db.url)
    if hit is not None and time.monotonic() - hit[0] <= STATE_CACHE_SECONDS:
        return hit[1]
    with db.read() as session:
        row = session.scalars(select(NetworkMembership)).first()
        state = None if row is None else MemberState(
            row.network_id, row.version, as_utc(row.issued_at), as_utc(row.expires_at), as_utc(row.fetched_at),
            row.last_error, network_rules.parse(_payload(row.document)).revoked_kids() if row.document else frozenset())
    _state_cache[db.url] = (time.monotonic(), state)
    return state


def _payload(document: bytes) -> bytes:
    return decode_sign1(document).payload


def closed_reason(db: Database, now: datetime) -> str:
    """Why this instance neither sends nor accepts messages now (its network configuration
    expired), in both languages; empty when it may."""
    state = member_state(db)
    if state is None or not state.expired(now):
        return ""
    at = network_rules.instant(state.expires_at)
    return (f"网络信任配置（{state.network} 第 {state.version} 版）已于 {at} 过期，暂停收发跨区消息 / the network "
            f"configuration ({state.network} version {state.version}) expired at {at}: no message is sent or "
            "accepted")


def network_closed(db: Database, now: datetime) -> None:
    """Raise the 503 of an expired configuration (fail closed)."""
    reason = closed_reason(db, now)
    if reason:
        zh, _, en = reason.partition(" / ")
        raise NetworkClosed(zh, en)


def revoked_kids(db: Database) -> frozenset[bytes]:
    state = member_state(db)
    return state.revoked if state is not None else frozenset()


def is_network_partner(source: str) -> bool:
    return source.startswith(SOURCE_PREFIX)


# --- the round, as a job and beside the server ----------------------------------------------------

def network_job(db: Database, standard: MatterStandard, now: datetime) -> list[str]:
    """The authority follows its members; the member reads the configuration."""
    return [*follow_members(db, standard, now), *poll(db, standard, now)]


def network_loop(url: str, standard: MatterStandard, stop: threading.Event) -> None:
    """Beside ``yima serve``: ``network_job`` every ``YIMA_NETWORK_POLL_S`` seconds."""
    db = Database(url)
    while not stop.is_set():
        try:
            network_job(db, standard, utcnow())
        except Exception:  # a failing round must not stop the loop; it is logged and run again
            log.exception("network round failed")
        stop.wait(get_settings().network_poll_s)
    db.dispose()
