"""Issue 20, findings 1 and 5 over HTTP: the red team's PDFs sent to the sealing route, to the
anonymous ``seals/validate`` and to the ``/seals/check`` page are answered 4xx naming the rule,
within the budget, while an unrelated request keeps being answered."""

from __future__ import annotations

import threading
import time

import pytest
from seal_helpers import establishment_body

from hostile_pdfs import ACTIVE, MALFORMED, one_page_listed, signature_fields

pytestmark = [pytest.mark.db, pytest.mark.e2e]

# 500 signature fields stand for 80,000 (tests/security/test_pdf_limits.py): the test server's
# upload limit is small
ATTACKS = {**{name: pdf for name, (pdf, _) in MALFORMED.items()},
           "one page listed 8,000 times": one_page_listed(8000), "500 signature fields": signature_fields(500)}


def test_hostile_pdfs_get_4xx_naming_the_rule_on_every_pdf_route(server):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=establishment_body()).json()
        seal_id = next(s["id"] for s in alice.get(f"/api/v1/enterprises/{created['uscc']}/seals").json()
                       if s["type"] == "contract")
        answered: list[float] = []
        stop = threading.Event()

        def unrelated() -> None:
            with server.client() as other:
                while not stop.is_set():
                    started = time.monotonic()
                    assert other.get("/healthz").status_code == 200
                    answered.append(time.monotonic() - started)
                    time.sleep(0.05)

        watcher = threading.Thread(target=unrelated)
        watcher.start()
        try:
            for name, pdf in ATTACKS.items():
                files = {"file": ("attack.pdf", pdf, "application/pdf")}
                for route in ("/api/v1/seals/validate", f"/api/v1/seals/{seal_id}/sign"):
                    response = alice.post(route, files=files)
                    assert 400 <= response.status_code < 500, (name, route, response.status_code, response.text)
                    assert response.json()["error"].startswith("pdf."), (name, route, response.text)
            for name, pdf in ACTIVE.items():
                files = {"file": ("a.pdf", pdf, "application/pdf")}
                response = alice.post(f"/api/v1/seals/{seal_id}/sign", files=files)
                assert response.status_code == 422 and response.json()["error"] == "pdf.active_content", name
        finally:
            stop.set()
            watcher.join()
        assert answered and max(answered) < 5, max(answered)


def test_the_check_page_answers_a_malformed_pdf_with_the_rule(server):
    with server.client() as public:
        page = public.get("/seals/check")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        for name, (pdf, rule) in MALFORMED.items():
            response = public.post("/seals/check", data={"csrf_token": token},
                                   files={"file": ("attack.pdf", pdf, "application/pdf")})
            assert response.status_code == 422, (name, response.status_code)
            assert rule in response.text and "Traceback" not in response.text, name
