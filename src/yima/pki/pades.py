"""Signs and validates PDF documents: the one place that does, for licences and seals alike.

Signatures are PAdES baseline B-B (ETSI EN 319 142-1; ``/SubFilter /ETSI.CAdES.detached``) written
by pyHanko as incremental updates (ISO 32000-1 clause 7.5.6), so a later signature leaves earlier
ones valid. A visible signature shows the seal image as its appearance. Validation uses only the
trust roots and CRLs passed in; nothing is fetched from the network.

pyHanko's synchronous calls run their own event loop with ``asyncio.run``; when the caller's
thread already runs a loop (an ``async`` route, a browser test driver), the work moves to a
worker thread so that both functions can be called from anywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import wraps
from io import BytesIO
from typing import ParamSpec, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from yima.clock import local_date
from yima.errors import Conflict, DomainError
from yima.pki.ca import read_signer_identity
from yima.pki.keys import PrivateKey

Box = tuple[float, float, float, float]
"""A rectangle on the page in PDF points: lower-left x, y and upper-right x, y."""

STAMP_OPACITY = 0.92  # a little of the text underneath shows through, as with real ink


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _crypto_cert(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


class _ClockedPdfSigner(signers.PdfSigner):
    """pyHanko reads the system clock for the signing time (/M); Yima passes the time in."""

    def __init__(self, signature_meta: signers.PdfSignatureMetadata, signer: signers.Signer, *,
                 stamp_style: StaticStampStyle, new_field_spec: fields.SigFieldSpec, now: datetime) -> None:
        super().__init__(signature_meta, signer, stamp_style=stamp_style, new_field_spec=new_field_spec)
        self._now = now

    def init_signing_session(self, pdf_out: BasePdfFileWriter,
                             existing_fields_only: bool = False) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._now
        return session


def _stamp_style(stamp_png: bytes) -> StaticStampStyle:
    try:
        image: Image.Image = Image.open(BytesIO(stamp_png))
        image.load()
    except OSError as exc:
        raise DomainError("pdf.stamp_image", "stamp_png", "印章图片无法读取",
                          "the seal image cannot be read") from exc
    if image.mode not in ("RGBA", "RGB", "LA", "L"):
        image = image.convert("RGBA")
    return StaticStampStyle(
        background=PdfImage(image),
        background_opacity=STAMP_OPACITY,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
    )


def _unreadable() -> DomainError:
    return DomainError("pdf.unreadable", "file", "文件不是可读取的PDF", "the file is not a readable PDF")


def _open_for_update(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise _unreadable() from exc
    if writer.prev.encrypted:
        raise DomainError("pdf.encrypted", "file", "不能对加密的PDF盖章",
                          "an encrypted PDF cannot be sealed")
    return writer


def _check_placement(writer: IncrementalPdfFileWriter, page: int, box: Box | None) -> None:
    pages = int(writer.root["/Pages"]["/Count"])
    if not -pages <= page < pages:
        raise DomainError("pdf.page", "page", f"文件只有{pages}页", f"the document has {pages} page(s)")
    if box is not None:
        x1, y1, x2, y2 = box
        if x2 - x1 < 10 or y2 - y1 < 10:
            raise DomainError("pdf.box", "box", "盖章位置的区域太小",
                              "the seal's box must be at least 10 points wide and high")


P = ParamSpec("P")
T = TypeVar("T")


def _off_event_loop(func: Callable[P, T]) -> Callable[P, T]:
    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return func(*args, **kwargs)
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(func, *args, **kwargs).result()

    return run


SIGNATURE_ROOM_SPARE = 1024
"""Bytes beyond the certificates, issuer names and signature value kept free in /Contents for the
CMS structure, its signed attributes and algorithm identifiers (about 300 bytes in practice)."""


def signature_room(cert: x509.Certificate, chain: Sequence[x509.Certificate], key: PrivateKey) -> int:
    """The size of the /Contents placeholder (hex digits, so twice the CMS bytes) for a signature by
    ``key`` carrying ``cert`` and ``chain``.

    Without it pyHanko signs once with a dummy signature only to measure the CMS (its
    ``estimate_signature_container_size``), so every PDF was signed twice. The CMS holds each
    certificate once, the issuer name twice (signer id, signing-certificate-v2 attribute) and one
    signature value; a CMS that outgrows the room makes pyHanko refuse to sign, never a bad PDF.
    """
    certificates = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in (cert, *chain))
    issuer = len(cert.issuer.public_bytes())
    value = key.key_size // 8 if isinstance(key, rsa.RSAPrivateKey) else 2 * ((key.key_size + 7) // 8) + 9
    return 2 * (certificates + 2 * issuer + value + SIGNATURE_ROOM_SPARE)


@_off_event_loop
def sign_pdf(pdf: bytes, key: PrivateKey, cert: x509.Certificate, chain: Sequence[x509.Certificate], *,
             field_name: str, reason: str, location: str | None, now: datetime, page: int = 0,
             box: Box | None = None, stamp_png: bytes | None = None) -> bytes:
    """Add a PAdES signature in a new signature field and return the whole updated PDF.

    With ``box`` the signature is visible on ``page`` (0-based; negative counts from the end) and
    shows ``stamp_png`` scaled into the box; without ``box`` it is invisible.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if stamp_png is not None and box is None:
        raise DomainError("pdf.box", "box", "显示印章图片需要指定盖章位置",
                          "a seal image needs a box to be shown in")
    writer = _open_for_update(pdf)
    _check_placement(writer, page, box)
    existing = {sig.field_name for sig in writer.prev.embedded_signatures}
    if field_name in existing:
        raise Conflict("pdf.field_taken", "field_name", f"签名域“{field_name}”已被使用",
                       f"the signature field '{field_name}' is already signed")

    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain]),
    )
    field_box = None if box is None else (round(box[0]), round(box[1]), round(box[2]), round(box[3]))
    pdf_signer = _ClockedPdfSigner(
        signers.PdfSignatureMetadata(
            field_name=field_name,
            reason=reason,
            location=location,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        ),
        signer=signer,
        stamp_style=_stamp_style(stamp_png) if stamp_png is not None else StaticStampStyle(border_width=0),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=field_box),
        now=now,
    )
    try:
        out = pdf_signer.sign_pdf(writer, bytes_reserved=signature_room(cert, chain, key))
    except SigningError as exc:
        raise DomainError("pdf.sign_failed", "file", "无法在该文件上签章",
                          f"the document cannot be signed: {exc}") from exc
    return out.getvalue()


