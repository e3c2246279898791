"""Licence routes of the v1 API: the licence and its QR, the PDF, verification, the trust list, permits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from yima.clock import utcnow
from yima.errors import NotFound
from yima.licences import documents, service
from yima.licences.qr import render_qr_png, render_qr_svg
from yima.licences.schemas import DecidedOut, LicenceOut, PermitOut, TrustListOut
from yima.listing import PER_PAGE
from yima.register.status import EnterpriseStatus
from yima.web.deps import DB, CurrentActor, RowId, Standard
from yima.web.listing import CSV, PageNo, PerPage, Search, csv_download, page_request, set_page_headers
from yima.web.ratelimit import rate_limited
from yima.web.schemas import Done
from yima.zones import service as zones

router = APIRouter(tags=["licences"])


class VerifyIn(BaseModel):
    qr: str = Field(min_length=1, max_length=8000, description="QR text: the zone URL form or the YM1: form")


class SignatureCheckOut(BaseModel):
    kid: str
    alg: str = Field(description="EdDSA | ES256 | SM2 (SM2 with SM3, COSE alg -132918), or the COSE alg id")
    checked: bool = Field(description="The trust list has this signature's key, so it was checked")
    verified: bool = Field(description="It was checked and holds")


class VerifyOut(BaseModel):
    """``valid`` is the v1 field: the signature is genuine. It says nothing about standing: read
    ``in_force`` (not revoked 吊销, cancelled 注销 or suspended, now) and ``current`` (no newer version)."""

    valid: bool = Field(description="The signature is genuine: a key of the zone signed exactly this content")
    in_force: bool = Field(description="False when the enterprise is revoked, cancelled or suspended (or unknown here)")
    current: bool = Field(description="False when a newer version of the licence has been issued")
    reason: str = Field(description="ok | malformed | unknown_key | bad_signature | tampered | expired | wrong_zone")
    message: str = Field(description="What the three answers mean, in Chinese / English")
    message_zh: str = ""
    message_en: str = ""
    detail: str = ""
    kid: str | None = None
    expires_at: str | None = None
    licence: dict[str, Any] | None = Field(default=None, description="The signed content (as of issue)")
    status: str | None = Field(default=None, description="The enterprise's status now: active | revoked | cancelled")
    status_at_issue: str | None = Field(default=None, description="The enterprise's status the licence was signed with")
    current_version: int | None = None
    superseded: bool | None = None
    permit_status_now: dict[str, str] | None = None
    signatures: list[SignatureCheckOut] = Field(
        default_factory=list, description="Each signature of the licence (one, or two with the national profile: "
                                          "the international one and SM2) and whether it was checked and verified")


class PermitDecisionIn(BaseModel):
    decision: str = Field(description="approve | reject")
    reason: str = ""


class VerificationIn(BaseModel):
    truthful: bool = Field(description="Whether the commitment proved true on verification")
    reason: str = ""


class PermitChangeIn(BaseModel):
    action: str = Field(description="change | renew")
    items: list[str] | None = None
    commitments: list[str] = Field(default_factory=list)


class RevocationIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


@router.get("/api/v1/licences/{uscc}")
def get_licence(uscc: str, db: DB, standard: Standard) -> LicenceOut:
    """The current licence: every field and permit (personal data masked) and the signed QR text."""
    return documents.licence_view(db, standard, uscc)


@router.get("/api/v1/licences/{uscc}/qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def licence_qr_png(uscc: str, db: DB) -> Response:
    licence, _, _ = service.licence_record(db, uscc)
    return Response(render_qr_png(licence.qr_text, scale=6), media_type="image/png")


@router.get("/api/v1/licences/{uscc}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def licence_qr_svg(uscc: str, db: DB) -> Response:
    licence, _, _ = service.licence_record(db, uscc)
    return Response(render_qr_svg(licence.qr_text, scale=6), media_type="image/svg+xml")


@router.get("/api/v1/licences/{uscc}/licence.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}},
            dependencies=[Depends(rate_limited("licence_document"))])
def licence_pdf(uscc: str, db: DB, standard: Standard) -> Response:
    """The licence laid out as a 营业执照, signed by the zone (PAdES)."""
    pdf = documents.signed_licence_pdf(db, standard, uscc, utcnow())
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="licence-{uscc.upper()}.pdf"'})


@router.get("/api/v1/licences/{uscc}/licence.ofd", response_class=Response,
            responses={200: {"content": {"application/ofd": {}}}},
            dependencies=[Depends(rate_limited("licence_document"))])
def licence_ofd(uscc: str, db: DB, standard: Standard) -> Response:
    """The licence as OFD (GB/T 33190), sealed with the zone's SM2 key as a GB/T 38540 SES_Signature;
    409 ``licence.no_sm2_key`` when the zone has no active SM2 key."""
    ofd = documents.sealed_licence_ofd(db, standard, uscc, utcnow())
    return Response(ofd, media_type="application/ofd",
                    headers={"Content-Disposition": f'inline; filename="licence-{uscc.upper()}.ofd"'})


@router.post("/api/v1/verify", response_model=VerifyOut, dependencies=[Depends(rate_limited("verify"))])
def verify(body: VerifyIn, db: DB, standard: Standard) -> VerifyOut:
    """Verify a scanned licence QR: the signature (``valid``), whether it is in force now (``in_force``:
    not revoked, cancelled or suspended) and whether it is the current version (``current``)."""
    return VerifyOut.model_validate(service.verify_scanned(db, standard, body.qr, utcnow()).as_json())


@router.get("/.well-known/yima/trust-list.json", response_model=TrustListOut)
def published_trust_list(db: DB, standard: Standard, zone: str | None = None) -> JSONResponse:
    """The zone's public keys (JWK set) with its id and the standard digest; ``?zone=`` picks a zone
    when this instance serves several."""
    zone_id = zone or documents.default_zone(db)
    if zone_id is None:
        raise NotFound("zone.unknown", "zone", "本平台尚无开发区", "No zone on this instance yet")
    return JSONResponse(zones.published_trust_list(db, standard, zone_id).to_dict(),
                        headers={"Cache-Control": "public, max-age=300"})


@router.get("/api/v1/permits")
def pending_permits(db: DB, actor: CurrentActor, response: Response, q: Search = "", page: PageNo = 1,
                    per_page: PerPage = PER_PAGE) -> list[PermitOut]:
    """One page (at most 100, oldest first) of the permits awaiting their department's decision, for
    officers of the zone, searched by credit code or permit number (``q``); ``X-Total-Count`` and
    ``Link`` give the rest. Without paging parameters the answer is the first 100."""
    found = service.pending_permits(db, actor, page_request(page, per_page, q))
    set_page_headers(response, "/api/v1/permits", found, {"q": q})
    return list(found.items)


@router.get("/api/v1/permits/export.csv", response_class=Response,
            responses={200: {"content": {CSV: {}}, "description": "Every matching pending permit, CSV"}})
def export_permits(db: DB, actor: CurrentActor, q: Search = "") -> Response:
    """Every permit of the list (with the same search), as formula-safe CSV."""
    return csv_download("permits.csv", service.PERMITS_EXPORT_HEADER, service.export_pending_permits(db, actor, q))


@router.post("/api/v1/permits/{permit_id}/decision")
def decide_permit(permit_id: RowId, body: PermitDecisionIn, db: DB, standard: Standard,
                  actor: CurrentActor) -> Done:
    service.decide_permit(db, standard, actor, permit_id, body.decision, body.reason, utcnow())
    return Done(status="decided")


@router.post("/api/v1/permits/{permit_id}/verification")
def verify_commitment(permit_id: RowId, body: VerificationIn, db: DB, standard: Standard,
                      actor: CurrentActor) -> Done:
    """Record the verification of a permit granted by commitment; a false one revokes the permit."""
    service.verify_commitment(db, standard, actor, permit_id, body.truthful, body.reason, utcnow())
    return Done(status="recorded")


@router.post("/api/v1/enterprises/{uscc}/permits/{permit_type}")
def change_permit(uscc: str, permit_type: str, body: PermitChangeIn, db: DB, standard: Standard,
                  actor: CurrentActor) -> DecidedOut:
    """Change or renew a permit by commitment (告知承诺制): decided on the spot."""
    version = service.renew_or_change_permit(db, standard, actor, uscc.upper(), permit_type, body.action,
                                             body.items, body.commitments, utcnow())
    return DecidedOut(status="decided", licence_version=version)


@router.post("/api/v1/enterprises/{uscc}/revocation")
def revoke(uscc: str, body: RevocationIn, db: DB, standard: Standard, actor: CurrentActor) -> Done:
    """Revoke the business licence (吊销): permits and seals end, the QR check shows it."""
    service.revoke_enterprise(db, standard, actor, uscc.upper(), body.reason, utcnow())
    return Done(status=EnterpriseStatus.REVOKED.value)
