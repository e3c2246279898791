"""The licence as an OFD document (GB/T 33190-2016) sealed with a GB/T 38540-2020 ``SES_Signature``.

An OFD file is a zip of XML parts (namespace ``http://www.ofdspec.org/2016``)::

    OFD.xml                              entry: DocInfo, DocRoot, Signatures
    Doc_0/Document.xml                   page area (A4 landscape, mm), resources, the page list
    Doc_0/PublicRes.xml                  the font, embedded as Doc_0/Res/font.ttf (a subset)
    Doc_0/DocumentRes.xml                the QR image, Doc_0/Res/qr.png
    Doc_0/Pages/Page_0/Content.xml       text objects (with per-glyph advances) and the QR
    Doc_0/Signs/Signatures.xml           the list of signatures
    Doc_0/Signs/Sign_0/Signature.xml     SignedInfo: the SM3 digest (base64) of every part above,
                                         the seal's position (StampAnnot), the signed value's path
    Doc_0/Signs/Sign_0/SignedValue.dat   the DER SES_Signature (yima.pki.gbt38540)

The seal: ``dataHash`` is SM3 of ``Signature.xml``, so changing any listed part breaks its digest
there, and changing ``Signature.xml`` breaks ``dataHash``; the SM2 signature covers ``TBS_Sign``.
``check_ofd`` does exactly those checks. Coordinates are millimetres from the top left.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from fontTools import subset
from fontTools.ttLib import TTFont

from yima.clock import china_time, local_date
from yima.licences.payload import LicencePayload
from yima.licences.pdf import NOT_IN_FORCE, PERMIT_STATUS_NAMES
from yima.pki import ofd
from yima.pki.gbt38540 import PublicKeyOfCert, SealCheck, SesSeal
from yima.pki.ofd import NS, SIGNATURE_XML, SIGNED_VALUE
from yima.pki.sm2 import Sm2PrivateKey, sm3

PAGE_W, PAGE_H = 297.0, 210.0
__all__ = ["NS", "SIGNATURE_XML", "SIGNED_VALUE", "OfdCheck", "check_ofd", "render_licence_ofd", "seal_ofd"]
STAMP_BOX = (PAGE_W - 85.0, PAGE_H - 82.0, 40.0, 40.0)  # x, y, w, h in mm: over the authority's name


@dataclass(frozen=True)
class _Text:
    x: float
    y: float
    size: float
    text: str
    color: str = "0 0 0"


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


@lru_cache(maxsize=4)
def _font_metrics(font_path: str) -> tuple[int, dict[int, str], dict[str, int]]:
    font = TTFont(font_path, lazy=True)
    return (int(font["head"].unitsPerEm), dict(font.getBestCmap()),
            {name: advance for name, (advance, _) in font["hmtx"].metrics.items()})


def _advances(text: str, size: float, font_path: str) -> list[float]:
    units, cmap, metrics = _font_metrics(font_path)
    return [round(metrics.get(cmap.get(ord(ch), ".notdef"), units) / units * size, 3) for ch in text]


def _subset_font(font_path: str, text: str) -> bytes:
    """The font cut down to the characters of ``text``: the same characters give the same bytes, so
    a subset is made once per set of characters (a licence fetched again costs no second cut, which
    is nine tenths of rendering it)."""
    return _subset_of(font_path, "".join(sorted(set(text))))


@lru_cache(maxsize=64)
def _subset_of(font_path: str, characters: str) -> bytes:
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(font_path)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _licence_texts(payload: LicencePayload, authority: str, permit_type_names: Mapping[str, str],
                   scope_names: Mapping[str, str]) -> list[_Text]:
    texts = [
        _Text(18, 22, 4.2, "统一社会信用代码"), _Text(18, 30, 5.2, payload.uscc),
        _Text(118, 42, 15.0, "营 业 执 照"),
    ]
    rows = [("名称", payload.name), ("类型", payload.entity_type), ("法定代表人", payload.legal_representative),
            ("注册资本", f"{payload.registered_capital} 元"), ("成立日期", f"{payload.established_on:%Y年%m月%d日}"),
            ("住所", payload.domicile),
            ("经营范围", "；".join(scope_names.get(i, i) for i in payload.scope))]
    y = 64.0
    for label, value in rows:
        texts.append(_Text(22, y, 3.8, label))
        for start in range(0, max(len(value), 1), 52):
            texts.append(_Text(52, y, 3.8, value[start:start + 52]))
            y += 6.0
        y += 1.5
    if payload.permits:
        texts.append(_Text(22, y + 2, 3.8, "许可（一业一证）"))
        y += 8
        for permit in payload.permits:
            line = (f"{permit_type_names.get(permit.type, permit.type)} {permit.number} "
                    f"{'、'.join(permit.items)} {PERMIT_STATUS_NAMES[permit.status]} 有效期至 "
                    f"{permit.valid_to or '长期'}")
            texts.append(_Text(26, y, 3.3, line[:70]))
            y += 5.5
    day = local_date(payload.issued_at)
    texts += [
        _Text(PAGE_W - 92, PAGE_H - 48, 4.2, f"登记机关 {authority}"),
        _Text(PAGE_W - 80, PAGE_H - 40, 4.2, f"{day.year}年{day.month}月{day.day}日"),
        _Text(18, PAGE_H - 14, 2.8, f"签发区 {payload.zone} · 第 {payload.version} 版 · 签发时间 "
                                    f"{china_time(payload.issued_at):%Y-%m-%d %H:%M} 北京时间 · "
                                    "二维码经数字签名，可离线核验 · 本文件经 SM2 电子签章（GB/T 38540）"),
    ]
    if not payload.status.in_force:
        word, sentence = NOT_IN_FORCE[payload.status]
        texts += [_Text(60, 54, 5.0, sentence.format(day=f"{day.year}年{day.month}月{day.day}日"), "208 52 44"),
                  _Text(110, 130, 30.0, word, "208 52 44")]
    return texts


def _text_objects(texts: list[_Text], font_path: str, first_id: int) -> str:
    objects = []
    for index, item in enumerate(texts):
        advances = _advances(item.text, item.size, font_path)
        width = sum(advances) + 1
        delta = " ".join(f"{a:g}" for a in advances[:-1])
        objects.append(
            f'<ofd:TextObject ID="{first_id + index}" Boundary="{item.x:g} {item.y - item.size:g} {width:g} '
            f'{item.size * 1.4:g}" Font="2" Size="{item.size:g}"><ofd:FillColor Value="{item.color}"/>'
            f'<ofd:TextCode X="0" Y="{item.size:g}"' + (f' DeltaX="{delta}"' if delta else "")
            + f">{escape(item.text)}</ofd:TextCode></ofd:TextObject>")
    return "".join(objects)


def render_licence_ofd(payload: LicencePayload, qr_png: bytes, authority: str, *, font_path: Path,
                       permit_type_names: Mapping[str, str], scope_names: Mapping[str, str]) -> dict[str, bytes]:
    """The unsigned parts of the licence OFD (path -> bytes); ``seal_ofd`` signs and zips them."""
    texts = _licence_texts(payload, authority, permit_type_names, scope_names)
    font = _subset_font(str(font_path), "".join(t.text for t in texts) + "0123456789")
    qr_size = 40.0
    content = (f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="10">'
               + _text_objects(texts, str(font_path), 100)
               + f'<ofd:ImageObject ID="99" Boundary="{PAGE_W - 18 - qr_size:g} 14 {qr_size:g} {qr_size:g}" '
                 f'CTM="{qr_size:g} 0 0 {qr_size:g} 0 0" ResourceID="3"/>'
               + "</ofd:Layer></ofd:Content></ofd:Page>")
    max_id = 100 + len(texts)
    return {
        "OFD.xml": _xml(
            f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
            f"<ofd:DocID>{sm3(payload.uscc.encode() + str(payload.version).encode()).hex()[:32]}</ofd:DocID>"
            f"<ofd:Title>营业执照 {escape(payload.uscc)}</ofd:Title><ofd:Author>{escape(authority)}</ofd:Author>"
            f"<ofd:CreationDate>{local_date(payload.issued_at).isoformat()}</ofd:CreationDate>"
            f"<ofd:Creator>Yima</ofd:Creator></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
            f"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>"),
        "Doc_0/Document.xml": _xml(
            f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID>'
            f"<ofd:PageArea><ofd:PhysicalBox>0 0 {PAGE_W:g} {PAGE_H:g}</ofd:PhysicalBox></ofd:PageArea>"
            f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
            f'</ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
            f"</ofd:Document>"),
        "Doc_0/PublicRes.xml": _xml(
            f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="Noto Sans SC" '
            f'FamilyName="Noto Sans SC"><ofd:FontFile>font.ttf</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>'),
        "Doc_0/DocumentRes.xml": _xml(
            f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="3" Type="Image" '
            f'Format="PNG"><ofd:MediaFile>qr.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>'),
        "Doc_0/Pages/Page_0/Content.xml": _xml(content),
        "Doc_0/Res/font.ttf": font,
        "Doc_0/Res/qr.png": qr_png,
    }


def seal_ofd(parts: Mapping[str, bytes], seal: SesSeal, signer_key: Sm2PrivateKey, signer_cert_der: bytes,
             now: datetime) -> bytes:
    """The licence OFD zip, sealed over the authority's name (``yima.pki.ofd.seal_ofd``)."""
    return ofd.seal_ofd(parts, seal, signer_key, signer_cert_der, now, STAMP_BOX)


@dataclass(frozen=True)
class OfdCheck:
    """The seal check of an OFD: every listed part's SM3 digest, then the ``SES_Signature``."""

    parts_intact: bool
    changed_parts: tuple[str, ...]
    seal: SealCheck | None

    @property
    def ok(self) -> bool:
        return self.parts_intact and self.seal is not None and self.seal.ok


def check_ofd(data: bytes, public_key_of_cert: PublicKeyOfCert, now: datetime) -> OfdCheck:
    """Check the (first) seal of an OFD with the bounded reader of ``yima.pki.ofd``; ``ValueError``
    (``OfdRefused``) for what is not a readable, sealed OFD."""
    checks = ofd.check_ofd_seals(data, public_key_of_cert, now)
    if not checks:
        raise ofd.OfdRefused("the OFD carries no signature")
    first = checks[0]
    return OfdCheck(first.parts_intact, first.changed_parts, first.seal)
