"""Appending to the audit log inside a use case's transaction; checking and reading the chains.

An entry is recorded in the use case's transaction (the change and its record are committed
together or not at all) and linked into its zone's hash chain by whoever holds the chain:

- **SQLite**: the writer, in that transaction. Its writers take turns anyway (one write lock),
  so reading the chain's head, linking the new entries to it and moving the head costs no wait.
- **PostgreSQL**: a chain is held with an advisory lock that transactions only *try* to take
  (``take``), never wait for. A use case's transaction that gets it links the chain's pending
  entries and then its own, and holds the chain until it ends; one that does not (another
  transaction holds the chain) inserts its entries pending (``seq``, ``prev_hash`` and ``hash``
  empty; their ``id`` comes from a sequence, which no transaction holds) and commits without
  waiting. After its commit every transaction that recorded entries looks again, and links what
  is pending if the chain is free (``_integrate_on``); the pending entries are linked in the
  order of their ids (``rules.sequence``). Until revision 0038 each transaction read the head
  with a row lock (``SELECT ... FOR UPDATE``) held until its durable commit, so every approval in
  a zone waited for the one before it. This is how transparency logs do it: entries are queued
  durably, then sequenced and integrated into the log by one sequencer at a time, and no writer
  waits for the sequencer.

Nothing is lost between the steps: a pending entry is committed with the change it records, and
each committed entry is linked by the last to hold its chain after that commit, or, when that
one has done its bounded share (``ROUNDS``), by the next commit, read or job in the chain
(``integrate_pending_job``). Whatever reads a chain (``verify_chain``, the pages, the API, the CLI,
``signed_checkpoint``) links what is pending first, where the chain is free, and reads only linked
entries: no surface shows an entry as chained before it is. A transaction's own entries keep their
order; entries of concurrent transactions are linked in the order they were linked, which the
chain then fixes for good. ``tests/audit/test_audit_pending.py``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, String, bindparam, cast, func, insert, select, true, update
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import ARRAY
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
    sequence,
)
from yima.audit.tables import AuditEntry, AuditHead
from yima.clock import as_utc
from yima.db import Database
from yima.db.base import table_of
from yima.db.engine import BEFORE_COMMIT, GroupState, group_state
from yima.db.prepared import Prepared, connection_of, pipeline
from yima.errors import DomainError, Forbidden, NotFound
from yima.keys import service as keys
from yima.keys.signature import ZoneSignature, verify
from yima.keys.trustlist import TrustList

log = logging.getLogger("yima.audit")
_ENTRIES, _HEADS = table_of(AuditEntry), table_of(AuditHead)
_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.chain == bindparam("chain"))
# Appending runs on the driver's cursor (``yima.db.prepared``): it is in every use case's transaction.
_READ_HEAD = Prepared(_HEAD)
_INSERT = Prepared(insert(_ENTRIES))
_INSERT_COLUMNS = ("chain", "seq", "at", "actor_id", "actor_role", "action", "subject", "detail", "prev_hash", "hash")
_PENDING_COLUMNS = ("chain", "at", "actor_id", "actor_role", "action", "subject", "detail")
_MOVE = Prepared(update(_HEADS).where(_HEADS.c.chain == bindparam("chain_"))
                 .values(seq=bindparam("seq_"), hash=bindparam("hash_")))
#: Pending entries linked per integrating transaction, and transactions per integrator, at most
#: (the work one does for others is bounded; what is left, the next commit, read or job links).
INTEGRATE_BATCH = 2_000
ROUNDS = 4
_LINKED = _ENTRIES.c.seq.is_not(None)
_IS_PENDING = _ENTRIES.c.seq.is_(None)
_ANY_PENDING = Prepared(select(_ENTRIES.c.id).where(_ENTRIES.c.chain == bindparam("chain"), _IS_PENDING).limit(1))
_PENDING = Prepared(select(_ENTRIES.c.id, _ENTRIES.c.at, _ENTRIES.c.actor_id, _ENTRIES.c.actor_role,
                           _ENTRIES.c.action, _ENTRIES.c.subject, _ENTRIES.c.detail)
                    .where(_ENTRIES.c.chain == bindparam("chain"), _IS_PENDING).order_by(_ENTRIES.c.id)
                    .limit(INTEGRATE_BATCH))
_PLACE = Prepared(update(_ENTRIES).where(_ENTRIES.c.id == bindparam("id_"), _IS_PENDING)
                  .values(seq=bindparam("seq_"), prev_hash=bindparam("prev_"), hash=bindparam("hash_")))
#: The same for many entries at once on PostgreSQL: one statement of four arrays, not a command an
#: entry (psycopg's ``executemany`` in pipeline mode); its text is the same for any number of entries.
_PLACING = func.unnest(cast(bindparam("ids"), ARRAY(BigInteger)), cast(bindparam("seqs"), ARRAY(BigInteger)),
                       cast(bindparam("prevs"), ARRAY(String)), cast(bindparam("hashes"), ARRAY(String))) \
    .table_valued("id", "seq", "prev", "hash").render_derived(name="placed")
_PLACE_ALL = Prepared(update(_ENTRIES).where(_ENTRIES.c.id == _PLACING.c.id, _IS_PENDING)
                      .values(seq=_PLACING.c.seq, prev_hash=_PLACING.c.prev, hash=_PLACING.c.hash))
_PENDING_NOW = select(_ENTRIES.c.id, _ENTRIES.c.at, _ENTRIES.c.actor_id, _ENTRIES.c.actor_role, _ENTRIES.c.action,
                      _ENTRIES.c.subject, _ENTRIES.c.detail).where(
    _ENTRIES.c.chain == bindparam("chain"), _IS_PENDING).order_by(_ENTRIES.c.id).limit(INTEGRATE_BATCH).lateral("p")
#: The chain's head and its pending entries, in one statement (PostgreSQL): one row per pending entry, or
#: one with the entry's columns empty; none when the chain has no head yet.
_HEAD_AND_PENDING = Prepared(select(_HEADS.c.seq, _HEADS.c.hash, *_PENDING_NOW.c)
                             .select_from(_HEADS.outerjoin(_PENDING_NOW, true()))
                             .where(_HEADS.c.chain == bindparam("chain")).order_by(_PENDING_NOW.c.id))
_TRY_CHAIN_LOCK = Prepared(select(func.pg_try_advisory_xact_lock(bindparam("key"))))
#: ``session.info`` key: the chains a transaction recorded pending entries in.
_RECORDED = "yima.audit.pending"
READ_BATCH = 5_000


def defers(conn: Connection) -> bool:
    """Whether entries recorded on this connection are stored pending (PostgreSQL) rather than
    linked in the transaction (SQLite, whose writers take turns anyway)."""
    return conn.dialect.name != "sqlite"


def record(session: Session, events: Sequence[AuditEvent]) -> None:
    """Record the events in the session's transaction (in the order given within each chain)."""
    if not events:
        return
    conn = connection_of(session)
    if not defers(conn):
        _link_now(conn, events)
        return
    pending: list[AuditEvent] = []
    for chain, in_chain in groupby(sorted(events, key=lambda e: e.chain), key=lambda e: e.chain):
        if take(conn, chain):
            # No one holds the chain: this transaction does until it ends (no one waits for that:
            # others only try) and links what is pending, then its own entries, now.
            _link_held(conn, chain, list(in_chain))
        else:
            pending.extend(in_chain)
    if pending:
        _INSERT.run_many(conn, [{"chain": e.chain, "at": e.at, "actor_id": e.actor_id, "actor_role": e.actor_role,
                                 "action": e.action, "subject": e.subject, "detail": dict(e.detail)}
                                for e in pending], _PENDING_COLUMNS)
    recorded: set[str] | None = session.info.get(_RECORDED)
    if recorded is None:
        recorded = session.info[_RECORDED] = set()
        if not sa_event.contains(session, "after_commit", _after_commit):
            sa_event.listen(session, "after_commit", _after_commit)
            sa_event.listen(session, "after_soft_rollback", _after_rollback)
    recorded.update(e.chain for e in events)  # held or not: look again after the commit


