"""Response models of the seal routes: an enterprise's seals and the check of a sealed PDF."""

from __future__ import annotations

from pydantic import Field

from yima.web.schemas import ResponseModel


class SealOut(ResponseModel):
    id: str
    type: str = Field(description="company | contract | finance | invoice | legal_representative …")
    type_name: str
    status: str
    certificate: str = Field(description="The seal's X.509 certificate, PEM")
    serial: str
    image_png_url: str
    image_svg_url: str
    sm2_certificate: str | None = Field(default=None, description="Under the national profile: the holder's SM2 "
                                        "certificate (PEM) of the seal's GB/T 38540 form")
    seseal_url: str | None = Field(default=None, description="Under the national profile: the seal's GB/T 38540 "
                                   "SESeal (DER)")


class SealCheckOut(ResponseModel):
    """One signature (seal) found on a checked PDF. ``ok`` is valid, intact, trusted and not revoked."""

    field: str
    seal_id: str | None
    seal_type: str | None
    seal_type_name: str | None
    seal_type_name_en: str | None
    serial: str
    signer: str
    enterprise: str | None
    uscc: str | None
    issuer: str | None
    signed_at: str | None
    valid: bool
    intact: bool
    trusted: bool
    revoked: bool
    revoked_at: str | None
    modification: str
    trust_problem: str | None
    ok: bool
    message: str
    message_zh: str
    message_en: str
