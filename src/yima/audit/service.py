"""Appending to the audit log inside a use case's transaction; checking and reading the chains.

Appending reads the chain's head with a row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
writers already take turns), links the new entries to it, inserts them and moves the head, all
in the caller's transaction: the change and its record are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yima.actors import Actor, may_work_zone
from yima.audit.rules import (
    CHECKPOINT_PURPOSE,
    GENESIS,
    PLATFORM,
    AuditEvent,
    ChainCheck,
    StoredEntry,
    check_chain,
    checkpoint_message,
    link,
    passes_through,
)
from yima.audit.tables import AuditEntry, AuditHead
from yima.clock import as_utc
from yima.db import Database
from yima.db.base import table_of
from yima.db.prepared import Prepared
from yima.errors import DomainError, Forbidden, NotFound
from yima.keys import service as keys
from yima.keys.signature import ZoneSignature, verify
from yima.keys.trustlist import TrustList

_ENTRIES, _HEADS = table_of(AuditEntry), table_of(AuditHead)
_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.chain == bindparam("chain"))
# Appending runs on the driver's cursor (``yima.db.prepared``): it is in every use case's transaction.
_READ_HEAD = {False: Prepared(_HEAD), True: Prepared(_HEAD.with_for_update())}
_INSERT = Prepared(insert(_ENTRIES))
_INSERT_COLUMNS = ("chain", "seq", "at", "actor_id", "actor_role", "action", "subject", "detail", "prev_hash", "hash")
_MOVE = Prepared(update(_HEADS).where(_HEADS.c.chain == bindparam("chain_"))
                 .values(seq=bindparam("seq_"), hash=bindparam("hash_")))
READ_BATCH = 5_000


def record(session: Session, events: Sequence[AuditEvent]) -> None:
    """Append the events to their chains (in the order given within each chain)."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    read_head = _READ_HEAD[postgres]
    for chain, in_chain in groupby(sorted(events, key=lambda e: e.chain), key=lambda e: e.chain):
        head = next(iter(read_head.run(conn, {"chain": chain})), None)
        if head is None:  # the chain's first entry; a concurrent first writer makes this a no-op
            new_head = (pg_insert if postgres else sqlite_insert)(_HEADS).values(chain=chain, seq=0, hash=GENESIS)
            conn.execute(new_head.on_conflict_do_nothing(index_elements=["chain"]))
            head = read_head.run(conn, {"chain": chain})[0]
        seq, hash_ = head
        entries = link(hash_, seq, in_chain)
        _INSERT.run_many(conn, [{"chain": chain, "seq": e.seq, "at": e.event.at, "actor_id": e.event.actor_id,
                                 "actor_role": e.event.actor_role, "action": e.event.action,
                                 "subject": e.event.subject, "detail": dict(e.event.detail),
                                 "prev_hash": e.prev_hash, "hash": e.hash} for e in entries], _INSERT_COLUMNS)
        _MOVE.run(conn, {"chain_": chain, "seq_": entries[-1].seq, "hash_": entries[-1].hash})


def event(chain: str | None, actor: Actor | None, at: Any, action: str, subject: str,
          **detail: Any) -> AuditEvent:
    """An event by ``actor`` (None: the system itself, such as 秒批 or a scheduled job)."""
    return AuditEvent(chain or PLATFORM, at, actor.id if actor else None, actor.role if actor else "system",
                      action, subject, {k: v for k, v in detail.items() if v is not None})


def _stored(row: Any) -> StoredEntry:
    return StoredEntry(row.seq, AuditEvent(row.chain, as_utc(row.at), row.actor_id, row.actor_role, row.action,
                                           row.subject, row.detail or {}), row.prev_hash, row.hash)


def _entries(db: Database, chain: str) -> Iterator[StoredEntry]:
    after = 0
    while True:
        with db.read() as session:
            rows = session.execute(select(_ENTRIES).where(_ENTRIES.c.chain == chain, _ENTRIES.c.seq > after)
                                   .order_by(_ENTRIES.c.seq).limit(READ_BATCH)).all()
        if not rows:
            return
        for row in rows:
            yield _stored(row)
        after = rows[-1].seq


def chains(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.scalars(select(_HEADS.c.chain)))


def verify_chain(db: Database, chain: str) -> ChainCheck:
    """Recompute the chain from its first entry; where it breaks, if it does."""
    with db.read() as session:
        head = session.execute(_HEAD, {"chain": chain}).first()
    return check_chain(chain, _entries(db, chain), (head.seq, head.hash) if head else None)


def _may_read(actor: Actor, chain: str) -> None:
    if not (actor.role == "admin" or (chain != PLATFORM and may_work_zone(actor, chain))):
        raise Forbidden("audit.not_yours", "zone", "只能查看本区的审计日志", "You may read only your zone's audit log")


@dataclass(frozen=True)
class EntryView:
    """An entry of a chain as its readers see it (``AuditEntryOut``)."""

    seq: int
    at: str
    actor_id: int | None
    actor_role: str
    action: str
    subject: str
    detail: Mapping[str, Any]
    hash: str

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "detail": dict(self.detail)}


