"""Audit entries and their hash chain: pure functions, no database.

Each zone keeps one chain (the platform's own events, such as account changes, another).
An entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON
(sorted keys, no spaces, UTF-8, times in UTC to the microsecond), so changing, removing or
reordering any stored entry breaks every hash after it. The chain starts from ``GENESIS``.

Entries are linked in one of two ways, with the same hashes (``link``): in the transaction that
records them (the chain's next places taken there), or stored pending first and linked after
their transaction's commit, in the order in which they were stored (``sequence``), by the one
integrator that holds the chain at the time (``yima.audit.service``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
PLATFORM = "platform"  # the chain of events that belong to no zone


@dataclass(frozen=True)
class AuditEvent:
    """What happened: ``action`` (``application.approved``) to ``subject`` (``application:42``)."""

    chain: str
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    subject: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEntry:
    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str


#: The last moment ``_utc`` wrote and its text: a use case's entries mostly share one moment.
_last_utc: tuple[datetime, str] | None = None


def _utc(moment: datetime) -> str:
    global _last_utc
    last = _last_utc  # one read: another thread may replace it meanwhile
    if last is not None and last[0] is moment:
        return last[1]
    text = (moment if moment.tzinfo is UTC else moment.replace(tzinfo=UTC) if moment.tzinfo is None
            else moment.astimezone(UTC)).isoformat(timespec="microseconds")
    _last_utc = (moment, text)
    return text


#: ``json.dumps`` with options builds an encoder for every call; the canonical form's is built once.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(seq: int, event: AuditEvent) -> bytes:
    return _CANONICAL.encode({"chain": event.chain, "seq": seq, "at": _utc(event.at), "actor_id": event.actor_id,
                              "actor_role": event.actor_role, "action": event.action, "subject": event.subject,
                              "detail": dict(event.detail)}).encode("utf-8")


def entry_hash(prev_hash: str, seq: int, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(seq, event)).hexdigest()


def link(prev_hash: str, last_seq: int, events: Iterable[AuditEvent]) -> list[StoredEntry]:
    """The entries that follow a chain whose last entry is ``last_seq`` with ``prev_hash``."""
    entries = []
    for event in events:
        last_seq += 1
        digest = entry_hash(prev_hash, last_seq, event)
        entries.append(StoredEntry(last_seq, event, prev_hash, digest))
        prev_hash = digest
    return entries


def sequence(prev_hash: str, last_seq: int,
             pending: Iterable[tuple[int, AuditEvent]]) -> list[tuple[int, StoredEntry]]:
    """Link pending entries, given as ``(id, event)``, after a chain's last entry: in the order of
    their ids (the order they were stored in; a transaction's own entries in the order it recorded
    them), whatever order they are read in. Each comes back with its id."""
    ordered = sorted(pending, key=lambda p: p[0])
    if len({id_ for id_, _ in ordered}) != len(ordered):
        raise ValueError("an entry is pending twice")
    if any(event.chain != ordered[0][1].chain for _, event in ordered):
        raise ValueError("pending entries of another chain")
    linked = link(prev_hash, last_seq, (event for _, event in ordered))
    return [(id_, entry) for (id_, _), entry in zip(ordered, linked, strict=True)]


@dataclass(frozen=True)
class ChainCheck:
    chain: str
    entries: int
    ok: bool
    head: str
    broken_at: int | None = None  # the first entry that does not follow from the one before
    reason: str = ""
    reason_zh: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"chain": self.chain, "entries": self.entries, "ok": self.ok, "head": self.head,
                "broken_at": self.broken_at, "reason": self.reason, "reason_zh": self.reason_zh}


def check_chain(chain: str, entries: Iterable[StoredEntry], head: tuple[int, str] | None) -> ChainCheck:
    """Recompute every hash in order; the stored head (last seq and hash) must be the last entry."""
    prev, expected_seq, count = GENESIS, 1, 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return ChainCheck(chain, count, False, prev, entry.seq, f"entry {expected_seq} is missing",
                              f"缺少第 {expected_seq} 条")
        if entry.prev_hash != prev:
            return ChainCheck(chain, count, False, prev, entry.seq, "does not follow the entry before it",
                              "与前一条记录不相衔接")
        if entry_hash(prev, entry.seq, entry.event) != entry.hash:
            return ChainCheck(chain, count, False, prev, entry.seq, "its content does not match its hash",
                              "记录内容与其哈希值不符")
        prev, expected_seq = entry.hash, expected_seq + 1
    if (head or (0, GENESIS)) != (expected_seq - 1, prev):
        return ChainCheck(chain, count, False, prev, expected_seq,
                          "the chain does not end at its recorded head (entries removed or rewritten)",
                          "日志链的末尾与记录的链头不符（有记录被删除或改写）")
    return ChainCheck(chain, count, True, prev)


# --- signed checkpoints ---------------------------------------------------------------------------
# A checkpoint is the zone's signature over a chain's head at one moment. Whoever keeps a copy
# (a partner zone, an auditor, a newspaper) can later show that the chain still passes through
# that head: rewriting the chain from scratch, which the hashes alone cannot reveal to someone
# with write access to the database, no longer goes unnoticed.

CHECKPOINT_PURPOSE = "yima-audit-checkpoint"


def checkpoint_message(chain: str, seq: int, head: str, at: datetime) -> bytes:
    """What the zone signs: the purpose (so the signature means nothing else), chain, seq, head, time."""
    return json.dumps({"purpose": CHECKPOINT_PURPOSE, "chain": chain, "seq": seq, "hash": head, "at": _utc(at)},
                      sort_keys=True, separators=(",", ":")).encode("ascii")


def passes_through(entries: Iterable[StoredEntry], seq: int, head: str) -> bool:
    """Whether the chain's entry ``seq`` has the hash ``head`` (seq 0: the chain's start)."""
    if seq == 0:
        return head == GENESIS
    return any(e.seq == seq and e.hash == head for e in entries)
