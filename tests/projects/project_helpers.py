"""Small import files of an investment office, whose figures the tests work out by hand."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from yima.db import Database
from yima.registration.codes import make_uscc
from yima.stats.importer import load_entities
from yima.stats.rows import EntityRow

NOW = datetime(2021, 9, 30, 2, 0, tzinfo=UTC)
TODAY = date(2021, 9, 30)


def write(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


PROJECTS = [  # lines 2.. of projects.csv
    ["P1", "云端数据中心", "华讯集团", "fortune_global_500;china_top_500", "I6450", "500000000", "2021-01-15",
     "2021-03-01", "2021-04-01", ""],
    ["P2", "新材料基地", "中材科技", "central_soe", "C3091", "250000000.50", "2021-02-10", "2021-06-30", "", ""],
    ["P3", "研发中心", "华讯集团", "fortune_global_500", "M7320", "80000000", "2021-05-20", "", "", ""],
    ["P4", "智能终端", "渝电股份", "listed", "C3921", "120000000", "2020-03-05", "2020-05-01", "2021-02-01",
     "2021-06-15"],
    ["P5", "物流园", "西部物流", "", "G5990", "60000000", "2020-06-30", "2021-07-01", "", ""],
    ["P6", "在谈项目", "某投资方", "", "C3670", "10000000", "", "", "", ""],
]
BAD_PROJECTS = [  # lines 8..
    ["P7", "标签错", "甲", "fortune500", "I6450", "1000", "2021-01-01", "", "", ""],
    ["P8", "落地早于签约", "乙", "", "I6450", "1000", "2021-03-01", "2021-02-01", "", ""],
    ["P9", "未落地先开工", "丙", "", "I6450", "1000", "2021-03-01", "", "2021-04-01", ""],
    ["P10", "金额错", "丁", "", "I6450", "abc", "2021-03-01", "", "", ""],
    ["P11", "行业错", "戊", "", "Z9999", "1000", "2021-03-01", "", "", ""],
    ["P1", "重复编号", "华讯集团", "", "I6450", "1", "2021-01-01", "", "", ""],
    ["P12", "列数不对"],
]
FUNDS = [
    ["P1", "2021-02-01", "100000000"],
    ["P1", "2021-06-30", "50000000.25"],
    ["P4", "2020-06-01", "30000000"],
    ["P4", "2021-01-10", "20000000"],
    ["P1", "2021-02-01", "100000000"],  # the same receipt again: already present
]
BAD_FUNDS = [  # lines 7..
    ["P99", "2021-02-01", "1"],
    ["P2", "2021-01-01", "5"],
    ["P2", "2030-01-01", "5"],
]


def enterprise_code(seq: int) -> str:
    return make_uscc("llc", "500107", 700_000 + seq, 0)


def add_register(db: Database, zone_id: str, count: int = 3) -> list[str]:
    codes = [enterprise_code(i) for i in range(1, count + 1)]
    rows = [EntityRow(code, f"重庆重点企业{i}有限公司", "llc", "C3921", Decimal("10000000"), date(2018, 1, 1), None,
                      "重庆市九龙坡区科城路60号") for i, code in enumerate(codes, 1)]
    load_entities(db, zone_id, rows, NOW)
    return codes


def key_enterprise_rows(codes: list[str]) -> list[list[str]]:
    e1, e2, e3 = codes[:3]
    return [
        [e1, "spec-a", "GR202150000001", "2020-12-01", "2023-11-30"],
        [e2, "spec-a", "GR201850000002", "2018-10-01", "2021-03-31"],
        [e3, "spec-b", "", "", ""],
        [enterprise_code(99), "spec-b", "", "", ""],  # line 5: not in the register
        [e1[:-1] + ("0" if e1[-1] != "0" else "1"), "spec-b", "", "", ""],  # line 6: check character
        [e3, "spec-b", "GR1", "", ""],  # line 7: a certificate without its dates
    ]


def service_rows(codes: list[str]) -> list[list[str]]:
    e1, e2, e3 = codes[:3]
    return [
        [e1, "2021-01-05", "visit", "了解用工需求", "对接人社局", ""],
        [e1, "2021-03-01", "request", "申请人才公寓", "协调分配", "2021-03-11"],
        [e2, "2021-05-10", "request", "办理施工许可", "指导材料", "2021-05-14"],
        [e3, "2021-06-01", "request", "用电增容", "", ""],
        [e3, "2020-04-01", "visit", "走访", "", ""],
        [enterprise_code(98), "2021-06-01", "visit", "x", "", ""],  # line 7: not a key enterprise
        [e1, "2021-06-01", "call", "x", "", ""],  # line 8: unknown kind
        [e1, "2021-06-01", "request", "x", "", "2021-05-01"],  # line 9: resolved before served
    ]
