"""Sealing an OFD document (GB/T 33190-2016) with a GB/T 38540-2020 ``SES_Signature``, and checking
the seals of an OFD that may come from anyone.

An OFD is a zip of XML parts. Sealing adds ``Doc_0/Signs/Signatures.xml`` (the list),
``Doc_0/Signs/Sign_0/Signature.xml`` (``SignedInfo``: the SM3 digest of every other part and where the
stamp goes) and ``SignedValue.dat`` (the DER ``SES_Signature`` whose ``dataHash`` is SM3 of
``Signature.xml``). So changing any listed part breaks its digest, changing ``Signature.xml`` breaks
``dataHash``, and the SM2 signature covers ``TBS_Sign``.

**An uploaded OFD is hostile** until read: ``read_ofd`` bounds the zip before anything is decompressed
(its size, the number of entries, each entry's size and compression ratio, the depth and form of each
path) and the XML it parses (size, no DTD or entity declarations, element depth), and follows the
document's own pointers (``OFD.xml`` → ``Signatures.xml`` → each ``Signature.xml`` → its signed value)
at most ``MAX_SIGNATURES`` times. What breaks a bound is ``OfdRefused`` (a ``ValueError``) naming it.
"""

from __future__ import annotations

import base64
import io
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

from yima.pki.gbt38540 import PublicKeyOfCert, SealCheck, SesSeal, SesSignature, check_signature, sign_data
from yima.pki.sm2 import DEFAULT_USER_ID, SM2_WITH_SM3_OID, SM3_OID, Sm2PrivateKey, sm3

NS = "http://www.ofdspec.org/2016"
SIGNATURES_XML = "Doc_0/Signs/Signatures.xml"
SIGNATURE_XML = "Doc_0/Signs/Sign_0/Signature.xml"
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class OfdLimits:
    """What reading one uploaded OFD may cost."""

    max_bytes: int = 32 * 1024 * 1024  # all parts, decompressed
    max_entries: int = 2000
    max_entry_bytes: int = 16 * 1024 * 1024
    max_ratio: int = 200  # decompressed / compressed, per entry (a zip bomb compresses far better)
    max_path_depth: int = 12
    max_xml_bytes: int = 2 * 1024 * 1024
    max_xml_depth: int = 64
    max_signatures: int = 16
    max_references: int = 5000


LIMITS = OfdLimits()


class OfdRefused(ValueError):
    """An OFD this reader will not read (not a zip, or past a bound): the message names what."""


def is_ofd(content: bytes) -> bool:
    return content.startswith(ZIP_MAGIC)