@dataclass(frozen=True)
class SignatureReport:
    """What a validator needs to know about one signature in a PDF."""

    field_name: str
    signer_common_name: str
    signer_organization: str | None
    uscc: str | None
    seal_type: str | None
    certificate_serial: str
    issuer_common_name: str | None
    signing_time: datetime | None
    valid: bool  # the cryptographic signature checks out against the bytes it covers
    intact: bool  # and nothing but later signatures was added to the document after it
    trusted: bool  # the certificate chains to one of the given roots and is usable for signing
    revoked: bool
    revocation_time: datetime | None
    trust_problem: str | None  # ETSI EN 319 102-1 sub-indication, e.g. no_certificate_chain_found
    modification: str  # none | signatures_added | form_filled | annotations | appended | other
    message_zh: str
    message_en: str

    @property
    def ok(self) -> bool:
        return self.valid and self.intact and self.trusted and not self.revoked

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


WHITESPACE = b" \t\r\n\f\x00"


def _unsigned_tail(pdf: bytes, embedded: Sequence[EmbeddedPdfSignature], last_revision: int) -> bool:
    """Whether bytes that belong to no revision were appended (pyHanko ignores them; we do not).

    Anything but whitespace after the final ``%%EOF`` counts, and so does anything after the signed
    range of a signature made in the last revision.
    """
    eof = pdf.rfind(b"%%EOF")
    if eof < 0 or pdf[eof + 5:].strip(WHITESPACE):
        return True
    for sig in embedded:
        if sig.signed_revision == last_revision:
            _, _, start2, len2 = sig.byte_range
            if pdf[start2 + len2:].strip(WHITESPACE):
                return True
    return False


