"""The receiver's checks on a message, the sender's backoff, and when a forwarded case is late.

Every check is a plain function of the message bytes, what the receiver knows (its zones, its
partners' trust lists, its standard digest) and ``now``. A failed check raises ``Refusal``, a
domain error with the HTTP status the receiving endpoint answers with.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from yima.errors import Conflict, DomainError, Forbidden
from yima.federation.codec import open_message
from yima.federation.errors import Refusal as Refusal
from yima.federation.model import Envelope
from yima.keys.model import KeyStatus
from yima.keys.trustlist import TrustList
from yima.registration.appview import Withdrawal
from yima.registration.status import DECIDED, Status

MAX_AGE = timedelta(minutes=10)
"""A message without ``expires`` signed longer ago than this is refused (the first release signed a
fresh copy for each attempt)."""
MAX_LIFETIME = timedelta(days=30)
"""A message may not claim to stay valid longer than this after it was signed."""
MAX_SKEW = timedelta(minutes=2)
"""Clocks of two instances may differ this much."""
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
LATE_AFTER = timedelta(days=1)
"""A forwarded application still undelivered after this is flagged to the accepting officers."""


def _refuse(reason: str, status: int, zh: str, en: str) -> Refusal:
    return Refusal(reason, status, zh, en)


@dataclass(frozen=True)
class PartnerKeys:
    """What the receiver knows of one partner: its trust list and the local zone it works with."""

    zone: str
    local_zone: str
    trust_list: TrustList
    source: str = ""  # where its keys come from: a file, a URL, or ``network:ID`` (the configuration)


def open_envelope(data: bytes) -> tuple[Envelope, bytes, bytes, bytes]:
    """The envelope as claimed (not yet trusted), with the kid, signature and signed bytes."""
    opened = open_message(data)
    return opened.envelope, opened.kid, opened.signature, opened.signed


def keys_unavailable(sender: str) -> Refusal:
    """A message signed with a key the receiver does not know, whose sender's keys it could not
    follow just now (it did a moment ago, or the sender's trust list could not be read): try again."""
    return _refuse("keys_unavailable", 503, f"暂时无法更新 {sender} 的信任列表以核对消息的签名密钥，请稍后重试",
                   f"The trust list of {sender} could not be followed just now to check the message's key; "
                   "try again shortly")


def check_message(data: bytes, partners: Mapping[str, PartnerKeys], local_zones: frozenset[str],
                  standard_digest: str, revoked: frozenset[bytes] = frozenset()) -> Envelope:
    """Signature, sender and recipient, standard: everything but freshness and replay. A key in
    ``revoked`` is refused at once; a retired key verifies only what it signed before it retired."""
    envelope, kid, signature, signed = open_envelope(data)
    partner = partners.get(envelope.sender)
    if partner is None:
        raise _refuse("not_partner", 403, f"开发区 {envelope.sender} 不是本区的合作伙伴",
                      f"Zone {envelope.sender} is not a partner of this instance")
    if kid in revoked:
        raise _refuse("revoked_key", 403, f"消息的签名密钥已被吊销（{envelope.sender}）",
                      f"The message is signed with a revoked key of {envelope.sender}")
    key = partner.trust_list.key(kid)
    if key is None or not key.verify(signature, signed):
        raise _refuse("bad_signature", 403, f"消息的签名不是 {envelope.sender} 信任列表中密钥的有效签名",
                      f"The signature is not valid for any key in the trust list of {envelope.sender}")
    if key.status is KeyStatus.RETIRED and key.not_after is not None and envelope.sent > key.not_after + MAX_SKEW:
        raise _refuse("retired_key", 403, f"消息签发于 {envelope.sent:%Y-%m-%d %H:%M:%S}Z，所用密钥已于 "
                      f"{key.not_after:%Y-%m-%d %H:%M:%S}Z 停用",
                      f"The message was signed at {envelope.sent.isoformat()} with a key retired at "
                      f"{key.not_after.isoformat()}")
    if envelope.recipient not in local_zones or envelope.recipient != partner.local_zone:
        raise _refuse("wrong_recipient", 421, f"消息的收件区 {envelope.recipient} 不是本平台与 {envelope.sender} "
                      f"合作的开发区（{partner.local_zone}）",
                      f"The message is for {envelope.recipient}, not for {partner.local_zone}, the zone of this "
                      f"instance that works with {envelope.sender}")
    if envelope.standard != standard_digest:
        raise standard_mismatch(envelope.standard, standard_digest, envelope.sender)
    return envelope


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_partner_url(url: str, field: str = "url", *, allow_http: bool = False) -> str:
    """A partner's URL is https; plain http only on loopback (tests, one machine) or where the
    development setting ``YIMA_FEDERATION_ALLOW_HTTP`` allows it. Answers the URL without a
    trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DomainError("federation.url", field, f"{url} 不是 http(s) 地址", f"{url} is not an http(s) URL")
    if parts.scheme == "http" and not (allow_http or is_loopback_host(parts.hostname)):
        raise DomainError("federation.insecure_url", field,
                          f"合作伙伴地址须使用 https（{url}）；仅本机回环地址或开发设置 "
                          "YIMA_FEDERATION_ALLOW_HTTP 可用 http",
                          f"A partner's URL must use https ({url}); plain http only on loopback or with the "
                          "development setting YIMA_FEDERATION_ALLOW_HTTP")
    return url.rstrip("/")


def standard_mismatch(theirs: str, ours: str, zone: str) -> Conflict:
    err = Conflict("federation.standard_mismatch", "standard_digest",
                   f"事项标准不一致：{zone} 为 {theirs}，本区为 {ours}；不同标准的开发区不能合作办照",
                   f"The matter standards differ: {zone} has {theirs}, this zone has {ours}; zones cooperate "
                   "only on the same standard")
    return err


def check_fresh(envelope: Envelope, now: datetime) -> None:
    """The message is still valid: before its ``expires`` (at most ``MAX_LIFETIME`` after it was
    signed), or, without one, signed at most ``MAX_AGE`` ago; and not signed in the future."""
    if envelope.sent > now + MAX_SKEW:
        raise _refuse("from_future", 422, "消息的签发时间晚于当前时间", "The message is signed in the future")
    if envelope.expires is not None:
        if envelope.expires > envelope.sent + MAX_LIFETIME or envelope.expires < envelope.sent:
            raise _refuse("malformed", 422, "消息的有效期不合理（须在签发后 30 天内）",
                          "The message's expiry is unreasonable (it must fall within 30 days of signing)")
        if envelope.expires < now:
            raise _refuse("expired", 422, f"消息已于 {envelope.expires:%Y-%m-%d %H:%M:%S}Z 过期",
                          f"The message expired at {envelope.expires.isoformat()}")
        return
    if envelope.sent < now - MAX_AGE:
        raise _refuse("too_old", 422, f"消息签发于 {envelope.sent:%Y-%m-%d %H:%M:%S}Z，已超过 "
                      f"{int(MAX_AGE.total_seconds() // 60)} 分钟", f"The message was signed at "
                      f"{envelope.sent.isoformat()}, more than {int(MAX_AGE.total_seconds() // 60)} minutes ago")


def backoff_seconds(attempts: int, jitter: float = 1.0) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling, capped at 30, times
    ``jitter`` (the sender draws it from [0.5, 1] so that retries to one partner spread out)."""
    return float(min(BACKOFF_CAP_SECONDS, BACKOFF_FIRST_SECONDS * 2.0 ** max(0, attempts - 1))) * jitter


def is_permanent(status: int) -> bool:
    """A refusal that sending the same bytes again cannot change: 4xx other than 408 and 429."""
    return 400 <= status < 500 and status not in (408, 429)


def is_late(created: datetime, delivered: bool, now: datetime) -> bool:
    return not delivered and now - created > LATE_AFTER


def unknown_forwarded_application() -> Refusal:
    """A message about an application the sending zone did not forward here (or not yet: it retries)."""
    return _refuse("unknown_application", 422, "消息所指的申请不是该开发区转交的申请",
                   "The message is about no application that zone forwarded")


def not_a_partner_zone(zone: str) -> Forbidden:
    return Forbidden("federation.not_partner", "zone", f"开发区 {zone} 不是本区的合作伙伴",
                     f"Zone {zone} is not a partner of this instance")


# --- withdrawing a forwarded application (accepting side) -----------------------------------------

WITHDRAWAL_REQUESTED = "withdrawal_requested"
"""The step on the accepting side's case when the applicant asked to withdraw."""
WITHDRAWAL_TOO_LATE = "withdrawal_too_late"
"""The step when the issuing zone's receipt said it had decided already (its ``state``: which way)."""


def too_late_state(result: Mapping[str, object]) -> str | None:
    """What a receipt's ``result`` for ``application.withdrawn`` means: the issuing zone's decided
    state when it was too late (``{"status": "too_late", "state": "approved"}``), else None (the
    withdrawal was applied there; its ``application.decided`` with ``withdrawn`` confirms it)."""
    if result.get("status") != Withdrawal.TOO_LATE:
        return None
    state = result.get("state")
    return state if isinstance(state, str) and state else "decided"


def partner_status(word: object) -> Status:
    """The status an issuing zone reports in ``application.decided``: one of its applications'
    states, never ``forwarded`` (a partner decides what it was sent; it does not send it on).
    ``ValueError`` names any other word, which the message is refused for before anything of it is
    kept."""
    try:
        status = Status(word) if isinstance(word, str) else None
    except ValueError:
        status = None
    if status is None or status == Status.FORWARDED:
        raise ValueError(f"status {word!r} is not one an issuing zone reports "
                         f"({', '.join(s.value for s in Status if s != Status.FORWARDED)})")
    return status


def withdrawal_state(steps: Sequence[Mapping[str, object]], remote_status: Status | None) -> Withdrawal | None:
    """``requested`` | ``confirmed`` | ``too_late`` for a forwarded application whose applicant asked
    to withdraw it, None when nobody asked. Only the issuing zone's own status ``withdrawn``
    confirms; its decided status, or a receipt saying it had decided, makes the request too late."""
    names = {s.get("step") for s in steps}
    if remote_status == Status.WITHDRAWN:
        return Withdrawal.CONFIRMED
    if WITHDRAWAL_REQUESTED not in names:
        return None
    if WITHDRAWAL_TOO_LATE in names or remote_status in DECIDED:
        return Withdrawal.TOO_LATE
    return Withdrawal.REQUESTED


def check_may_withdraw(steps: Sequence[Mapping[str, object]], remote_status: Status | None,
                       partner_zone: str) -> None:
    """Refuse a withdrawal the accepting side must not send: one already in flight, or one of an
    application the issuing zone has decided (as for a local application)."""
    state = withdrawal_state(steps, remote_status)
    if state == Withdrawal.REQUESTED:
        raise Conflict("withdraw.in_flight", "id", f"撤回申请已发出，正在等待 {partner_zone} 确认，请勿重复提交",
                       f"A withdrawal was already sent and awaits {partner_zone}'s confirmation; it cannot be "
                       "sent twice")
    if state is not None or remote_status in DECIDED:
        shown = remote_status.value if remote_status in DECIDED and remote_status else next(
            (str(s.get("state")) for s in steps if s.get("step") == WITHDRAWAL_TOO_LATE), "decided")
        raise Conflict("withdraw.state", "id", f"申请当前状态为 {shown}（{partner_zone} 已作出决定），不能撤回",
                       f"The application is {shown} ({partner_zone} has decided it); it cannot be withdrawn")
