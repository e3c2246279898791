"""Cells of every spreadsheet and CSV export: formula-safe, and never an illegal XML character.

Every workbook cell Yima writes goes through ``put_cell`` or ``append_row`` (``openpyxl``), every
CSV export through ``csv_cell``; a text a person typed (a suggestion's title, a zone name in a query) is data, never
a formula, and never breaks the file:

* A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be a formula
  (or start one) in Excel, WPS or LibreOffice (OWASP "CSV injection"). In a workbook it is
  written as a string cell with Excel's *quote prefix* (shown as typed, never evaluated, not even
  after an edit); in a CSV file it gets a leading ``'``, the only marker CSV has.
* Characters XML 1.0 does not allow (C0 controls other than tab, line feed and carriage return;
  U+FFFE, U+FFFF; lone surrogates) would make ``openpyxl`` raise ``IllegalCharacterError`` and the
  whole export fail. Input refuses them (``yima.textcheck``); text stored before that rule is
  written with each such character replaced by U+FFFD (�), so it shows where one was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REPLACEMENT = "\ufffd"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 refuses replaced by U+FFFD."""
    return _ILLEGAL_XML.sub(REPLACEMENT, text)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as (the start of) a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value for a CSV export: texts XML-safe and, when formula-like, prefixed with ``'``."""
    if not isinstance(value, str):
        return value
    text = xml_safe(value)
    return "'" + text if is_formula_like(text) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV export: UTF-8 with a byte-order mark (so Excel and WPS read Chinese right), the
    ``header`` then ``rows``, every cell through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell("" if value is None else value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def put_cell(cell: Any, value: Any) -> None:
    """Write ``value`` into an ``openpyxl`` cell; a text always as text (never a formula), XML-safe."""
    if isinstance(value, str):
        value = xml_safe(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True


def append_row(sheet: Any, values: Iterable[Any]) -> int:
    """Append ``values`` as the next row of an ``openpyxl`` worksheet, every text as text: the
    row's number."""
    cleaned = [xml_safe(v) if isinstance(v, str) else v for v in values]
    sheet.append(cleaned)
    row: int = sheet.max_row
    for column, value in enumerate(cleaned, start=1):
        if isinstance(value, str) and is_formula_like(value):
            cell = sheet.cell(row=row, column=column)
            cell.data_type = "s"
            cell.quotePrefix = True
    return row
