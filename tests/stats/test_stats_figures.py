"""The figures computed in SQL, against values worked out by hand on a small register (both databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from yima.accounts.service import add_user
from yima.clock import CHINA
from yima.demo.history_2021 import SMALL, MatterRecord, load_seed, store_matters
from yima.errors import NotFound
from yima.registration.codes import make_uscc
from yima.stats.importer import load_entities
from yima.stats.rows import EntityRow
from yima.stats.rules import BundledReduction, Period
from yima.stats.service import Sources, compute_figures

pytestmark = pytest.mark.db
NOW = datetime(2024, 3, 2, 2, 0, tzinfo=UTC)
PERIOD = Period(date(2024, 1, 1), date(2024, 2, 29))
D = date


def entity(seq: int, entity_type: str, industry: str, capital: int, established: date,
           cancelled: date | None = None, commitment: bool = False) -> EntityRow:
    kind = entity_type if entity_type in ("individual_business", "farmer_cooperative") else "llc"
    return EntityRow(make_uscc(kind, "500107", 700_000 + seq, 0), f"主体{seq}", entity_type, industry,
                     Decimal(capital), established, cancelled, f"科城路{seq}号", commitment)


REGISTER = [
    entity(1, "llc", "I6513", 100, D(2024, 1, 10)),
    entity(2, "domestic_enterprise", "C3011", 300, D(2024, 2, 29), commitment=True),
    entity(3, "joint_stock", "A0111", 50, D(2023, 2, 28)),
    entity(4, "partnership", "A0511", 20, D(2023, 1, 1), D(2024, 2, 29)),
    entity(5, "individual_business", "H6210", 1, D(2020, 5, 5)),
    entity(6, "foreign_enterprise", "C3911", 9_000, D(2024, 1, 31)),
    entity(7, "llc", "I6513", 7, D(2023, 3, 1), D(2023, 12, 31)),
    entity(8, "llc", "B1120", 8, D(2010, 1, 1)),
    entity(9, "farmer_cooperative", "A0190", 9, D(2022, 12, 31), D(2023, 2, 28)),
    entity(10, "sole_proprietorship", "C4320", 10, D(2024, 3, 1)),
]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(UTC)


def matter(kind: str, channel: str, status: str, submitted: datetime, took: timedelta) -> MatterRecord:
    return MatterRecord(kind, channel, status, submitted, submitted + took, reviewed=took > timedelta(seconds=5))


MATTERS = [
    matter("establish", "online", "approved", local(D(2024, 1, 10), 10), timedelta(seconds=2)),
    matter("establish", "counter", "approved", local(D(2024, 1, 11), 9), timedelta(hours=4)),
    matter("change", "online", "approved", local(D(2024, 2, 1), 9), timedelta(hours=10)),
    matter("establish", "online", "rejected", local(D(2024, 2, 2), 9), timedelta(hours=1)),
    matter("establish", "online", "approved", local(D(2024, 2, 27), 9), timedelta(hours=62, minutes=30)),
    matter("establish", "online", "approved", local(D(2024, 2, 29), 23), timedelta(hours=1, minutes=30)),  # 1 March
    matter("establish", "online", "withdrawn", local(D(2024, 1, 20), 9), timedelta(hours=1)),
    matter("establish", "counter", "approved", local(D(2024, 1, 15), 9), timedelta(hours=96)),
]


@pytest.fixture
def register(db, zone_cq, standard):
    load_entities(db, zone_cq, REGISTER, NOW)
    load_entities(db, "cd-gxq", [entity(11, "llc", "I6513", 5, D(2024, 1, 5))], NOW)
    applicant = add_user(db, "historian", "applicant", "password-123", NOW)
    store_matters(db, zone_cq, applicant.id, MATTERS, standard)
    store_matters(db, "cd-gxq", applicant.id, MATTERS[:1], standard)
    return zone_cq


def test_figures_match_the_hand_computed_values(db, register, standard):
    f = compute_figures(db, register, PERIOD, standard)
    assert f.base_period == Period(D(2023, 1, 1), D(2023, 2, 28))
    assert (f.new_domestic.current, f.new_domestic.year_earlier) == (2, 2)
    assert f.new_domestic.growth_pct == 0
    assert (f.new_domestic_capital.current, f.new_domestic_capital.year_earlier) == (Decimal(400), Decimal(70))
    assert (f.market_entities.current, f.market_entities.year_earlier) == (6, 4)
    assert f.market_entities.growth_pct == pytest.approx(50)
    assert f.per_10k_residents == pytest.approx(6 * 10_000 / 575_047)
    assert f.market_entities_by_category == {"domestic_enterprise": 4, "foreign_enterprise": 1,
                                             "individual_business": 1, "farmer_cooperative": 0}
    assert f.domestic_active == 4
    assert (f.domestic_by_sector.primary, f.domestic_by_sector.secondary, f.domestic_by_sector.tertiary) == (1, 1, 2)
    assert f.domestic_by_section == {"A": 1, "B": 1, "C": 1, "I": 1}
    assert f.address_commitment == 1
    assert [(m.month, m.new_domestic, m.new_domestic_capital, m.new_market_entities, m.new_domestic_year_earlier,
             m.new_domestic_capital_year_earlier) for m in f.monthly] == [
        ("2024-01", 1, Decimal(100), 2, 1, Decimal(20)), ("2024-02", 1, Decimal(300), 1, 1, Decimal(50))]


def test_matters_and_approval_times_count_the_periods_china_days(db, register, standard):
    f = compute_figures(db, register, PERIOD, standard)
    assert (f.matters.processed, f.matters.approved, f.matters.rejected, f.matters.online) == (6, 5, 1, 4)
    assert f.matters.online_share_pct == pytest.approx(400 / 6)
    timing = {t.matter: t for t in f.approval_times}
    assert [t.matter for t in f.approval_times] == ["establish", "change"]
    establish = timing["establish"]
    assert (establish.approved, establish.within_limit, establish.statutory_days) == (4, 3, 3)
    assert establish.median_hours == pytest.approx((4 + 62.5) / 2, abs=1e-6)
    assert establish.mean_hours == pytest.approx((2 / 3600 + 4 + 62.5 + 96) / 4, abs=1e-6)
    assert (timing["change"].median_hours, timing["change"].mean_hours) == (pytest.approx(10), pytest.approx(10))


def test_other_features_figures_come_from_sources_and_are_null_without_them(db, register, standard):
    counted = compute_figures(db, register, PERIOD, standard).as_json()
    assert counted["seal_sets"] == 0 and counted["one_code_licences"] == 0  # from the (empty) records
    assert counted["cross_region_licences"] == 0  # from the (empty) records of the federation feature
    calls = []

    def seal_sets(database, zone_id, period):
        calls.append((zone_id, period))
        return 3_000

    sources = Sources(one_code_licences=51, seal_sets=seal_sets,
                      bundled_reduction=BundledReduction(8, 4, 20, 0.4))
    f = compute_figures(db, register, PERIOD, standard, seal_set_price_yuan=300, sources=sources)
    assert calls == [(register, PERIOD)]
    data = f.as_json()
    assert (data["one_code_licences"], data["seal_sets"], data["seal_savings_yuan"]) == (51, 3_000, 900_000)
    assert data["cross_region_licences"] is None
    assert data["bundled_licences"]["time_reduction_pct"] == 98.0


def test_the_root_plugs_in_the_sources_features_add(monkeypatch):
    from yima.registry import Registry
    from yima.stats import service

    monkeypatch.setattr(service, "_registered", {})
    registry = Registry()
    registry.add(service.FIGURE_SOURCES, ("seal_sets", 7))
    service.use(registry)
    registered = service.registered_sources()
    assert registered.seal_sets == 7  # a plugged-in provider replaces the count from the seal records
    assert registered.cross_region_licences is None
    registry.add(service.FIGURE_SOURCES, ("unicorns", 1))
    with pytest.raises(ValueError, match="unknown figure source"):
        service.use(registry)


def test_an_empty_zone_has_zero_counts_and_undefined_growth(db, zone_cq, standard):
    data = compute_figures(db, zone_cq, PERIOD, standard).as_json()
    assert data["new_domestic_enterprises"]["count"] == 0
    assert data["new_domestic_enterprises"]["growth_pct"] is None
    assert data["registration_matters"]["without_visit_share_pct"] is None
    assert data["approval_time"] == [] and len(data["monthly"]) == 2


def test_an_unknown_zone_is_not_found(db, zone_cq, standard):
    with pytest.raises(NotFound):
        compute_figures(db, "nowhere", PERIOD, standard)


def test_sql_agrees_with_the_small_seed(db, zone_cq, standard):
    applicant = add_user(db, "historian", "applicant", "password-123", NOW)
    load_seed(db, zone_cq, applicant.id, NOW, standard, targets=SMALL)
    f = compute_figures(db, zone_cq, SMALL.period, standard)
    assert (f.new_domestic.current, f.new_domestic.year_earlier) == (SMALL.new_domestic,
                                                                     SMALL.new_domestic_year_earlier)
    assert f.new_domestic_capital.current == SMALL.new_capital_yuan
    assert (f.market_entities.current, f.market_entities.year_earlier) == (
        SMALL.market_entities, SMALL.market_entities_year_earlier)
    sectors = f.domestic_by_sector
    assert (sectors.primary, sectors.secondary, sectors.tertiary) == (SMALL.primary, SMALL.secondary, SMALL.tertiary)
    assert (f.matters.processed, f.matters.online) == (SMALL.matters_processed, SMALL.matters_online)
    assert f.address_commitment == SMALL.address_commitments


def test_yima_registered_and_imported_enterprises_count_alike(db, people, standard):
    from factories import NOW as REGISTERED_AT
    from factories import application_body
    from yima.clock import local_date
    from yima.registration import service
    from yima.registration.model import ApplicationIn

    service.submit(db, standard, people["alice"], ApplicationIn.model_validate(application_body()), REGISTERED_AT)
    day = local_date(REGISTERED_AT)
    load_entities(db, "cq-gxq", [entity(1, "domestic_enterprise", "I6513", 500_000, day)], REGISTERED_AT)
    f = compute_figures(db, "cq-gxq", Period(day.replace(day=1), day), standard)
    assert f.new_domestic.current == 2 and f.new_domestic_capital.current == Decimal("1500000")
    assert f.domestic_by_sector.tertiary == 2 and f.address_commitment == 1
    assert (f.matters.processed, f.matters.online) == (1, 1)
    assert f.approval_times[0].matter == "establish" and f.approval_times[0].median_hours == 0
