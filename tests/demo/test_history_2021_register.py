"""The synthetic 2021 register, checked by the pure rules on a small variant of the 2021 figures' shape."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yima.demo.history_2021 import CHONGQING_2021, SMALL, seed_matters, seed_register
from yima.registration import rules
from yima.registration.codes import is_valid_uscc
from yima.registration.model import ApplicationIn
from yima.standard import load_standard
from yima.stats.rules import (
    RegisterEntry,
    growth_pct,
    is_active_on,
    is_domestic_enterprise,
    same_day_year_earlier,
    sector_of,
)
from yima.stats.synthetic import (
    TAIL,
    credit_code_type,
    entity_name,
    synthetic_register,
    synthetic_uscc,
    unique_tail,
)


def entries(rows):
    return [RegisterEntry(r.entity_type, r.industry_code, r.registered_capital, r.established_on, r.cancelled_on,
                          r.address_commitment) for r in rows]


def test_the_small_seed_register_gives_its_targets():
    rows = seed_register(SMALL)
    period, base = SMALL.period, SMALL.period.year_earlier()
    t1, t0 = period.end, same_day_year_earlier(period.end)
    register = entries(rows)
    new = [e for e in register if is_domestic_enterprise(e.entity_type) and e.established_on in period]
    new_before = [e for e in register if is_domestic_enterprise(e.entity_type) and e.established_on in base]
    assert len(new) == SMALL.new_domestic and len(new_before) == SMALL.new_domestic_year_earlier
    assert sum(e.registered_capital for e in new) == SMALL.new_capital_yuan
    assert sum(e.registered_capital for e in new_before) == SMALL.new_capital_year_earlier_yuan
    assert sum(is_active_on(e, t1) for e in register) == SMALL.market_entities
    assert sum(is_active_on(e, t0) for e in register) == SMALL.market_entities_year_earlier
    domestic = [e for e in register if is_domestic_enterprise(e.entity_type) and is_active_on(e, t1)]
    sectors = [sector_of(e.industry_code) for e in domestic]
    assert (sectors.count(1), sectors.count(2), sectors.count(3)) == (SMALL.primary, SMALL.secondary, SMALL.tertiary)
    assert sum(e.address_commitment and e.established_on in period for e in register) == SMALL.address_commitments
    assert all(is_valid_uscc(r.uscc) for r in rows) and len({r.uscc for r in rows}) == len(rows)


def test_the_register_has_entities_on_the_boundary_days():
    register = entries(seed_register(SMALL))
    t1 = SMALL.period.end
    assert any(e.cancelled_on == t1 for e in register)
    assert any(e.cancelled_on == same_day_year_earlier(t1).replace(day=1, month=9) for e in register)


def test_the_seed_matters_count_only_decisions_of_the_period():
    records = seed_matters(SMALL)
    counted = [r for r in records if r.status in ("approved", "rejected")
               and SMALL.period.start <= r.decided_at.date() <= SMALL.period.end]
    assert len(counted) == SMALL.matters_processed
    assert sum(r.channel == "online" for r in counted) == SMALL.matters_online
    assert any(r.status == "withdrawn" for r in records)
    assert all(r.submitted_at <= r.decided_at for r in records)


def test_the_full_seed_targets_are_the_seeds_numbers():
    t = CHONGQING_2021
    assert (t.new_domestic, t.market_entities, t.domestic, t.tertiary, t.matters_processed) == (
        3_437, 60_725, 23_858, 18_232, 11_209)
    assert round(growth_pct(t.new_capital_yuan, t.new_capital_year_earlier_yuan), 2) == 63.61
    assert round(growth_pct(t.market_entities, t.market_entities_year_earlier), 2) == 15.15


def test_the_synthetic_register_is_plausible_and_reproducible():
    rows = list(synthetic_register(4_000, date(2026, 11, 25), 0))
    assert rows == list(synthetic_register(4_000, date(2026, 11, 25), 0))
    assert [r.established_on for r in rows] == sorted(r.established_on for r in rows)
    domestic = [r for r in rows if is_domestic_enterprise(r.entity_type)]
    assert 0.33 < len(domestic) / len(rows) < 0.44
    tertiary = sum(sector_of(r.industry_code) == 3 for r in domestic) / len(domestic)
    assert 0.70 < tertiary < 0.82
    assert all(is_valid_uscc(r.uscc) for r in rows[:500])
    assert all(r.cancelled_on is None or r.cancelled_on >= r.established_on for r in rows)


def test_a_synthetic_register_of_ten_million_has_ten_million_distinct_credit_codes():
    """Each million takes another district's division code; eight of them repeated after 8 million."""
    same_place = [synthetic_uscc(i, "llc", 0) for i in range(123, 26_000_000, 1_000_000)]
    assert len(set(same_place)) == 26 and all(is_valid_uscc(code) for code in same_place)
    with pytest.raises(ValueError, match="at most 26,000,000"):
        next(synthetic_register(26_000_001, date(2026, 11, 25), 0))


def _name_findings(name: str, entity_type: str, standard) -> list[str]:
    """What the name rules that need no register find in ``name`` of an entity of the import type
    ``entity_type`` (characters, form, words), as an establishment of that kind would meet them."""
    body = ApplicationIn.model_construct(zone="cq-gxq", matter="establish", name=name, channel="online",
                                         entity_type=credit_code_type(entity_type), materials=[], commitments=[])
    ctx = rules.RuleContext(standard=standard, zone_id="cq-gxq", zone_known=True, place_names=("重庆", "重庆市"),
                            today=date(2026, 12, 6))
    return [f.rule for rule in (rules.name_characters_are_allowed, rules.name_has_no_banned_word,
                                rules.name_has_the_lawful_form, rules.name_has_no_restricted_word)
            for f in rule(body, ctx)]


@given(n=st.integers(min_value=0, max_value=25_999_999), seed=st.integers(0, 2**32 - 1),
       entity_type=st.sampled_from(["domestic_enterprise", "llc", "foreign_enterprise", "individual_business",
                                    "farmer_cooperative"]))
@settings(max_examples=300, deadline=None)
def test_every_synthetic_name_passes_the_name_rules(n, seed, entity_type):
    name = entity_name(random.Random(seed), entity_type, n)
    assert _name_findings(name, entity_type, load_standard()) == [], name


def test_a_register_holds_each_name_once_and_its_figures_do_not_depend_on_the_names():
    """Names are unique within a registration authority; the synthetic registers once held 1,015 names
    for 60,000 entities. Each 字号 takes a tail of its own (``unique_tail``) and nothing else is drawn
    differently, so every other field, and every figure, is as before."""
    for rows in (seed_register(SMALL), list(synthetic_register(20_000, date(2026, 11, 25), 0))):
        names = [r.name for r in rows]
        assert len(set(names)) == len(names)
    tails = [unique_tail(n) for n in range(0, 2_000_000, 7)] + [unique_tail(25_999_999)]
    assert len(set(tails)) == len(tails) and min(map(len, tails)) == 2
    assert set("".join(tails)) <= set(TAIL) and not {"中", "国", "华"} & set(TAIL)
    with pytest.raises(ValueError):
        unique_tail(-1)
