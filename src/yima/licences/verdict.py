"""What a scanned licence QR says now (``service.verify_scanned``): the offline check of its
signatures against this instance's trust lists, and the live standing of the enterprise and the
licence (``yima.licences.standing``).

``as_json`` is the body of ``POST /api/v1/verify`` (``VerifyOut``): ``valid`` says only that the
signature is genuine; ``in_force`` and ``current`` say whether it stands now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yima.licences.payload import LicencePayload
from yima.licences.verify import SignatureCheck


@dataclass(frozen=True)
class ScanVerdict:
    valid: bool
    reason: str  # ok | malformed | unknown_key | bad_signature | tampered | expired | wrong_zone
    message: str
    message_zh: str
    message_en: str
    in_force: bool = False
    current: bool = False
    detail: str = ""
    kid: str | None = None
    expires_at: str | None = None
    #: The signed content as of issue (decoded also when the signature fails: then unverified).
    payload: LicencePayload | None = None
    status: str | None = None  # the enterprise's status now
    status_at_issue: str | None = None
    current_version: int | None = None
    superseded: bool | None = None
    permit_status_now: Mapping[str, str] | None = None
    signatures: tuple[SignatureCheck, ...] = field(default=())

    @property
    def licence(self) -> dict[str, Any] | None:
        """The signed content in its JSON form (``VerifyOut.licence``)."""
        return None if self.payload is None else self.payload.model_dump(mode="json")

    def as_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "in_force": self.in_force, "current": self.current, "reason": self.reason,
                "message": self.message, "message_zh": self.message_zh, "message_en": self.message_en,
                "detail": self.detail, "kid": self.kid, "expires_at": self.expires_at, "licence": self.licence,
                "status": self.status, "status_at_issue": self.status_at_issue,
                "current_version": self.current_version, "superseded": self.superseded,
                "permit_status_now": None if self.permit_status_now is None else dict(self.permit_status_now),
                "signatures": [check.as_dict() for check in self.signatures]}
