"""Structured logs of a real ``yima serve``: one JSON line per request (method, path template,
status, duration, request id, actor) and per job run; the response carries the request id (a sane
incoming one is kept); ID numbers, phone numbers and passwords never reach the log, not even from
a query string or a failed sign-in."""

from __future__ import annotations

import re
import time
from datetime import date

import httpx

from factories import NOW, application_body
from reliability.serve_process import ServeProcess
from yima.accounts.service import add_user
from yima.db import Database
from yima.db.migrate import upgrade
from yima.registration.identity import make_id_number
from yima.web.logs import redact, request_id
from yima.zones.service import add_zone

PASSWORD = "a-secret-passphrase-9"
ID_NUMBER = make_id_number("500107", date(1979, 11, 3), 427)
PHONE = "13912345678"


def test_a_sane_request_id_is_kept_and_anything_else_replaced():
    assert request_id("req-2026.12.01:abc") == "req-2026.12.01:abc"
    for insane in (None, "", "short", "has space in it", "x" * 129, "line\nbreak-injected", "名字名字名字名字名字"):
        assert re.fullmatch(r"[0-9a-f]{32}", request_id(insane))


def test_redaction_masks_id_numbers_and_phone_numbers_but_not_credit_codes():
    line = f'{{"id": "{ID_NUMBER}", "tel": "{PHONE}", "uscc": "915001070000000015"}}'
    masked = redact(line)
    assert ID_NUMBER not in masked and PHONE not in masked and "915001070000000015" in masked
    assert ID_NUMBER[:6] + "********" + ID_NUMBER[-4:] in masked and "139****5678" in masked


def test_requests_and_job_runs_are_logged_as_json_lines_without_personal_data(own_database, tmp_path):
    upgrade(own_database)
    db = Database(own_database)
    add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, NOW, place_names=["重庆", "重庆市"])
    founder = add_user(db, "founder", "applicant", PASSWORD, NOW)
    db.dispose()
    rep = {"name": "王秀英", "id_number": ID_NUMBER, "phone": PHONE}
    body = application_body(legal_representative=rep,
                            shareholders=[{"name": rep["name"], "id_number": ID_NUMBER, "share_pct": "100"}])
    with ServeProcess(own_database, tmp_path, jobs_every=1) as server:
        wrong = httpx.post(f"{server.base}/api/v1/auth/token",
                           data={"username": PHONE, "password": "Wr0ng-" + PASSWORD})
        assert wrong.status_code == 401
        token = httpx.post(f"{server.base}/api/v1/auth/token",
                           data={"username": "founder", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "client-req-0001"}
        created = httpx.post(f"{server.base}/api/v1/applications", json=body, headers=headers)
        assert created.status_code == 201 and created.headers["X-Request-ID"] == "client-req-0001"
        app_id = created.json()["id"]
        shown = httpx.get(f"{server.base}/api/v1/applications/{app_id}?id_number={ID_NUMBER}&phone={PHONE}",
                          headers={**headers, "X-Request-ID": "bad id"})
        assert shown.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", shown.headers["X-Request-ID"])
        deadline = time.monotonic() + 30
        while not any(line["event"] == "jobs.run" for line in server.log_lines()):
            assert time.monotonic() < deadline, "no job run was logged"
            time.sleep(0.2)
        time.sleep(0.3)  # the last request's line is written once its response is sent
        raw = server.log_path.read_text("utf-8")
        lines = server.log_lines()
    requests = {line["request_id"]: line for line in lines if line["event"] == "request"}
    submitted = requests["client-req-0001"]
    assert submitted["method"] == "POST" and submitted["path"] == "/api/v1/applications"
    assert submitted["status"] == 201 and submitted["actor"] == founder.id and submitted["duration_ms"] > 0
    assert submitted["level"] == "info" and submitted["logger"] == "yima.requests"
    read = requests[shown.headers["X-Request-ID"]]
    assert read["path"] == "/api/v1/applications/{app_id}" and read["status"] == 200
    job = next(line for line in lines if line["event"] == "jobs.run")
    assert job["status"] == "ok" and re.fullmatch(r"[0-9a-f]{32}", job["run_id"]) and job["report"]
    assert any(line["event"] == "sign_in.failed" for line in lines)
    for secret in (ID_NUMBER, PHONE, PASSWORD, "王秀英"):
        assert secret not in raw, f"{secret} was logged"
