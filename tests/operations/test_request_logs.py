"""Structured logs of a real ``yima serve``: one JSON line per request (method, path template,
status, duration, request id, actor) and per job run; the response carries the request id (a sane
incoming one is kept); ID numbers, phone numbers and passwords never reach the log, not even from
a query string or a failed sign-in."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from factories import NOW, application_body
from reliability.serve_process import KINDS, ServeProcess, own_database_for
from yima.accounts.service import add_user
from yima.db import Database
from yima.db.migrate import upgrade
from yima.identity import make_id_number
from yima.web.logs import TextFormatter, redact, request_id, utc_time
from yima.zones.service import add_zone

PASSWORD = "a-secret-passphrase-9"
ID_NUMBER = make_id_number("500107", date(1979, 11, 3), 427)
PHONE = "13912345678"


@pytest.fixture(params=KINDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, unmigrated: SQLite, then PostgreSQL."""
    yield from own_database_for(request, tmp_path)


def test_a_sane_request_id_is_kept_and_anything_else_replaced():
    assert request_id("req-2026.12.01:abc") == "req-2026.12.01:abc"
    for insane in (None, "", "short", "has space in it", "x" * 129, "line\nbreak-injected", "名字名字名字名字名字"):
        assert re.fullmatch(r"[0-9a-f]{32}", request_id(insane))


def test_the_time_of_a_line_is_what_datetime_writes():
    rng = random.Random(22)
    moments = [1_764_608_813.0, 1_764_608_813.9999996, 1_659_918_709.0229998, 1_764_608_813.0005]
    moments += [round(rng.uniform(1.6e9, 1.9e9), rng.randint(0, 7)) for _ in range(20_000)]
    for moment in moments:
        assert utc_time(moment) == datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds"), moment


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
        server.wait_for_log(lambda line: line["event"] == "jobs.run", "a job run")
        lines = server.wait_for_log(lambda line: line.get("request_id") == shown.headers["X-Request-ID"],
                                    "the last request")
        raw = server.log_path.read_text("utf-8")
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


def test_the_text_format_writes_short_lines_in_china_time_with_personal_data_masked():
    record = logging.LogRecord("yima.requests", logging.INFO, __file__, 1, "request", None, None)
    record.created = 1_764_608_813.0  # 2025-12-01 17:06:53 UTC
    record.fields = {"method": "GET", "path": "/api/v1/applications/{app_id}", "status": 200, "duration_ms": 5.2}
    assert TextFormatter().format(record) == "01:06:53 GET /api/v1/applications/{app_id} 200 5.2 ms"
    job = logging.LogRecord("yima.jobs", logging.INFO, __file__, 1, "jobs.run", None, None)
    job.created = record.created
    job.fields = {"status": "ok", "duration_ms": 12.0, "report": ["lapsed 0 application(s)", f"call {PHONE}"]}
    line = TextFormatter().format(job)
    assert line.startswith("01:06:53 jobs ok (12.0 ms): lapsed 0 application(s); call ") and PHONE not in line
    other = logging.LogRecord("yima.web", logging.WARNING, __file__, 1, "holder %s", (ID_NUMBER,), None)
    other.created = record.created
    assert TextFormatter().format(other) == f"01:06:53 warning yima.web: holder {ID_NUMBER[:6]}********{ID_NUMBER[-4:]}"


def test_yima_serve_writes_text_lines_when_the_setting_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'text.db'}"
    upgrade(url)
    with ServeProcess(url, tmp_path, env={"YIMA_LOG_FORMAT": "text"}) as server:
        assert httpx.get(f"{server.base}/api/v1/applications/1?id_number={ID_NUMBER}").status_code == 401
        raw = server.wait_for_text(re.compile(r"^\d\d:\d\d:\d\d GET /api/v1/applications/\{app_id\} 401 [\d.]+ ms$",
                                              re.M))
    assert '"event"' not in raw and ID_NUMBER not in raw