def _modification(status: PdfSignatureStatus, signature_fields: set[str]) -> str:
    """How the document changed after this signature; only added signatures count as unchanged."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "none"
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return "other"
    level = status.modification_level
    if level is None:
        return "other"
    if level <= ModificationLevel.LTA_UPDATES:
        return "none"
    if level == ModificationLevel.FORM_FILLING:
        diff = status.diff_result
        changed = set(getattr(diff, "changed_form_fields", ()) or ())
        return "signatures_added" if changed <= signature_fields else "form_filled"
    if level == ModificationLevel.ANNOTATIONS:
        return "annotations"
    return "other"


UNCHECKED_REVOCATION = {"try_later", "revocation_out_of_bounds_no_poe"}
OUT_OF_VALIDITY = {"expired", "not_yet_valid", "out_of_bounds_no_poe", "out_of_bounds_not_revoked"}


def _messages(who: str, when: datetime | None, *, valid: bool, intact: bool, trusted: bool, revoked: bool,
              revocation_time: datetime | None, trust_problem: str | None) -> tuple[str, str]:
    """The verdict in both languages; ``who`` is the certificate's CN, which names the seal."""
    who_zh = who_en = who
    at = f" {when.isoformat(timespec='seconds')}" if when else ""
    if not valid:
        return (f"签名无效：{who_zh} 的签名与文件内容不符",
                f"Invalid: the signature by {who_en} does not match the document")
    if not intact:
        return (f"文件在 {who_zh} 签章后被修改", f"The document was changed after {who_en} signed it")
    if revoked:
        when_revoked = f"（{local_date(revocation_time).isoformat()}）" if revocation_time else ""
        when_revoked_en = f" on {local_date(revocation_time).isoformat()}" if revocation_time else ""
        return (f"{who_zh} 的印章证书已被吊销{when_revoked}",
                f"The certificate of {who_en} has been revoked{when_revoked_en}")
    if not trusted and trust_problem in UNCHECKED_REVOCATION:
        return (f"{who_zh} 的签章完整，但无法确认其证书未被吊销（缺少有效的吊销列表）",
                f"The signature by {who_en} is intact, but its certificate's revocation status "
                "cannot be checked (no current CRL)")
    if not trusted and trust_problem in OUT_OF_VALIDITY:
        return (f"{who_zh} 的签章完整，但其证书不在有效期内",
                f"The signature by {who_en} is intact, but its certificate is outside its validity period")
    if not trusted:
        return (f"{who_zh} 的签章完整，但其证书不是由受信任的印章CA签发",
                f"The signature by {who_en} is intact, but its certificate is not from a trusted seal CA")
    return (f"签章有效：{who_zh}{at} 签章，此后文件未被修改",
            f"Valid: signed by {who_en}{at}; the document has not changed since")


