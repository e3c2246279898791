"""The PDF work of sealing and of checking seals, as it runs in a child process with a budget.

``seals.documents`` gathers what the work needs from the database (the seals' keys and
certificates, the zones' roots and CRLs) and hands it here through ``yima.bounded.run_bounded``,
so a hostile PDF ends in a 422 naming the rule, within the time budget, and never holds a server
thread or the interpreter lock. Everything here is plain data in and out (it crosses a pipe).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError

from yima.errors import DomainError
from yima.pdfcheck import PdfLimits, inspect_pdf
from yima.pki.keys import PrivateKey
from yima.pki.pades import Box, SignatureReport, sign_pdf, validate_pdf
from yima.seals.model import SealType
from yima.seals.placement import PageFrame, check_page, place


@dataclass(frozen=True)
class SealJob:
    """One seal to apply: its key and certificates (DER), image and zone, and where it goes."""

    seal_id: str
    seal_type: SealType
    key_der: bytes
    cert_der: bytes
    chain_der: tuple[bytes, ...]
    image_png: bytes
    zone_name: str
    page: int
    x_mm: float | None
    y_mm: float | None


def key_der(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _key(der: bytes) -> PrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    assert not isinstance(key, str)
    return key  # type: ignore[return-value]


def seal_pdf(pdf: bytes, jobs: Sequence[SealJob], now: datetime, limits: PdfLimits) -> bytes:
    """The PDF with each seal applied in order: checked within ``limits`` first (pages, fields,
    objects, no active content), placed (``placement``), then signed once per seal."""
    facts = inspect_pdf(pdf, limits, refuse_active=True)
    frames = [PageFrame(x1, y1, x2 - x1, y2 - y1) for x1, y1, x2, y2 in facts.pages]
    pages = [check_page(job.page, len(frames)) for job in jobs]
    boxes: list[Box | None] = [None] * len(jobs)
    for index in sorted(set(pages)):
        members = [i for i, p in enumerate(pages) if p == index]
        placed = place([(jobs[i].seal_type, jobs[i].x_mm, jobs[i].y_mm) for i in members], frames[index])
        for i, placed_box in zip(members, placed, strict=True):
            boxes[i] = placed_box
    taken = set(facts.signature_fields)
    for job, page, box in zip(jobs, pages, boxes, strict=True):
        number = 1
        while f"Seal-{job.seal_id}-{number}" in taken:
            number += 1
        field_name = f"Seal-{job.seal_id}-{number}"
        taken.add(field_name)
        try:
            pdf = sign_pdf(pdf, _key(job.key_der), x509.load_der_x509_certificate(job.cert_der),
                           [x509.load_der_x509_certificate(c) for c in job.chain_der], field_name=field_name,
                           reason=job.seal_type.zh, location=job.zone_name, now=now, page=page, box=box,
                           stamp_png=job.image_png)
        except (PdfError, KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise DomainError("pdf.sign_failed", "file", "该PDF文件结构有误，无法盖章",
                              "the PDF is malformed and cannot be sealed") from exc
    return pdf


def check_pdf_seals(pdf: bytes, roots_der: Sequence[bytes], crls: Sequence[bytes], now: datetime,
                    limits: PdfLimits) -> list[SignatureReport]:
    """Reports on every signature of the PDF (``pades.validate_pdf``) once it passed the limits."""
    inspect_pdf(pdf, limits, refuse_active=False)
    roots = [x509.load_der_x509_certificate(der) for der in roots_der]
    return validate_pdf(pdf, roots, crls, now=now)
