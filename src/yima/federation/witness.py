"""Partners witness each other's history: each instance fetches its partners' signed audit
checkpoints on a schedule and keeps them; ``yima audit verify --zone PARTNER`` later checks that
the partner's published chain still passes through every checkpoint witnessed.

A zone that rewrote its past (recomputing every hash from the changed entry on, which its own
check cannot reveal) publishes other hashes at the witnessed positions, and its partners see it.
The partner publishes only the hashes of its entries (``GET /api/v1/federation/chain``), not
their content; a checkpoint's signature is checked against the partner's trust list as
``yima.audit.rules.checkpoint_message`` defines it.

A partner whose zone this instance hosts itself (the single-instance demo, where both zones share
one database and each records the other as its partner) is not witnessed: its history is this
instance's own, and it is not across a network. An instance with no other partner fetches nothing
and says nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import select

from yima.audit import service as audit
from yima.audit.rules import CHECKPOINT_PURPOSE, GENESIS, AuditEvent, checkpoint_message, entry_hash
from yima.audit.tables import AuditEntry
from yima.clock import as_utc, utcnow
from yima.db import Database
from yima.errors import DomainError
from yima.federation import codec
from yima.federation import partners as partner_store
from yima.federation.model import CHAIN_ENTRIES, new_message
from yima.federation.refusals import log_refusal
from yima.federation.rules import Refusal, check_fresh, check_message
from yima.federation.tables import Partner, WitnessedCheckpoint
from yima.keys.model import kid_from_text
from yima.keys.service import keyring
from yima.keys.trustlist import TrustList
from yima.outbound import fetch, tls
from yima.zones.tables import Zone

TIMEOUT_SECONDS = 15.0
MAX_ANSWER_BYTES = 1024 * 1024
"""A checkpoint or the hashes of at most 1000 entries: well under 1 MiB."""
MAX_SEQS = 1000
ENTRIES_PAGE = 1000
"""Entries a partner answers per request for ``/api/v1/federation/chain/entries``."""
MAX_RECOMPUTED = 20_000
"""Entries ``verify_partner`` recomputes at most (from the latest witnessed checkpoint on)."""


def checkpoint_is_signed(checkpoint: Mapping[str, Any], trust: TrustList) -> bool:
    """The checkpoint is the partner's: its purpose, its chain and a signature by a key of its trust list."""
    try:
        key = trust.key(kid_from_text(str(checkpoint["kid"])))
        signature = base64.urlsafe_b64decode(str(checkpoint["signature"]) + "==")
        message = checkpoint_message(str(checkpoint["chain"]), int(checkpoint["seq"]), str(checkpoint["hash"]),
                                     datetime.fromisoformat(str(checkpoint["at"])))
    except (KeyError, ValueError, TypeError):
        return False
    return (checkpoint.get("purpose") == CHECKPOINT_PURPOSE and checkpoint.get("chain") == trust.zone
            and key is not None and key.verify(signature, message))


def is_partner(db: Database, zone_id: str) -> bool:
    with db.read() as session:
        return session.get(Partner, zone_id) is not None


def hashes_at(db: Database, zone_id: str, seqs: Iterable[int]) -> dict[int, str]:
    """The zone's entry hashes at the given positions (what a partner publishes)."""
    wanted = sorted({s for s in seqs if s > 0})[:MAX_SEQS]
    with db.read() as session:
        rows = session.execute(select(AuditEntry.seq, AuditEntry.hash)
                               .where(AuditEntry.chain == zone_id, AuditEntry.seq.in_(wanted))).all()
    return {int(seq): str(digest) for seq, digest in rows if seq is not None}  # linked entries only


@dataclass(frozen=True)
class ChainEntry:
    """An entry of this zone's chain as a partner gets it (``ChainEntryOut``): everything its hash
    covers, so that the partner recomputes the chain itself (``recompute``)."""

    seq: int
    at: str  # ISO 8601, UTC, to the microsecond, as hashed
    actor_id: int | None
    actor_role: str
    action: str
    subject: str
    detail: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "detail": dict(self.detail)}


