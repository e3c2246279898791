"""The figures as a spreadsheet, a printed report and CLI output; the report's pages looked at as text."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from yima.accounts.service import add_user
from yima.cli import app
from yima.demo.history_2021 import SEED_PERIOD, SMALL, load_seed
from yima.stats.report import figures_report_pdf
from yima.stats.service import compute_figures
from yima.stats.spreadsheet import figures_workbook

NOW = datetime(2021, 9, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def small_figures(db, zone_cq, standard):
    applicant = add_user(db, "historian", "applicant", "password-123", NOW)
    load_seed(db, zone_cq, applicant.id, NOW, standard, targets=SMALL)
    return compute_figures(db, zone_cq, SEED_PERIOD, standard, seal_set_price_yuan=300)


@pytest.mark.db
def test_the_spreadsheet_has_figures_industry_and_monthly_sheets(small_figures):
    book = load_workbook(io.BytesIO(figures_workbook(small_figures)))
    assert book.sheetnames == ["指标 Figures", "产业结构 Industry", "月度趋势 Monthly", "审批时间 Approval"]
    figures = {row[1]: row for row in book["指标 Figures"].iter_rows(min_row=2, values_only=True) if row and row[1]}
    assert figures["New domestic enterprises"][2] == SMALL.new_domestic
    assert figures["New domestic enterprises"][4] == SMALL.new_domestic_year_earlier
    assert figures["Market entities"][2] == SMALL.market_entities
    assert figures["Free e-seal sets"][2] == SMALL.seal_sets
    industry = list(book["产业结构 Industry"].iter_rows(min_row=2, max_row=4, values_only=True))
    assert [(r[0], r[2]) for r in industry] == [("第一产业", SMALL.primary), ("第二产业", SMALL.secondary),
                                                ("第三产业", SMALL.tertiary)]
    monthly = list(book["月度趋势 Monthly"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in monthly] == [f"2021-{m:02d}" for m in range(1, 9)]
    assert sum(r[1] for r in monthly) == SMALL.new_domestic


@pytest.mark.db
def test_the_report_pdf_renders_and_states_the_figures(small_figures, tmp_path):
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftoppm, pdftotext) not installed: make system-deps")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(figures_report_pdf(small_figures, NOW))
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 10_000 for p in pages)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "重庆高新区市场主体发展情况" in text
    assert f"新增内资企业{SMALL.new_domestic}户" in text
    assert f"共有各类市场主体{SMALL.market_entities}户" in text
    assert f"第三产业{SMALL.tertiary}户" in text
    assert f"发放免费印章{SMALL.seal_sets}套，为企业节约成本9000元" in text
    assert "图1" in text and "图2" in text


@pytest.mark.db
def test_the_cli_prints_json_and_writes_a_workbook(db, small_figures, tmp_path):
    runner = CliRunner()
    args = ["stats", "--zone", "cq-gxq", "--from", "2021-01-01", "--to", "2021-08-31", "--db", db.url]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["new_domestic_enterprises"]["count"] == SMALL.new_domestic
    target = tmp_path / "figures.xlsx"
    result = runner.invoke(app, [*args, "--format", "xlsx", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert load_workbook(target).sheetnames[0] == "指标 Figures"
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "新增内资企业" in table.stdout
    bad = runner.invoke(app, [*args[:5], "--to", "2021-13-01", "--db", db.url])
    assert bad.exit_code == 1 and "stats.date_format" in bad.output


@pytest.mark.db
def test_the_cli_import_reports_bad_lines_and_a_summary(db, zone_cq, tmp_path: Path):
    from test_stats_import import BAD, GOOD, write

    path = write(tmp_path / "register.csv", GOOD + BAD[:2])
    result = CliRunner().invoke(app, ["import", "entities", str(path), "--zone", zone_cq, "--db", db.url])
    assert result.exit_code == 0, result.output
    assert "第5行 / line 5" in result.output and "第6行 / line 6" in result.output
    assert "loaded" in result.output and "3" in result.output
    again = CliRunner().invoke(app, ["import", "entities", str(path), "--zone", "nowhere", "--db", db.url])
    assert again.exit_code == 1 and "zone.unknown" in again.output