def _report(field_name: str, status: PdfSignatureStatus, modification: str) -> SignatureReport:
    cert = _crypto_cert(status.signing_cert)
    identity = read_signer_identity(cert.subject)
    issuer = read_signer_identity(cert.issuer)
    valid = bool(status.intact and status.valid)
    intact = valid and modification in ("none", "signatures_added")
    revoked = status.revoked
    revocation_time = status.revocation_details.revocation_date if status.revocation_details else None
    trusted = bool(status.trusted)
    indic = status.trust_problem_indic
    trust_problem = None if indic is None else (indic.name if isinstance(indic, Enum) else str(indic)).lower()
    signing_time = status.signer_reported_dt
    zh, en = _messages(identity.common_name, signing_time, valid=valid, intact=intact,
                       trusted=trusted, revoked=revoked, revocation_time=revocation_time,
                       trust_problem=trust_problem)
    return SignatureReport(
        field_name=field_name,
        signer_common_name=identity.common_name,
        signer_organization=identity.organization,
        uscc=identity.uscc,
        seal_type=identity.seal_type,
        certificate_serial=format(cert.serial_number, "x"),
        issuer_common_name=issuer.common_name or None,
        signing_time=signing_time,
        valid=valid,
        intact=intact,
        trusted=trusted,
        revoked=revoked,
        revocation_time=revocation_time,
        trust_problem=trust_problem,
        modification=modification,
        message_zh=zh,
        message_en=en,
    )


def _unreadable_report(sig: EmbeddedPdfSignature) -> SignatureReport:
    """A signature whose container is damaged or inconsistent: it proves nothing."""
    try:
        cert = _crypto_cert(sig.signer_cert)
        identity, serial = read_signer_identity(cert.subject), format(cert.serial_number, "x")
    except (SignatureValidationError, ValueError, KeyError, TypeError, IndexError):
        identity, serial = read_signer_identity(x509.Name([])), ""
    who = identity.common_name or sig.field_name
    return SignatureReport(
        field_name=sig.field_name, signer_common_name=identity.common_name,
        signer_organization=identity.organization, uscc=identity.uscc, seal_type=identity.seal_type,
        certificate_serial=serial, issuer_common_name=None, signing_time=None, valid=False, intact=False,
        trusted=False, revoked=False, revocation_time=None, trust_problem=None, modification="other",
        message_zh=f"{who} 的签名数据已损坏，无法验证",
        message_en=f"The signature data of {who} is damaged and cannot be validated",
    )


class _WithoutTraceback(logging.Filter):
    """pyHanko logs every failed certificate check with its traceback. Here a revoked, expired or
    untrusted seal is the answer a validation gives, not a fault of the server: keep the one-line
    message, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


for _name in ("pyhanko.sign.validation.generic_cms", "pyhanko.sign.validation.status",
              "pyhanko.sign.validation.pdf_embedded"):
    logging.getLogger(_name).addFilter(_WithoutTraceback())


@_off_event_loop
def validate_pdf(pdf: bytes, trust_roots: Sequence[x509.Certificate], crls: Sequence[bytes] | None, *,
                 now: datetime) -> list[SignatureReport]:
    """Reports on every signature in the PDF, in the order they were added.

    When ``crls`` (DER) are given they must cover every certificate in the chain that names a CRL
    distribution point, and be current at ``now``; with none, revocation is not checked.
    Without a trusted timestamp (PAdES B-B) the signing time is only what the signer claims, so a
    certificate revoked at any time before ``now`` fails.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        everything = list(reader.embedded_signatures)
        last_revision = reader.xrefs.total_revisions - 1
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise _unreadable() from exc
    signature_fields = {sig.field_name for sig in everything}
    appended = _unsigned_tail(pdf, everything, last_revision)
    reports = []
    for sig in everything:
        if sig.sig_object_type != "/Sig":
            continue  # document timestamps are not seals
        context = ValidationContext(
            trust_roots=[_asn1_cert(root) for root in trust_roots],
            crls=list(crls or ()),
            allow_fetching=False,
            moment=now,
            # With CRLs given, a certificate whose CRL is missing or stale is not trusted; without
            # them (nothing may be fetched) revocation is not checked at all.
            revocation_mode="hard-fail" if crls else "soft-fail",
        )
        try:
            status = validate_pdf_signature(sig, context)
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError, IndexError):
            reports.append(_unreadable_report(sig))
            continue
        modification = "appended" if appended else _modification(status, signature_fields)
        reports.append(_report(sig.field_name, status, modification))
    return reports
