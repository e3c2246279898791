"""The figures as an Excel workbook (Office Open XML, openpyxl): figures, industry structure,
monthly trend and approval times, each a sheet with bilingual headings and numeric cells."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from yima.exports import append_row
from yima.stats.briefing import figure_rows, section_names, yuan_100m
from yima.stats.rules import SECTOR_NAMES, ZoneFigures, share_pct

HEAD_FILL = PatternFill("solid", fgColor="C8161D")
HEAD_FONT = Font(bold=True, color="FFFFFF")
PCT = "0.00"


def _sheet(book: Workbook, title: str, heading: list[str], widths: list[int]) -> Worksheet:
    sheet = book.create_sheet(title)
    append_row(sheet, heading)
    for cell in sheet[1]:
        cell.fill, cell.font = HEAD_FILL, HEAD_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def figures_workbook(f: ZoneFigures) -> bytes:
    book = Workbook()
    for blank in list(book.worksheets):  # the sheet a new workbook starts with
        book.remove(blank)
    sheet = _sheet(book, "指标 Figures", ["指标", "Figure", "数值 Value", "单位 Unit", "上年同期 Year earlier",
                                          "同比增长% Growth %"], [30, 36, 16, 12, 18, 16])
    for row in figure_rows(f):
        append_row(sheet, [row.zh, row.en, row.value, row.unit_zh, row.year_earlier,
                      None if row.growth_pct is None else round(row.growth_pct, 2)])
    append_row(sheet, [])
    append_row(sheet, ["开发区", "Zone", f.zone_name, f.zone_id])
    append_row(sheet, ["统计期", "Period", f.period.start.isoformat(), f.period.end.isoformat()])
    append_row(sheet, ["常住人口", "Residents", f.residents, "人"])

    sheet = _sheet(book, "产业结构 Industry", ["产业/门类", "Sector / section", "内资企业 Enterprises",
                                               "占比% Share %"], [30, 30, 20, 14])
    sectors = f.domestic_by_sector
    for sector in (1, 2, 3):
        zh, en = SECTOR_NAMES[sector]
        append_row(sheet, [zh, en, sectors.count(sector), _round(sectors.share_pct(sector))])
    append_row(sheet, ["合计", "Total", sectors.total, 100.0 if sectors.total else None])
    append_row(sheet, [])
    names = section_names()
    for section, count in f.domestic_by_section.items():
        append_row(sheet, [f"{section} {names.get(section, '')}", f"Section {section}", count,
                      _round(share_pct(count, f.domestic_active))])

    sheet = _sheet(book, "月度趋势 Monthly", ["月份 Month", "新增内资企业 New domestic", "注册资本（亿元）Capital",
                                              "上年同月 Year earlier", "上年同月资本（亿元）Capital year earlier",
                                              "新增市场主体 New market entities"], [12, 18, 20, 18, 24, 22])
    for m in f.monthly:
        append_row(sheet, [m.month, m.new_domestic, round(yuan_100m(m.new_domestic_capital), 4),
                           m.new_domestic_year_earlier, round(yuan_100m(m.new_domestic_capital_year_earlier), 4),
                           m.new_market_entities])

    sheet = _sheet(book, "审批时间 Approval", ["事项", "Matter", "批准件数 Approved", "中位数（小时）Median h",
                                               "平均（小时）Mean h", "法定时限（天）Limit days", "时限内% Within %"],
                   [14, 16, 16, 18, 16, 18, 14])
    for t in f.approval_times:
        append_row(sheet, [t.name_zh, t.name_en, t.approved, _round(t.median_hours, 4), _round(t.mean_hours, 4),
                      t.statutory_days, _round(t.within_limit_pct)])
    for ws in book.worksheets:
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, float):
                    cell.number_format = PCT if abs(cell.value) < 1e6 else "#,##0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)
