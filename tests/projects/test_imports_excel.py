"""Imports people can use, on SQLite and PostgreSQL: a GBK file with dates and amounts as Chinese
Excel writes them; a file that breaks half-way writes nothing and names the right line; a date
that does not exist; a corrected row re-imported with an update corrects the record, audited."""

from __future__ import annotations

import pytest
from project_helpers import NOW, PROJECTS, TODAY, add_register, write
from sqlalchemy import func, select

from yima.audit.service import recent_entries, verify_chain
from yima.errors import DomainError
from yima.projects.importer import Correction, import_file, import_text
from yima.projects.rows import KEY_ENTERPRISE_HEADER, PROJECT_HEADER, SERVICE_HEADER
from yima.projects.tables import EnterpriseService, KeyEnterprise, Project

pytestmark = pytest.mark.db


def _csv(header, rows) -> str:
    return "\r\n".join(",".join(f'"{v}"' if "," in v else v for v in row) for row in [header, *rows]) + "\r\n"


def _count(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Project)) or 0


def test_a_gbk_file_with_excel_dates_and_amounts_is_imported(db, zone_cq, tmp_path):
    rows = [["P1", "云端数据中心", "华讯集团", "fortune_global_500", "I6450", "500,000,000", "2021/1/15",
             "2021/3/1", "", ""],
            ["P2", "新材料基地", "中材科技", "", "C3091", "1,250,000.50", "2021-2-10", "", "", ""],
            ["P3", "闰日项目", "某投资方", "", "C3091", "1000", "2021-02-29", "", "", ""]]
    path = tmp_path / "projects.csv"
    path.write_bytes(_csv(PROJECT_HEADER, rows).encode("gbk"))
    report = import_file(db, "projects", zone_cq, path, NOW, TODAY)
    assert (report.encoding, report.loaded, report.bad) == ("gbk", 2, 1)
    assert [(b.line, b.finding.rule, b.finding.field) for b in report.bad_rows] == [
        (4, "import.no_such_date", "signed_on")]
    assert "没有这一天" in report.bad_rows[0].finding.zh
    with db.read() as session:
        p1, p2 = session.scalars(select(Project).order_by(Project.code)).all()
        assert (p1.name, str(p1.amount), str(p1.signed_on), str(p1.landed_on)) == (
            "云端数据中心", "500000000.00", "2021-01-15", "2021-03-01")
        assert (p2.investor, str(p2.amount), str(p2.signed_on)) == ("中材科技", "1250000.50", "2021-02-10")


def test_a_file_broken_half_way_writes_nothing_and_names_the_line(db, zone_cq, tmp_path):
    good = "".join(f"Q{i},项目{i},投资方,,C3091,1000,2021-01-01,,,\r\n" for i in range(1, 1200))
    content = (",".join(PROJECT_HEADER) + "\r\n" + good).encode("gbk") + b"Q9999,\x81\r\n"
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(DomainError) as refused:
        import_file(db, "projects", zone_cq, path, NOW, TODAY)
    assert refused.value.finding.rule == "import.file_format" and "第1201行" in refused.value.finding.zh
    assert _count(db) == 0  # nothing of the 1,199 good rows before the broken byte
    misquoted = _csv(PROJECT_HEADER, PROJECTS[:2]) + 'P9,"未闭合,x,,C3091,1,,,,\r\n'
    report = import_text(db, "projects", zone_cq, misquoted, NOW, TODAY, source="x", write=False)
    assert (report.loaded, report.written, [b.line for b in report.bad_rows]) == (2, False, [4])
    assert _count(db) == 0  # a preview writes nothing


def test_a_corrected_row_re_imported_with_update_corrects_the_record(db, zone_cq, people, tmp_path):
    codes = add_register(db, zone_cq, count=2)
    first = write(tmp_path / "p.csv", PROJECT_HEADER, PROJECTS[:2])
    assert import_file(db, "projects", zone_cq, first, NOW, TODAY).loaded == 2
    corrected = [list(PROJECTS[0]), list(PROJECTS[1])]
    corrected[0][5], corrected[0][1] = "520000000", "云端数据中心（一期）"
    corrected[1][8] = "2021-07-01"  # started
    again = write(tmp_path / "p2.csv", PROJECT_HEADER, corrected)
    plain = import_file(db, "projects", zone_cq, again, NOW, TODAY)
    assert (plain.loaded, plain.updated, plain.differs, plain.existing) == (0, 0, 2, 2)
    fixed = import_file(db, "projects", zone_cq, again, NOW, TODAY,
                        correction=Correction(None, "签约金额按补充协议更正"))
    assert (fixed.loaded, fixed.updated) == (0, 2)
    assert fixed.outcomes[0].changes == {"name": ["云端数据中心", "云端数据中心（一期）"],
                                         "amount": ["500000000.00", "520000000"]}
    with db.read() as session:
        p1, p2 = session.scalars(select(Project).order_by(Project.code)).all()
        assert (p1.name, str(p1.amount), str(p2.started_on)) == ("云端数据中心（一期）", "520000000.00", "2021-07-01")
    entries = [e for e in recent_entries(db, people["admin"], zone_cq, limit=10) if e.action == "project.corrected"]
    assert len(entries) == 2 and all(e.detail["reason"] == "签约金额按补充协议更正" for e in entries)
    repeated = import_file(db, "projects", zone_cq, again, NOW, TODAY, correction=Correction(None, "再次导入"))
    assert (repeated.existing, repeated.updated) == (2, 0)

    keys = write(tmp_path / "k.csv", KEY_ENTERPRISE_HEADER, [[codes[0], "spec-a", "GR1", "2020-12-01", "2023-11-30"]])
    import_file(db, "key-enterprises", zone_cq, keys, NOW, TODAY)
    renewed = write(tmp_path / "k2.csv", KEY_ENTERPRISE_HEADER,
                    [[codes[0], "spec-b", "GR1", "2020-12-01", "2023-12-31"]])
    report = import_file(db, "key-enterprises", zone_cq, renewed, NOW, TODAY,
                         correction=Correction(None, "证书有效期更正"))
    assert report.updated == 1 and set(report.outcomes[0].changes) == {"specialist", "certificate"}
    services = [[codes[0], "2021-03-01", "request", "申请人才公寓", "", ""]]
    import_file(db, "services", zone_cq, write(tmp_path / "s.csv", SERVICE_HEADER, services), NOW, TODAY)
    services[0][4:] = ["协调分配", "2021/3/11"]
    resolved = import_file(db, "services", zone_cq, write(tmp_path / "s2.csv", SERVICE_HEADER, services), NOW, TODAY,
                           correction=Correction(None, "补记办结情况"))
    assert resolved.updated == 1
    with db.read() as session:
        key = session.scalar(select(KeyEnterprise))
        assert (key.cert_expires_on.isoformat(), session.scalar(select(EnterpriseService.resolved_on)).isoformat()) \
            == ("2023-12-31", "2021-03-11")
    assert verify_chain(db, zone_cq).ok