def _link_now(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """Link the events into their chains now. In a grouped write transaction (SQLite's group
    commit) the chains' heads are kept in the group's state between its units, read once and moved
    once before the commit (``_move_heads``), not read and moved by every unit."""
    state = group_state(conn)
    for chain, in_chain in groupby(sorted(events, key=lambda e: e.chain), key=lambda e: e.chain):
        held = state.get((_GROUP_HEAD, chain)) if state is not None else None
        seq, hash_ = held if held is not None else _head(conn, chain)
        entries = link(hash_, seq, in_chain)
        _INSERT.run_many(conn, [{"chain": chain, "seq": e.seq, "at": e.event.at, "actor_id": e.event.actor_id,
                                 "actor_role": e.event.actor_role, "action": e.event.action,
                                 "subject": e.event.subject, "detail": dict(e.event.detail),
                                 "prev_hash": e.prev_hash, "hash": e.hash} for e in entries], _INSERT_COLUMNS)
        if state is None:
            _MOVE.run(conn, {"chain_": chain, "seq_": entries[-1].seq, "hash_": entries[-1].hash})
        else:
            state[(_GROUP_HEAD, chain)] = (entries[-1].seq, entries[-1].hash)
            state[(BEFORE_COMMIT, "yima.audit.heads")] = _move_heads


#: A grouped transaction's state: a chain's head as its units left it, ``(_GROUP_HEAD, chain)``.
_GROUP_HEAD = "yima.audit.head"


def _move_heads(conn: Connection, state: GroupState) -> None:
    """Move each chain's head to where the group's units left it (before the group's commit)."""
    for key, (seq, hash_) in sorted(((k, v) for k, v in state.items()
                                      if isinstance(k, tuple) and k[0] == _GROUP_HEAD), key=str):
        _MOVE.run(conn, {"chain_": key[1], "seq_": seq, "hash_": hash_})


def _link_held(conn: Connection, chain: str, events: Sequence[AuditEvent]) -> int:
    """In a transaction holding the chain (PostgreSQL, ``take``): link up to ``INTEGRATE_BATCH``
    of its pending entries, in the order of their ids, then ``events``, and move the head once; how
    many pending entries were linked. The head and the pending entries are read by one statement
    after the chain is held (a statement begun before might see an older head), the entries and
    the head written in one round trip (``yima.db.prepared.pipeline``). Pending entries committed
    after that read are linked by whoever holds the chain next (``_integrate_on``)."""
    rows = _HEAD_AND_PENDING.run(conn, {"chain": chain})
    if not rows:  # a new chain: made at its start
        seq, hash_ = _head(conn, chain)
        pending = _PENDING.run(conn, {"chain": chain})
        rows = [(seq, hash_, *row) for row in pending] or [(seq, hash_, *(None,) * 7)]
    seq, hash_ = int(rows[0][0]), str(rows[0][1])
    placed = sequence(hash_, seq, [_pending_event(chain, row[2:]) for row in rows if row[2] is not None])
    if placed:
        seq, hash_ = placed[-1][1].seq, placed[-1][1].hash
    entries = link(hash_, seq, events)
    if not placed and not entries:
        return 0
    last = entries[-1] if entries else placed[-1][1]
    with pipeline(conn):
        if placed:
            _place(conn, placed)
        if entries:
            _INSERT.send_many(conn, [{"chain": chain, "seq": e.seq, "at": e.event.at, "actor_id": e.event.actor_id,
                                      "actor_role": e.event.actor_role, "action": e.event.action,
                                      "subject": e.event.subject, "detail": dict(e.event.detail),
                                      "prev_hash": e.prev_hash, "hash": e.hash} for e in entries], _INSERT_COLUMNS)
        _MOVE.send_many(conn, [{"chain_": chain, "seq_": last.seq, "hash_": last.hash}])
    return len(placed)


def _place(conn: Connection, placed: Sequence[tuple[int, StoredEntry]]) -> None:
    """Write the pending entries' places in their chain (``sequence``): on PostgreSQL one statement
    (sent with the rest inside a ``pipeline`` block), elsewhere one a row."""
    if conn.dialect.name == "postgresql":
        _PLACE_ALL.send_many(conn, [{"ids": [id_ for id_, _ in placed], "seqs": [e.seq for _, e in placed],
                                     "prevs": [e.prev_hash for _, e in placed], "hashes": [e.hash for _, e in placed]}])
        return
    _PLACE.run_many(conn, [{"id_": id_, "seq_": e.seq, "prev_": e.prev_hash, "hash_": e.hash} for id_, e in placed],
                    ["id_", "seq_", "prev_", "hash_"])


def _pending_event(chain: str, row: Sequence[Any]) -> tuple[int, AuditEvent]:
    """A pending entry as the driver returns it: ``(id, at, actor_id, actor_role, action, subject, detail)``."""
    id_, at, actor_id, role, action, subject, detail = row
    return int(id_), AuditEvent(chain, as_utc(at if isinstance(at, datetime) else datetime.fromisoformat(at)),
                                actor_id, role, action, subject,
                                (json.loads(detail) if isinstance(detail, str) else detail) or {})


def _head(conn: Connection, chain: str) -> tuple[int, str]:
    """The chain's head, made at its start when the chain is new (a concurrent first writer makes that a
    no-op). Only the chain's writer (SQLite) or integrator (under the chain's lock) calls it."""
    head = next(iter(_READ_HEAD.run(conn, {"chain": chain})), None)
    if head is None:
        insert_ = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(insert_(_HEADS).values(chain=chain, seq=0, hash=GENESIS).on_conflict_do_nothing(
            index_elements=["chain"]))
        head = _READ_HEAD.run(conn, {"chain": chain})[0]
    return int(head[0]), str(head[1])


def _after_commit(session: Session) -> None:
    """Link what the committed transaction recorded (and whatever else is pending in its chains).
    Its entries are committed whatever happens here: a failure leaves them pending for the next
    integrator, and is logged rather than raised into the use case that succeeded."""
    chains = session.info.pop(_RECORDED, None)
    if not chains:
        return
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    for chain in sorted(chains):
        try:
            _integrate_on(engine, chain)
        except Exception:  # noqa: BLE001 — the next integrator links them; the caller's work is done
            log.warning("audit: the pending entries of chain %s stay pending for the next integrator", chain,
                        exc_info=True)


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_RECORDED, None)


