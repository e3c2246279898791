"""The ledger (台账) as an xlsx workbook in the layout of a government ledger: one row per
suggestion in the ledger (never one not yet accepted into it), under its ledger number (台账编号,
the same whatever the filter), with the dates of submission, acceptance, assignment, the deadline
as assigned, each extension with its reason and dates, the deadline in force, the reply and the
rating (the ledger's word and the score on the five-level scale). Drafts and internal notes are
never in it.

Formula-safe: every cell written from a record is a plain string cell (or a date or a number the
export itself makes), so a text that begins with ``=``, ``+``, ``-`` or ``@`` is shown, never
evaluated.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from yima.clock import china_time, local_date
from yima.exports import put_cell
from yima.observers import rules
from yima.observers.calendar import official_calendar
from yima.observers.states import ExtensionState, SuggestionState
from yima.observers.suggestionview import ReplyView, SuggestionView
from yima.observers.views import label
from yima.satisfaction import SCORES

HEADERS = ("台账编号", "提出人", "领域", "问题", "提交日期", "纳入台账日期", "承办部门", "交办日期", "原定时限",
           "延期（工作日·理由·申请日·批准日）", "现行时限", "答复日期", "是否按时", "办理情况", "满意度", "评分",
           "评价日期")
WIDTHS = (11, 16, 10, 48, 12, 12, 20, 12, 14, 34, 22, 12, 10, 48, 12, 14, 12)


def _day(value: str | None) -> date | None:
    """The China Standard Time day of a stored instant (ISO text)."""
    return local_date(datetime.fromisoformat(value)) if value else None


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def deadline_text(row: SuggestionView) -> str:
    if not row.due_on:
        return ""
    text = f"{row.due_on}"
    if row.due_provisional:
        text += "（暂定：该年节假日安排尚未收录，按周末推算）"
    if row.overdue:
        text += f" 已逾期{row.days_overdue}天"
    return text


def extension_text(row: SuggestionView) -> str:
    extension = row.extension
    if not extension:
        return ""
    words: dict[str, str] = {ExtensionState.REQUESTED: "待审批", ExtensionState.GRANTED: "已批准",
                             ExtensionState.REFUSED: "不同意"}
    state = words.get(extension.state or "", "")
    parts = [f"{extension.working_days}个工作日（{state}）", f"理由：{extension.reason}"]
    if extension.requested_on:
        parts.append(f"申请 {extension.requested_on}")
    if extension.decided_on:
        parts.append(f"{'批准' if extension.state == ExtensionState.GRANTED else '决定'} {extension.decided_on}")
    if extension.note:
        parts.append(f"意见：{extension.note}")
    return "；".join(parts)


def progress_text(row: SuggestionView) -> str:
    state = label(rules.STATES, row.state, "zh")
    if row.state == SuggestionState.MERGED:
        return f"{state}：并入第 {row.merged_into_code or row.merged_into} 号"
    if row.state == SuggestionState.DECLINED:
        return f"{state}：{row.decline_reason}"
    last = _last_published(row)
    if last is None:
        return state
    timing = "按时答复" if last.on_time else "逾期答复"
    return f"{state}（第{last.round}次答复，{timing}）：{last.text}"


def _last_published(row: SuggestionView) -> ReplyView | None:
    published = [r for r in row.replies if r.published]
    return published[-1] if published else None


def _put(cell: Cell | MergedCell, value: object) -> None:
    """A value into a cell; text always as a string cell, never a formula (``yima.exports``)."""
    put_cell(cell, value)
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"


def ledger_row(row: SuggestionView) -> list[object]:
    reply = _last_published(row)
    rated = next((r for r in reversed(row.replies) if r.rating), None)
    return [row.ledger_code or "", row.observer, label(rules.CATEGORIES, row.category, "zh"),
            f"{row.title}：{row.text}", _day(row.submitted_at), _day(row.accepted_at),
            row.department or "", _iso(row.assigned_on), _iso(row.original_due_on or row.due_on),
            extension_text(row), deadline_text(row), _day(reply.published_at) if reply else None,
            ("是" if reply.on_time else "否") if reply else "", progress_text(row),
            label(rules.RATINGS, rated.rating if rated else None, "zh"), score_text(rated),
            _day(rated.rated_at) if rated else None]


def score_text(rated: ReplyView | None) -> str:
    """The rating on the one five-level scale (好差评), beside the ledger's word: "5 非常满意"."""
    if rated is None or rated.score is None:
        return ""
    return f"{rated.score} {SCORES[rated.score][0]}"


def ledger_workbook(rows: list[SuggestionView], title: str, now: datetime) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    _put(sheet.cell(row=1, column=1), title)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for column, header in enumerate(HEADERS, start=1):
        _put(sheet.cell(row=2, column=column), header)
    thin = Side(style="thin", color="999999")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    line = 2
    for row in rows:
        if not row.ledger_no:
            continue  # not in the ledger yet
        line += 1
        for column, value in enumerate(ledger_row(row), start=1):
            _put(sheet.cell(row=line, column=column), value)
        if row.overdue:
            sheet.cell(row=line, column=11).font = Font(color="C00000", bold=True)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for cells in sheet.iter_rows(min_row=2, max_row=line):
        for cell in cells:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.row is not None and cell.row > 2:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A3"
    _put(sheet.cell(row=line + 2, column=1),
         f"导出时间 {china_time(now):%Y-%m-%d %H:%M}（北京时间）；"
         f"时限按中国法定节假日和调休安排计算（{official_calendar().version()}）；"
         "是否按时以答复到期时有效的期限为准（逾期后批准的延期不计）")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
