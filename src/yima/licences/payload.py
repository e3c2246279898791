"""The content of the one-code licence (一码通行) and its CWT claims set (RFC 8392).

A licence is carried as a CWT claims set (RFC 8392 §3, §7) whose registered claims are
``iss`` (1) = issuing zone id, ``sub`` (2) = unified social credit code (GB 32100-2015),
``iat`` (6) = issue time, and the optional ``exp`` (4). The licence itself sits in the private
claim ``-65537`` (RFC 8392 §9.1: integer claim keys below -65536 are private use), a CBOR map with
small integer keys (``LICENCE_KEYS`` / ``PERMIT_KEYS``). Dates are RFC 8943 tag 100 (days since
1970-01-01); registered capital is a decimal text in yuan. ``docs/licence-qr-format.md`` is the
reference for independent verifiers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from cbor2 import CBORTag
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from yima.licences.errors import MalformedLicence

CLAIM_ISS = 1
CLAIM_SUB = 2
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_LICENCE = -65537
"""Private-use CWT claim key holding the licence map."""

TAG_DAYS = 100
"""RFC 8943: a full date as the number of days since 1970-01-01."""

LICENCE_KEYS: dict[str, int] = {
    "name": 1,
    "entity_type": 2,
    "legal_representative": 3,
    "registered_capital": 4,
    "domicile": 5,
    "business_sites": 6,
    "scope": 7,
    "established_on": 8,
    "permits": 9,
    "version": 10,
    "status": 11,
}
PERMIT_KEYS: dict[str, int] = {
    "type": 1,
    "number": 2,
    "items": 3,
    "valid_from": 4,
    "valid_to": 5,
    "status": 6,
}

_EPOCH = date(1970, 1, 1)
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CAPITAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")

Text = Annotated[str, Field(min_length=1, max_length=500)]


class PermitStatus(StrEnum):
    ACTIVE = "active"  # granted (including by commitment, 告知承诺)
    FILED = "filed"  # a filing (备案) completed, e.g. pre-packaged food sales only
    PENDING = "pending"  # queued for the permit's department; the licence was issued first
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"


class EnterpriseStatus(StrEnum):
    """The enterprise's standing when the licence version was signed (key 11, omitted when active)."""

    ACTIVE = "active"  # 存续
    SUSPENDED = "suspended"  # 暂停
    REVOKED = "revoked"  # 吊销
    CANCELLED = "cancelled"  # 注销

    @property
    def in_force(self) -> bool:
        return self is EnterpriseStatus.ACTIVE


