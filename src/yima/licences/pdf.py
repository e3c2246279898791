"""The licence as a PDF laid out like a Chinese business licence (营业执照), A4 landscape.

The layout follows the national licence design (SAMR 2019 style, 营业执照 副本): national emblem
area at the top centre (left blank here), the title, the unified social credit code at the top
left, the QR code with its caption at the top right, the registered particulars in two columns,
then the permits (一业一证), and the registration authority (登记机关) with the date at the bottom
right, where a round seal region (``STAMP_BOX``) is left empty for the zone's PAdES visible
signature, which ``yima.pki.pades`` adds. This module produces the unsigned PDF only. Chinese text
uses the TrueType CJK font of ``yima.fonts``, embedded (subset) in the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple, TypeVar
from xml.sax.saxutils import escape

from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from yima.clock import china_time, local_date
from yima.fonts import cjk_font_path
from yima.licences.payload import EnterpriseStatus, LicencePayload, PermitEntry, PermitStatus

T = TypeVar("T")
FONT = "YimaCJK"
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 22.0
STAMP_CENTRE = (PAGE_WIDTH - 140.0, 128.0)
STAMP_RADIUS = 52.0
STAMP_BOX = (
    STAMP_CENTRE[0] - STAMP_RADIUS,
    STAMP_CENTRE[1] - STAMP_RADIUS,
    STAMP_CENTRE[0] + STAMP_RADIUS,
    STAMP_CENTRE[1] + STAMP_RADIUS,
)
"""The empty seal region (x0, y0, x1, y1) in PDF points from the bottom left, for the visible signature."""

PERMIT_TYPE_NAMES: dict[str, str] = {
    "food_business": "食品经营许可证",
    "public_place_hygiene": "公共场所卫生许可证",
    "prepackaged_food_filing": "仅销售预包装食品备案",
}
PERMIT_STATUS_NAMES: dict[PermitStatus, str] = {
    PermitStatus.ACTIVE: "有效",
    PermitStatus.FILED: "已备案",
    PermitStatus.PENDING: "审批中",
    PermitStatus.SUSPENDED: "暂停",
    PermitStatus.REVOKED: "已撤销",
    PermitStatus.CANCELLED: "已注销",
}
QR_CAPTION = "扫描二维码查询许可信息"
NOT_IN_FORCE: dict[EnterpriseStatus, tuple[str, str]] = {
    EnterpriseStatus.REVOKED: ("已吊销", "本营业执照已被吊销，自{day}起失效，不得使用"),
    EnterpriseStatus.CANCELLED: ("已注销", "本企业已注销登记，本营业执照自{day}起失效"),
    EnterpriseStatus.SUSPENDED: ("已暂停", "本营业执照自{day}起暂停，暂停期间不得使用"),
}
"""The mark a licence not in force carries on its page: the big word, and the sentence below the title."""

_BORDER = colors.HexColor("#9c2a1c")
_STAMP = colors.HexColor("#d0342c")
_GREY = colors.HexColor("#555555")


def render_licence_pdf(
    payload: LicencePayload,
    qr_png: bytes,
    authority_name: str,
    *,
    permit_type_names: Mapping[str, str] | None = None,
    scope_names: Mapping[str, str] | None = None,
) -> bytes:
    """The unsigned licence PDF. Names for permit types and scope items come from the matter
    standard; without them the built-in permit names and the raw scope ids are shown."""
    _register_font()
    out = io.BytesIO()
    # invariant: no wall clock and no random document id; the dates are the licence's issue time.
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=True,
                    initialFontName=FONT)  # no unembedded Helvetica
    stamp = payload.issued_at.strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_: stamp)
    canvas.setTitle(f"营业执照 {payload.name}")
    canvas.setAuthor(authority_name)
    canvas.setSubject(f"统一社会信用代码 {payload.uscc}")
    canvas.setCreator("Yima")
    _draw_frame(canvas)
    _draw_head(canvas, payload, qr_png)
    bottom_of_fields = _draw_fields(canvas, payload, scope_names or {})
    type_names = {**PERMIT_TYPE_NAMES, **(permit_type_names or {})}
    _draw_permits(canvas, payload.permits, type_names, bottom_of_fields)
    _draw_authority(canvas, payload, authority_name)
    if payload.status is not EnterpriseStatus.ACTIVE:
        _draw_not_in_force(canvas, payload)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(cjk_font_path()), subfontIndex=0))


def _draw_frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(_BORDER)
    canvas.setLineWidth(3)
    canvas.rect(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
    canvas.setLineWidth(0.8)
    inset = MARGIN + 6
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset)


def _draw_head(canvas: Canvas, payload: LicencePayload, qr_png: bytes) -> None:
    left = MARGIN + 30
    top = PAGE_HEIGHT - MARGIN - 34
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 11)
    canvas.drawString(left, top, "统一社会信用代码")
    canvas.setFont(FONT, 15)
    canvas.drawString(left, top - 22, payload.uscc)
    # The national emblem (国徽) area, top centre, roughly y = 495..565, is deliberately left blank.
    title, size, spacing = "营业执照", 46.0, 22.0
    width = pdfmetrics.stringWidth(title, FONT, size) + spacing * (len(title) - 1)
    text = canvas.beginText(PAGE_WIDTH / 2 - width / 2, PAGE_HEIGHT - 150)
    text.setFont(FONT, size)
    text.setCharSpace(spacing)
    text.textOut(title)
    text.setCharSpace(0)
    # ActualText (ISO 32000-1 §14.9.4) makes copy, search and pdftotext read 营业执照, not 营 业 执 照.
    canvas.addLiteral(f"/Span <</ActualText <FEFF{title.encode('utf-16-be').hex().upper()}>>> BDC")
    canvas.drawText(text)
    canvas.addLiteral("EMC")

    qr_size = 112.0
    qr_x = PAGE_WIDTH - MARGIN - 30 - qr_size
    qr_y = PAGE_HEIGHT - MARGIN - 22 - qr_size
    canvas.drawImage(ImageReader(_grey(qr_png)), qr_x, qr_y, qr_size, qr_size)
    canvas.setFont(FONT, 8.5)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 11, QR_CAPTION)


def _grey(png: bytes) -> Image.Image:
    """The picture in 8-bit grey: ReportLab turns any other mode into RGB, three times the pixels
    to compress for a black-and-white code that looks the same."""
    with Image.open(io.BytesIO(png)) as picture:
        return picture.convert("L")


def _draw_fields(canvas: Canvas, payload: LicencePayload, scope_names: Mapping[str, str]) -> float:
    """Two columns of particulars; returns the lowest y they reach."""
    top = PAGE_HEIGHT - 190
    budget = 180.0
    scope = [scope_names.get(item, item) for item in payload.scope]

    def left_rows(shown: int) -> list[tuple[str, str]]:
        text = "；".join(scope[:shown])
        if shown < len(scope):
            text += f"……等{len(scope)}项（完整经营范围见二维码）"
        return [
            ("名称", payload.name),
            ("类型", payload.entity_type),
            ("法定代表人", payload.legal_representative),
            ("经营范围", text),
        ]

    right_rows = [
        ("注册资本", _capital(payload.registered_capital)),
        ("成立日期", _chinese_date(payload.established_on)),
        # Yima registers enterprises for an unlimited term (长期), as most 营业执照 read today.
        ("营业期限", f"{_chinese_date(payload.established_on)}至长期"),
        ("住所", payload.domicile),
        ("经营场所", "；".join(payload.business_sites) or "同住所"),
    ]
    left_width, right_width = 330.0, 310.0
    shown = _most_that_fit(len(scope), lambda n: _fit(_field_table, left_rows(n), left_width, budget))
    left_size = _fitting_size(_field_table, left_rows(shown), left_width, budget)
    right_size = _fitting_size(_field_table, right_rows, right_width, budget)
    size = min(left_size or 7.0, right_size or 7.0)  # both columns in one size
    left = _field_table(left_rows(shown), left_width, size)
    right = _field_table(right_rows, right_width, size)
    _, left_h = left.wrap(left_width, budget)
    _, right_h = right.wrap(right_width, budget)
    left.drawOn(canvas, MARGIN + 40, top - left_h)
    right.drawOn(canvas, PAGE_WIDTH / 2 + 20, top - right_h)
    return top - max(left_h, right_h)


def _field_table(rows: Sequence[tuple[str, str]], width: float, size: float) -> Table:
    label_style = ParagraphStyle("label", fontName=FONT, fontSize=size, leading=size * 1.45)
    value_style = ParagraphStyle("value", parent=label_style, wordWrap="CJK")
    label_width = size * 5 + 10
    data = [[_SpacedLabel(label, size), Paragraph(escape(value), value_style)] for label, value in rows]
    table = Table(data, colWidths=[label_width, width - label_width])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.55),
    ]))
    return table


def _draw_permits(
    canvas: Canvas, permits: Sequence[PermitEntry], type_names: Mapping[str, str], top: float
) -> None:
    """Full width above the seal region when that fits at a readable size; otherwise narrower,
    beside the seal, down to the footer; permits that still do not fit are counted, not drawn."""
    left = MARGIN + 40
    canvas.setFont(FONT, 12)
    canvas.setFillColor(colors.black)
    canvas.drawString(left, top - 16, "许可信息")
    if not permits:
        canvas.setFont(FONT, 10)
        canvas.drawString(left + 70, top - 16, "无")
        return
    table_top = top - 24
    wide, wide_height = PAGE_WIDTH - 2 * left, table_top - (STAMP_BOX[3] + 8)
    narrow, narrow_height = STAMP_BOX[0] - 90 - left, table_top - (MARGIN + 30)
    table = _fit(_permit_table, _PermitRows(permits, type_names, 0), wide, wide_height, smallest=8.5)
    width, height = wide, wide_height
    if table is None:
        width, height = narrow, narrow_height

        def rows(n: int) -> _PermitRows:
            return _PermitRows(permits[:n], type_names, len(permits) - n)

        shown = _most_that_fit(len(permits), lambda n: _fit(_permit_table, rows(n), width, height))
        table = _fit(_permit_table, rows(shown), width, height) or _permit_table(rows(0), width, 7)
    _, needed = table.wrap(width, height)
    table.drawOn(canvas, left, table_top - needed)


class _SpacedLabel(Flowable):
    """A field label spread over four characters' width (名　　称), as on the printed licence;
    Paragraph would collapse the ideographic spaces."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.text, self.size = text, size
        self.span = size * max(4, len(text))

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.span, self.size * 1.45

    def draw(self) -> None:
        widths = [pdfmetrics.stringWidth(ch, FONT, self.size) for ch in self.text]
        gap = (self.span - sum(widths)) / (len(self.text) - 1) if len(self.text) > 1 else 0.0
        self.canv.setFont(FONT, self.size)
        x, baseline = 0.0, self.size * 1.45 - self.size  # baseline as a Paragraph's first line
        for ch, width in zip(self.text, widths, strict=True):
            self.canv.drawString(x, baseline, ch)
            x += width + gap


