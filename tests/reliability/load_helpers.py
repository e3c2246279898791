"""Load for the reliability tests: distinct 秒批 establishments, seeded founders, and the check that
every acknowledged application was kept exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from factories import NOW, PASSWORD, application_body
from yima.accounts.service import add_user
from yima.audit.tables import AuditEntry
from yima.bench.register import trade_name
from yima.db import Database
from yima.db.migrate import upgrade
from yima.identity import make_id_number
from yima.register.tables import Enterprise
from yima.registration.codes import is_valid_uscc
from yima.registration.tables import Application
from yima.zones.service import add_zone
from yima_process import run_yima


def establishment(n: int) -> dict[str, Any]:
    """The n-th distinct establishment that qualifies for 秒批 (the seal tests' 秒批 body)."""
    rep = {"name": "张小明", "id_number": make_id_number("500107", date(1988, 3, 9), n % 1000),
           "phone": "13800000000"}
    return application_body(name=f"重庆{trade_name(n + 1000)}科技有限公司", legal_representative=rep,
                            shareholders=[{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "100"}])


def seed(url: str, users: int) -> None:
    upgrade(url)
    db = Database(url)
    add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, NOW, place_names=["重庆", "重庆市"])
    for i in range(users):
        add_user(db, f"founder{i}", "applicant", PASSWORD, NOW)
    db.dispose()


def sign_in(base: str, username: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}, timeout=60)
    response.raise_for_status()
    return str(response.json()["access_token"])


def check_every_acknowledgement_kept(url: str, acked: dict[str, dict[str, Any]]) -> None:
    db = Database(url)
    try:
        with db.read() as session:
            apps = {a.idempotency_key: a for a in session.scalars(select(Application))}
            usccs = set(session.scalars(select(Enterprise.uscc)))
            audited = Counter((e.subject, e.action) for e in session.scalars(select(AuditEntry)))
    finally:
        db.dispose()
    assert len(apps) == len(acked), "an application more or less than was acknowledged"
    for key, answer in acked.items():
        app = apps[key]
        assert app.id == answer["id"] and app.status == "approved" == answer["status"]
        assert app.enterprise_uscc == answer["uscc"] and is_valid_uscc(app.enterprise_uscc)
        assert app.enterprise_uscc in usccs
        for action in ("application.submitted", "application.approved"):
            assert audited[(f"application:{app.id}", action)] == 1, (key, action)
        assert audited[(f"enterprise:{app.enterprise_uscc}", "enterprise.established")] == 1
    assert len({a["uscc"] for a in acked.values()}) == len(acked) == len(usccs)
    verify = run_yima(["audit", "verify", "--db", url], timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