def _entry_view(row: Any) -> EntryView:
    return EntryView(row.seq, as_utc(row.at).isoformat(), row.actor_id, row.actor_role, row.action, row.subject,
                     row.detail, row.hash)


def recent_entries(db: Database, actor: Actor, chain: str, *, limit: int = 100,
                   subject: str | None = None) -> list[EntryView]:
    """The newest entries of a chain (officers: their zone's; administrators: any)."""
    _may_read(actor, chain)
    query = select(_ENTRIES).where(_ENTRIES.c.chain == chain)
    if subject:
        query = query.where(_ENTRIES.c.subject == subject)
    with db.read() as session:
        rows = session.execute(query.order_by(_ENTRIES.c.seq.desc()).limit(max(1, min(limit, 1000)))).all()
    return [_entry_view(r) for r in rows]


def entries_page(db: Database, actor: Actor, chain: str, *, subject: str | None = None,
                 since: datetime | None = None, until: datetime | None = None, offset: int = 0,
                 limit: int = 50) -> tuple[list[EntryView], int]:
    """One page of a chain's entries, newest first, and how many match: by subject (exact, or a
    kind of subject such as ``application`` for every ``application:…``) and by time
    (``since <= at < until``)."""
    _may_read(actor, chain)
    where = [_ENTRIES.c.chain == chain]
    if subject:
        where.append(_ENTRIES.c.subject == subject if ":" in subject
                     else _ENTRIES.c.subject.startswith(subject + ":", autoescape=True))
    if since is not None:
        where.append(_ENTRIES.c.at >= since)
    if until is not None:
        where.append(_ENTRIES.c.at < until)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(_ENTRIES).where(*where)) or 0
        rows = session.execute(select(_ENTRIES).where(*where).order_by(_ENTRIES.c.seq.desc())
                               .offset(max(0, offset)).limit(max(1, min(limit, 500)))).all()
    return [_entry_view(r) for r in rows], int(total)


def verify_for(db: Database, actor: Actor, chain: str) -> ChainCheck:
    _may_read(actor, chain)
    return verify_chain(db, chain)


# --- signed checkpoints ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SignedCheckpoint:
    """A zone's chain head signed with the zone's key (``CheckpointOut``); ``as_json`` is the
    document others keep and ``check_checkpoint`` reads back (docs/audit-log.md)."""

    purpose: str
    chain: str
    seq: int
    hash: str
    at: str
    kid: str
    alg: str
    signature: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def signed_checkpoint(db: Database, zone_id: str, now: datetime) -> SignedCheckpoint:
    """The zone's chain head, signed with the zone's active key (the one its licences carry and
    its trust list publishes)."""
    with db.read() as session:
        head = session.execute(_HEAD, {"chain": zone_id}).first()
        if head is None:
            raise NotFound("audit.no_chain", "zone", f"开发区 {zone_id} 没有审计日志",
                           f"Zone {zone_id} has no audit log")
        signature = keys.sign(session, zone_id, checkpoint_message(zone_id, head.seq, head.hash, now))
    document = signature.to_dict()
    return SignedCheckpoint(CHECKPOINT_PURPOSE, zone_id, head.seq, head.hash,
                            as_utc(now).isoformat(timespec="microseconds"), document["kid"], document["alg"],
                            document["signature"])


def check_checkpoint(db: Database, checkpoint: Mapping[str, Any], trust_list: TrustList) -> tuple[bool, str, str]:
    """(ok, 中文, English): the checkpoint is signed by a key of the trust list, and the chain as
    stored now is unbroken and passes through the checkpoint's head."""
    try:
        chain, seq, head = str(checkpoint["chain"]), int(checkpoint["seq"]), str(checkpoint["hash"])
        at = datetime.fromisoformat(str(checkpoint["at"]))
        signature = ZoneSignature.from_dict({**checkpoint, "zone": chain})
    except (KeyError, ValueError, TypeError, DomainError) as err:
        return False, f"检查点格式不正确：{err}", f"The checkpoint is malformed: {err}"
    if checkpoint.get("purpose") != CHECKPOINT_PURPOSE or chain != trust_list.zone:
        return False, "检查点不属于该开发区的审计日志", "The checkpoint is not of this zone's audit log"
    if not verify(trust_list, signature, checkpoint_message(chain, seq, head, at)):
        return False, "检查点的签名无效", "The checkpoint's signature is not valid for the zone's keys"
    check = verify_chain(db, chain)
    if not check.ok:
        return False, f"日志链在第 {check.broken_at} 条处断裂：{check.reason_zh}", \
            f"The chain is broken at entry {check.broken_at}: {check.reason}"
    if not passes_through(_entries(db, chain), seq, head):
        return (False, f"日志链已被改写：第 {seq} 条与检查点不符",
                f"The chain was rewritten: entry {seq} differs from the checkpoint")
    return True, f"日志链完整，且包含 {as_utc(at):%Y-%m-%d %H:%M} 的检查点（第 {seq} 条）", \
        f"The chain is unbroken and passes through the checkpoint of {as_utc(at):%Y-%m-%d %H:%M} (entry {seq})"