def _chain_key(chain: str) -> int:
    """The chain's advisory lock (PostgreSQL): a signed 64-bit number from the chain's name."""
    return int.from_bytes(hashlib.sha256(b"yima.audit.chain\n" + chain.encode()).digest()[:8], "big", signed=True)


def _integrate_on(engine: Engine, chain: str) -> int:
    """While the chain has pending entries: in a transaction of its own, take the chain if no one
    holds it (never wait: the holder might be this very thread, in a transaction it has not
    committed yet) and link a batch. Whoever holds a chain looks again after releasing it (each
    transaction that recorded entries in it runs this after its commit), so an entry whose own
    integrator found the chain held is linked by the holder: each committed entry is linked by the
    last to hold its chain after its commit or, past ``ROUNDS``, stays pending, shown as not
    linked, until the next commit, read or job in that chain."""
    linked = 0
    with engine.connect() as conn:
        for _ in range(ROUNDS):
            # Most often nothing is pending: asked in one round trip, outside a transaction.
            conn.execution_options(isolation_level="AUTOCOMMIT")
            if not _ANY_PENDING.run(conn, {"chain": chain}):
                return linked
            conn.execution_options(isolation_level=conn.default_isolation_level)
            with conn.begin():
                if not take(conn, chain):
                    return linked
                linked += _link_held(conn, chain, ())
    return linked


