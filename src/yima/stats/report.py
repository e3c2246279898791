"""The printable zone report (PDF): the briefing in sentences and tables, with charts.

Drawn with ReportLab; Chinese text uses the TrueType CJK font found by ``yima.fonts`` (WenQuanYi
Zen Hei, the first face of its .ttc). Charts are ReportLab graphics: new domestic enterprises by
month against the same month a year earlier (bars), and the three industries (pie).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yima.clock import CHINA
from yima.fonts import cjk_font_path
from yima.stats.briefing import briefing_zh, duration_zh, figure_rows, pct
from yima.stats.rules import SECTOR_NAMES, ZoneFigures

FONT = "YimaCJK"
RED = colors.HexColor("#C8161D")
GREY = colors.HexColor("#9CA3AF")
SECTOR_COLOURS = (colors.HexColor("#65A30D"), colors.HexColor("#2563EB"), colors.HexColor("#C8161D"))


@lru_cache(maxsize=1)
def register_font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(cjk_font_path()), subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK", firstLineIndent=21,
                          spaceAfter=6)
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER, textColor=RED,
                                spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=10, leading=15, alignment=TA_CENTER,
                                   textColor=colors.HexColor("#4B5563"), spaceAfter=10),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1),
        "body": body,
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK"),
        "caption": ParagraphStyle("caption", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER,
                                  textColor=colors.HexColor("#4B5563"), spaceAfter=8),
    }


def _table(rows: list[list[object]], widths: list[float], styles: dict[str, ParagraphStyle]) -> Table:
    cells = [[Paragraph(str(v), styles["cell"]) if isinstance(v, str) else v for v in row] for row in rows]
    table = Table(cells, colWidths=widths, hAlign="CENTER")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F3F4F6")),
        ("LINEABOVE", (0, 0), (-1, 0), 1, RED), ("LINEBELOW", (0, -1), (-1, -1), 1, RED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, GREY), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]))
    return table


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def monthly_chart(f: ZoneFigures, width: float = 160 * mm, height: float = 62 * mm) -> Drawing:
    font = register_font()
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 34, 28, width - 50, height - 52
    chart.data = [[m.new_domestic for m in f.monthly], [m.new_domestic_year_earlier for m in f.monthly]]
    chart.categoryAxis.categoryNames = [f"{int(m.month[5:])}月" for m in f.monthly]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E5E7EB")
    chart.valueAxis.visibleGrid = True
    chart.bars[0].fillColor, chart.bars[1].fillColor = RED, GREY
    chart.bars.strokeColor = None
    chart.barSpacing, chart.groupSpacing = 1, 6
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 150, height - 6
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 70
    legend.colorNamePairs = [(RED, f"{f.period.end.year}年"), (GREY, f"{f.period.end.year - 1}年同期")]
    drawing.add(legend)
    drawing.add(String(0, height - 10, "新增内资企业（户）", fontName=font, fontSize=9))
    return drawing


def sector_chart(f: ZoneFigures, width: float = 160 * mm, height: float = 58 * mm) -> Drawing:
    font = register_font()
    drawing = Drawing(width, height)
    s = f.domestic_by_sector
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = width / 2 - (height - 20) - 30, 8, height - 20, height - 20
    pie.data = [s.tertiary, s.secondary, s.primary] if s.total else [1]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 1
    for i, colour in enumerate((SECTOR_COLOURS[2], SECTOR_COLOURS[1], SECTOR_COLOURS[0])):
        if i < len(pie.data):
            pie.slices[i].fillColor = colour
    drawing.add(pie)
    legend = Legend()
    legend.x, legend.y = width / 2 + 10, height - 18
    legend.alignment = "right"
    legend.fontName, legend.fontSize = font, 9
    legend.dy, legend.deltay = 8, 16
    legend.colorNamePairs = [
        (SECTOR_COLOURS[sector - 1], f"{SECTOR_NAMES[sector][0]} {s.count(sector)}户（{pct(s.share_pct(sector))}）")
        for sector in (3, 2, 1)]
    drawing.add(legend)
    return drawing


def _footer(generated: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#6B7280"))
        canvas.drawString(20 * mm, 12 * mm, f"一码（Yima）根据登记记录计算生成 · {generated}")
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, f"第 {doc.page} 页")
        canvas.restoreState()
    return draw


def figures_report_pdf(f: ZoneFigures, generated_at: datetime) -> bytes:
    """The report of one zone and period, as PDF bytes."""
    st = _styles()
    paras = briefing_zh(f)
    base = f.base_period
    story: list[Flowable] = [
        Paragraph(f"{f.zone_name}市场主体发展情况", st["title"]),
        Paragraph(f"统计期：{f.period.start.isoformat()} 至 {f.period.end.isoformat()}　同比期："
                  f"{base.start.isoformat()} 至 {base.end.isoformat()}　常住人口：{f.residents}人", st["subtitle"]),
        Paragraph("一、市场主体发展", st["h2"]), Paragraph(paras[0], st["body"]),
    ]
    rows: list[list[object]] = [["指标", "本期", "单位", "上年同期", "增长"]]
    for row in figure_rows(f):
        rows.append([row.zh, _number(row.value), row.unit_zh, _number(row.year_earlier),
                     pct(row.growth_pct) if row.growth_pct is not None else ""])
    story += [_table(rows, [62 * mm, 30 * mm, 16 * mm, 30 * mm, 22 * mm], st), Spacer(1, 6),
              KeepTogether([monthly_chart(f), Paragraph("图1　新增内资企业月度走势（与上年同月比较）", st["caption"])]),
              Paragraph("二、产业结构", st["h2"]), Paragraph(paras[1], st["body"]),
              KeepTogether([sector_chart(f), Paragraph("图2　内资企业三次产业结构", st["caption"])]),
              Paragraph("三、登记办件与审批效率", st["h2"]), Paragraph(paras[2], st["body"])]
    if f.approval_times:
        timing: list[list[object]] = [["事项", "批准件数", "用时中位数", "平均用时", "法定时限（天）",
                                       "时限内办结"]]
        for t in f.approval_times:
            timing.append([t.name_zh, _number(t.approved), duration_zh(t.median_hours or 0),
                           duration_zh(t.mean_hours or 0), str(t.statutory_days), pct(t.within_limit_pct)])
        story.append(_table(timing, [26 * mm, 22 * mm, 32 * mm, 30 * mm, 28 * mm, 22 * mm], st))
    story += [Paragraph("四、改革成效", st["h2"]), Paragraph(paras[3], st["body"])]
    buffer = io.BytesIO()
    generated = generated_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=20 * mm,
                            title=f"{f.zone_name}市场主体发展情况 {f.period.start}—{f.period.end}",
                            author="Yima 一码", subject="Zone report / 开发区市场主体统计简报")
    footer = _footer(generated)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
