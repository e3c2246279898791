"""The leadership dashboard in Debian's chromium (Playwright): figures, charts drawn, report and export."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from web.browser import sign_in
from yima.demo.history_2021 import SMALL, load_seed

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))
QUERY = "zone=cq-gxq&from=2021-01-01&to=2021-08-31"


@pytest.fixture
def seeded(db, people, standard):
    load_seed(db, "cq-gxq", people["alice"].id, datetime(2021, 9, 30, tzinfo=UTC), standard, targets=SMALL)




def test_leadership_sees_figures_and_charts(server, seeded, page):
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/dashboard?{QUERY}")
    page.wait_for_selector("html[data-charts-ready='5']")
    for chart in ("trend", "sectors", "sections", "approval", "channel"):
        assert page.locator(f"#chart-{chart} canvas").count() >= 1, chart
        box = page.locator(f"#chart-{chart} canvas").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200
    kpi = page.locator("[data-figure=new_domestic_enterprises]")
    assert kpi.locator(".value").inner_text().startswith(str(SMALL.new_domestic))
    assert "▲" in kpi.inner_text()
    assert str(SMALL.market_entities) in page.locator("[data-figure=market_entities]").inner_text()
    assert "2021年1-8月，重庆高新区新增内资企业34户" in page.locator(".briefing").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

    pdf = page.request.get(f"{server.url}/dashboard/report.pdf?{QUERY}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    xlsx = page.request.get(f"{server.url}/dashboard/export.xlsx?{QUERY}")
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"

    this_year = page.goto(f"{server.url}/dashboard")
    assert this_year.status == 200 and page.locator("#zone").input_value() == "cq-gxq"

    page.goto(f"{server.url}/dashboard?{QUERY}&lang=en")
    page.wait_for_selector("html[data-charts-ready='5']")
    assert "New domestic enterprises" in page.locator("[data-figure=new_domestic_enterprises]").inner_text()


def test_dashboard_needs_a_signed_in_officer_of_the_zone(server, page):
    page.goto(f"{server.url}/dashboard?{QUERY}")
    assert "/login" in page.url
    sign_in(page, server, "officer-cd")
    response = page.goto(f"{server.url}/dashboard?{QUERY}")
    assert response.status == 403 and "只能查看本区的统计数据" in page.content()
    bad = page.goto(f"{server.url}/dashboard?zone=cd-gxq&from=2021-13-01&to=2021-08-31")
    assert bad.status == 422