def take(conn: Connection, chain: str) -> bool:
    """Hold the chain until the transaction ends, if no one else does (PostgreSQL's advisory lock;
    on SQLite the writer holds everything)."""
    return conn.dialect.name == "sqlite" or bool(_TRY_CHAIN_LOCK.run(conn, {"key": _chain_key(chain)})[0][0])


def _link_pending(conn: Connection, chain: str) -> int:
    """Link up to ``INTEGRATE_BATCH`` of the chain's pending entries, in the order of their ids, in
    a transaction that holds the chain (``take``), and move its head; how many."""
    rows = _PENDING.run(conn, {"chain": chain})  # often none: the integrator before took them
    if not rows:
        return 0
    seq, hash_ = _head(conn, chain)
    placed = sequence(hash_, seq, [_pending_event(chain, row) for row in rows])
    _place(conn, placed)
    _MOVE.run(conn, {"chain_": chain, "seq_": placed[-1][1].seq, "hash_": placed[-1][1].hash})
    return len(placed)


def integrate(db: Database, chain: str) -> int:
    """Link the chain's pending entries, unless another holds the chain (who links them after
    its commit); how many. None are pending on SQLite unless written elsewhere."""
    with db.read() as session:
        if not _ANY_PENDING.run(session, {"chain": chain}):
            return 0
    if not db.is_sqlite:
        return _integrate_on(db.engine, chain)
    linked = 0
    for _ in range(ROUNDS):
        with db.write() as session:  # the writer holds every chain
            done = _link_pending(connection_of(session), chain)
        linked += done
        if done < INTEGRATE_BATCH:
            break
    return linked


