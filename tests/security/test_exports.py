"""Export cells: formula-like text stays text, illegal XML characters never break a file."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from yima.exports import append_row, csv_cell, xml_safe

ATTACKS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_written_as_text(text):
    book = Workbook()
    sheet = book.active
    row = append_row(sheet, [text, 5, -5, None, "plain"])
    out = io.BytesIO()
    book.save(out)
    read = load_workbook(io.BytesIO(out.getvalue())).active
    cell = read.cell(row=row, column=1)
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.strip() == text.strip()
    assert read.cell(row=row, column=3).value == -5 and read.cell(row=row, column=3).data_type == "n"
    assert not read.cell(row=row, column=5).quotePrefix
    assert csv_cell(text) == "'" + text


def test_illegal_characters_are_replaced_not_fatal():
    book = Workbook()
    append_row(book.active, ["a\x01b\x0bc\ufffe", "tab\tand\nline"])
    out = io.BytesIO()
    book.save(out)
    read = load_workbook(io.BytesIO(out.getvalue())).active
    assert read["A1"].value == "a\ufffdb\ufffdc\ufffd" and read["B1"].value == "tab\tand\nline"
    assert xml_safe("中文") == "中文" and csv_cell(7) == 7 and csv_cell("a\x00") == "a\ufffd"
