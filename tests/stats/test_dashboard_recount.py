"""The dashboard that ``yima serve`` warmed up at start (``warm_up``'s ``WARM_UPS``: the figures' queries run once
for each zone, their results dropped) still shows figures counted from the database on every
visit: after the register changes, the page's figures equal a recount from the rows."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from yima.clock import local_date, utcnow
from yima.stats import queries
from yima.stats.importer import load_entities
from yima.stats.rules import Period
from yima.stats.synthetic import synthetic_register
from yima.web.app import WARM_UPS
from yima.zones.tables import Zone

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def _page_figures(client, zone: str) -> dict:
    page = client.get(f"/dashboard?zone={zone}")
    assert page.status_code == 200, page.text
    data = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', page.text, re.S)
    assert data is not None
    return json.loads(data.group(1))["figures"]


def _recount(db, zone: str, today: date) -> tuple[int, int]:
    period = Period(date(today.year, 1, 1), today)
    with db.read() as session:
        conn = session.connection()
        new = queries.new_registrations_by_month(conn, zone, period)
        groups = queries.active_by_type_and_division(conn, zone, today, date(today.year - 1, today.month, 1))
    return sum(m.new_domestic for m in new.values()), sum(g.active for g in groups)


def test_the_warmed_dashboard_counts_from_the_database_after_every_change(db, server, zone_cq):
    assert server.app.state.registry.items(WARM_UPS)  # the stats feature installed its warm-up
    today = local_date(utcnow())
    with db.read() as session:
        block = session.scalar(select(Zone.org_block_start).where(Zone.id == zone_cq))
    load_entities(db, zone_cq, synthetic_register(60, today, block), utcnow(), source="synthetic")
    for warm in server.app.state.registry.items(WARM_UPS):  # what ``warm_up`` runs after the templates
        warm(db, server.app.state.standard)
    with server.client("officer-cq") as officer:
        before = _page_figures(officer, zone_cq)
        assert (before["new_domestic_enterprises"]["count"], before["market_entities"]["active"]) \
            == _recount(db, zone_cq, today)
        load_entities(db, zone_cq, synthetic_register(90, today, block, seed=7), utcnow(), source="synthetic")
        after = _page_figures(officer, zone_cq)
    assert (after["new_domestic_enterprises"]["count"], after["market_entities"]["active"]) \
        == _recount(db, zone_cq, today)
    assert after["market_entities"]["active"] > before["market_entities"]["active"]