class _PermitRows(NamedTuple):
    permits: Sequence[PermitEntry]
    type_names: Mapping[str, str]
    left_out: int


def _permit_table(content: _PermitRows, width: float, size: float) -> Table:
    permits, type_names, left_out = content
    style = ParagraphStyle("permit", fontName=FONT, fontSize=size, leading=size * 1.3, wordWrap="CJK")
    head = ParagraphStyle("permit-head", parent=style, textColor=_GREY)
    header = [Paragraph(t, head) for t in ("许可类型", "许可证编号", "许可项目", "有效期限", "状态")]
    rows: list[list[Flowable | str]] = [header]
    for permit in permits:
        until = _chinese_date(permit.valid_to) if permit.valid_to else "长期"
        rows.append([
            Paragraph(escape(type_names.get(permit.type, permit.type)), style),
            Paragraph(escape(permit.number), style),
            Paragraph(escape("、".join(permit.items)), style),
            Paragraph(f"{_chinese_date(permit.valid_from)}至{until}", style),
            Paragraph(PERMIT_STATUS_NAMES[permit.status], style),
        ])
    commands: list[tuple[object, ...]] = []
    if left_out:
        note = f"另有{left_out}项许可未能列出，请扫描二维码查看"
        rows.append([Paragraph(note, style), "", "", "", ""])
        commands.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
    fractions = (0.21, 0.22, 0.25, 0.23, 0.09)
    table = Table(rows, colWidths=[width * f for f in fractions], repeatRows=1)
    table.setStyle(TableStyle([
        *commands,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, _GREY),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _draw_authority(canvas: Canvas, payload: LicencePayload, authority_name: str) -> None:
    cx, cy = STAMP_CENTRE
    canvas.setStrokeColor(_STAMP)
    canvas.setLineWidth(0.8)
    canvas.setDash(3, 3)
    canvas.circle(cx, cy, STAMP_RADIUS)
    canvas.setDash()
    right = PAGE_WIDTH - MARGIN - 30
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 12)
    canvas.drawString(STAMP_BOX[0] - 62, cy - 4, "登记机关")
    canvas.setFont(FONT, 10.5)
    canvas.drawRightString(right, MARGIN + 16, _chinese_date(local_date(payload.issued_at)))
    name_size = 11.0
    while name_size > 7 and pdfmetrics.stringWidth(authority_name, FONT, name_size) > 300:
        name_size -= 0.5
    canvas.setFont(FONT, name_size)
    canvas.drawRightString(right, MARGIN + 33, authority_name)
    canvas.setFont(FONT, 7)
    canvas.setFillColor(_GREY)
    canvas.drawString(
        MARGIN + 40, MARGIN + 14,
        f"签发区 {payload.zone} · 第 {payload.version} 版 · 签发时间 "
        f"{china_time(payload.issued_at):%Y-%m-%d %H:%M} 北京时间 · 二维码经数字签名，可离线核验",
    )


def _draw_not_in_force(canvas: Canvas, payload: LicencePayload) -> None:
    """A licence signed after revocation or cancellation says so on its face: the status across the
    page in red, and the sentence under the title, so that no printout passes for one in force."""
    word, sentence = NOT_IN_FORCE[payload.status]
    canvas.saveState()
    canvas.setFillColor(_STAMP)
    canvas.setFont(FONT, 15)
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 180, sentence.format(day=_chinese_date(
        local_date(payload.issued_at))))
    canvas.setFillAlpha(0.22)
    canvas.setStrokeColor(_STAMP)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2 - 40)
    canvas.rotate(24)
    canvas.setFont(FONT, 120)
    canvas.drawCentredString(0, -40, word)
    canvas.restoreState()


def _fit(
    build: Callable[[T, float, float], Table], content: T, width: float, height: float, smallest: float = 7.0
) -> Table | None:
    """The table built at the largest font size from 11 pt down to ``smallest`` that fits, or None
    (the table the search built, not a second one)."""
    size = 11.0
    while size >= smallest:
        table = build(content, width, size)
        _, needed = table.wrap(width, height)
        if needed <= height:
            return table
        size -= 0.5
    return None


def _fitting_size(
    build: Callable[[T, float, float], Table], content: T, width: float, height: float, smallest: float = 7.0
) -> float | None:
    size = 11.0
    while size >= smallest:
        _, needed = build(content, width, size).wrap(width, height)
        if needed <= height:
            return size
        size -= 0.5
    return None


def _most_that_fit(total: int, fits: Callable[[int], Table | None]) -> int:
    """The largest n in 0..total for which ``fits(n)`` gives a table (more content never fits better)."""
    low, high = 0, total
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle) is not None:
            low = middle
        else:
            high = middle - 1
    return low


def _capital(amount: Decimal) -> str:
    wan = (amount / Decimal(10000)).normalize()
    text = f"{wan:,f}"
    return f"人民币{text}万元"


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"
