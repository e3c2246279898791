"""CSV files as offices write them (pure): the text of the file, and dates and numbers as Chinese
Excel and WPS write them.

* **Encoding.** UTF-8, with or without a byte-order mark, or GBK (what Excel on a Chinese Windows
  saves as "CSV"). A file is read as UTF-8 when it decodes as UTF-8; otherwise, unless its valid
  part already holds UTF-8 Chinese (then it is a UTF-8 file with a broken byte), as GBK. A file
  that is neither is refused naming the line of the first byte that cannot be read, counted in the
  file itself (not in a reader's buffer).
* **Dates.** ``2026-01-05``, ``2026/1/5``, ``2026-1-5`` and ``2026.1.5``, optionally followed by a
  midnight time (``2026/1/5 0:00``, what Excel writes for a date cell formatted as a date and
  time). A date in one of these forms that does not exist (``2026-02-30``) is "no such date",
  its own rule, not a format error.
* **Numbers.** ``1000000``, ``1,000,000`` and ``1,000,000.50`` (thousands separators only in
  groups of three), ``1.5E+09``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from yima.errors import DomainError

BOM = b"\xef\xbb\xbf"
_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:\s+0{1,2}:00(?::00)?)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


class ValueProblem(Exception):
    """A cell that is not a date or a number: ``rule`` (``format`` or ``no_such_date``) and words."""

    def __init__(self, kind: str, zh: str, en: str) -> None:
        super().__init__(kind)
        self.kind, self.zh, self.en = kind, zh, en


def _line_of(content: bytes, position: int) -> int:
    return content.count(b"\n", 0, position) + 1


def _unreadable(line: int, detail: str) -> DomainError:
    return DomainError("import.file_format", "file",
                       f"第{line}行无法读取：文件须为 UTF-8 或 GBK 编码的 CSV（{detail}）",
                       f"Line {line} cannot be read: the file must be CSV in UTF-8 or GBK ({detail})")


def decode_csv(content: bytes) -> tuple[str, str]:
    """The file's text and its encoding (``utf-8`` or ``gbk``), or ``import.file_format`` naming
    the line of the first byte that cannot be read."""
    if content.startswith(BOM):
        try:
            return content[len(BOM):].decode("utf-8"), "utf-8"
        except UnicodeDecodeError as err:
            raise _unreadable(_line_of(content, err.start + len(BOM)), "UTF-8") from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    if any(byte >= 0x80 for byte in content[:utf8_error.start]):  # valid UTF-8 Chinese before the break
        raise _unreadable(_line_of(content, utf8_error.start), "UTF-8")
    try:
        return content.decode("gbk"), "gbk"
    except UnicodeDecodeError as err:
        raise _unreadable(_line_of(content, err.start), "GBK") from None


def parse_day(value: str) -> date:
    """A date as a person or a spreadsheet writes it (see the module), or ``ValueProblem``."""
    found = _DATE.fullmatch(value.strip())
    if found is None:
        raise ValueProblem("format", f"日期“{value[:40]}”须写作 YYYY-MM-DD 或 YYYY/M/D",
                           f"The date '{value[:40]}' must be written YYYY-MM-DD or YYYY/M/D")
    year, month, day = int(found[1]), int(found[3]), int(found[4])
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem("no_such_date", f"没有这一天：{year}年{month}月{day}日",
                           f"There is no such date: {year}-{month:02d}-{day:02d}") from None


def parse_number(value: str) -> Decimal:
    """A number as a person or a spreadsheet writes it (see the module), or ``ValueProblem``."""
    text = value.strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or "," in text or not number.is_finite():
        raise ValueProblem("format", f"“{value[:40]}”不是数字", f"'{value[:40]}' is not a number")
    return number
