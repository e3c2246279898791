"""The v1 registration API over a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest

from factories import application_body, person, tiny_pdf
from yima.registration.codes import is_valid_uscc

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def test_token_and_instant_approval(server):
    with server.client("alice") as alice:
        response = alice.post("/api/v1/applications", json=application_body())
        assert response.status_code == 201
        created = response.json()
        assert created["status"] == "approved" and created["findings"] == []
        assert is_valid_uscc(created["uscc"])
        assert alice.get(f"/api/v1/applications/{created['id']}").json()["uscc"] == created["uscc"]
        assert [a["id"] for a in alice.get("/api/v1/applications").json()] == [created["id"]]


def test_wrong_password_is_401_in_both_languages(server):
    with server.client() as anonymous:
        response = anonymous.post("/api/v1/auth/token", data={"username": "alice", "password": "nope"})
        assert response.status_code == 401
        assert "密码" in response.json()["message"] and "password" in response.json()["message"]


def test_applications_need_sign_in(server):
    with server.client() as anonymous:
        response = anonymous.post("/api/v1/applications", json=application_body())
        assert response.status_code == 401 and response.json()["error"] == "auth.required"


@pytest.mark.parametrize("change,field,rule", [
    ({"legal_representative": {**person(), "id_number": "50010719900517001X"}}, "legal_representative.id_number",
     "id_number.check_digit"),
    ({"scope": ["teleportation"]}, "scope.0", "scope.unknown"),
    ({"registered_capital": "lots"}, "registered_capital", "schema.decimal_parsing"),
    ({"channel": "fax"}, "channel", "schema.literal_error"),
    ({"shareholders": [{"name": "甲", "id_number": person()["id_number"], "share_pct": "99"}]}, "shareholders",
     "shareholders.share_total"),
])
def test_invalid_input_is_422_naming_field_and_rule_in_both_languages(server, change, field, rule):
    with server.client("alice") as alice:
        response = alice.post("/api/v1/applications", json=application_body(**change))
        assert response.status_code == 422, response.text
        body = response.json()
        assert (body["field"], body["error"]) == (field, rule)
        detail = body["detail"][0]
        assert detail["message_zh"] and detail["message_en"] and detail["message_zh"] != detail["message_en"]
        assert alice.get("/api/v1/applications").json() == []


def test_malformed_json_is_422_not_500(server):
    with server.client("alice") as alice:
        response = alice.post("/api/v1/applications", content=b"{not json",
                              headers={"Content-Type": "application/json"})
        assert response.status_code == 422


def test_idempotency_key_returns_the_first_application(server):
    with server.client("alice") as alice:
        headers = {"Idempotency-Key": "retry-123"}
        first = alice.post("/api/v1/applications", json=application_body(), headers=headers).json()
        second = alice.post("/api/v1/applications", json=application_body(), headers=headers).json()
        assert first["id"] == second["id"] and first["uscc"] == second["uscc"]


def test_review_decision_and_material_upload_flow(server):
    with server.client("alice") as alice, server.client("officer-cq") as officer:
        created = alice.post("/api/v1/applications", json=application_body(materials=["application_form"])).json()
        assert created["status"] == "under_review"
        assert created["findings"][0]["rule"] == "materials.missing"
        queue = officer.get("/api/v1/applications").json()
        assert [q["id"] for q in queue] == [created["id"]] and queue[0]["time_left_hours"] > 0
        decided = officer.post(f"/api/v1/applications/{created['id']}/decision",
                               json={"decision": "accept_with_missing", "reason": "容缺"}).json()
        assert decided["status"] == "awaiting_materials"
        bad = alice.post(f"/api/v1/applications/{created['id']}/materials",
                         data={"material": "articles_of_association"},
                         files={"file": ("章程.pdf", b"GIF89a fake", "application/pdf")})
        assert bad.status_code == 422 and bad.json()["error"] == "upload.type"
        good = alice.post(f"/api/v1/applications/{created['id']}/materials",
                          data={"material": "articles_of_association"},
                          files={"file": ("章程.pdf", tiny_pdf("real enough"), "application/pdf")})
        assert good.status_code == 200 and good.json()["status"] == "under_review"
        approved = officer.post(f"/api/v1/applications/{created['id']}/decision", json={"decision": "approve"})
        assert approved.json()["status"] == "approved" and is_valid_uscc(approved.json()["uscc"])


def test_unknown_decision_is_422(server):
    with server.client("alice") as alice, server.client("officer-cq") as officer:
        created = alice.post("/api/v1/applications", json=application_body(name="云帆科技有限公司")).json()
        response = officer.post(f"/api/v1/applications/{created['id']}/decision", json={"decision": "maybe"})
        assert response.status_code == 422 and response.json()["field"] == "decision"


def test_public_enterprise_lookup_masks_personal_data(server):
    with server.client("alice") as alice:
        uscc = alice.post("/api/v1/applications", json=application_body()).json()["uscc"]
    with server.client() as anonymous:
        public = anonymous.get(f"/api/v1/enterprises/{uscc}")
        assert public.status_code == 200
        text = public.text
        rep = application_body()["legal_representative"]
        assert rep["id_number"] not in text and rep["phone"] not in text
        assert public.json()["name"] == "重庆云帆科技有限公司"
        assert anonymous.get("/api/v1/enterprises/915001070000000000").status_code == 404


def test_openapi_document_lists_the_v1_routes(server):
    with server.client() as anonymous:
        paths = anonymous.get("/openapi.json").json()["paths"]
    for route in ("/api/v1/auth/token", "/api/v1/applications", "/api/v1/applications/{app_id}",
                  "/api/v1/applications/{app_id}/decision", "/api/v1/applications/{app_id}/materials",
                  "/api/v1/enterprises/{uscc}"):
        assert route in paths
