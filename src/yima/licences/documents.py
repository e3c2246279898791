"""What people see of a licence: the JSON view (personal data masked) and the signed PDF."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy import select

from yima.clock import as_utc
from yima.db import Database
from yima.errors import Conflict
from yima.fonts import cjk_font_path
from yima.kept import KeptBytes, digest_of
from yima.keys import service as keys
from yima.licences import service
from yima.licences.ofd import render_licence_ofd, seal_ofd
from yima.licences.pdf import STAMP_BOX, render_licence_pdf
from yima.licences.qr import render_qr_png
from yima.licences.schemas import LicenceOut, LicencePermitOut
from yima.licences.standing import STATUS_NAMES
from yima.pki.gbt38540 import UNIT_SEAL, SealPicture, make_seal
from yima.pki.pades import sign_pdf
from yima.pki.service import load_zone_pki, sm2_maker_certificate
from yima.pki.sm2 import Sm2PrivateKey
from yima.register.status import in_existence
from yima.seals.images import seal_png
from yima.seals.model import SealType
from yima.standard.model import MatterStandard
from yima.zones.tables import Zone


def default_zone(db: Database) -> str | None:
    with db.read() as session:
        return session.scalar(select(Zone.id).order_by(Zone.org_block_start).limit(1))  # the first zone added


def licence_view(db: Database, standard: MatterStandard, uscc: str) -> LicenceOut:
    licence, enterprise, permits = service.licence_record(db, uscc)
    kinds = standard.permits
    with db.read() as session:
        ofd_available = keys.keyring(session, enterprise.zone_id).active_national is not None
    return LicenceOut(
        uscc=enterprise.uscc, name=enterprise.name, status=enterprise.status, zone=enterprise.zone_id,
        in_force=in_existence(enterprise.status),
        version=licence.version, issued_at=as_utc(licence.issued_at).isoformat(), kid=licence.kid,
        qr=licence.qr_text,
        qr_png_url=f"/api/v1/licences/{enterprise.uscc}/qr.png",
        pdf_url=f"/api/v1/licences/{enterprise.uscc}/licence.pdf",
        ofd_url=f"/api/v1/licences/{enterprise.uscc}/licence.ofd", ofd_available=ofd_available,
        legal_representative=(enterprise.legal_representative or {}).get("name", ""),
        permits=[LicencePermitOut(**service.permit_view(p).model_dump(),
                                  type_name=kinds[p.type].name.zh if p.type in kinds else p.type,
                                  type_name_en=kinds[p.type].name.en if p.type in kinds else p.type)
                 for p in permits])


#: The licences' documents as signed, kept by what they say and who signed them (``yima.kept``): laying
#: out and signing a PDF takes about 60 ms of CPU, sealing an OFD two SM2 signatures, and a licence is
#: fetched again and again (its holder, a bank, a counter clerk scanning its QR code). A change to what
#: the document says (a permit, the status, a new version) or to who signs it (a new key or certificate
#: after a rotation) is a new digest, so a kept document is never one the licence has moved on from;
#: its signing time is when it was first made. About 80 KB a PDF and 60 KB an OFD: some eight hundred
#: documents a process. Measured in process: a PDF 69 ms of CPU made, 4.7 ms kept; an OFD 20 and 3 ms.
SIGNED = KeptBytes(max_bytes=64 * 1024 * 1024)


def _permit_type_names(standard: MatterStandard) -> dict[str, str]:
    return {k: v.name.zh for k, v in standard.permits.items()}


def _scope_names(standard: MatterStandard) -> dict[str, str]:
    return {k: v.name.zh for k, v in standard.scope.items()}


def _names(standard: MatterStandard) -> Any:
    """What of the standard a document's text depends on: its digest, or the names themselves when it
    has none (a standard built in code rather than loaded from its file)."""
    return standard.digest or [_permit_type_names(standard), _scope_names(standard)]


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def signed_licence_pdf(db: Database, standard: MatterStandard, uscc: str, now: datetime) -> bytes:
    """The licence laid out and signed by the zone (PAdES), made at ``now`` or kept from when it was
    first made for the same content and signer (``SIGNED``)."""
    licence, enterprise, permits = service.licence_record(db, uscc)
    with db.read() as session:
        zone = session.get(Zone, enterprise.zone_id)
        pki = load_zone_pki(session, enterprise.zone_id)
    payload = service.build_payload(standard, enterprise, permits, licence.version, as_utc(licence.issued_at))
    named = tuple(p.model_copy(update={"items": tuple(standard.scope[i].name.zh if i in standard.scope else i
                                                      for i in p.items)}) for p in payload.permits)
    payload = payload.model_copy(update={"permits": named})
    signer = pki.licence_signer
    authority = zone.authority_name if zone else ""
    digest = digest_of("licence.pdf", payload.model_dump(mode="json"), licence.qr_text, authority,
                       zone.name if zone else None, [_fingerprint(c) for c in (signer.cert, *signer.chain)],
                       _names(standard))

    def make() -> bytes:
        unsigned = render_licence_pdf(
            payload, render_qr_png(licence.qr_text, scale=8, border=2), authority,
            permit_type_names=_permit_type_names(standard), scope_names=_scope_names(standard))
        # A revoked or cancelled enterprise's PDF is signed as what it is: the page and the signature's
        # reason carry the status (``render_licence_pdf`` marks the page), never as a licence in force.
        standing = "" if payload.status.in_force else f"（{STATUS_NAMES[payload.status][0]}，不再有效）"
        return sign_pdf(unsigned, signer.key, signer.cert, signer.chain, field_name="ZoneSignature",
                        reason=f"营业执照 {enterprise.uscc} 第{licence.version}版{standing}",
                        location=zone.name if zone else None,
                        now=now, page=0, box=STAMP_BOX, stamp_png=_zone_stamp(authority))

    return SIGNED.get(digest, make)


SEAL_YEARS = 10


def sealed_licence_ofd(db: Database, standard: MatterStandard, uscc: str, now: datetime) -> bytes:
    """The licence as OFD, sealed with the zone's SM2 key as a GB/T 38540 ``SES_Signature``: the seal
    (``SESeal``) made by the zone, its certificate issued by the zone's CA. A zone without an active
    SM2 key (``yima keys rotate ZONE --alg sm2``) has no OFD licence: 409 ``licence.no_sm2_key``.
    Made at ``now``, or kept from when it was first made for the same content and key (``SIGNED``)."""
    licence, enterprise, permits = service.licence_record(db, uscc)
    with db.read() as session:
        zone = session.get(Zone, enterprise.zone_id)
        national = keys.keyring(session, enterprise.zone_id, fresh=True).active_national
    if national is None or not isinstance(national.private_key, Sm2PrivateKey):
        raise Conflict("licence.no_sm2_key", "zone",
                       f"开发区 {enterprise.zone_id} 未启用国密（SM2）签名密钥，无法签发 OFD 执照",
                       f"zone {enterprise.zone_id} has no active SM2 key, so it seals no OFD licence "
                       f"(yima keys rotate {enterprise.zone_id} --alg sm2)")
    authority = zone.authority_name if zone else ""
    payload = service.build_payload(standard, enterprise, permits, licence.version, as_utc(licence.issued_at))
    key = national.private_key
    valid_from = national.created_at
    valid_to = valid_from + timedelta(days=365 * SEAL_YEARS)
    digest = digest_of("licence.ofd", payload.model_dump(mode="json"), licence.qr_text, authority,
                       zone.name if zone else enterprise.zone_id, national.kid_text, key.public.point.hex(),
                       valid_from.isoformat(), _names(standard))

    def make() -> bytes:
        cert = sm2_maker_certificate(db, enterprise.zone_id, key, national.kid_text, valid_from, valid_to,
                                     common_name=f"{zone.name if zone else enterprise.zone_id} 登记机关电子印章",
                                     organization=authority or enterprise.zone_id)
        seal = make_seal(key, cert, es_id=f"{enterprise.zone_id}-{national.kid_text}",
                         name=authority or enterprise.zone_id, seal_type=UNIT_SEAL, holder_certs=(cert,),
                         picture=SealPicture(_zone_stamp(authority), 40, 40),
                         created=valid_from, valid_start=valid_from, valid_end=valid_to)
        parts = render_licence_ofd(payload, render_qr_png(licence.qr_text, scale=8, border=2), authority,
                                   font_path=cjk_font_path(),
                                   permit_type_names=_permit_type_names(standard), scope_names=_scope_names(standard))
        return seal_ofd(parts, seal, key, cert, now)

    return SIGNED.get(digest, make)


@lru_cache(maxsize=64)
def _zone_stamp(authority: str) -> bytes:
    return seal_png(SealType.COMPANY, authority, "", width=300)