def entries_between(db: Database, zone_id: str, after: int, until: int) -> list[ChainEntry]:
    """The zone's entries ``after < seq <= until`` (at most ``ENTRIES_PAGE``), with everything their
    hashes cover, so that a partner recomputes the chain itself."""
    with db.read() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.chain == zone_id, AuditEntry.seq > after,
                                                              AuditEntry.seq <= until)
                                    .order_by(AuditEntry.seq).limit(ENTRIES_PAGE)))
    return [ChainEntry(r.seq, as_utc(r.at).isoformat(timespec="microseconds"), r.actor_id, r.actor_role, r.action,
                       r.subject, r.detail or {}) for r in rows if r.seq is not None]


def checked_entries_request(db: Database, standard_digest: str, data: bytes, now: datetime,
                            client: str) -> tuple[str, int, int]:
    """A partner's signed ``chain.entries`` request, checked as any message (partner, signature,
    recipient, standard, freshness): ``(zone, after, until)``; a refusal is logged, not audited."""
    partners = partner_store.partner_keys(db)
    with db.read() as session:
        zones = partner_store.local_zones(session)
    try:
        envelope = check_message(data, partners, zones, standard_digest)
        check_fresh(envelope, now)
        if envelope.kind != CHAIN_ENTRIES:
            raise Refusal("unexpected_kind", 422, "这里只回答日志条目请求", "Only requests for chain entries are "
                                                                     "answered here")
        after, until = int(envelope.body.get("after") or 0), int(envelope.body.get("until") or 0)
        if envelope.body.get("zone") != envelope.recipient or after < 0 or until < after:
            raise Refusal("malformed", 422, "日志条目请求不正确", "The request for chain entries is malformed")
    except DomainError as err:
        log_refusal(client or "local", data, err)
        raise
    return envelope.recipient, after, until


def recompute(zone_id: str, start_seq: int, start_hash: str, entries: Iterable[Mapping[str, Any]]) -> tuple[int, str]:
    """The chain from a known entry on, recomputed from the entries alone: ``(last seq, its hash)``;
    ``ValueError`` when an entry is missing or out of order."""
    seq, digest = start_seq, start_hash
    for entry in entries:
        if int(entry["seq"]) != seq + 1:
            raise ValueError(f"entry {seq + 1} is missing (got {entry['seq']})")
        seq += 1
        event = AuditEvent(zone_id, datetime.fromisoformat(str(entry["at"])), entry.get("actor_id"),
                           str(entry["actor_role"]), str(entry["action"]), str(entry["subject"]),
                           dict(entry.get("detail") or {}))
        digest = entry_hash(digest, seq, event)
    return seq, digest


def _signed_request(db: Database, partner: Partner, after: int, until: int) -> bytes:
    """A request for the partner's entries, signed with this zone's key (only partners are answered)."""
    with db.read() as session:
        standard = str(partner.standard_digest)
        envelope = new_message(CHAIN_ENTRIES, partner.local_zone, partner.zone_id, standard,
                               {"zone": partner.zone_id, "after": after, "until": until}, utcnow())
        return codec.seal(envelope, keyring(session, partner.local_zone).active)


