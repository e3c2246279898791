"""The register's names that may carry a new name's 字号 (秒批 and the name check): found by where a
字号 stands in a name, a few ranges of an index, so the lookup does not read the zone's whole register;
every enterprise with the same 字号 is found, however many other names contain it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import text

from factories import NOW, application_body
from federation.instances import throwaway_postgres
from yima.accounts.service import add_user
from yima.bench.register import settle
from yima.db import Database
from yima.db.migrate import upgrade
from yima.register.tables import Enterprise
from yima.registration import names, service, views
from yima.registration.model import ApplicationIn
from yima.registration.tables import Application
from yima.standard import load_standard
from yima.zones.service import add_zone

STANDARD = load_standard()
PLACES = ("重庆", "重庆市")
FORMS = sorted({s for t in STANDARD.entity_types.values() for s in t.name_suffixes})
TRADE = st.text(alphabet="云帆山城华信两江天府长安", min_size=2, max_size=4)


def _shaped(shape: str, place: str, trade: str, feature: str, form: str) -> str:
    return {"before": f"{place}{trade}{feature}{form}",  # 重庆云帆科技有限公司
            "after": f"{trade}{feature}（{place}）{form}",  # 云帆科技（重庆）有限公司 (实施办法 art. 9)
            "after-ascii": f"{trade}{feature}({place}){form}",
            "after-trade": f"{trade}（{place}）{feature}{form}",  # 云帆（重庆）科技有限公司
            "bracket-first": f"（{place}）{trade}{feature}{form}"}[shape]


SHAPES = ["before", "after", "after-ascii", "after-trade", "bracket-first"]


@given(st.sampled_from(SHAPES), st.sampled_from(PLACES), TRADE, st.sampled_from(sorted(STANDARD.industry_words)),
       st.sampled_from(FORMS))
def test_every_name_begins_as_the_lookup_expects_of_its_trade_name(shape, place, trade, feature, form):
    name = _shaped(shape, place, trade, feature, form)
    parts = names.parse(name, PLACES, STANDARD)
    assume(parts is not None and parts.trade)
    assert parts is not None
    assert any(name.startswith(b) for b in names.trade_beginnings(parts.trade, PLACES)), name
    assert name.startswith(names.trade_beginnings(parts.trade, PLACES, parts.feature)), name


def test_a_bracketed_division_inside_the_trade_name_is_the_documented_exception():
    name = "华（重庆）信科技有限公司"  # no rule of naming allows it; parse still reads 字号 华信
    parts = names.parse(name, PLACES, STANDARD)
    assert parts is not None and parts.trade == "华信"
    assert not any(name.startswith(b) for b in names.trade_beginnings("华信", PLACES))


def _enterprise(n: int, name: str, status: str = "active") -> Enterprise:
    made = datetime(2026, 1, 1, tzinfo=UTC)
    return Enterprise(uscc=f"91500107MA{n:07d}X", zone_id="cq-gxq", name=name, entity_type="llc",
                      industry_code="I6513", registered_capital=Decimal("100"), established_on=date(2026, 1, 1),
                      status=status, created_at=made, updated_at=made)


@pytest.mark.db
def test_every_enterprise_with_the_trade_name_is_found_however_many_names_contain_it(db: Database, zone_cq, people):
    # Sixty names hold 云帆 without it being their 字号 (飞云帆…), each with a credit code before the
    # real ones': a search for 云帆 anywhere, the first 50 by code, found none of the three below.
    crowd = [_enterprise(n, f"重庆飞云帆{'一二三四五六七八九十'[n % 10]}科技有限公司") for n in range(60)]
    same = [_enterprise(100, "重庆云帆科技有限公司"), _enterprise(101, "云帆餐饮（重庆）有限公司"),
            _enterprise(102, "重庆市云帆物流有限公司")]
    gone = _enterprise(103, "重庆云帆建筑有限公司", status="cancelled")
    with db.write() as session:
        session.add_all([*crowd, *same, gone])
    with db.read() as session:
        found = service.registered_alike(session, STANDARD, "cq-gxq", "重庆云帆科技股份有限公司", PLACES)
    kept = {uscc for name, uscc in found
            if (parts := names.parse(name, PLACES, STANDARD)) is not None and parts.trade == "云帆"}
    assert kept == {e.uscc for e in same}

    # Through 秒批: the same 字号 and feature is refused naming the registered enterprise.
    body = ApplicationIn.model_validate(application_body(name="重庆云帆科技股份有限公司", entity_type="joint_stock"))
    app_id = service.submit(db, STANDARD, people["alice"], body, NOW)
    view = views.get_application(db, people["alice"], app_id, NOW).as_json()
    assert view["status"] == "rejected", view["findings"]
    by_rule = {(f["rule"], uscc) for f in view["findings"] for uscc in {e.uscc for e in [*same, *crowd, gone]}
               if uscc in f["message"]}
    assert ("name.same_as_registered", same[0].uscc) in by_rule
    assert {("name.similar", same[1].uscc), ("name.similar", same[2].uscc)} <= by_rule
    assert not {uscc for _, uscc in by_rule} - {e.uscc for e in same}


@pytest.mark.db
def test_a_common_trade_name_still_finds_the_one_with_the_same_feature(db: Database, zone_cq, people):
    # Sixty enterprises with the 字号 云帆 and another feature whose names sort first (咨询 before 科技):
    # each range stops after 50 names, before 重庆云帆科技…; the ranges of 字号 and feature find it.
    others = [_enterprise(n, "重庆云帆咨询有限公司") for n in range(60)]
    same = _enterprise(100, "重庆云帆科技有限公司")
    with db.write() as session:
        session.add_all([*others, same])
    with db.read() as session:
        found = service.registered_alike(session, STANDARD, "cq-gxq", "重庆云帆科技股份有限公司", PLACES)
    assert len(found) == service.MAX_ALIKE and found[0] == (same.name, same.uscc)
    body = ApplicationIn.model_validate(application_body(name="重庆云帆科技股份有限公司", entity_type="joint_stock"))
    view = views.get_application(db, people["alice"], service.submit(db, STANDARD, people["alice"], body, NOW),
                                 NOW).as_json()
    assert view["status"] == "rejected"
    refused = [f for f in view["findings"] if f["rule"] == "name.same_as_registered"]
    assert len(refused) == 1 and same.uscc in refused[0]["message"]


@pytest.mark.db
def test_the_lookup_is_ranges_of_an_index_on_both_databases(db: Database):
    beginnings = names.trade_beginnings("云帆", PLACES, "科技")
    statement = service._alike_statement(db.engine.dialect.name, len(beginnings))
    compiled = statement.compiled(db.engine.dialect)
    values = service._alike_values("cq-gxq", beginnings)
    with db.engine.connect() as connection:
        if db.is_sqlite:
            plan = " | ".join(str(row[-1]) for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + compiled.sql, tuple(compiled.parameters(values))))
            assert plan.count("USING INDEX ix_enterprises_zone_name (zone_id=? AND name>? AND name<?)") \
                == len(beginnings), plan
            assert "TEMP B-TREE" not in plan, plan  # read in the index's order: each range stops after 50
        else:
            connection.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: whether the index serves
            plan = " | ".join(str(row[0]) for row in connection.exec_driver_sql(
                "EXPLAIN " + compiled.sql, compiled.parameters(values)))
            assert plan.count("ix_enterprises_zone_name_prefix") == len(beginnings) and "~>=~" in plan, plan
            assert "Sort" not in plan, plan  # read in the index's order: each range stops after 50


def _taken_name_plan(database: Database) -> list[str]:
    compiled = service._TAKEN_NAMES.compiled(database.engine.dialect)
    values = compiled.parameters({"zone": "cq-gxq", "name": "重庆云帆科技有限公司"})
    with database.engine.connect() as connection:
        if database.is_sqlite:
            return [str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.sql,
                                                                       tuple(values))]
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        return [str(row[0]).strip()
                for row in connection.exec_driver_sql("EXPLAIN (COSTS OFF) " + compiled.sql, values)]


@pytest.mark.db
def test_the_check_for_a_taken_name_reads_one_range_of_an_index_on_both_databases(db: Database):
    """The check inside 秒批's write transaction: the zone's active enterprises and pending applications
    with the name, each one range of an index on (zone, name), not every pending application of the
    zone (which the index on (zone, status) alone made it read, a cost growing with the zone's queue).

    PostgreSQL chooses by the tables' statistics, so it is asked on a database of the test's own with
    a zone's worth of them (the worker's shared database has whatever statistics autovacuum last took
    of tables other tests emptied, and statistics taken there would change the plans of later tests)."""
    if db.is_sqlite:
        plan = " | ".join(_taken_name_plan(db))
        assert "SEARCH applications USING INDEX ix_applications_zone_name (zone_id=? AND name=?)" in plan, plan
        assert "SEARCH enterprises USING INDEX ix_enterprises_zone_name (zone_id=? AND name=?)" in plan, plan
        return
    for url in throwaway_postgres("yima_taken"):
        upgrade(url)
        own = Database(url)
        try:
            add_zone(own, "cq-gxq", "重庆高新区", "500107", 575_047, NOW, place_names=["重庆", "重庆市"])
            alice = add_user(own, "alice", "applicant", "password-123456", NOW)
            body = ApplicationIn.model_validate(application_body(name="重庆云帆数据科技有限公司"))
            service.submit(own, STANDARD, alice, body, NOW)
            with own.engine.begin() as connection:  # a zone's queue and history: 300 more, their names distinct
                columns = [column.name for column in Application.__table__.columns if column.name != "id"]
                made = {"name": "name || g", "idempotency_key": "NULL",
                        "status": "(ARRAY['submitted', 'under_review', 'approved'])[1 + mod(g, 3)]"}
                connection.exec_driver_sql(
                    f"INSERT INTO applications ({', '.join(columns)}) SELECT "
                    f"{', '.join(made.get(c, c) for c in columns)} FROM applications, generate_series(1, 300) AS g")
            settle(own)  # the statistics a running zone's autovacuum gathers
            lines = _taken_name_plan(own)
        finally:
            own.dispose()
    plan = " | ".join(lines)
    for table, index in (("applications", "ix_applications_zone_name"), ("enterprises", "ix_enterprises_zone_name")):
        scan = next(n for n, line in enumerate(lines) if line.endswith(f" on {table}"))
        assert index in lines[scan] and lines[scan + 1].startswith("Index Cond:"), plan
        assert "(name)::text = '重庆云帆科技有限公司'" in lines[scan + 1], plan
