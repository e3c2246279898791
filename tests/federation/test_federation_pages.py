"""The cross-region case on the applicant's and the officers' pages, and on the dashboard (chromium)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from web.browser import sign_in
from yima.demo.cross_region import seed_cross_region_history
from yima.federation.tables import Case

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))


@pytest.fixture
def delivered(db, people, standard) -> int:
    """Two applications alice made at Chongqing in 2021, registered by Chengdu and delivered back."""
    list(seed_cross_region_history(db, db, standard, people["alice"].id, count=2))
    with db.read() as session:
        return int(session.scalars(select(Case.application_id).where(Case.role == "accepting")
                                   .order_by(Case.application_id)).first() or 0)


def test_the_applicant_sees_the_partners_decision_and_the_delivered_licence(server, delivered, page) -> None:
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/applications/{delivered}")
    case = page.locator("#cross-region")
    assert "cd-gxq" in case.locator("#partner-zone").inner_text()
    uscc = case.locator("#uscc").inner_text()
    assert uscc.startswith("91510109")
    assert page.locator("#status").inner_text() == "已核准"
    image = case.locator("img")
    assert page.evaluate("img => img.complete && img.naturalWidth > 100", image.element_handle())
    pdf = page.request.get(server.url + case.locator("#licence-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    history = page.locator(".timeline").inner_text()
    assert "合作开发区已收到" in history and "合作开发区已送达营业执照" in history
    assert "received" not in history and "licence_delivered" not in history
    assert page.locator("#decision-form").count() == 0 and page.locator("#withdraw-form").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "federation-application.png"), full_page=True)
    page.goto(f"{server.url}/applications/{delivered}?lang=en")
    assert "Cross-region registration" in page.locator("#cross-region").inner_text()
    assert "Licence PDF signed by the partner zone" in page.locator("#licence-pdf").inner_text()
    english = page.locator(".timeline").inner_text()
    assert "Received by the partner zone" in english and "Licence delivered by the partner zone" in english


def test_officers_see_the_cases_and_the_dashboard_counts_the_delivered_licences(server, delivered, page) -> None:
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/federation")
    assert page.locator("#partners tbody tr").count() == 1
    rows = page.locator("#cases tbody tr")
    assert rows.count() == 2 and "cd-gxq" in rows.first.inner_text()
    assert page.locator("#late-cases").count() == 0
    page.screenshot(path=str(SHOTS / "federation-overview.png"), full_page=True)
    page.goto(f"{server.url}/dashboard?zone=cq-gxq&from=2021-01-01&to=2021-08-31")
    section = page.locator("#section-cross_region")
    assert section.locator("[data-figure=licences_delivered]").inner_text() == "2"
    assert section.locator("[data-figure=accepted_for_partners]").inner_text() == "2"
    section.screenshot(path=str(SHOTS / "federation-dashboard.png"))
