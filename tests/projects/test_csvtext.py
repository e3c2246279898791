"""CSV files as offices write them (no database): UTF-8 with or without a byte-order mark and GBK,
the line of a byte that cannot be read, dates and numbers as Chinese Excel writes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yima.csvtext import ValueProblem, decode_csv, parse_day, parse_number
from yima.errors import DomainError

TEXT = "code,name\nP1,云端数据中心\nP2,新材料基地\n"


def test_utf8_with_or_without_a_byte_order_mark_and_gbk_are_read():
    assert decode_csv(TEXT.encode("utf-8")) == (TEXT, "utf-8")
    assert decode_csv(b"\xef\xbb\xbf" + TEXT.encode("utf-8")) == (TEXT, "utf-8")
    assert decode_csv(TEXT.encode("gbk")) == (TEXT, "gbk")


@pytest.mark.parametrize(("content", "line"), [
    ("code,name\nP1,云端\nP2,新材料\n".encode() + b"P3,\xff\xfe\n", 4),  # UTF-8 Chinese, then a broken byte
    (b"code,name\nP1,abc\nP2,abc\nP3,\x81\n", 4),  # GBK's lead byte with no second byte
    (b"\xef\xbb\xbfcode,name\nP1,ok\nP2,\xc3\n", 3),  # a byte-order mark says UTF-8
])
def test_a_byte_that_cannot_be_read_is_refused_at_its_own_line(content, line):
    with pytest.raises(DomainError) as refused:
        decode_csv(content)
    assert refused.value.finding.rule == "import.file_format"
    assert f"第{line}行" in refused.value.finding.zh and f"Line {line} " in refused.value.finding.en


@pytest.mark.parametrize("written", ["2026-01-05", "2026/1/5", "2026-1-5", "2026.01.05", "2026/1/5 0:00",
                                     " 2026/01/05 00:00:00 "])
def test_dates_as_excel_writes_them(written):
    assert parse_day(written) == date(2026, 1, 5)


def test_a_date_that_does_not_exist_is_not_a_format_error():
    with pytest.raises(ValueProblem) as missing:
        parse_day("2026-02-30")
    assert missing.value.kind == "no_such_date" and "2026-02-30" in missing.value.en
    for wrong in ("2026-1", "5/1/2026", "2026/1/5 9:30", "明天", "2026/01-05"):
        with pytest.raises(ValueProblem) as bad:
            parse_day(wrong)
        assert bad.value.kind == "format", wrong


@pytest.mark.parametrize(("written", "number"), [("1000000", "1000000"), ("1,000,000", "1000000"),
                                                 ("1,000,000.50", "1000000.50"), ("250000000.5", "250000000.5"),
                                                 ("1.5E+09", "1500000000")])
def test_numbers_as_excel_writes_them(written, number):
    assert parse_number(written) == Decimal(number)


@pytest.mark.parametrize("wrong", ["1,00,000", "1.000.000", "abc", "NaN", "Infinity", "1,0", ""])
def test_a_number_with_misplaced_separators_is_not_a_number(wrong):
    with pytest.raises(ValueProblem):
        parse_number(wrong)
