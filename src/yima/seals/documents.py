"""Sealing a PDF with an enterprise's seals, and checking the seals on a PDF.

Each seal is a visible PAdES signature (``yima.pki.pades``) showing the seal image at its real
size; several seals on one document are incremental updates, so each stays valid. Checking
trusts the seal-CA roots of every zone on this instance and uses their CRLs as of now, as an
outside validator would after fetching ``/pki/{zone}/issuing.crl``. Positions: ``placement``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from cryptography import x509
from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from yima.actors import Actor
from yima.clock import as_utc
from yima.db import Database
from yima.errors import DomainError, NotFound
from yima.pki.pades import Box, SignatureReport, sign_pdf, validate_pdf
from yima.pki.service import load_zone_pki
from yima.registration.materials import check_upload
from yima.seals.model import SealType
from yima.seals.placement import PageFrame, check_page, place
from yima.seals.service import seals_for_use, zone_crl
from yima.seals.tables import Seal
from yima.zones.tables import Zone

log = logging.getLogger("yima.seals")


@dataclass(frozen=True)
class Stamp:
    """One seal to put on the document: which, on which page (1-based), centred where (mm from the
    page's top-left; ``None`` for the default row at the bottom right)."""

    seal_id: str
    page: int = 1
    x_mm: float | None = None
    y_mm: float | None = None


def check_pdf(filename: str, content: bytes, max_bytes: int) -> None:
    """A PDF by its content (``%PDF-``), not empty, within the upload limit."""
    if content and not content.startswith(b"%PDF-"):
        raise DomainError("seal.pdf_required", "file", f"{filename} 不是 PDF 文件", f"{filename} is not a PDF file")
    check_upload(filename, content, max_bytes)


def _unreadable() -> DomainError:
    return DomainError("pdf.unreadable", "file", "文件不是可读取的PDF", "the file is not a readable PDF")


def _inherited(page: DictionaryObject, key: str) -> Any:
    """A page attribute, from the page or the nearest ancestor (ISO 32000-1 clause 7.7.3.4)."""
    node: Any = page
    for _ in range(64):  # a malformed tree may loop
        if not isinstance(node, DictionaryObject):
            return None
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _rect(value: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(value, ArrayObject) or len(value) != 4:
        return None
    x1, y1, x2, y2 = (float(v) for v in value)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def page_frames(pdf: bytes) -> tuple[list[PageFrame], set[str]]:
    """The visible area of every page, and the names of the signature fields already there."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        if reader.encrypted:
            raise DomainError("pdf.encrypted", "file", "不能对加密的PDF盖章", "an encrypted PDF cannot be sealed")
        count = int(reader.root["/Pages"]["/Count"])
        frames = []
        for index in range(count):
            page = reader.find_page_for_modification(index)[0].get_object()
            media = _rect(_inherited(page, "/MediaBox")) or (0.0, 0.0, 612.0, 792.0)
            crop = _rect(_inherited(page, "/CropBox")) or media
            x1, y1 = max(crop[0], media[0]), max(crop[1], media[1])
            x2, y2 = min(crop[2], media[2]), min(crop[3], media[3])
            frames.append(PageFrame(x1, y1, x2 - x1, y2 - y1))
        names = {sig.field_name for sig in reader.embedded_signatures}
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise _unreadable() from exc
    if not frames:
        raise _unreadable()
    return frames, names


def seal_document(db: Database, actor: Actor | None, filename: str, pdf: bytes, stamps: Sequence[Stamp],
                  now: datetime, *, max_bytes: int) -> bytes:
    """The PDF with each stamp applied in order, as the enterprise's authorised user (``actor``) or,
    with ``actor=None``, as the platform's operator."""
    check_pdf(filename, pdf, max_bytes)
    if not stamps:
        raise DomainError("seal.none", "seal", "请至少选择一枚印章", "Choose at least one seal")
    seals = seals_for_use(db, actor, [stamp.seal_id for stamp in stamps])
    frames, taken = page_frames(pdf)
    pages = [check_page(stamp.page, len(frames)) for stamp in stamps]
    boxes: list[Box | None] = [None] * len(stamps)
    for index in sorted(set(pages)):
        members = [i for i, p in enumerate(pages) if p == index]
        placed = place([(seals[i].type, stamps[i].x_mm, stamps[i].y_mm) for i in members], frames[index])
        for i, placed_box in zip(members, placed, strict=True):
            boxes[i] = placed_box
    for seal, page, box in zip(seals, pages, boxes, strict=True):
        number = 1
        while f"Seal-{seal.id}-{number}" in taken:
            number += 1
        field_name = f"Seal-{seal.id}-{number}"
        taken.add(field_name)
        try:
            pdf = sign_pdf(pdf, seal.key, seal.cert, seal.chain, field_name=field_name, reason=seal.type.zh,
                           location=seal.zone_name, now=now, page=page, box=box, stamp_png=seal.image_png)
        except (PdfError, KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            log.warning("sealing %s failed on a malformed PDF", filename, exc_info=True)
            raise DomainError("pdf.sign_failed", "file", "该PDF文件结构有误，无法盖章",
                              "the PDF is malformed and cannot be sealed") from exc
    return pdf


@dataclass(frozen=True)
class SealCheck:
    """One signature of a checked PDF, with the seal of this instance it was made with, if any."""

    report: SignatureReport
    seal_id: str | None
    seal_status: str | None

    @property
    def seal_type(self) -> SealType | None:
        try:
            return SealType(self.report.seal_type) if self.report.seal_type else None
        except ValueError:
            return None

    def as_dict(self) -> dict[str, Any]:
        r, seal_type = self.report, self.seal_type
        return {
            "field": r.field_name, "seal_id": self.seal_id, "seal_type": r.seal_type,
            "seal_type_name": seal_type.zh if seal_type else None,
            "seal_type_name_en": seal_type.en if seal_type else None, "serial": r.certificate_serial,
            "signer": r.signer_common_name, "enterprise": r.signer_organization, "uscc": r.uscc,
            "issuer": r.issuer_common_name,
            "signed_at": as_utc(r.signing_time).isoformat() if r.signing_time else None,
            "valid": r.valid, "intact": r.intact, "trusted": r.trusted, "revoked": r.revoked,
            "revoked_at": as_utc(r.revocation_time).isoformat() if r.revocation_time else None,
            "modification": r.modification, "trust_problem": r.trust_problem, "ok": r.ok,
            "message": r.message, "message_zh": r.message_zh, "message_en": r.message_en,
        }


def trust_material(db: Database, now: datetime) -> tuple[list[x509.Certificate], list[bytes]]:
    """Every zone's seal-CA root, and its issuing CA's CRL as of ``now``."""
    roots, crls = [], []
    with db.read() as session:
        for zone_id in session.scalars(select(Zone.id).order_by(Zone.id)):
            try:
                ca = load_zone_pki(session, zone_id).ca
            except NotFound:
                continue  # a zone without its CA yet issues no seals
            roots.append(ca.root.cert)
            crls.append(zone_crl(session, zone_id, now))
    return roots, crls


def check_document(db: Database, filename: str, pdf: bytes, now: datetime, *, max_bytes: int) -> list[SealCheck]:
    """Who sealed the PDF, with which seal, when, whether it changed since, and whether the seal is
    trusted and not revoked; one entry per signature, in the order they were made."""
    check_pdf(filename, pdf, max_bytes)
    roots, crls = trust_material(db, now)
    reports = validate_pdf(pdf, roots, crls, now=now)
    serials = {r.certificate_serial for r in reports if r.certificate_serial}
    with db.read() as session:
        seals = {s.cert_serial: s for s in session.scalars(select(Seal).where(Seal.cert_serial.in_(serials)))}
    checks = []
    for report in reports:
        seal = seals.get(report.certificate_serial)
        checks.append(SealCheck(report, seal.id if seal else None, seal.status if seal else None))
    return checks
