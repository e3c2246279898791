"""``GET /api/v1/stats`` over a real HTTP server: figures as numbers, 422 naming the field, access."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yima.demo.history_2021 import SMALL, load_seed

pytestmark = [pytest.mark.db, pytest.mark.e2e]
PERIOD = {"zone": "cq-gxq", "from": "2021-01-01", "to": "2021-08-31"}


@pytest.fixture
def seeded(db, people, standard):
    load_seed(db, "cq-gxq", people["alice"].id, datetime(2021, 9, 30, tzinfo=UTC), standard, targets=SMALL)


def test_officer_gets_every_figure_as_a_number(server, seeded):
    with server.client("officer-cq") as officer:
        response = officer.get("/api/v1/stats", params=PERIOD)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["zone"] == {"id": "cq-gxq", "name": "重庆高新区", "residents": 575_047}
    assert data["period"] == {"from": "2021-01-01", "to": "2021-08-31", "year_earlier_from": "2020-01-01",
                              "year_earlier_to": "2020-08-31"}
    assert data["new_domestic_enterprises"]["count"] == SMALL.new_domestic
    assert data["new_domestic_enterprises"]["registered_capital_yuan"] == SMALL.new_capital_yuan
    assert data["market_entities"]["active"] == SMALL.market_entities
    assert data["domestic_enterprises"]["tertiary"] == SMALL.tertiary
    assert data["registration_matters"]["processed"] == SMALL.matters_processed
    assert data["address_commitment_registrations"] == SMALL.address_commitments
    for group in ("new_domestic_enterprises", "market_entities", "registration_matters"):
        assert all(isinstance(v, int | float) for k, v in data[group].items() if k != "by_category")
    assert len(data["monthly"]) == 8 and all(isinstance(t["median_hours"], float) for t in data["approval_time"])


def test_admin_sees_any_zone(server, seeded):
    with server.client("admin") as admin:
        assert admin.get("/api/v1/stats", params={**PERIOD, "zone": "cd-gxq"}).status_code == 200
        missing = admin.get("/api/v1/stats", params={**PERIOD, "zone": "nowhere"})
    assert missing.status_code == 404 and missing.json()["error"] == "zone.unknown"


@pytest.mark.parametrize("params,field,rule", [
    ({"from": "2021-01-01", "to": "2021-08-31"}, "zone", "stats.zone_required"),
    ({"zone": "cq-gxq", "to": "2021-08-31"}, "from", "stats.date_required"),
    ({"zone": "cq-gxq", "from": "2021-01-01"}, "to", "stats.date_required"),
    ({**PERIOD, "from": "20210101"}, "from", "stats.date_format"),
    ({**PERIOD, "to": "2021-02-30"}, "to", "stats.date_format"),
    ({**PERIOD, "from": "2021-09-01"}, "to", "stats.period_order"),
    ({**PERIOD, "from": "2019-01-01"}, "to", "stats.period_too_long"),
])
def test_bad_or_missing_parameters_are_422_naming_the_field_in_both_languages(server, params, field, rule):
    with server.client("officer-cq") as officer:
        response = officer.get("/api/v1/stats", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["field"], body["error"]) == (field, rule)
    detail = body["detail"][0]
    assert detail["message_zh"] and detail["message_en"] and detail["message_zh"] != detail["message_en"]


def test_figures_need_sign_in_and_the_right_zone(server):
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/stats", params=PERIOD).status_code == 401
    with server.client("officer-cd") as other:
        response = other.get("/api/v1/stats", params=PERIOD)
        assert response.status_code == 403 and response.json()["error"] == "stats.zone_not_yours"
    with server.client("alice") as applicant:
        assert applicant.get("/api/v1/stats", params=PERIOD).status_code == 403
