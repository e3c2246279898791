"""Withdrawing a forwarded application (跨省异地办照的撤回): Chongqing (SQLite) asks, Chengdu
(PostgreSQL) withdraws it if still pending or answers that it is too late; two real ``yima serve``
processes, each with its own database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cbor2
import httpx
import pytest
from instances import PASSWORD, Instance, wait_for
from sqlalchemy import select
from test_two_instances import applications_named, audit_actions, body, submit, view

from web.browser import sign_in
from yima.audit.service import verify_chain
from yima.db import Database
from yima.federation.tables import OutboxMessage
from yima.licences.cose import decode_sign1

pytestmark = pytest.mark.xdist_group("two_instances_withdrawal")  # module fixtures: set up once, in one worker

SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))


def joint_stock(name: str) -> dict[str, Any]:
    """A joint-stock company: decided by Chengdu's officers, so it waits under review there."""
    return body(name, entity_type="joint_stock",
                materials=["application_form", "articles_of_association", "promoters_agreement"])


def under_review(chongqing: Instance, name: str) -> tuple[int, int]:
    answer = submit(chongqing, joint_stock(name))
    queued = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] == "under_review" and v)
    assert queued, view(chongqing, answer["id"])
    assert queued["withdrawal"] is None
    return answer["id"], queued["cross_region"]["partner_application"]


def withdraw(chongqing: Instance, app_id: int) -> httpx.Response:
    return httpx.post(f"{chongqing.url}/api/v1/applications/{app_id}/withdraw", headers=chongqing.token("alice"),
                      timeout=60)


def outbox(instance: Instance, app_id: int, kind: str) -> OutboxMessage | None:
    db = Database(instance.db_url)
    try:
        with db.read() as session:
            return session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == app_id,
                                                               OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.created_at.desc())).first()
    finally:
        db.dispose()


def chains_verify(instance: Instance) -> bool:
    db = Database(instance.db_url)
    try:
        return verify_chain(db, instance.zone).ok
    finally:
        db.dispose()


def test_a_withdrawal_under_review_is_confirmed_by_the_partner_and_both_sides_end_withdrawn(pair) -> None:
    chongqing, chengdu = pair
    app_id, partner_id = under_review(chongqing, "成都撤回测试股份有限公司")

    asked = withdraw(chongqing, app_id)
    assert asked.status_code == 200, asked.text
    shown = asked.json()
    assert shown["withdrawal"] in ("requested", "confirmed")
    assert shown["status"] != "withdrawn" or shown["withdrawal"] == "confirmed"  # never before the partner says so

    done = wait_for(lambda: (v := view(chongqing, app_id))["status"] == "withdrawn" and v)
    assert done and done["withdrawal"] == "confirmed" and done["cross_region"]["withdrawal"] == "confirmed"
    assert {"withdrawal_requested", "withdrawn"} <= {t["to"] for t in done["transitions"]}
    asked_step = next(t for t in done["transitions"] if t["to"] == "withdrawal_requested")
    assert asked_step["actor_role"] == "applicant" and asked_step["actor_id"] is not None

    officer = chengdu.token("officer-cd")
    issued = chengdu.get(f"/api/v1/applications/{partner_id}", officer)
    assert issued["status"] == "withdrawn" and issued["decided_at"]
    last = [t for t in issued["transitions"] if t["actor_role"] != "federation"][-1]  # its own, not the case's steps
    assert last["to"] == "withdrawn" and "cq-gxq" in last["reason"] and last["actor_role"] == "applicant"

    # both hash-chained logs tell it, and still verify
    cd_log = audit_actions(chengdu, "cd-gxq")
    assert any(a == "federation.message_received" and d["kind"] == "application.withdrawn" for a, d in cd_log)
    assert any(a == "application.withdrawn" and "cq-gxq" in d["reason"] for a, d in cd_log)
    cq_log = audit_actions(chongqing, "cq-gxq")
    assert any(a == "application.withdrawal_requested" and d["to"] == "cd-gxq" for a, d in cq_log)
    assert any(a == "federation.message_delivered" and d["kind"] == "application.withdrawn"
               and len(d["receipt_sha256"]) == 64 for a, d in cq_log)
    assert any(a == "application.partner_status" and d["status"] == "withdrawn" for a, d in cq_log)
    assert chains_verify(chongqing) and chains_verify(chengdu)

    again = withdraw(chongqing, app_id)
    assert again.status_code == 409 and again.json()["error"] == "withdraw.state", again.text


