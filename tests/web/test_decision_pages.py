"""The officer's decision as chosen, in a real browser and over the API: a form sent back keeps
the decision and the reason; an approval over open findings is confirmed naming each, needs a
reason, and where the rule needs proof, the uploaded proof."""

from __future__ import annotations

import pytest

from factories import application_body, tiny_pdf
from web.browser import sign_in

pytestmark = [pytest.mark.db, pytest.mark.e2e]
PDF = tiny_pdf("proof of use")
BANNED = [{"text": "重庆市九龙坡区军事管理区科城路60号", "proof": "commitment"}]


def _under_review(server, **changes) -> int:
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body(**changes)).json()
    assert created["status"] == "under_review"
    return int(created["id"])


@pytest.mark.browser
def test_reject_without_reason_keeps_reject_and_then_rejects(server, page):
    app_id = _under_review(server, name="云帆科技有限公司")
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/applications/{app_id}")
    page.check("input[name=decision][value=reject]")
    with page.expect_response(lambda r: r.url.endswith("/decision")) as answered:
        page.click("#decision-form button[type=submit]")
    assert answered.value.status == 422
    assert "驳回必须说明理由" in page.text_content(".errors")
    assert page.is_checked("input[name=decision][value=reject]")
    assert not page.is_checked("input[name=decision][value=approve]")
    page.fill("#reason", "名称不规范")
    page.click("#decision-form button[type=submit]")
    page.wait_for_load_state()
    assert "已驳回" in page.text_content("#status")
    with server.client("alice") as alice:
        view = alice.get(f"/api/v1/applications/{app_id}").json()
    assert view["status"] == "rejected" and view["uscc"] is None
    assert view["transitions"][-1]["reason"] == "名称不规范"


@pytest.mark.browser
def test_approving_over_findings_asks_for_a_reason_on_a_step_naming_each(server, page):
    app_id = _under_review(server, name="云帆科技有限公司")
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/applications/{app_id}")
    page.check("input[name=decision][value=approve]")
    with page.expect_response(lambda r: r.url.endswith("/decision")) as answered:
        page.click("#decision-form button[type=submit]")
    assert answered.value.status == 422
    assert "name.form" in page.text_content("#override-confirm")
    assert page.is_checked("input[name=decision][value=approve]")
    page.fill("#reason", "名称经人工核准")
    page.click("#decision-form button[type=submit]")
    page.wait_for_selector("#uscc")
    assert "已核准" in page.text_content("#status") and "审批人员已越过" in page.text_content("#findings")


def test_page_refuses_approval_of_a_banned_address_until_proof_is_uploaded(server):
    app_id = _under_review(server, addresses=BANNED)
    with server.client("officer-cq") as officer:
        form = {"decision": "approve", "reason": "实地核查无误", "confirmed": "1"}
        refused = officer.post(f"/applications/{app_id}/decision", data=form)
        assert refused.status_code == 422 and "decision.proof_required" in refused.text
        assert "实地核查无误" in refused.text  # the reason typed is kept
    with server.client("alice") as alice:
        assert alice.post(f"/api/v1/applications/{app_id}/materials", data={"material": "address_proof"},
                          files={"file": ("使用证明.pdf", PDF, "application/pdf")}).status_code == 200
    with server.client("officer-cq") as officer:
        step = officer.post(f"/applications/{app_id}/decision", data={**form, "confirmed": ""})
        assert step.status_code == 200 and 'id="override-confirm"' in step.text and "address.negative_list" in step.text
        done = officer.post(f"/applications/{app_id}/decision", data=form, follow_redirects=False)
        assert done.status_code == 303
        page = officer.get(f"/applications/{app_id}").text
    assert "（已提交使用证明）" in page and "（承诺制）" not in page


def test_api_approval_over_findings_needs_reason_and_proof(server):
    plain = _under_review(server, name="云帆科技有限公司")
    banned = _under_review(server, addresses=BANNED)
    with server.client("officer-cq") as officer, server.client("alice") as alice:
        no_reason = officer.post(f"/api/v1/applications/{plain}/decision", json={"decision": "approve"})
        assert no_reason.status_code == 422 and no_reason.json()["error"] == "decision.reason_required"
        assert "name.form" in no_reason.json()["message"]
        no_proof = officer.post(f"/api/v1/applications/{banned}/decision",
                                json={"decision": "approve", "reason": "实地核查"})
        assert no_proof.status_code == 422 and no_proof.json()["error"] == "decision.proof_required"
        alice.post(f"/api/v1/applications/{banned}/materials", data={"material": "address_proof"},
                   files={"file": ("使用证明.pdf", PDF, "application/pdf")})
        proved = officer.post(f"/api/v1/applications/{banned}/decision",
                              json={"decision": "approve", "reason": "使用证明已核验"}).json()
        assert proved["status"] == "approved" and proved["proved_addresses"] == [0]
        entries = officer.get("/api/v1/audit", params={"zone": "cq-gxq", "subject": f"application:{banned}"})
        assert entries.status_code == 200
        overridden = [e["detail"].get("overridden") for e in entries.json() if e["action"] == "application.approved"]
        assert overridden == [["address.negative_list"]]


def test_history_reasons_are_shown_whole_in_the_page_language(server):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body(materials=["application_form"])).json()
        reason = created["transitions"][-1]
        assert reason["reason_en"] == "Missing material: Articles of association; may follow within 15 days"
        assert reason["reason_zh"] == "缺少材料：公司章程，可容缺受理（15 日内补齐）"
        english = alice.get(f"/applications/{created['id']}", params={"lang": "en"}).text
        chinese = alice.get(f"/applications/{created['id']}", params={"lang": "zh"}).text
    assert '<span class="reason">Missing material: Articles of association; may follow within 15 days</span>' in english
    assert '<span class="reason">缺少材料：公司章程，可容缺受理（15 日内补齐）</span>' in chinese


def test_a_typed_reason_is_never_cut_at_punctuation():
    from yima.web.templating import in_language
    from yima.words import Words, legacy_words

    typed = "名称不规范; 请改为 A / B 形式"
    assert in_language(typed, "en") == in_language(typed, "zh") == typed
    assert legacy_words("申请人撤回 / withdrawn by the applicant") == Words("申请人撤回", "withdrawn by the applicant")
    assert Words.typed("驳回：见附件 / 补正").pick("en") == "驳回：见附件 / 补正"
