"""What people see of a licence: the JSON view (personal data masked) and the signed PDF."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from yima.clock import as_utc
from yima.db import Database
from yima.licences import service
from yima.licences.pdf import STAMP_BOX, render_licence_pdf
from yima.licences.qr import render_qr_png
from yima.licences.standing import STATUS_NAMES
from yima.pki.pades import sign_pdf
from yima.pki.service import load_zone_pki
from yima.seals.images import seal_png
from yima.seals.model import SealType
from yima.standard.model import MatterStandard
from yima.zones.tables import Zone


def default_zone(db: Database) -> str | None:
    with db.read() as session:
        return session.scalar(select(Zone.id).order_by(Zone.org_block_start).limit(1))  # the first zone added


def licence_view(db: Database, standard: MatterStandard, uscc: str) -> dict[str, Any]:
    licence, enterprise, permits = service.licence_record(db, uscc)
    kinds = standard.permits
    return {
        "uscc": enterprise.uscc, "name": enterprise.name, "status": enterprise.status, "zone": enterprise.zone_id,
        "in_force": enterprise.status == "active",
        "version": licence.version, "issued_at": as_utc(licence.issued_at).isoformat(), "kid": licence.kid,
        "qr": licence.qr_text,
        "qr_png_url": f"/api/v1/licences/{enterprise.uscc}/qr.png",
        "pdf_url": f"/api/v1/licences/{enterprise.uscc}/licence.pdf",
        "legal_representative": (enterprise.legal_representative or {}).get("name", ""),
        "permits": [{**service.permit_view(p),
                     "type_name": kinds[p.type].name.zh if p.type in kinds else p.type,
                     "type_name_en": kinds[p.type].name.en if p.type in kinds else p.type} for p in permits],
    }


def signed_licence_pdf(db: Database, standard: MatterStandard, uscc: str, now: datetime) -> bytes:
    licence, enterprise, permits = service.licence_record(db, uscc)
    with db.read() as session:
        zone = session.get(Zone, enterprise.zone_id)
        pki = load_zone_pki(session, enterprise.zone_id)
    payload = service.build_payload(standard, enterprise, permits, licence.version, as_utc(licence.issued_at))
    named = tuple(p.model_copy(update={"items": tuple(standard.scope[i].name.zh if i in standard.scope else i
                                                      for i in p.items)}) for p in payload.permits)
    payload = payload.model_copy(update={"permits": named})
    unsigned = render_licence_pdf(
        payload, render_qr_png(licence.qr_text, scale=8, border=2), zone.authority_name if zone else "",
        permit_type_names={k: v.name.zh for k, v in standard.permits.items()},
        scope_names={k: v.name.zh for k, v in standard.scope.items()})
    signer = pki.licence_signer
    # A revoked or cancelled enterprise's PDF is signed as what it is: the page and the signature's
    # reason carry the status (``render_licence_pdf`` marks the page), never as a licence in force.
    standing = "" if payload.status.in_force else f"（{STATUS_NAMES[payload.status][0]}，不再有效）"
    return sign_pdf(unsigned, signer.key, signer.cert, signer.chain, field_name="ZoneSignature",
                    reason=f"营业执照 {enterprise.uscc} 第{licence.version}版{standing}",
                    location=zone.name if zone else None,
                    now=now, page=0, box=STAMP_BOX, stamp_png=_zone_stamp(zone.authority_name if zone else ""))


@lru_cache(maxsize=64)
def _zone_stamp(authority: str) -> bytes:
    return seal_png(SealType.COMPANY, authority, "", width=300)
