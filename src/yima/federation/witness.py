"""Partners witness each other's history: each instance fetches its partners' signed audit
checkpoints on a schedule and keeps them; ``yima audit verify --zone PARTNER`` later checks that
the partner's published chain still passes through every checkpoint witnessed.

A zone that rewrote its past (recomputing every hash from the changed entry on, which its own
check cannot reveal) publishes other hashes at the witnessed positions, and its partners see it.
The partner publishes only the hashes of its entries (``GET /api/v1/federation/chain``), not
their content; a checkpoint's signature is checked against the partner's trust list as
``yima.audit.rules.checkpoint_message`` defines it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from yima.audit import service as audit
from yima.audit.rules import CHECKPOINT_PURPOSE, GENESIS, checkpoint_message
from yima.audit.tables import AuditEntry
from yima.db import Database
from yima.federation.tables import Partner, WitnessedCheckpoint
from yima.keys.model import kid_from_text
from yima.keys.trustlist import TrustList

TIMEOUT_SECONDS = 15.0
MAX_SEQS = 1000


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
    return {int(seq): str(digest) for seq, digest in rows}


def _fetch_checkpoint(partner: Partner) -> dict[str, Any]:
    answer = httpx.get(f"{partner.url}/api/v1/audit/checkpoint", params={"zone": partner.zone_id},
                       timeout=TIMEOUT_SECONDS)
    answer.raise_for_status()
    return dict(answer.json())


def witness_partners_job(db: Database, now: datetime) -> list[str]:
    """Fetch and keep each partner's current signed checkpoint (a scheduled job)."""
    with db.read() as session:
        found = list(session.scalars(select(Partner)))
    lines = []
    for partner in found:
        try:
            checkpoint = _fetch_checkpoint(partner)
        except (httpx.HTTPError, ValueError) as err:
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
        answer = httpx.get(f"{partner.url}/api/v1/federation/chain", params={"zone": zone_id,
                           "seq": [c.seq for c in kept if c.seq > 0]}, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        published = {int(k): str(v) for k, v in answer.json()["hashes"].items()}
    except (httpx.HTTPError, ValueError, KeyError) as err:
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
    return WitnessCheck(zone_id, True, len(kept),
                        f"{zone_id} 的日志链经过全部 {len(kept)} 个见证检查点，当前第 {current['seq']} 条",
                        f"The chain of {zone_id} passes through all {len(kept)} witnessed checkpoints; now at entry "
                        f"{current['seq']}")
