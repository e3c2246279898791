"""address.outside_zone: a domicile whose GB/T 2260 division is outside the zone's, on the rules,
the service and the API (the same rule id on every path that writes)."""

from __future__ import annotations

from datetime import date

import pytest

from factories import NOW, application_body
from yima.registration import rules, service, views
from yima.registration.addresses import address_division
from yima.registration.model import ApplicationIn
from yima.standard import load_standard
from yima.zones.service import rule_settings

DIVISIONS = (("重庆", "50"), ("四川", "51"), ("成都", "5101"), ("成都市", "5101"))
CHONGQING = [{"text": "重庆市九龙坡区科城路60号", "proof": "commitment"}]


def _ctx(zone_division: str) -> rules.RuleContext:
    return rules.RuleContext(standard=load_standard(), zone_id="cd-gxq", zone_known=True,
                             place_names=("成都", "成都市"), today=date(2026, 11, 25),
                             zone_division=zone_division, divisions=DIVISIONS)


def test_the_division_is_read_from_the_leading_place_names():
    assert address_division("重庆市九龙坡区科城路60号", DIVISIONS) == "50"
    assert address_division("四川省成都市高新区天府大道100号", DIVISIONS) == "5101"
    assert address_division("成都市高新区天府大道100号", DIVISIONS) == "5101"
    assert address_division("四川省绵阳市涪城区1号", DIVISIONS) == "51"
    assert address_division("科城路60号", DIVISIONS) is None


def test_a_chongqing_domicile_in_the_chengdu_zone_goes_to_an_officer():
    body = ApplicationIn.model_validate(application_body(zone="cd-gxq", name="成都云帆科技有限公司",
                                                         addresses=CHONGQING))
    found = rules.evaluate(body, _ctx("510109"))
    assert [(f.rule, f.field) for f in found.review] == [("address.outside_zone", "addresses.0.text")]
    assert "510109" in found.review[0].zh and "GB/T 2260" in found.review[0].en


def test_a_domicile_in_the_zone_or_without_a_known_division_passes():
    inside = application_body(zone="cd-gxq", name="成都云帆科技有限公司",
                              addresses=[{"text": "四川省成都市高新区天府大道100号", "proof": "commitment"},
                                         {"text": "重庆市九龙坡区石桥铺88号", "proof": "lease", "kind": "site"}])
    assert rules.evaluate(ApplicationIn.model_validate(inside), _ctx("510109")).review == []
    unnamed = application_body(zone="cd-gxq", name="成都云帆科技有限公司",
                               addresses=[{"text": "高新区天府大道100号", "proof": "commitment"}])
    assert rules.evaluate(ApplicationIn.model_validate(unnamed), _ctx("510109")).review == []


@pytest.mark.db
def test_the_zone_settings_know_the_divisions_of_its_zones(db, zone_cq):
    settings = rule_settings(db, "cd-gxq")
    assert settings is not None and settings.division_code == "510109"
    assert ("成都", "5101") in settings.divisions and ("重庆", "50") in settings.divisions
    assert ("重庆", "5001") not in settings.divisions


@pytest.mark.db
def test_service_flags_a_domicile_outside_the_zone(db, standard, people):
    body = ApplicationIn.model_validate(application_body(zone="cd-gxq", name="成都云帆科技有限公司",
                                                         addresses=CHONGQING))
    app_id = service.submit(db, standard, people["alice"], body, NOW)
    view = views.get_application(db, people["alice"], app_id, NOW).as_json()
    assert view["status"] == "under_review"
    assert [f["rule"] for f in view["findings"]] == ["address.outside_zone"]


@pytest.mark.db
@pytest.mark.e2e
def test_api_and_page_give_the_same_rule_id(server):
    body = application_body(zone="cd-gxq", name="成都云帆科技有限公司", addresses=CHONGQING)
    rep = body["legal_representative"]
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=body).json()
        assert created["status"] == "under_review"
        assert [f["rule"] for f in created["findings"]] == ["address.outside_zone"]
        page = alice.get("/apply")
        form = {"zone": "cd-gxq", "entity_type": "llc", "name": "成都云舟科技有限公司",
                "registered_capital": "1000000.00", "industry_code": "I6513", "scope": "software_development",
                "domicile_text": CHONGQING[0]["text"], "domicile_proof": "commitment", "commit_address": "1",
                "commit_beneficial_owner": "1",
                "lr_name": rep["name"], "lr_id_number": rep["id_number"], "lr_phone": rep["phone"],
                "sh_name": rep["name"], "sh_id_number": rep["id_number"], "sh_share": "100",
                "materials": ["application_form", "articles_of_association"]}
        assert page.status_code == 200
        sent = alice.post("/apply", data=form, follow_redirects=False)
        assert sent.status_code == 303, sent.text[:2000]
        app_id = sent.headers["location"].rsplit("/", 1)[-1]
        filed = alice.get(f"/api/v1/applications/{app_id}").json()
    assert filed["status"] == "under_review" and [f["rule"] for f in filed["findings"]] == ["address.outside_zone"]


@pytest.mark.db
@pytest.mark.e2e
def test_apply_starts_on_the_zone_the_founder_came_from_and_says_so(server):
    with server.client("alice") as alice:
        fresh = alice.get("/apply").text
        assert '<option value="" selected>请选择开发区</option>' in fresh
        assert "请选择为您的企业办理登记的开发区" in fresh
        came = alice.get("/apply", params={"zone": "cq-gxq"}).text
        assert '<option value="cq-gxq" selected>' in came and "已选重庆高新区：您来自该区政务服务中心。" in came
        assert '<option value="" selected>' not in came
        alice.post("/api/v1/applications", json=application_body(zone="cd-gxq", name="成都云帆科技有限公司",
                                                                 addresses=CHONGQING))
        last = alice.get("/apply").text
        assert '<option value="cd-gxq" selected>' in last and "您上一次申请在该区办理" in last
        unknown = alice.get("/apply", params={"zone": "xx-nowhere"}).text
        assert '<option value="cd-gxq" selected>' in unknown
