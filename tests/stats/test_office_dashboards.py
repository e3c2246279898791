"""Each office its dashboard (issue 21): the reform office and the investment office see their
zone's figures on the dashboard and at GET /api/v1/stats (403 before), not another zone's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from factories import NOW, PASSWORD
from web.browser import sign_in
from yima.accounts.service import add_user

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))
PERIOD = {"zone": "cq-gxq", "from": "2026-01-01", "to": "2026-11-30"}


@pytest.mark.parametrize(("user", "role", "own_section"), [("office-cq", "reform_office", "observers"),
                                                           ("invest-cq", "investment_office", "projects")])
def test_an_office_sees_its_zone_dashboard_and_figures(db, server, page, user, role, own_section):
    add_user(db, user, role, PASSWORD, NOW, zone_id="cq-gxq")
    api = server.client(user)
    figures = api.get("/api/v1/stats", params=PERIOD)
    assert figures.status_code == 200, figures.text
    assert own_section in figures.json()
    assert api.get("/api/v1/stats", params={**PERIOD, "zone": "cd-gxq"}).status_code == 403
    sign_in(page, server, user)
    page.goto(f"{server.url}/dashboard?zone=cq-gxq&from=2026-01-01&to=2026-11-30")
    assert page.locator(f"#section-{own_section}").is_visible()
    assert page.locator("header a[href='/dashboard'], nav a[href='/dashboard']").count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-{role}.png"), full_page=True)
