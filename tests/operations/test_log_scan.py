"""The scan the suite runs over its own logs at the end of every run (``logscan.py``, hooked in
``conftest.py``): it finds an ID number, a mobile number however written and a password, and
nothing in what Yima legitimately logs (masked numbers, credit codes, request ids, times)."""

from __future__ import annotations

import json
import logging

from factories import PASSWORD
from logscan import personal_data_in, scan
from yima.web.logs import JsonFormatter


def test_the_scan_finds_id_numbers_phones_and_passwords():
    for line in ('{"event": "x", "who": "110101199003074514"}', "old card 110101900307451 typed",
                 "+8613987654321", "call 139 8765 4321 now", "call 139-8765-4321", "id=13987654321;",
                 '{"password": "hunter2-x"}', "password=s3cret-x", f"typed {PASSWORD}"):
        assert personal_data_in(line), line


def test_the_scan_passes_what_yima_logs():
    for line in ('{"event": "request", "request_id": "a13912345678b913987654321fe0c2a1", "path": "/api/v1/x"}',
                 '{"time": "2026-12-05T08:01:27.933+00:00", "duration_ms": 41.2, "status": 201}',
                 "id 110101********4514, phone 139****4321", "credit code 91500107MA5U7DGX3L",
                 '{"event": "user.password_set", "password": "***"}', "110101199003074518 fails its checksum"):
        assert personal_data_in(line) == [], line


def test_a_record_as_the_suite_writes_it_masks_what_the_formatter_knows_and_the_scan_finds_the_rest(tmp_path):
    """The suite's handler formats records as production does; what the formatter's last filter
    does not recognise (a phone written with +86 or spaces) is left for the scan to catch."""
    formatter = JsonFormatter()
    record = logging.LogRecord("yima.test", logging.INFO, __file__, 1, "typed %s and %s", ("110101199003074514",
                               "13987654321"), None)
    masked = formatter.format(record)
    assert json.loads(masked)["event"] == "typed 110101********4514 and 139****4321"
    spaced = formatter.format(logging.LogRecord("yima.test", logging.INFO, __file__, 1, "typed +86 139 8765 4321",
                                                None, None))
    (tmp_path / "w.log").write_text(masked + "\n" + spaced + "\n", "utf-8")
    hits = scan([tmp_path / "w.log"])
    assert [(h.where.rsplit(":", 1)[1], h.kind) for h in hits] == [("2", "mobile number")]