def read_ofd(data: bytes, limits: OfdLimits = LIMITS) -> dict[str, bytes]:
    """The parts of an OFD (path without a leading ``/`` -> bytes), within ``limits``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise OfdRefused("not an OFD (zip) file") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise OfdRefused(f"more than {limits.max_entries} parts")
        total = 0
        for info in entries:
            _check_path(info.filename, limits)
            total += info.file_size
            if info.file_size > limits.max_entry_bytes or total > limits.max_bytes:
                raise OfdRefused(f"the parts exceed {limits.max_bytes // (1024 * 1024)} MiB")
            if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise OfdRefused(f"{info.filename} is compressed more than {limits.max_ratio}:1")
        parts: dict[str, bytes] = {}
        for info in entries:
            if info.is_dir():
                continue
            with archive.open(info) as handle:  # read no more than declared, whatever the stream says
                content = handle.read(info.file_size + 1)
            if len(content) != info.file_size:
                raise OfdRefused(f"{info.filename} is not the size its entry declares")
            parts[info.filename.lstrip("/")] = content
    return parts


def _check_path(name: str, limits: OfdLimits) -> None:
    path = name.lstrip("/")
    if not path or "\\" in path or "\x00" in path or any(s in ("", ".", "..") for s in path.rstrip("/").split("/")):
        raise OfdRefused(f"a part has an unsafe name: {name[:80]!r}")
    if path.count("/") >= limits.max_path_depth:
        raise OfdRefused(f"a part is nested deeper than {limits.max_path_depth} folders")


def parse_xml(data: bytes, limits: OfdLimits = LIMITS) -> ElementTree.Element:
    """An OFD XML part, refused when large, with a DTD or entities, or nested deeper than the limit."""
    if len(data) > limits.max_xml_bytes:
        raise OfdRefused(f"an XML part exceeds {limits.max_xml_bytes // 1024} KiB")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise OfdRefused("an XML part declares a DTD or entities")
    depth = 0
    try:
        for event, _ in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
            depth += 1 if event == "start" else -1
            if depth > limits.max_xml_depth:
                raise OfdRefused(f"an XML part nests deeper than {limits.max_xml_depth} elements")
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise OfdRefused(f"an XML part is not well-formed: {exc}") from exc


def _resolve(base: str, location: str) -> str:
    """A part named in the document: absolute from the package root (``/Doc_0/…``) or relative to ``base``."""
    location = location.strip()
    joined = location.lstrip("/") if location.startswith("/") else posixpath.join(posixpath.dirname(base), location)
    return posixpath.normpath(joined).lstrip("/")


def signature_paths(parts: Mapping[str, bytes], limits: OfdLimits = LIMITS) -> list[str]:
    """The ``Signature.xml`` parts the document declares (``OFD.xml`` → ``Signatures.xml``)."""
    entry = parts.get("OFD.xml")
    if entry is None:
        raise OfdRefused("not an OFD: no OFD.xml")
    found: list[str] = []
    for body in parse_xml(entry, limits).iter(f"{{{NS}}}DocBody"):
        listed = body.findtext(f"{{{NS}}}Signatures")
        if not listed:
            continue
        path = _resolve("OFD.xml", listed)
        if path not in parts:
            raise OfdRefused(f"the signature list {path} is missing")
        for signature in parse_xml(parts[path], limits).iter(f"{{{NS}}}Signature"):
            found.append(_resolve(path, signature.get("BaseLoc", "")))
            if len(found) > limits.max_signatures:
                raise OfdRefused(f"more than {limits.max_signatures} signatures")
    return found


def seal_ofd(parts: Mapping[str, bytes], seal: SesSeal, signer_key: Sm2PrivateKey, signer_cert_der: bytes,
             now: datetime, stamp_box: tuple[float, float, float, float] = (10.0, 10.0, 40.0, 40.0)) -> bytes:
    """The OFD zip: ``parts`` (which list ``Doc_0/Signs/Signatures.xml`` in ``OFD.xml``) plus the
    signature list, ``Signature.xml`` (SM3 of each part) and the ``SES_Signature`` in SignedValue.dat."""
    signed = dict(parts)
    signed[SIGNATURES_XML] = _xml(
        f'<ofd:Signatures xmlns:ofd="{NS}"><ofd:MaxSignId>1</ofd:MaxSignId>'
        f'<ofd:Signature ID="1" Type="Seal" BaseLoc="/{SIGNATURE_XML}"/></ofd:Signatures>')
    references = "".join(
        f'<ofd:Reference FileRef="/{_attr(path)}"><ofd:CheckValue>'
        f"{base64.b64encode(sm3(data)).decode('ascii')}</ofd:CheckValue></ofd:Reference>"
        for path, data in sorted(signed.items()))
    x, y, w, h = stamp_box
    signature_xml = _xml(
        f'<ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo><ofd:Provider ProviderName="Yima" Version="1"/>'
        f"<ofd:SignatureMethod>{SM2_WITH_SM3_OID}</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>{now:%Y%m%d%H%M%S}Z</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{SM3_OID}">{references}</ofd:References>'
        f'<ofd:StampAnnot ID="1" PageRef="1" Boundary="{x:g} {y:g} {w:g} {h:g}"/></ofd:SignedInfo>'
        f"<ofd:SignedValue>/{SIGNED_VALUE}</ofd:SignedValue></ofd:Signature>")
    signed[SIGNATURE_XML] = signature_xml
    signed[SIGNED_VALUE] = sign_data(seal, signer_key, signer_cert_der, signature_xml, f"/{SIGNATURE_XML}", now)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in ("OFD.xml", *sorted(p for p in signed if p != "OFD.xml")):
            archive.writestr(path, signed[path])
    return out.getvalue()


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


@dataclass(frozen=True)
class OfdSignatureCheck:
    """One seal of an OFD: every listed part's SM3 digest, then its ``SES_Signature``."""

    path: str
    parts_intact: bool
    changed_parts: tuple[str, ...]
    seal: SealCheck | None
    signer_cert_der: bytes
    maker_cert_der: bytes
    problem: str = ""  # why the seal could not be read at all
    signed_at: datetime | None = None  # TBS_Sign's timeInfo

    @property
    def ok(self) -> bool:
        return self.parts_intact and self.seal is not None and self.seal.ok


def check_signature_part(parts: Mapping[str, bytes], path: str, public_key_of_cert: PublicKeyOfCert, now: datetime,
                         *, user_id: bytes = DEFAULT_USER_ID, limits: OfdLimits = LIMITS) -> OfdSignatureCheck:
    """Check the seal whose ``Signature.xml`` is ``path``."""
    if path not in parts:
        return OfdSignatureCheck(path, False, (path,), None, b"", b"", "the signature part is missing")
    root = parse_xml(parts[path], limits)
    changed: list[str] = []
    references = list(root.iter(f"{{{NS}}}Reference"))
    if len(references) > limits.max_references:
        raise OfdRefused(f"a signature lists more than {limits.max_references} parts")
    for reference in references:
        ref = _resolve(path, reference.get("FileRef", ""))
        value = (reference.findtext(f"{{{NS}}}CheckValue") or "").strip()
        if ref not in parts or base64.b64encode(sm3(parts[ref])).decode("ascii") != value:
            changed.append(ref)
    value_path = _resolve(path, root.findtext(f"{{{NS}}}SignedValue") or "")
    if value_path not in parts:
        return OfdSignatureCheck(path, not changed, tuple(changed), None, b"", b"", "the signed value is missing")
    try:
        der = parts[value_path]
        seal = check_signature(der, parts[path], public_key_of_cert, now, user_id=user_id)
        loaded = SesSignature.load(der, strict=True)
        signer, maker = loaded["cert"].native, loaded["to_sign"]["eseal"]["cert"].native
        signed_at = loaded["to_sign"]["time_info"].native
    except (ValueError, TypeError, KeyError) as exc:
        return OfdSignatureCheck(path, not changed, tuple(changed), None, b"", b"",
                                 f"the signed value is not a GB/T 38540 SES_Signature: {str(exc)[:120]}")
    return OfdSignatureCheck(path, not changed and bool(references), tuple(changed), seal, signer, maker,
                             signed_at=signed_at)


def check_ofd_seals(data: bytes, public_key_of_cert: PublicKeyOfCert, now: datetime, *,
                    user_id: bytes = DEFAULT_USER_ID, limits: OfdLimits = LIMITS) -> list[OfdSignatureCheck]:
    """Every seal the OFD declares, checked; ``OfdRefused`` for what is not a readable OFD."""
    parts = read_ofd(data, limits)
    return [check_signature_part(parts, path, public_key_of_cert, now, user_id=user_id, limits=limits)
            for path in signature_paths(parts, limits)]