def pending_chains(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.scalars(select(_ENTRIES.c.chain).where(_IS_PENDING).distinct()))


def integrate_all(db: Database) -> int:
    """Link the pending entries of every chain; how many."""
    return sum(integrate(db, chain) for chain in pending_chains(db))


def integrate_pending_job(db: Database, now: datetime) -> list[str]:
    """The jobs' share: entries whose transaction's own integrator failed (a crash, a dropped
    connection) are linked here at the latest."""
    linked = integrate_all(db)
    return [f"linked {linked} pending audit entr{'y' if linked == 1 else 'ies'} into their chains"]


def event(chain: str | None, actor: Actor | None, at: Any, action: str, subject: str,
          **detail: Any) -> AuditEvent:
    """An event by ``actor`` (None: the system itself, such as 秒批 or a scheduled job)."""
    return AuditEvent(chain or PLATFORM, at, actor.id if actor else None, actor.role if actor else "system",
                      action, subject, {k: v for k, v in detail.items() if v is not None})


def _event(row: Any) -> AuditEvent:
    return AuditEvent(row.chain, as_utc(row.at), row.actor_id, row.actor_role, row.action, row.subject,
                      row.detail or {})


def _stored(row: Any) -> StoredEntry:
    return StoredEntry(row.seq, _event(row), row.prev_hash, row.hash)


def _entries(db: Database, chain: str, until: int | None = None) -> Iterator[StoredEntry]:
    """The chain's linked entries in order (up to ``until``, the head read before, when given)."""
    after = 0
    while True:
        where = [_ENTRIES.c.chain == chain, _ENTRIES.c.seq > after]
        if until is not None:
            where.append(_ENTRIES.c.seq <= until)
        with db.read() as session:
            rows = session.execute(select(_ENTRIES).where(*where).order_by(_ENTRIES.c.seq).limit(READ_BATCH)).all()
        if not rows:
            return
        for row in rows:
            yield _stored(row)
        after = rows[-1].seq


def chains(db: Database) -> list[str]:
    """Every chain, its pending entries linked first (a chain's first entries may be pending)."""
    integrate_all(db)
    with db.read() as session:
        return sorted(session.scalars(select(_HEADS.c.chain)))


def verify_chain(db: Database, chain: str) -> ChainCheck:
    """Recompute the chain from its first entry up to its head, its pending entries linked first;
    where it breaks, if it does. Entries linked after the head was read are left for the next check."""
    integrate(db, chain)
    with db.read() as session:
        head = session.execute(_HEAD, {"chain": chain}).first()
    return check_chain(chain, _entries(db, chain, head.seq if head else None), (head.seq, head.hash) if head else None)


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
    """The newest entries of a chain (officers: their zone's; administrators: any), its pending
    entries linked first; one committed after that is left for the next read."""
    _may_read(actor, chain)
    integrate(db, chain)
    query = select(_ENTRIES).where(_ENTRIES.c.chain == chain, _LINKED)
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
    (``since <= at < until``). Pending entries are linked first, as for ``recent_entries``."""
    _may_read(actor, chain)
    integrate(db, chain)
    where = [_ENTRIES.c.chain == chain, _LINKED]
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
    its trust list publishes), its pending entries linked first."""
    integrate(db, zone_id)
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
