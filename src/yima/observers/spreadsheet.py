"""The ledger (台账) as an xlsx workbook in the layout of a government ledger: 序号, 提出人, 领域,
问题, 承办部门, 时限, 办理情况, 满意度 — one row per suggestion the reader may see, drafts never shown."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from yima.observers import rules
from yima.observers.calendar import official_calendar
from yima.observers.views import label

HEADERS = ("序号", "提出人", "领域", "问题", "承办部门", "时限", "办理情况", "满意度")
WIDTHS = (6, 16, 10, 48, 20, 26, 48, 12)


def deadline_text(row: dict[str, Any]) -> str:
    if not row["due_on"]:
        return ""
    text = f"{row['due_on']}（{row['working_days']}个工作日）"
    if row["overdue"]:
        text += f" 已逾期{row['days_overdue']}天"
    return text


def progress_text(row: dict[str, Any]) -> str:
    state = label(rules.STATES, row["state"], "zh")
    if row["state"] == "merged":
        return f"{state}：并入第 {row['merged_into']} 号建议"
    published = [r for r in row["replies"] if r["published"]]
    if not published:
        return state
    last = published[-1]
    timing = "按时答复" if last["on_time"] else "逾期答复"
    return f"{state}（第{last['round']}次答复，{timing}）：{last['text']}"


def ledger_workbook(rows: list[dict[str, Any]], title: str, now: datetime) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(HEADERS))
    thin = Side(style="thin", color="999999")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for number, row in enumerate(rows, start=1):
        department = row["department"] or ""
        sheet.append([number, row["observer"], label(rules.CATEGORIES, row["category"], "zh"),
                      f"{row['title']}：{row['text']}", department, deadline_text(row), progress_text(row),
                      label(rules.RATINGS, row["rating"], "zh")])
        if row["overdue"]:
            sheet.cell(row=sheet.max_row, column=6).font = Font(color="C00000", bold=True)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.row is not None and cell.row > 2:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A3"
    sheet.append([])
    sheet.append([f"导出时间 {now:%Y-%m-%d %H:%M} UTC；"
                  f"时限按中国法定节假日和调休安排计算（{official_calendar().version()}）"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
