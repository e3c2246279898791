"""The receiver's checks and the sender's backoff, as pure functions (no database, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cbor2
import pytest

from yima.audit.rules import GENESIS, AuditEvent, link
from yima.errors import DomainError
from yima.federation.model import envelope_from_payload, new_message
from yima.federation.refusals import RateLimitedLog
from yima.federation.rules import (
    BACKOFF_CAP_SECONDS,
    MAX_AGE,
    PartnerKeys,
    Refusal,
    backoff_seconds,
    check_fresh,
    check_message,
    check_partner_url,
    is_permanent,
)
from yima.federation.witness import recompute
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.keys.trustlist import trust_list_for
from yima.licences.cose import sign1

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DIGEST = "ab" * 32
CQ = ZoneKeyring.start("cq-gxq", generate_signing_key(NOW))
PARTNERS = {"cq-gxq": PartnerKeys("cq-gxq", "cd-gxq", trust_list_for(CQ, DIGEST))}
LOCAL = frozenset({"cd-gxq"})


def signed(key=None, **changes) -> bytes:  # type: ignore[no-untyped-def]
    fields = {"kind": "application.forwarded", "sender": "cq-gxq", "recipient": "cd-gxq", "standard": DIGEST,
              "body": {"application": 1}, "now": NOW}
    fields.update(changes)
    envelope = new_message(fields["kind"], fields["sender"], fields["recipient"], fields["standard"],
                           fields["body"], fields["now"])
    return sign1(envelope.payload(), key or CQ.active)


def refusal(data: bytes) -> str:
    with pytest.raises(Refusal) as caught:
        check_message(data, PARTNERS, LOCAL, DIGEST)
    return caught.value.reason


def test_a_message_signed_by_the_partner_is_accepted_as_it_was_sent() -> None:
    envelope = check_message(signed(), PARTNERS, LOCAL, DIGEST)
    assert (envelope.sender, envelope.recipient, envelope.kind, envelope.body) == \
        ("cq-gxq", "cd-gxq", "application.forwarded", {"application": 1})
    check_fresh(envelope, NOW + MAX_AGE - timedelta(seconds=1))


def test_each_refusal_names_its_reason() -> None:
    assert refusal(signed(key=generate_signing_key(NOW))) == "bad_signature"
    assert refusal(signed(sender="gz-gxq")) == "not_partner"
    assert refusal(signed(recipient="cq-gxq")) == "wrong_recipient"
    assert refusal(b"\xa1\x01\x02") == "malformed"
    with pytest.raises(Refusal) as old:
        check_fresh(check_message(signed(), PARTNERS, LOCAL, DIGEST), NOW + MAX_AGE + timedelta(seconds=1))
    assert old.value.reason == "too_old" and old.value.status == 422


def test_another_standard_is_refused_naming_both_digests() -> None:
    with pytest.raises(Exception) as caught:
        check_message(signed(standard="cd" * 32), PARTNERS, LOCAL, DIGEST)
    assert caught.value.finding.rule == "federation.standard_mismatch"  # type: ignore[attr-defined]
    assert "cd" * 32 in caught.value.finding.en and DIGEST in caught.value.finding.zh  # type: ignore[attr-defined]


def test_a_changed_payload_breaks_the_signature() -> None:
    item = cbor2.loads(signed())
    item.value[2] = item.value[2].replace(b"cd-gxq", b"cd-gxr")
    assert refusal(cbor2.dumps(item)) == "bad_signature"


def test_envelope_members_are_checked() -> None:
    with pytest.raises(ValueError, match="'id'"):
        envelope_from_payload({"v": 1, "id": "not-a-uuid", "kind": "receipt", "from": "a", "to": "b",
                               "standard": "x", "created": "2026-12-01T00:00:00Z", "sent": "2026-12-01T00:00:00Z",
                               "body": {}})


def test_backoff_doubles_and_is_capped_at_30_seconds() -> None:
    waits = [backoff_seconds(n) for n in range(1, 12)]
    assert waits[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(waits) == BACKOFF_CAP_SECONDS == 30.0 and waits[-1] == 30.0


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://cd.example.gov.cn", True), ("https://cd.example.gov.cn:8443/yima/", True),
    ("http://127.0.0.1:8000", True), ("http://localhost:8000", True), ("http://[::1]:8000", True),
    ("http://cd.example.gov.cn", False), ("http://10.0.0.5:8000", False), ("ftp://cd.example.gov.cn", False),
    ("cd.example.gov.cn", False)])
def test_partner_urls_are_https_except_on_loopback(url: str, allowed: bool) -> None:
    if allowed:
        assert check_partner_url(url) == url.rstrip("/")
    else:
        with pytest.raises(DomainError) as refused:
            check_partner_url(url)
        assert refused.value.finding.rule in ("federation.insecure_url", "federation.url")
        assert refused.value.finding.field == "url"
    assert check_partner_url("http://10.0.0.5:8000", allow_http=True) == "http://10.0.0.5:8000"


def test_refusals_are_logged_at_most_so_many_a_minute_per_address() -> None:
    limiter = RateLimitedLog(per_minute=3)
    first = [limiter.admit("203.0.113.9", now=60.0 + n) for n in range(10)]
    assert [admitted for admitted, _ in first] == [True] * 3 + [False] * 7
    assert limiter.admit("198.51.100.1", now=65.0) == (True, 0)  # another address has its own count
    assert limiter.admit("203.0.113.9", now=121.0) == (True, 7)  # the next minute says how many were dropped


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (403, True), (409, True), (413, True), (421, True),
                                                   (422, True), (408, False), (429, False), (500, False),
                                                   (502, False), (503, False)])
def test_which_refusals_are_permanent(status: int, permanent: bool) -> None:
    assert is_permanent(status) is permanent


def test_a_chain_is_recomputed_from_its_entries_alone() -> None:
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    events = [AuditEvent("cd-gxq", at + timedelta(seconds=n), None, "system", "application.approved",
                         f"application:{n}", {"n": n, "name": "成都云帆科技有限公司"}) for n in range(5)]
    stored = link(GENESIS, 0, events)
    entries = [{"seq": e.seq, "at": e.event.at.isoformat(timespec="microseconds"), "actor_id": None,
                "actor_role": "system", "action": e.event.action, "subject": e.event.subject,
                "detail": dict(e.event.detail)} for e in stored]
    assert recompute("cd-gxq", 2, stored[1].hash, entries[2:]) == (5, stored[-1].hash)
    changed = [*entries[:3], {**entries[3], "detail": {"n": 3, "name": "改"}}, entries[4]]
    assert recompute("cd-gxq", 2, stored[1].hash, changed[2:])[1] != stored[-1].hash
    with pytest.raises(ValueError, match="entry 4 is missing"):
        recompute("cd-gxq", 2, stored[1].hash, [entries[2], entries[4]])
