"""Whether a verified licence is in force and current: the answer of ``POST /api/v1/verify``.

Three separate questions, never folded into one:

* ``valid`` — the signature is genuine (a zone key signed exactly this content; the v1 contract);
* ``in_force`` — the enterprise is neither revoked (吊销), cancelled (注销) nor suspended (暂停),
  now when the zone answers online, or as of issue when only the signed licence is known;
* ``current`` — no newer version of the licence has been issued.

A relying party reading ``valid: true`` alone must not take a revoked licence for one in force, so
the message states all three. Pure functions: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from yima.licences.payload import EnterpriseStatus

STATUS_NAMES: dict[EnterpriseStatus, tuple[str, str]] = {
    EnterpriseStatus.ACTIVE: ("存续", "active"),
    EnterpriseStatus.SUSPENDED: ("暂停", "suspended"),
    EnterpriseStatus.REVOKED: ("已吊销", "revoked"),
    EnterpriseStatus.CANCELLED: ("已注销", "cancelled"),
}


def status_of(value: str | None) -> EnterpriseStatus | None:
    try:
        return EnterpriseStatus(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Standing:
    """The answer about a genuine licence (``valid`` is true whenever a Standing is made)."""

    status: EnterpriseStatus | None  # None: the zone holds no record of the enterprise
    version: int
    latest_version: int

    @property
    def in_force(self) -> bool:
        return self.status is not None and self.status.in_force

    @property
    def current(self) -> bool:
        return self.version >= self.latest_version

    @property
    def message_zh(self) -> str:
        if self.status is None:
            return "签名真实；但本区没有该企业的登记记录，无法确认执照有效"
        name = STATUS_NAMES[self.status][0]
        text = "签名真实；" + ("执照有效（企业存续）" if self.in_force else f"执照{name}，已失效")
        if self.current:
            return f"{text}；为最新版本（第{self.version}版）"
        return f"{text}；已签发更新版本（第{self.latest_version}版），此为第{self.version}版，已被取代"

    @property
    def message_en(self) -> str:
        if self.status is None:
            return "the signature is genuine, but the zone holds no record of the enterprise: NOT known to be in force"
        name = STATUS_NAMES[self.status][1]
        text = "the signature is genuine; " + (
            "the licence is in force (the enterprise is active)" if self.in_force
            else f"the licence is {name} and NOT in force")
        if self.current:
            return f"{text}; this is the current version ({self.version})"
        return (f"{text}; a newer version ({self.latest_version}) has been issued, "
                f"this version {self.version} is superseded")


def standing(status_now: EnterpriseStatus | None, version: int, latest_version: int | None) -> Standing:
    return Standing(status_now, version, max(version, latest_version or version))


def offline_summary(status_at_issue: EnterpriseStatus, online_url: str | None) -> tuple[str, str]:
    """What an offline check can say: the signature, the status as of issue, and where to ask."""
    zh, en = STATUS_NAMES[status_at_issue]
    where_zh = online_url or "签发区的公开页面（二维码中的网址）"
    where_en = online_url or "the issuing zone's public page (the QR's URL)"
    return (f"签名真实；签发时状态：{zh}；吊销情况须在线查询：{where_zh}",
            f"signature genuine; status as of issue: {en}; revocation is checked online at {where_en}")
