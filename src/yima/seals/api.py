"""Seal routes of the v1 API and the zone's published PKI files. They translate HTTP to the service."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from yima.clock import utcnow
from yima.errors import NotFound
from yima.registration.materials import clean_filename
from yima.seals import documents, national, service
from yima.seals.schemas import SealCheckOut, SealOut
from yima.seals.status import in_force
from yima.web.deps import DB, AppSettings, CurrentActor
from yima.web.ratelimit import rate_limited

router = APIRouter(tags=["seals"])

POSITION = ("Seal centre in millimetres from the page's top-left corner (of its visible area, the CropBox), "
            "x to the right, y downwards; page rotation is not applied. Leave out x and/or y for the default: "
            "the bottom right, the seal's centre 50 mm above the bottom edge, its right edge 20 mm from the "
            "right edge.")
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}},
                                                       "description": "The sealed PDF"}}


def attachment(filename: str) -> str:
    """A Content-Disposition for a download whose name may be Chinese (RFC 6266 / RFC 5987)."""
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def sealed_name(filename: str | None) -> str:
    stem = PurePath(clean_filename(filename, "document.pdf")).stem or "document"
    return f"{stem}-sealed.pdf"


def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    return upload.file.read(max_bytes + 1)


class Pkcs12In(BaseModel):
    passphrase: str = Field(min_length=service.PKCS12_MIN_PASSPHRASE, max_length=1024,
                            description="Protects the exported key; at least 8 characters.")


@router.get("/api/v1/enterprises/{uscc}/seals")
def list_seals(uscc: str, db: DB, actor: CurrentActor) -> list[SealOut]:
    """The enterprise's electronic seals, for its authorised user only (a pending set is issued first).
    Under the national profile each also carries its GB/T 38540 form: the holder's SM2 certificate
    (``sm2_certificate``) and the ``SESeal`` at ``seseal_url``."""
    now = utcnow()
    seals = service.list_seals(db, actor, uscc, now)
    forms = national.ensure_national_forms(db, [s.id for s in seals if in_force(s.status)], now)
    return [seal_out(seal, forms.get(seal.id)) for seal in seals]


def seal_out(seal: service.SealView, form: national.NationalForm | None) -> SealOut:
    """A seal as the API answers it, with its national form where it has one."""
    return SealOut(id=seal.id, type=seal.type.value, type_name=seal.type.zh, status=seal.status.value,
                   certificate=seal.certificate_pem, serial=seal.serial, image_png_url=seal.image_png_url,
                   image_svg_url=seal.image_svg_url, sm2_certificate=form.cert_pem if form else None,
                   seseal_url=f"/api/v1/seals/{form.seal_id}/seseal.der" if form else None)


@router.get("/api/v1/seals/{seal_id}/seseal.der", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def seseal(seal_id: str, db: DB) -> Response:
    """The seal's GB/T 38540-2020 ``SESeal`` (DER): made and signed by the zone as seal maker (SM2 with
    SM3), with the seal's picture, validity and the holder's SM2 certificate. Public, as the seal's
    picture is; 404 until the seal's owner has looked at the seals under the national profile."""
    form = national.stored_forms(db, [seal_id]).get(seal_id)
    if form is None:
        raise NotFound("seal.no_national_form", "id", f"印章 {seal_id} 没有国密格式（GB/T 38540）",
                       f"The seal {seal_id} has no national (GB/T 38540) form")
    return Response(form.seseal_der, media_type="application/octet-stream",
                    headers={"Content-Disposition": attachment(f"{seal_id}.seseal.der")})