def test_a_withdrawal_sent_while_the_partner_is_down_arrives_when_it_is_back_and_is_not_sent_twice(pair) -> None:
    chongqing, chengdu = pair
    app_id, partner_id = under_review(chongqing, "成都断网撤回股份有限公司")
    chengdu.kill()
    try:
        asked = withdraw(chongqing, app_id)
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "under_review" and asked.json()["withdrawal"] == "requested"

        twice = withdraw(chongqing, app_id)
        assert twice.status_code == 409, twice.text
        refusal = twice.json()
        assert refusal["error"] == "withdraw.in_flight" and refusal["field"] == "id"
        assert "cd-gxq" in refusal["detail"][0]["message_zh"] and "cd-gxq" in refusal["detail"][0]["message_en"]

        assert wait_for(lambda: (m := outbox(chongqing, app_id, "application.withdrawn")) and m.attempts >= 1,
                        seconds=30)
        row = outbox(chongqing, app_id, "application.withdrawn")
        assert row is not None and row.delivered_at is None
        still = view(chongqing, app_id)
        assert still["status"] == "under_review" and still["withdrawal"] == "requested"
    finally:
        chengdu.start()
    done = wait_for(lambda: (v := view(chongqing, app_id))["status"] == "withdrawn" and v, seconds=90)
    assert done and done["withdrawal"] == "confirmed"
    row = outbox(chongqing, app_id, "application.withdrawn")
    assert row is not None and row.delivered_at is not None and row.attempts >= 2 and row.receipt
    assert chengdu.get(f"/api/v1/applications/{partner_id}", chengdu.token("officer-cd"))["status"] == "withdrawn"
    assert len([a for a, d in audit_actions(chengdu, "cd-gxq")
                if a == "application.withdrawn" and "cq-gxq" in d["reason"]]) >= 1


def test_a_withdrawal_before_the_partner_received_the_application_names_it_by_the_accepting_id(pair) -> None:
    chongqing, chengdu = pair
    name = "成都未达撤回股份有限公司"
    chengdu.kill()
    try:
        answer = submit(chongqing, joint_stock(name))
        assert answer["status"] == "forwarded"
        asked = withdraw(chongqing, answer["id"])
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "forwarded" and asked.json()["withdrawal"] == "requested"
        row = outbox(chongqing, answer["id"], "application.withdrawn")
        assert row is not None
        sent = cbor2.loads(row.payload)["body"]
        assert sent["application"] is None and sent["partner_application"] == answer["id"]
        assert sent["reason"] and sent["withdrawn_at"].endswith("Z")
    finally:
        chengdu.start()
    done = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] == "withdrawn" and v, seconds=90)
    assert done and done["withdrawal"] == "confirmed"
    [issued] = applications_named(chengdu, name)
    assert issued.status == "withdrawn"


