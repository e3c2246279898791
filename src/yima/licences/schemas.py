"""Response models of the licence routes: the licence, the trust list, permits (``VerifyOut`` is in ``api.py``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from yima.web.schemas import ResponseModel


class PermitOut(ResponseModel):
    id: int
    uscc: str
    type: str
    number: str
    items: list[str]
    status: str = Field(description="pending | active | rejected | revoked | expired …")
    decided_by: str | None = Field(description="commitment | department | instant …")
    valid_from: str | None
    valid_to: str | None
    verification_due_on: str | None
    history: list[dict[str, Any]]


class LicencePermitOut(PermitOut):
    type_name: str
    type_name_en: str


class LicenceOut(ResponseModel):
    """The current licence: every field and permit and the signed QR text (personal data masked)."""

    uscc: str
    name: str
    status: str
    zone: str
    in_force: bool = Field(description="False when the enterprise is revoked, cancelled or suspended")
    version: int
    issued_at: str
    kid: str
    qr: str = Field(description="The signed QR text (docs/licence-qr-format.md)")
    qr_png_url: str
    pdf_url: str
    ofd_url: str = Field(description="The licence as OFD sealed with the zone's SM2 key (409 without one)")
    ofd_available: bool = Field(description="The zone has an active SM2 key, so ofd_url serves the OFD")
    legal_representative: str = Field(description="The legal representative's name")
    permits: list[LicencePermitOut]


class JwkOut(ResponseModel):
    kty: str
    crv: str
    x: str
    y: str | None = None
    kid: str
    alg: str
    use: str
    status: str
    not_after: str | None = None
    uid: str | None = Field(None, description="SM2 keys: the signer's distinguishing id (GB/T 35276), "
                            "1234567812345678 unless the zone configured YIMA_SM2_SIGNER_ID")


class TrustListOut(ResponseModel):
    """The zone's public keys (a JWK set) with its id and the digest of the standard it runs."""

    zone: str
    standard_digest: str
    keys: list[JwkOut]


class DecidedOut(ResponseModel):
    status: str = Field(description="decided")
    licence_version: int