@router.get("/api/v1/seals/{seal_id}/image.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def seal_png(seal_id: str, db: DB, request: Request) -> Response:
    """The seal's image (public: a seal's look is no secret; its key is)."""
    return _picture(request, db, seal_id, "png", "image/png")


def _picture(request: Request, db: DB, seal_id: str, kind: str, media_type: str) -> Response:
    """Drawn on demand, tagged with its content hash: a browser that has it gets 304 Not Modified."""
    data, digest = service.seal_picture(db, seal_id, kind)
    etag = f'"{digest}"'
    headers = {"Cache-Control": "public, max-age=86400", "ETag": etag}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


@router.get("/api/v1/seals/{seal_id}/image.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def seal_svg(seal_id: str, db: DB, request: Request) -> Response:
    return _picture(request, db, seal_id, "svg", "image/svg+xml")


@router.post("/api/v1/seals/validate", dependencies=[Depends(rate_limited("seal_validation"))])
def validate(db: DB, settings: AppSettings, file: Annotated[UploadFile, File(description="The PDF to check")]
             ) -> list[SealCheckOut]:
    """Check every seal (signature) on a PDF: who sealed it (enterprise, credit code), with which seal
    (type, id, certificate serial), when, whether the document changed afterwards (``intact``), whether
    the seal's CA is one of this instance's zones (``trusted``) and whether the seal is revoked, as of now
    (the zones' current CRLs). ``ok`` is all of these; ``message_zh``/``message_en`` say it in words."""
    content = read_upload(file, settings.max_upload_bytes)
    checks = documents.check_document(db, file.filename or "upload.pdf", content, utcnow(),
                                      max_bytes=settings.max_upload_bytes)
    return [SealCheckOut.model_validate(check.as_dict()) for check in checks]


@router.post("/api/v1/seals/{seal_id}/sign-ofd", response_class=Response,
             responses={200: {"content": {"application/ofd": {}}, "description": "The sealed OFD"}})
def sign_ofd(seal_id: str, db: DB, settings: AppSettings, actor: CurrentActor,
             file: Annotated[UploadFile, File(description="The OFD to seal, without seals (size-limited)")]
             ) -> Response:
    """Seal an OFD document (GB/T 33190) with this seal's national form, by the enterprise's authorised
    user: a GB/T 38540-2020 ``SES_Signature`` (SM2 with SM3) over the SM3 digests of every part. The
    zone must hold an active SM2 key (409 ``seal.no_sm2_key``); an OFD already sealed is refused."""
    content = read_upload(file, settings.max_upload_bytes)
    sealed = national.seal_uploaded_ofd(db, actor, seal_id, content, utcnow(), max_bytes=settings.max_upload_bytes)
    stem = PurePath(clean_filename(file.filename, "document.ofd")).stem or "document"
    return Response(sealed, media_type="application/ofd",
                    headers={"Content-Disposition": attachment(f"{stem}-sealed.ofd")})


@router.post("/api/v1/seals/{seal_id}/sign", response_class=Response, responses=PDF_RESPONSE)
def sign(seal_id: str, db: DB, settings: AppSettings, actor: CurrentActor,
         file: Annotated[UploadFile, File(description="The PDF to seal (checked by content; size-limited)")],
         page: Annotated[int, Form(ge=1, description="Page number, 1-based; default 1")] = 1,
         x: Annotated[float | None, Form(description=POSITION)] = None,
         y: Annotated[float | None, Form(description=POSITION)] = None) -> Response:
    """Seal a PDF: a visible seal image and a PAdES signature (B-B) made with this seal's key, by the
    enterprise's authorised user. Position: ``x``, ``y`` in mm from the page's **top-left** corner (see
    the fields). Seal the result again (e.g. with the legal representative's name seal) to add a second
    seal; earlier seals stay valid."""
    content = read_upload(file, settings.max_upload_bytes)
    stamp = documents.Stamp(seal_id, page, x, y)
    sealed = documents.seal_document(db, actor, file.filename or "document.pdf", content, [stamp], utcnow(),
                                     max_bytes=settings.max_upload_bytes)
    return Response(sealed, media_type="application/pdf",
                    headers={"Content-Disposition": attachment(sealed_name(file.filename))})


@router.post("/api/v1/seals/{seal_id}/pkcs12", response_class=Response,
             responses={200: {"content": {"application/x-pkcs12": {}}}})
def export_pkcs12(seal_id: str, body: Pkcs12In, db: DB, actor: CurrentActor) -> Response:
    """The seal's private key, certificate and CA chain as a PKCS#12 file protected by the passphrase,
    for the enterprise's authorised user (to seal with Acrobat or other software)."""
    filename, data = service.export_pkcs12(db, actor, seal_id, body.passphrase)
    return Response(data, media_type="application/x-pkcs12", headers={"Content-Disposition": attachment(filename)})


@router.get("/pki/{zone_id}/issuing.crl", response_class=Response,
            responses={200: {"content": {"application/pkix-crl": {}}}})
def issuing_crl(zone_id: str, db: DB) -> Response:
    """The CRL (DER) of the zone's issuing seal CA: the revoked seals' certificates, current for a day."""
    return Response(service.issuing_crl(db, zone_id, utcnow()), media_type="application/pkix-crl",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/pki/{zone_id}/sm2-seal.crt", response_class=Response,
            responses={200: {"content": {"application/x-pem-file": {}}}})
def sm2_seal_certificate(zone_id: str, db: DB) -> Response:
    """The zone's SM2 seal-maker certificate (PEM; SM2 key, issued by the zone's CA): the key that makes
    and signs GB/T 38540 seals and seals the OFD licence. 404 until the zone's SM2 key has made one."""
    return Response(national.maker_certificate_pem(db, zone_id), media_type="application/x-pem-file",
                    headers={"Content-Disposition": attachment(f"{zone_id}-sm2-seal.crt")})


@router.get("/pki/{zone_id}/root.crt", response_class=Response,
            responses={200: {"content": {"application/pkix-cert": {}}}})
def root_certificate(zone_id: str, db: DB) -> Response:
    """The zone's seal-CA root certificate (DER), to add to a PDF reader's trusted certificates."""
    return Response(service.root_certificate_der(db, zone_id), media_type="application/pkix-cert",
                    headers={"Content-Disposition": attachment(f"{zone_id}-root.crt")})
