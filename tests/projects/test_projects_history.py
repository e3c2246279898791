"""The demo's investment records give the zone report's Chongqing figures (January–June 2021)."""

from __future__ import annotations

import pytest
from project_helpers import NOW, add_register

from yima.demo.investment import SERVED_2021, seed_investment
from yima.projects.figures import compute_key_enterprises, compute_projects
from yima.stats.rules import Period

pytestmark = pytest.mark.db


def test_the_demo_records_give_the_chongqing_figures(db, zone_cq):
    add_register(db, zone_cq, count=SERVED_2021 + 4)
    lines = list(seed_investment(db, zone_cq, NOW, "demo-password-1"))
    assert "111 projects" in lines[0]  # 73 of 2021 and 38 of 2020
    first_half = Period(NOW.date().replace(month=1, day=1), NOW.date().replace(month=6, day=30))
    p = compute_projects(db, zone_cq, first_half).as_json()
    signed = p["projects_signed"]
    assert signed["count"]["value"] == 73
    assert signed["amount_yuan"]["value"] == 76_368_000_000 and signed["amount_yuan"]["growth_pct"] == 151.0
    assert p["funds_in_place_yuan"]["value"] == 14_850_000_000 and p["funds_in_place_yuan"]["growth_pct"] == 357.0
    tags = {tag: pair["value"] for tag, pair in p["investors_by_tag"].items()}
    assert (tags["fortune_global_500"], tags["central_soe"], tags["china_top_500"]) == (7, 8, 9)
    funnel = p["funnel"]
    assert funnel["signed"] == 73 and funnel["signed"] >= funnel["landed"] >= funnel["started"] >= funnel["completed"]
    assert {i["section"] for i in p["by_industry"]} >= {"C", "I"}
    k = compute_key_enterprises(db, zone_cq, Period(NOW.date().replace(month=1, day=1),
                                                    NOW.date().replace(month=6, day=30))).as_json()
    assert (k["served"]["value"], k["high_tech"], k["high_tech_share_pct"]) == (36, 16, 44.44)
    assert k["served"]["year_earlier"] == 22 and k["open_requests"] >= 1
