"""The seal pages in a real browser (Debian's chromium driven by Playwright): the owner seals an
uploaded contract with two seals and downloads it; anyone checks it on the public page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from seal_helpers import NAME, PERSON, establishment_body

from web.browser import sign_in
from yima.bench.seals import sample_contract_pdf

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))


@pytest.fixture
def uscc(server):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=establishment_body()).json()
    assert created["status"] == "approved", created["findings"]
    return created["uscc"]




def test_owner_seals_an_uploaded_contract_with_two_seals_and_downloads_it(server, page, uscc, tmp_path):
    contract = tmp_path / "采购合同.pdf"
    contract.write_bytes(sample_contract_pdf(NAME, PERSON))
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/enterprises/{uscc}/seals")
    cards = page.locator("#seals figure")
    assert cards.count() == 5
    page.wait_for_function("[...document.querySelectorAll('#seals img')].every(i => i.complete && i.naturalWidth > 0)")
    assert "合同专用章" in page.text_content("#seals")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "seals.png"), full_page=True)

    page.click("#seal-submit")  # nothing chosen, no file: the form explains in Chinese
    assert "请选择要上传的PDF文件" in page.text_content("#errors")

    page.set_input_files("#file", str(contract))
    contract_row = page.locator("#stamps tr[data-type=contract]")
    name_row = page.locator("#stamps tr[data-type=legal_representative]")
    contract_row.locator("input[type=checkbox]").check()
    name_row.locator("input[type=checkbox]").check()
    page.screenshot(path=str(SHOTS / "seals-form.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#seal-submit")
    download = download_info.value
    assert download.suggested_filename == "采购合同-sealed.pdf"
    sealed = tmp_path / "sealed.pdf"
    download.save_as(str(sealed))
    with server.client() as public:
        checks = public.post("/api/v1/seals/validate", files={"file": ("s.pdf", sealed.read_bytes())}).json()
    assert [c["seal_type"] for c in checks] == ["contract", "legal_representative"] and all(c["ok"] for c in checks)

    page.goto(f"{server.url}/seals/check")
    page.set_input_files("#file", str(sealed))
    page.click("#check-submit")
    page.wait_for_selector("#results")
    rows = page.locator("#results tbody tr[data-ok=true]")
    assert rows.count() == 2
    assert "签章有效" in page.text_content("#results") and uscc in page.text_content("#results")
    page.screenshot(path=str(SHOTS / "seals-check.png"), full_page=True)


def test_someone_else_sees_no_seals_and_an_unsigned_pdf_is_reported(server, page, uscc, tmp_path):
    sign_in(page, server, "bob")
    response = page.goto(f"{server.url}/enterprises/{uscc}/seals")
    assert response.status == 403
    assert "授权用户" in page.text_content(".errors")
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(sample_contract_pdf(NAME, PERSON))
    page.goto(f"{server.url}/seals/check?lang=en")
    page.set_input_files("#file", str(plain))
    page.click("#check-submit")
    assert "no seal or signature" in page.text_content("#no-signatures")