@pytest.mark.browser
def test_a_withdrawal_after_the_partner_approved_is_too_late_and_the_approval_is_shown(pair, page) -> None:
    chongqing, chengdu = pair
    app_id, partner_id = under_review(chongqing, "成都迟到撤回股份有限公司")
    chongqing.kill()  # Chengdu's approval cannot reach Chongqing
    try:
        approved = httpx.post(f"{chengdu.url}/api/v1/applications/{partner_id}/decision",
                              headers=chengdu.token("officer-cd"), json={"decision": "approve", "reason": "名称经核准"},
                              timeout=60)
        assert approved.status_code == 200, approved.text
        assert wait_for(lambda: (m := outbox(chengdu, partner_id, "application.decided")) and m.attempts >= 1
                        and m.delivered_at is None, seconds=30)
        chengdu.kill()  # ... and stays in its outbox while Chongqing's applicant asks to withdraw
    finally:
        chongqing.start()
    try:
        asked = withdraw(chongqing, app_id)
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "under_review" and asked.json()["withdrawal"] == "requested"
    finally:
        chengdu.start()

    seen: list[tuple[str, str | None]] = []

    def settled() -> dict[str, Any] | None:
        shown = view(chongqing, app_id)
        seen.append((shown["status"], shown["withdrawal"]))
        delivered = outbox(chongqing, app_id, "application.withdrawn")
        return shown if shown["licence"] and delivered and delivered.delivered_at else None

    done = wait_for(settled, seconds=90)
    assert done, seen[-3:]
    assert done["status"] == "approved" and done["withdrawal"] == "too_late"
    assert done["uscc"] == approved.json()["uscc"] and done["licence"]["issued_by"] == "cd-gxq"
    assert all(status != "withdrawn" and state != "confirmed" for status, state in seen)

    # Chengdu's signed receipt says why: it had approved it
    row = outbox(chongqing, app_id, "application.withdrawn")
    assert row is not None and row.receipt
    receipt = cbor2.loads(decode_sign1(row.receipt).payload)
    assert receipt["kind"] == "receipt" and receipt["from"] == "cd-gxq"
    assert receipt["body"]["result"]["status"] == "too_late" and receipt["body"]["result"]["state"] == "approved"
    assert chengdu.get(f"/api/v1/applications/{partner_id}", chengdu.token("officer-cd"))["status"] == "approved"
    assert any(a == "application.withdrawal_refused" and d["partner"] == "cq-gxq" and d["state"] == "approved"
               for a, d in audit_actions(chengdu, "cd-gxq"))
    assert chains_verify(chongqing) and chains_verify(chengdu)

    late = withdraw(chongqing, app_id)
    assert late.status_code == 409 and late.json()["error"] == "withdraw.state", late.text

    # the page says the same: approved, the licence delivered, the withdrawal too late, no button
    sign_in(page, chongqing, "alice", PASSWORD)
    page.goto(f"{chongqing.url}/applications/{app_id}")
    assert page.locator("#status").inner_text() == "已核准"
    assert page.locator("#withdrawal").inner_text() == "撤回未成功：cd-gxq 已作出决定（已核准）"
    assert page.locator("#delivered-licence #uscc").inner_text() == done["uscc"]
    assert page.locator("#withdraw-form").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "federation-withdrawal-too-late.png"), full_page=True)
    page.goto(f"{chongqing.url}/applications/{app_id}?lang=en")
    assert page.locator("#withdrawal").inner_text() == "Too late to withdraw: cd-gxq had already decided (Approved)"


@pytest.mark.browser
def test_the_applicant_withdraws_a_forwarded_application_from_its_page(pair, page) -> None:
    chongqing, chengdu = pair
    app_id, _ = under_review(chongqing, "成都页面撤回股份有限公司")
    sign_in(page, chongqing, "alice", PASSWORD)
    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    chengdu.kill()  # the confirmation cannot come yet: the page must say it is awaited
    try:
        page.goto(f"{chongqing.url}/applications/{app_id}")
        assert page.locator("#status").inner_text() == "审核中"
        with page.expect_navigation():
            page.locator("#withdraw-form button").click()
        assert questions == ["确定撤回该申请？"]  # the confirmation of a local withdrawal
        assert page.locator("#status").inner_text() == "审核中"  # not withdrawn before Chengdu says so
        assert page.locator("#withdrawal").inner_text() == "撤回申请已发出，等待 cd-gxq 确认"
        assert "撤回申请已发出，等待 cd-gxq 确认" in page.locator("body").inner_text()  # the flash too
        assert page.locator("#withdraw-form").count() == 0  # not twice
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "federation-withdrawal-requested.png"), full_page=True)
        page.goto(f"{chongqing.url}/applications/{app_id}?lang=en")
        assert page.locator("#withdrawal").inner_text() == "Withdrawal sent, awaiting cd-gxq's confirmation"
        assert page.locator("#status").inner_text() == "Under review"
    finally:
        chengdu.start()
    assert wait_for(lambda: view(chongqing, app_id)["status"] == "withdrawn", seconds=90)
    page.goto(f"{chongqing.url}/applications/{app_id}?lang=zh")  # the language chosen sticks
    assert page.locator("#status").inner_text() == "已撤回"
    assert page.locator("#withdrawal").inner_text() == "已撤回：cd-gxq 已确认撤回"
    assert "已申请撤回" in page.locator("#history").inner_text()
    asked_step = page.locator("#history li", has_text="已申请撤回")
    assert asked_step.locator(".who").inner_text() == "alice"  # the applicant asked, not the partner zone
    page.screenshot(path=str(SHOTS / "federation-withdrawal-confirmed.png"), full_page=True)
    page.goto(f"{chongqing.url}/applications/{app_id}?lang=en")
    assert page.locator("#withdrawal").inner_text() == "Withdrawn: cd-gxq confirmed the withdrawal"
    assert "Withdrawal requested" in page.locator("#history").inner_text()