class PermitEntry(BaseModel):
    """One sector permit or filing carried on the licence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Annotated[str, Field(min_length=1, max_length=64)]
    number: Annotated[str, Field(min_length=1, max_length=64)]
    items: tuple[Text, ...] = ()
    valid_from: date
    valid_to: date | None = None  # None: no end date (长期)
    status: PermitStatus = PermitStatus.ACTIVE

    @field_validator("valid_to")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value < start:
            raise ValueError("valid_to is before valid_from")
        return value


class LicencePayload(BaseModel):
    """Everything the licence QR carries about the enterprise and its permits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uscc: str = Field(pattern=_USCC.pattern, description="Unified social credit code, GB 32100-2015")
    name: Text
    entity_type: Text
    legal_representative: Annotated[str, Field(min_length=1, max_length=100)]
    registered_capital: Decimal = Field(ge=0, description="In yuan (CNY); a decimal text in CBOR")
    domicile: Text
    business_sites: tuple[Text, ...] = ()
    scope: tuple[Annotated[str, Field(min_length=1, max_length=64)], ...]
    established_on: date
    zone: Annotated[str, Field(min_length=1, max_length=64)]
    permits: tuple[PermitEntry, ...] = ()
    issued_at: datetime = Field(description="Timezone-aware; kept in UTC to the second, as CWT iat")
    version: int = Field(ge=1)
    status: EnterpriseStatus = Field(default=EnterpriseStatus.ACTIVE,
                                     description="The enterprise's standing at issue (存续, 吊销, 注销, 暂停)")

    @field_validator("registered_capital")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("registered_capital must be a finite number")
        return value

    @field_validator("issued_at")
    @classmethod
    def _utc_seconds(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware")
        return value.astimezone(UTC).replace(microsecond=0)


def to_claims(payload: LicencePayload, expires_at: datetime | None = None) -> dict[int, Any]:
    """The CWT claims set of a licence, ready for ``cbor2.dumps``."""
    claims: dict[int, Any] = {
        CLAIM_ISS: payload.zone,
        CLAIM_SUB: payload.uscc,
        CLAIM_IAT: _seconds(payload.issued_at),
    }
    if expires_at is not None:
        if expires_at <= payload.issued_at:
            raise ValueError("expires_at must be after issued_at")
        claims[CLAIM_EXP] = _seconds(expires_at)
    k = LICENCE_KEYS
    licence: dict[int, Any] = {
        k["name"]: payload.name,
        k["entity_type"]: payload.entity_type,
        k["legal_representative"]: payload.legal_representative,
        k["registered_capital"]: format(payload.registered_capital, "f"),
        k["domicile"]: payload.domicile,
        k["scope"]: list(payload.scope),
        k["established_on"]: _days(payload.established_on),
        k["version"]: payload.version,
    }
    if payload.business_sites:
        licence[k["business_sites"]] = list(payload.business_sites)
    if payload.permits:
        licence[k["permits"]] = [_permit_map(p) for p in payload.permits]
    if payload.status is not EnterpriseStatus.ACTIVE:
        licence[k["status"]] = payload.status.value
    claims[CLAIM_LICENCE] = dict(sorted(licence.items()))
    return claims


def from_claims(claims: Mapping[Any, Any]) -> LicencePayload:
    """The licence of a decoded CWT claims set; ``MalformedLicence`` when it is not one."""
    if not isinstance(claims, Mapping):
        raise MalformedLicence("the COSE payload is not a CWT claims map")
    licence = claims.get(CLAIM_LICENCE)
    if not isinstance(licence, Mapping):
        raise MalformedLicence(f"claim {CLAIM_LICENCE} (licence) is missing or not a map")
    iat = claims.get(CLAIM_IAT)
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise MalformedLicence("claim 6 (iat) is missing or not an integer")
    k = LICENCE_KEYS
    try:
        fields: dict[str, Any] = {
            "uscc": _text(claims.get(CLAIM_SUB), "sub"),
            "zone": _text(claims.get(CLAIM_ISS), "iss"),
            "issued_at": datetime.fromtimestamp(iat, UTC),
            "name": _text(licence.get(k["name"]), "name"),
            "entity_type": _text(licence.get(k["entity_type"]), "entity_type"),
            "legal_representative": _text(licence.get(k["legal_representative"]), "legal_representative"),
            "registered_capital": _capital(licence.get(k["registered_capital"])),
            "domicile": _text(licence.get(k["domicile"]), "domicile"),
            "business_sites": _texts(licence.get(k["business_sites"], []), "business_sites"),
            "scope": _texts(licence.get(k["scope"]), "scope"),
            "established_on": _date(licence.get(k["established_on"]), "established_on"),
            "permits": [_permit_entry(p) for p in _array(licence.get(k["permits"], []), "permits")],
            "version": licence.get(k["version"]),
            "status": _text(licence.get(k["status"], EnterpriseStatus.ACTIVE.value), "status"),
        }
        return LicencePayload.model_validate(fields)
    except (ValidationError, ValueError, OverflowError, OSError) as exc:
        raise MalformedLicence(f"the licence claims are invalid: {exc}") from exc


def expiry_of(claims: Mapping[Any, Any]) -> datetime | None:
    """The ``exp`` claim as a UTC datetime, or None when the licence has no expiry."""
    exp = claims.get(CLAIM_EXP)
    if exp is None:
        return None
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise MalformedLicence("claim 4 (exp) is not a number")
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedLicence("claim 4 (exp) is out of range") from exc


def _permit_map(permit: PermitEntry) -> dict[int, Any]:
    k = PERMIT_KEYS
    entry: dict[int, Any] = {
        k["type"]: permit.type,
        k["number"]: permit.number,
        k["items"]: list(permit.items),
        k["valid_from"]: _days(permit.valid_from),
        k["status"]: permit.status.value,
    }
    if permit.valid_to is not None:
        entry[k["valid_to"]] = _days(permit.valid_to)
    return dict(sorted(entry.items()))


def _permit_entry(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError("a permit is not a map")
    k = PERMIT_KEYS
    valid_to = value.get(k["valid_to"])
    return {
        "type": _text(value.get(k["type"]), "permit.type"),
        "number": _text(value.get(k["number"]), "permit.number"),
        "items": _texts(value.get(k["items"], []), "permit.items"),
        "valid_from": _date(value.get(k["valid_from"]), "permit.valid_from"),
        "valid_to": None if valid_to is None else _date(valid_to, "permit.valid_to"),
        "status": _text(value.get(k["status"]), "permit.status"),
    }


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("datetimes in claims must be timezone-aware")
    return int(moment.timestamp())


def _days(day: date) -> CBORTag:
    return CBORTag(TAG_DAYS, (day - _EPOCH).days)


def _date(value: Any, what: str) -> date:
    # cbor2 decodes tag 100 (and tag 1004) to ``date`` itself; accept a bare tag as well.
    if isinstance(value, datetime):
        raise ValueError(f"{what} is a date-time, not a date")
    if isinstance(value, date):
        return value
    if isinstance(value, CBORTag) and value.tag == TAG_DAYS and isinstance(value.value, int):
        return _EPOCH + timedelta(days=value.value)
    raise ValueError(f"{what} is not a tag-100 date")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is missing or not text")
    return value


def _array(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what} is missing or not an array")
    return list(value)


def _texts(value: Any, what: str) -> list[str]:
    return [_text(item, what) for item in _array(value, what)]


def _capital(value: Any) -> Decimal:
    text = _text(value, "registered_capital")
    if not _CAPITAL.match(text):
        raise ValueError("registered_capital is not a plain decimal text")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("registered_capital is not a decimal") from exc
