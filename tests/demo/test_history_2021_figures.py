"""Yima reproduces the Chongqing High-tech Zone's 2021 report figures from records (full size, both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yima.accounts.service import add_user
from yima.demo.history_2021 import SEED_PERIOD, load_seed
from yima.stats.briefing import briefing_zh
from yima.stats.service import compute_figures

pytestmark = pytest.mark.db


def test_the_seed_figures_are_computed_from_the_register(db, zone_cq, standard):
    now = datetime(2021, 9, 30, 2, 0, tzinfo=UTC)
    applicant = add_user(db, "historian", "applicant", "password-123", now)
    summary = load_seed(db, zone_cq, applicant.id, now, standard)
    assert summary.bad == 0
    f = compute_figures(db, zone_cq, SEED_PERIOD, standard, seal_set_price_yuan=300)  # every source counts records
    data = f.as_json()
    new = data["new_domestic_enterprises"]
    assert (new["count"], new["count_year_earlier"]) == (3_437, 2_944)
    assert new["growth_pct"] == 16.75  # the report prints 16.76%, which no whole base gives (see history_2021)
    assert new["registered_capital_yuan"] == 26_078_000_000 and new["registered_capital_growth_pct"] == 63.61
    entities = data["market_entities"]
    assert (entities["active"], entities["growth_pct"], round(entities["per_10k_residents"])) == (60_725, 15.15, 1_056)
    domestic = data["domestic_enterprises"]
    assert (domestic["active"], domestic["tertiary"], domestic["secondary"], domestic["primary"]) == (
        23_858, 18_232, 5_129, 497)
    assert domestic["tertiary_share_pct"] == 76.42
    matters = data["registration_matters"]
    assert (matters["processed"], round(matters["without_visit_share_pct"])) == (11_209, 70)
    assert data["address_commitment_registrations"] == 1_203
    assert data["one_code_licences"] == 51
    # Counted from federation records: none in this register; the demo's 28 come with the cross-region
    # history (tests/federation/test_federation_history.py).
    assert data["cross_region_licences"] == 0
    assert (data["seal_sets"], data["seal_savings_yuan"]) == (3_000, 900_000)
    assert data["bundled_licences"]["materials_reduction_pct"] == 50.0
    assert data["bundled_licences"]["time_reduction_pct"] == 98.0
    first = briefing_zh(f)[0]
    assert first.startswith("2021年1-8月，重庆高新区新增内资企业3437户，增长率为16.75%；"
                            "注册资本（金）260.78亿元，同比增长63.61%")
    assert "共有各类市场主体60725户，年增长率为15.15%，常住人口中每一万人拥有市场主体数为1056户" in first


def test_the_seed_one_code_licences_are_signed_licences_carrying_their_permits(db, zone_cq, standard):
    from sqlalchemy import select

    from yima.demo.history_2021 import SMALL
    from yima.licences.service import verify_scanned
    from yima.licences.tables import Licence, Permit

    now = datetime(2021, 9, 30, 2, 0, tzinfo=UTC)
    applicant = add_user(db, "historian", "applicant", "password-123", now)
    load_seed(db, zone_cq, applicant.id, now, standard, targets=SMALL)
    with db.read() as session:
        licences = session.scalars(select(Licence).where(Licence.zone_id == zone_cq)).all()
        permits = session.scalars(select(Permit).where(Permit.zone_id == zone_cq)).all()
    assert len(licences) == SMALL.one_code_licences and all(lic.permit_count == 1 for lic in licences)
    assert {p.uscc for p in permits} == {lic.uscc for lic in licences}
    assert all(p.application_id is not None and p.status in ("active", "filed") for p in permits)
    for licence in licences:
        answer = verify_scanned(db, standard, licence.qr_text, now).as_json()
        assert answer["valid"] is True and answer["licence"]["uscc"] == licence.uscc
        assert answer["licence"]["issued_at"].startswith("2021-")
