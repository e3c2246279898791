"""The hash chain, without a database: linking, and every way of tampering being found."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from yima.audit.rules import GENESIS, AuditEvent, canonical, check_chain, entry_hash, link

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def _events(n: int) -> list[AuditEvent]:
    return [AuditEvent("cq-gxq", T0 + timedelta(seconds=i), 7, "officer", "application.approved",
                       f"application:{i}", {"reason": f"第{i}件"}) for i in range(n)]


def _head(entries):
    return (entries[-1].seq, entries[-1].hash) if entries else None


def test_linked_entries_check_out_and_continue_a_chain():
    first = link(GENESIS, 0, _events(3))
    assert [e.seq for e in first] == [1, 2, 3] and first[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(first, first[1:], strict=False))
    more = link(first[-1].hash, 3, _events(2))
    chain = first + more
    check = check_chain("cq-gxq", chain, _head(chain))
    assert check.ok and check.entries == 5 and check.head == chain[-1].hash
    assert check_chain("cq-gxq", [], None).ok


def test_the_hash_covers_every_field_and_the_position():
    event = _events(1)[0]
    base = entry_hash(GENESIS, 1, event)
    assert entry_hash(GENESIS, 2, event) != base
    for changed in (replace(event, actor_id=8), replace(event, actor_role="admin"), replace(event, action="x"),
                    replace(event, subject="application:9"), replace(event, detail={"reason": "改"}),
                    replace(event, at=T0 + timedelta(microseconds=1)), replace(event, chain="cd-gxq")):
        assert entry_hash(GENESIS, 1, changed) != base
    naive = replace(event, at=T0.replace(tzinfo=None))  # a database that drops the zone reads back UTC
    assert entry_hash(GENESIS, 1, naive) == base


def test_a_changed_entry_is_found():
    chain = link(GENESIS, 0, _events(5))
    chain[2] = replace(chain[2], event=replace(chain[2].event, detail={"reason": "篡改"}))
    check = check_chain("cq-gxq", chain, _head(chain))
    assert not check.ok and check.broken_at == 3 and "content" in check.reason


def test_a_removed_or_reordered_entry_is_found():
    chain = link(GENESIS, 0, _events(5))
    gap = check_chain("cq-gxq", chain[:2] + chain[3:], _head(chain))
    assert not gap.ok and gap.broken_at == 4
    swapped = check_chain("cq-gxq", [chain[0], chain[2], chain[1], *chain[3:]], _head(chain))
    assert not swapped.ok and swapped.broken_at == 3
    truncated = check_chain("cq-gxq", chain[:4], _head(chain))
    assert not truncated.ok and "removed" in truncated.reason


def test_a_rewritten_chain_does_not_match_the_stored_head():
    chain = link(GENESIS, 0, _events(3))
    forged = link(GENESIS, 0, [replace(e, detail={"reason": "伪造"}) for e in _events(3)])
    check = check_chain("cq-gxq", forged, _head(chain))
    assert not check.ok


def test_the_canonical_form_is_json_with_sorted_keys_in_utc_whatever_the_offset():
    """What is hashed: JSON with sorted keys, no spaces, UTF-8, the time in UTC to the microsecond,
    for a time in UTC, naive (read back from SQLite) or at another offset, and the same moment given
    twice running (the text of the last one is kept) or another after it."""
    china = timezone(timedelta(hours=8))
    for at in (T0, T0.replace(tzinfo=None), T0.astimezone(china), T0, T0 + timedelta(microseconds=1), T0):
        event = AuditEvent("cq-gxq", at, None, "system", "enterprise.established", "enterprise:1",
                           {"名称": "重庆云帆科技有限公司", "when": date(2026, 12, 6)})
        expected = json.dumps({"chain": "cq-gxq", "seq": 3, "at": (at if at.tzinfo else at.replace(tzinfo=UTC))
                               .astimezone(UTC).isoformat(timespec="microseconds"), "actor_id": None,
                               "actor_role": "system", "action": "enterprise.established",
                               "subject": "enterprise:1",
                               "detail": {"名称": "重庆云帆科技有限公司", "when": "2026-12-06"}},
                              sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert canonical(3, event) == expected
    assert canonical(1, _events(1)[0]).startswith(b'{"action":"application.approved","actor_id":7,')
