"""Sealing a PDF with an enterprise's seals, and checking the seals on a PDF.

Each seal is a visible PAdES signature (``yima.pki.pades``) showing the seal image at its real
size; several seals on one document are incremental updates, so each stays valid. Checking
trusts the seal-CA roots of every zone on this instance and uses their CRLs as of now, as an
outside validator would after fetching ``/pki/{zone}/issuing.crl``. Positions: ``placement``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from sqlalchemy import select

from yima.actors import Actor
from yima.bounded import run_bounded
from yima.clock import as_utc
from yima.db import Database
from yima.errors import DomainError, NotFound
from yima.pdfcheck import PDF, PdfLimits, configured_limits
from yima.pki.ofd import is_ofd
from yima.pki.pades import SignatureReport
from yima.pki.service import load_zone_pki
from yima.registration.materials import check_upload
from yima.seals import national
from yima.seals.model import SealType
from yima.seals.sealing import SealJob, cert_der, check_pdf_seals, key_der, seal_pdf
from yima.seals.service import seals_for_use, zone_crl
from yima.seals.status import SealStatus
from yima.seals.tables import Seal
from yima.zones.tables import Zone


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
    check_upload(filename, content, max_bytes, parse=False)  # parsed in the sealing or checking child


def seal_document(db: Database, actor: Actor | None, filename: str, pdf: bytes, stamps: Sequence[Stamp],
                  now: datetime, *, max_bytes: int, limits: PdfLimits | None = None) -> bytes:
    """The PDF with each stamp applied in order, as the enterprise's authorised user (``actor``) or,
    with ``actor=None``, as the platform's operator. The PDF work runs in a child process within
    ``limits`` (the settings' by default): ``sealing.seal_pdf``."""
    check_pdf(filename, pdf, max_bytes)
    if not stamps:
        raise DomainError("seal.none", "seal", "请至少选择一枚印章", "Choose at least one seal")
    seals = seals_for_use(db, actor, [stamp.seal_id for stamp in stamps])
    jobs = [SealJob(seal.id, seal.type, key_der(seal.key), cert_der(seal.cert), tuple(cert_der(c) for c in seal.chain),
                    seal.image_png, seal.zone_name, stamp.page, stamp.x_mm, stamp.y_mm)
            for seal, stamp in zip(seals, stamps, strict=True)]
    limits = limits or configured_limits()
    return run_bounded(seal_pdf, pdf, jobs, now, limits, budget=limits.budget, subject=PDF)


@dataclass(frozen=True)
class SealCheck:
    """One signature of a checked PDF, with the seal of this instance it was made with, if any."""

    report: SignatureReport
    seal_id: str | None
    seal_status: SealStatus | None

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


def check_document(db: Database, filename: str, pdf: bytes, now: datetime, *, max_bytes: int,
                   limits: PdfLimits | None = None) -> list[SealCheck]:
    """Who sealed the PDF, with which seal, when, whether it changed since, and whether the seal is
    trusted and not revoked; one entry per signature, in the order they were made. The PDF work
    runs in a child process within ``limits``: ``sealing.check_pdf_seals``. An OFD (a zip) is checked
    for its GB/T 38540 seals instead, with a bounded reader (``national.check_ofd_document``)."""
    if is_ofd(pdf):
        if len(pdf) > max_bytes:
            raise DomainError("upload.too_large", "file", f"文件超过 {max_bytes // (1024 * 1024)} MB 上限",
                              f"The file exceeds the {max_bytes // (1024 * 1024)} MB limit")
        return [SealCheck(found.report, found.seal_id, found.seal_status)
                for found in national.check_ofd_document(db, pdf, now)]
    check_pdf(filename, pdf, max_bytes)
    roots, crls = trust_material(db, now)
    limits = limits or configured_limits()
    reports = run_bounded(check_pdf_seals, pdf, [cert_der(root) for root in roots], crls, now, limits,
                          budget=limits.budget, subject=PDF)
    serials = {r.certificate_serial for r in reports if r.certificate_serial}
    with db.read() as session:
        seals = {s.cert_serial: s for s in session.scalars(select(Seal).where(Seal.cert_serial.in_(serials)))}
    checks = []
    for report in reports:
        seal = seals.get(report.certificate_serial)
        checks.append(SealCheck(report, seal.id if seal else None, SealStatus(seal.status) if seal else None))
    return checks
