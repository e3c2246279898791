"""Every state change is appended to its zone's chain in the same transaction (both databases)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from factories import HOTEL, NOW, application_body
from yima.audit import service as audit
from yima.audit.tables import AuditEntry
from yima.errors import Conflict, Forbidden
from yima.registration import service
from yima.registration.model import ApplicationIn
from yima_process import run_yima

pytestmark = pytest.mark.db


def _submit(db, standard, actor, **changes) -> dict:
    return service.submit_with_view(db, standard, actor, ApplicationIn.model_validate(application_body(**changes)),
                                    NOW).as_json()


def _actions(db, chain: str, subject_prefix: str = "") -> list[tuple[str, str, str]]:
    with db.read() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.subject, AuditEntry.actor_role)
                               .where(AuditEntry.chain == chain).order_by(AuditEntry.seq)).all()
    return [(a, s, r) for a, s, r in rows if s.startswith(subject_prefix)]


def test_an_instant_approval_records_the_application_enterprise_permits_licence_and_seals(db, standard, people):
    view = _submit(db, standard, people["alice"], **HOTEL)
    uscc, app = view["uscc"], f"application:{view['id']}"
    entries = _actions(db, "cq-gxq")
    assert entries[0][0] == "zone.created"
    assert entries[-6:] == [
        ("application.submitted", app, "applicant"), ("application.approved", app, "system"),
        ("enterprise.established", f"enterprise:{uscc}", "system"),
        ("permit.active", entries[-3][1], "system"),
        ("licence.issued", f"licence:{uscc}", "system"), ("seal_set.requested", f"seal_set:{uscc}", "system")]
    check = audit.verify_chain(db, "cq-gxq")
    assert check.ok and check.entries == len(entries)


def test_officer_decisions_and_account_changes_name_who_made_them(db, standard, people):
    from yima.accounts.service import disable_user

    view = _submit(db, standard, people["alice"], name="重庆云帆贸易")  # no organisation form: to review
    assert view["status"] == "under_review"
    service.decide(db, standard, people["officer-cq"], view["id"], "reject", "名称不规范", NOW)
    rows = audit.recent_entries(db, people["officer-cq"], "cq-gxq", subject=f"application:{view['id']}")
    assert [(r.action, r.actor_role) for r in rows] == [
        ("application.rejected", "officer"), ("application.under_review", "system"),
        ("application.submitted", "applicant")]
    assert rows[0].actor_id == people["officer-cq"].id and rows[0].detail["reason"] == "名称不规范"
    disable_user(db, "bob", NOW, people["admin"])
    platform = audit.recent_entries(db, people["admin"], "platform", limit=1)
    assert (platform[0].action, platform[0].subject, platform[0].actor_id) == (
        "user.disabled", "user:bob", people["admin"].id)
    assert audit.verify_chain(db, "platform").ok


def test_a_refused_change_leaves_no_entry(db, standard, people):
    before = len(_actions(db, "cq-gxq"))
    view = _submit(db, standard, people["alice"])
    after_submit = len(_actions(db, "cq-gxq"))
    with pytest.raises(Conflict):
        service.decide(db, standard, people["officer-cq"], view["id"], "approve", "", NOW)  # already approved
    assert len(_actions(db, "cq-gxq")) == after_submit > before


def test_a_tampered_entry_breaks_the_chain_from_there(db, standard, people, tmp_path):
    for i in range(3):
        _submit(db, standard, people["alice"], name=f"重庆审计{i}号科技有限公司")
    assert audit.verify_chain(db, "cq-gxq").ok
    with db.write() as session:  # someone with database access rewrites history
        session.execute(update(AuditEntry).where(AuditEntry.chain == "cq-gxq", AuditEntry.seq == 4)
                        .values(actor_role="admin"))
    check = audit.verify_chain(db, "cq-gxq")
    assert not check.ok and check.broken_at == 4
    # the command line says the same, and fails
    result = run_yima(["audit", "verify", "--db", db.url], timeout=120)
    assert result.returncode == 1 and "broken at entry 4" in result.stderr
    assert "platform" in result.stdout  # the other chains are still checked, and are fine


def test_concurrent_approvals_keep_one_unbroken_chain(db, standard, people):
    def one(i: int) -> str:
        return _submit(db, standard, people["alice"], name=f"重庆并发审计{i:03d}号科技有限公司")["status"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(one, range(24))) == {"approved"}
    check = audit.verify_chain(db, "cq-gxq")
    assert check.ok
    with db.read() as session:
        seqs = list(session.scalars(select(AuditEntry.seq).where(AuditEntry.chain == "cq-gxq")
                                    .order_by(AuditEntry.seq)))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 24 * 5


def test_only_the_zone_and_administrators_read_a_chain(db, standard, people):
    _submit(db, standard, people["alice"])
    assert audit.recent_entries(db, people["officer-cq"], "cq-gxq", limit=2)
    for actor, chain in ((people["officer-cd"], "cq-gxq"), (people["alice"], "cq-gxq"),
                         (people["officer-cq"], "platform")):
        with pytest.raises(Forbidden):
            audit.recent_entries(db, actor, chain)
    assert audit.verify_for(db, people["admin"], "cq-gxq").ok


@pytest.mark.e2e
def test_the_audit_api(server):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body()).json()
    with server.client("officer-cq") as officer, server.client("officer-cd") as other:
        entries = officer.get("/api/v1/audit", params={"zone": "cq-gxq", "subject": f"application:{created['id']}"})
        assert [e["action"] for e in entries.json()] == ["application.approved", "application.submitted"]
        assert officer.get("/api/v1/audit/verify", params={"zone": "cq-gxq"}).json()["ok"] is True
        refused = other.get("/api/v1/audit", params={"zone": "cq-gxq"})
        assert refused.status_code == 403 and refused.json()["error"] == "audit.not_yours"
        assert officer.get("/api/v1/audit", params={"zone": "cq-gxq", "limit": 0}).status_code == 422