def _fetch_entries(db: Database, partner: Partner, after: int, until: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    while after < until:
        request = base64.urlsafe_b64encode(_signed_request(db, partner, after, until)).rstrip(b"=").decode()
        answer = httpx.post(f"{partner.url}/api/v1/federation/chain/entries", json={"message": request},
                            timeout=TIMEOUT_SECONDS, verify=tls())
        answer.raise_for_status()
        page = list(answer.json()["entries"])
        if not page:
            break
        entries.extend(page)
        after = int(page[-1]["seq"])
    return entries


def _recomputed(db: Database, partner: Partner, kept: list[WitnessedCheckpoint],
                current: Mapping[str, Any]) -> tuple[bool, str, str]:
    """Recompute the partner's chain from its entries between signed checkpoints: from the latest
    witnessed one within ``MAX_RECOMPUTED`` entries of its current checkpoint, through every later
    witnessed one, to the current one. ``(ok, zh, en)``."""
    ends = [(c.seq, c.hash) for c in kept] + [(int(current["seq"]), str(current["hash"]))]
    start = next((i for i, (seq, _) in enumerate(ends) if ends[-1][0] - seq <= MAX_RECOMPUTED), len(ends) - 1)
    if start == len(ends) - 1:
        return True, "", ""
    first_seq, first_hash = ends[start]
    entries = _fetch_entries(db, partner, first_seq, ends[-1][0])
    by_seq = {int(e["seq"]): e for e in entries}
    seq, digest = first_seq, first_hash
    for end_seq, end_hash in ends[start + 1:]:
        try:
            seq, digest = recompute(partner.zone_id, seq, digest, [by_seq[s] for s in range(seq + 1, end_seq + 1)])
        except (KeyError, ValueError) as err:
            return False, f"{partner.zone_id} 公布的日志条目不完整：{err}", f"{partner.zone_id} published an " \
                                                                          f"incomplete chain: {err}"
        if digest != end_hash:
            return (False, f"{partner.zone_id} 的日志链已被改写：由第 {first_seq} 至第 {end_seq} 条的内容重新计算的"
                           f"散列与其签名检查点不符",
                    f"{partner.zone_id} rewrote its chain: recomputed from its entries {first_seq + 1}–{end_seq}, "
                    f"the hash differs from its signed checkpoint of entry {end_seq}")
    return True, f"，并由条目重新计算了第 {first_seq + 1} 至第 {seq} 条", \
        f"; entries {first_seq + 1}–{seq} recomputed from their content"


def _get_json(url: str, params: Mapping[str, Any]) -> Any:
    """A partner's JSON answer through the bounded fetch (``yima.outbound``); ``ValueError`` unless 200."""
    fetched = fetch(f"{url}?{urlencode(params, doseq=True)}", max_bytes=MAX_ANSWER_BYTES,
                    timeout_s=TIMEOUT_SECONDS, accept="application/json")
    if fetched.status != 200:
        raise ValueError(f"HTTP {fetched.status}")
    return json.loads(fetched.content)


def _fetch_checkpoint(partner: Partner) -> dict[str, Any]:
    return dict(_get_json(f"{partner.url}/api/v1/audit/checkpoint", {"zone": partner.zone_id}))


def witnessed_partners(db: Database) -> list[Partner]:
    """The partners to witness: those on other instances (a partner zone this instance hosts shares
    its database and its history)."""
    with db.read() as session:
        hosted = select(Zone.id)
        return list(session.scalars(select(Partner).where(Partner.zone_id.not_in(hosted)).order_by(Partner.zone_id)))


def witness_partners_job(db: Database, now: datetime) -> list[str]:
    """Fetch and keep each partner's current signed checkpoint (a scheduled job); partners on
    this instance are left out (``witnessed_partners``)."""
    found = witnessed_partners(db)
    lines = []
    for partner in found:
        try:
            checkpoint = _fetch_checkpoint(partner)
        except (DomainError, ValueError, TypeError) as err:
            lines.append(f"witness: {partner.zone_id} unreachable ({err.__class__.__name__})")
            continue
        if not checkpoint_is_signed(checkpoint, TrustList.from_dict(partner.trust_list)):
            lines.append(f"witness: {partner.zone_id} published a checkpoint its trust list does not sign")
            continue
        with db.write() as session:
            last = session.scalar(select(WitnessedCheckpoint).where(WitnessedCheckpoint.zone_id == partner.zone_id)
                                  .order_by(WitnessedCheckpoint.seq.desc()).limit(1))
            if last is not None and last.seq == int(checkpoint["seq"]):
                continue
            session.add(WitnessedCheckpoint(zone_id=partner.zone_id, seq=int(checkpoint["seq"]),
                                            hash=str(checkpoint["hash"]), checkpoint=checkpoint, fetched_at=now))
            audit.record(session, [audit.event(partner.local_zone, None, now, "federation.checkpoint_witnessed",
                                               f"partner:{partner.zone_id}", seq=int(checkpoint["seq"]),
                                               hash=str(checkpoint["hash"]))])
        lines.append(f"witness: kept {partner.zone_id}'s checkpoint of entry {checkpoint['seq']}")
    return lines


@dataclass(frozen=True)
class WitnessCheck:
    zone: str
    ok: bool
    witnessed: int
    zh: str
    en: str


def verify_partner(db: Database, zone_id: str) -> WitnessCheck:
    """Does the partner's published chain pass through every checkpoint this zone witnessed?"""
    with db.read() as session:
        partner = session.get(Partner, zone_id)
        kept = list(session.scalars(select(WitnessedCheckpoint).where(WitnessedCheckpoint.zone_id == zone_id)
                                    .order_by(WitnessedCheckpoint.seq)))
    if partner is None:
        return WitnessCheck(zone_id, False, 0, f"{zone_id} 不是合作伙伴", f"{zone_id} is not a partner")
    if not kept:
        return WitnessCheck(zone_id, False, 0, f"尚未见证 {zone_id} 的检查点",
                            f"No checkpoint of {zone_id} witnessed yet")
    trust = TrustList.from_dict(partner.trust_list)
    try:
        current = _fetch_checkpoint(partner)
        answer = _get_json(f"{partner.url}/api/v1/federation/chain",
                           {"zone": zone_id, "seq": [c.seq for c in kept if c.seq > 0]})
        published = {int(k): str(v) for k, v in answer["hashes"].items()}
    except (DomainError, ValueError, KeyError, TypeError) as err:
        return WitnessCheck(zone_id, False, len(kept), f"无法读取 {zone_id} 公布的日志链：{err}",
                            f"Cannot read the chain {zone_id} publishes: {err}")
    if not checkpoint_is_signed(current, trust):
        return WitnessCheck(zone_id, False, len(kept), f"{zone_id} 当前的检查点签名无效",
                            f"The current checkpoint of {zone_id} is not signed by its trust list")
    for checkpoint in kept:
        expected = GENESIS if checkpoint.seq == 0 else published.get(checkpoint.seq)
        if checkpoint.seq > int(current["seq"]) or expected != checkpoint.hash:
            return WitnessCheck(zone_id, False, len(kept),
                                f"{zone_id} 的日志链已被改写：第 {checkpoint.seq} 条与 "
                                f"{checkpoint.fetched_at:%Y-%m-%d %H:%M} 见证的检查点不符",
                                f"{zone_id} rewrote its chain: entry {checkpoint.seq} differs from the checkpoint "
                                f"witnessed at {checkpoint.fetched_at:%Y-%m-%d %H:%M}")
    try:
        ok, zh, en = _recomputed(db, partner, kept, current)
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as err:
        return WitnessCheck(zone_id, False, len(kept), f"无法读取 {zone_id} 的日志条目：{err}",
                            f"Cannot read the entries of {zone_id}: {err}")
    if not ok:
        return WitnessCheck(zone_id, False, len(kept), zh, en)
    return WitnessCheck(zone_id, True, len(kept),
                        f"{zone_id} 的日志链经过全部 {len(kept)} 个见证检查点，当前第 {current['seq']} 条{zh}",
                        f"The chain of {zone_id} passes through all {len(kept)} witnessed checkpoints; now at entry "
                        f"{current['seq']}{en}")
