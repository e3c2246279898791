"""Data stored before the name and person rules are flagged, not silently kept: ``yima zones
check-names`` lists each active enterprise whose name or persons break them (issue 17)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from factories import NOW, application_body
from yima.register.tables import Enterprise
from yima.registration import service
from yima.registration.model import ApplicationIn
from yima.registration.namecheck import register_breaches
from yima_process import run_yima

pytestmark = pytest.mark.db


def test_an_old_record_that_breaks_the_rules_is_flagged_by_rule_and_field(db, standard, people):
    service.submit(db, standard, people["alice"], ApplicationIn.model_validate(application_body()), NOW)
    assert list(register_breaches(db, standard, "cq-gxq")) == []
    with db.write() as session:  # as a release before these rules could have stored it
        session.execute(update(Enterprise).values(
            name="重庆<script>alert(1)</script>科技有限公司",
            shareholders=[{"name": "=cmd|' /C calc'!A0", "id_number": "x", "share_pct": "100"}]))
    flagged = [(f.rule, f.field) for _, f in register_breaches(db, standard, "cq-gxq")]
    assert flagged == [("name.markup", "name"), ("person.name", "shareholders.0.name")]
    if db.url.startswith("sqlite"):
        done = run_yima(["zones", "check-names", "cq-gxq", "--db", db.url], timeout=120)
        assert done.returncode == 1, done.stderr
        assert "name.markup" in done.stdout and "person.name" in done.stdout and "calc" not in done.stdout
