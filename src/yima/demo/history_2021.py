"""The Chongqing High-tech Zone's 2021 history for the demo: a synthetic register, its matters,
licences and seal sets, from which Yima computes the figures the zone published in its 2021 report.

The zone's 2021 report gives for January-August: 3,437 new domestic enterprises
(+16.76%), registered capital 260.78亿元 (+63.61%); 60,725 market entities (+15.15% in a
year), 1,056 per 10,000 residents; 23,858 domestic enterprises, of which 18,232 tertiary
(76.42%), 5,129 secondary and 497 primary; 11,209 registration matters, 70% without a visit;
1,203 address-commitment registrations; 51 one-code licences, 28 cross-region licences, 3,000
seal sets saving 900,000 yuan; bundled licences with 50% fewer materials and 98% less time.
``seed_register`` builds entities whose records give exactly these figures, ``seed_matters`` the
registration matters, ``seed_one_code_licences`` the period's bundled establishments with their
permits and signed licences, and ``seed_seal_sets`` the seal sets; nothing is stored as a
figure. Cross-region licences need federation between zones, which Yima does not have yet.

One figure cannot be met exactly: no whole number of enterprises a year earlier gives 16.76%
growth to 3,437 (2,944 gives 16.75%, 2,943 gives 16.79%), so the base is 2,944. The register is
built in groups, each chosen so that the counts add up (T1 = 31 August 2021, T0 a year earlier):
new domestic enterprises of the period and of the same period a year earlier; other domestic
enterprises established between them and before; other entities new since T0 or older; entities
cancelled between T0 and T1 (active on T0 only) and long-cancelled ones, with some on the
boundary days.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from yima.clock import CHINA
from yima.db import Database
from yima.db.base import Base, table_of
from yima.db.bulk import PendingKey, insert_new
from yima.licences import service as licences
from yima.licences.permits import PERMIT_COMMITMENT, compare_with_separate
from yima.licences.tables import Licence
from yima.register.tables import Enterprise
from yima.registration.codes import make_uscc
from yima.registration.handoff import Establishment
from yima.registration.status import Status
from yima.registration.tables import Application, Transition
from yima.seals.tables import SealSet
from yima.standard.model import MatterStandard
from yima.stats.importer import ImportSummary, load_entities
from yima.stats.rows import EntityRow
from yima.stats.rules import Period, same_day_year_earlier, sector_of
from yima.stats.synthetic import address, capital_for, credit_code_type, entity_name, pick_industry, pick_sector

SEED_PERIOD = Period(date(2021, 1, 1), date(2021, 8, 31))
#: The history's codes come from the upper half of the zone's organisation-code block, clear of the codes
#: Yima assigns from the bottom of it.
SEED_SEQUENCE_START = 500_000


@dataclass(frozen=True)
class SeedTargets:
    period: Period = SEED_PERIOD
    residents: int = 575_047
    new_domestic: int = 3_437
    new_domestic_year_earlier: int = 2_944
    new_capital_yuan: int = 26_078_000_000
    new_capital_year_earlier_yuan: int = 15_939_000_000
    market_entities: int = 60_725
    market_entities_year_earlier: int = 52_736
    primary: int = 497
    secondary: int = 5_129
    tertiary: int = 18_232
    matters_processed: int = 11_209
    matters_online: int = 7_846
    address_commitments: int = 1_203
    one_code_licences: int = 51
    seal_sets: int = 3_000
    materials_reduction_pct: int = 50  # of the bundled licences, against separate processes
    time_reduction_pct: int = 98
    noise: float = 0.12

    @property
    def domestic(self) -> int:
        return self.primary + self.secondary + self.tertiary


CHONGQING_2021 = SeedTargets()
#: About a hundredth of the 2021 figures, with the same shape: for fast unit tests.
SMALL = SeedTargets(new_domestic=34, new_domestic_year_earlier=29, new_capital_yuan=260_780_000,
                    new_capital_year_earlier_yuan=159_390_000, market_entities=607, market_entities_year_earlier=527,
                    primary=5, secondary=51, tertiary=182, matters_processed=112, matters_online=78,
                    address_commitments=12, one_code_licences=3, seal_sets=30)


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _capitals(rng: random.Random, count: int, total: int) -> list[Decimal]:
    """``count`` whole-yuan amounts, spread like real capitals, that add up to exactly ``total``."""
    if count == 0:
        return []
    weights = [math.exp(rng.gauss(0, 1.4)) for _ in range(count)]
    scale = total / sum(weights)
    amounts = [max(10_000, round(w * scale / 10_000) * 10_000) for w in weights]
    amounts[amounts.index(max(amounts))] += total - sum(amounts)
    if min(amounts) < 0:
        raise ValueError("capital total too small for the number of enterprises")
    return [Decimal(a) for a in amounts]


@dataclass
class _Plan:
    rng: random.Random
    division_code: str
    org_block_start: int
    rows: list[EntityRow] = field(default_factory=list)

    def add(self, entity_type: str, established: date, cancelled: date | None = None, *, sector: int | None = None,
            capital: Decimal | None = None, commitment: bool = False) -> None:
        rng = self.rng
        seq = SEED_SEQUENCE_START + len(self.rows)
        uscc = make_uscc(credit_code_type(entity_type), self.division_code, seq, self.org_block_start)
        industry = pick_industry(rng, sector if sector is not None else pick_sector(rng, entity_type))
        self.rows.append(EntityRow(uscc, entity_name(rng, entity_type, seq), entity_type, industry,
                                   capital if capital is not None else capital_for(rng, entity_type),
                                   established, cancelled, address(rng), commitment))


OTHER_TYPES = ("individual_business", "foreign_enterprise", "farmer_cooperative")
OTHER_WEIGHTS = (0.94, 0.03, 0.03)


def seed_register(targets: SeedTargets = CHONGQING_2021, *, division_code: str = "500107",
                  org_block_start: int = 0, seed: int = 20210831) -> list[EntityRow]:
    """Entities whose records give the target figures for ``targets.period`` (see the module text)."""
    rng = random.Random(seed)
    period = targets.period
    t1, t0 = period.end, same_day_year_earlier(period.end)
    base = period.year_earlier()
    history_start = date(period.start.year - 15, 1, 1)
    before_base = base.start - timedelta(days=1)
    between = (t0 + timedelta(days=1), period.start - timedelta(days=1))
    if between[0] > between[1]:
        raise ValueError("the period must start after the same day a year before its end")

    others_active = targets.market_entities - targets.domestic
    between_domestic = targets.new_domestic // 2
    old_domestic = targets.domestic - targets.new_domestic - targets.new_domestic_year_earlier - between_domestic
    new_others = round(others_active * 0.15)
    cancelled_between = targets.market_entities_year_earlier - (
        targets.market_entities - targets.new_domestic - between_domestic - new_others)
    if min(old_domestic, others_active - new_others, cancelled_between) < 0:
        raise ValueError("inconsistent targets: the groups of the register cannot add up")

    sectors = [1] * targets.primary + [2] * targets.secondary + [3] * targets.tertiary
    rng.shuffle(sectors)
    plan = _Plan(rng, division_code, org_block_start)
    domestic = "domestic_enterprise"

    def other() -> str:
        return rng.choices(OTHER_TYPES, OTHER_WEIGHTS)[0]

    for _ in range(round(targets.market_entities * targets.noise)):  # cancelled long before T0
        founded = _day_between(rng, history_start, before_base - timedelta(days=400))
        plan.add(rng.choice((domestic, other())), founded, _day_between(rng, founded, t0 - timedelta(days=1)))
    for i in range(cancelled_between):  # active on T0, not on T1; some on the boundary days
        founded = t0 - timedelta(days=400) if i == 0 else _day_between(rng, history_start, before_base)
        gone = t1 if i % 50 == 1 else (t0 + timedelta(days=1) if i % 50 == 2 else _day_between(rng, t0, t1))
        plan.add(rng.choice((domestic, other())), founded, max(gone, t0 + timedelta(days=1)))
    for _ in range(old_domestic):
        plan.add(domestic, _day_between(rng, history_start, before_base), sector=sectors.pop())
    for _ in range(others_active - new_others):
        plan.add(other(), _day_between(rng, history_start, t0))
    for capital in _capitals(rng, targets.new_domestic_year_earlier, targets.new_capital_year_earlier_yuan):
        plan.add(domestic, _day_between(rng, base.start, base.end), sector=sectors.pop(), capital=capital)
    for _ in range(between_domestic):
        plan.add(domestic, _day_between(rng, *between), sector=sectors.pop())
    new_others_in_period = new_others // 2
    for _ in range(new_others - new_others_in_period):
        plan.add(other(), _day_between(rng, *between))
    commitments = targets.address_commitments
    for capital in _capitals(rng, targets.new_domestic, targets.new_capital_yuan):
        plan.add(domestic, _day_between(rng, period.start, period.end), sector=sectors.pop(), capital=capital,
                 commitment=commitments > 0)
        commitments -= 1
    for _ in range(new_others_in_period):
        plan.add(other(), _day_between(rng, period.start, period.end), commitment=commitments > 0)
        commitments -= 1
    if commitments > 0:
        raise ValueError("more address commitments than entities established in the period")
    return sorted(plan.rows, key=lambda row: row.established_on)  # a register lists entities as registered


# --- registration matters -----------------------------------------------------------------------

MATTER_MIX = (("establish", 0.46), ("change", 0.36), ("cancel", 0.12), ("filing", 0.06))


@dataclass(frozen=True)
class MatterRecord:
    """One decided registration matter: when it was submitted and decided, how, and the outcome."""

    matter: str
    channel: str
    status: str
    submitted_at: datetime
    decided_at: datetime
    reviewed: bool


def _local_instant(day: date, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(9, 0), CHINA) + timedelta(seconds=rng.randrange(8 * 3600))
    return moment.astimezone(UTC)


def seed_matters(targets: SeedTargets = CHONGQING_2021, *, seed: int = 11209) -> list[MatterRecord]:
    """The period's decided matters (``matters_processed``, ``matters_online`` of them online),
    with others outside the count: withdrawn ones, and ones decided the year before."""
    rng = random.Random(seed)
    period = targets.period
    matters = [m for m, _ in MATTER_MIX]
    weights = [w for _, w in MATTER_MIX]
    channels = ["online"] * targets.matters_online + ["counter"] * (targets.matters_processed - targets.matters_online)
    rng.shuffle(channels)
    records = []

    def record(day: date, channel: str, status: str) -> MatterRecord:
        matter = rng.choices(matters, weights)[0]
        decided = _local_instant(day, rng)
        instant = status == Status.APPROVED and channel == "online" and matter == "establish" and rng.random() < 0.8
        if instant:
            took = timedelta(seconds=rng.uniform(0.3, 2.5))
        else:
            hours = math.exp(rng.gauss(math.log(5), 1.0))
            took = timedelta(hours=min(hours, 70) if rng.random() > 0.01 else 80)
        return MatterRecord(matter, channel, status, decided - took, decided, not instant)

    for channel in channels:
        status = "rejected" if rng.random() < 0.04 else "approved"
        records.append(record(_day_between(rng, period.start, period.end), channel, status))
    for _ in range(max(1, targets.matters_processed // 50)):
        records.append(record(_day_between(rng, period.start, period.end), "online", "withdrawn"))
        base = period.year_earlier()
        records.append(record(_day_between(rng, base.start, base.end), "online", "approved"))
    return records


def history_name(n: int) -> str:
    """The name of the n-th matter of 2021: a lawful company name (division, 字号, feature, form)
    by the name rules of ``yima.registration.names``. Releases before 2026.12 wrote 历史办件00001."""
    return f"重庆历史办件{n:05d}号科技有限公司"


def store_matters(db: Database, zone_id: str, applicant_id: int, records: list[MatterRecord],
                  standard: MatterStandard) -> int:
    """Insert the matters and their transitions (submitted, under review when reviewed, outcome)."""
    apps: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        limit = standard.matters[r.matter].statutory_days if r.matter in standard.matters else 3
        apps.append({"zone_id": zone_id, "applicant_id": applicant_id, "matter": r.matter,
                     "entity_type": "llc", "channel": r.channel, "name": history_name(i + 1), "status": r.status,
                     "enterprise_uscc": None, "body": {"source": "history-2021"}, "findings": [],
                     "missing_materials": [],
                     "materials_due_on": None, "statutory_due_at": r.submitted_at + timedelta(days=limit),
                     "idempotency_key": None, "submitted_at": r.submitted_at, "decided_at": r.decided_at,
                     "standard_digest": standard.digest})
    table = table_of(Application)
    with db.write() as session:
        ids = list(session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), apps).scalars())
        steps: list[dict[str, Any]] = []
        for app_id, r in zip(ids, records, strict=True):
            steps.append({"application_id": app_id, "from_status": None, "to_status": "submitted", "actor_id": None,
                          "actor_role": "applicant", "reason": "", "at": r.submitted_at})
            previous = "submitted"
            if r.reviewed:
                steps.append({"application_id": app_id, "from_status": "submitted", "to_status": "under_review",
                              "actor_id": None, "actor_role": "system", "reason": "", "at": r.submitted_at})
                previous = "under_review"
            steps.append({"application_id": app_id, "from_status": previous, "to_status": r.status,
                          "actor_id": None, "actor_role": "officer" if r.reviewed else "system", "reason": "",
                          "at": r.decided_at})
        session.execute(insert(table_of(Transition)), steps)
    return len(records)


# --- one-code licences and seal sets --------------------------------------------------------------

#: Scopes whose permit is decided with the licence (by commitment, or a filing): all tertiary.
BUNDLED_SCOPES = ("hotel", "barber_beauty", "swimming_venue", "convenience_store")


def _bundled_durations(rng: random.Random, separate_days: list[int], reduction_pct: int) -> list[timedelta]:
    """How long each bundled establishment took, so that together they take ``100 - reduction_pct``
    percent of the separate processes' statutory days: most in seconds (秒批), the rest reviewed
    by an officer within hours or days."""
    total = timedelta(days=sum(separate_days) * (100 - reduction_pct) / 100)
    instant = [rng.random() < 0.6 for _ in separate_days]
    if all(instant):
        instant[0] = False
    took = [timedelta(seconds=rng.uniform(0.4, 2.5)) if fast else timedelta() for fast in instant]
    weights = [0.0 if fast else math.exp(rng.gauss(0, 0.8)) for fast in instant]
    left = total - sum(took, timedelta())
    if left <= timedelta():
        raise ValueError("the time reduction leaves no time for the reviewed establishments")
    scale = left / sum(weights)
    took = [t + scale * w for t, w in zip(took, weights, strict=True)]
    took[instant.index(False)] += total - sum(took, timedelta())  # whatever rounding left over
    return took


def seed_one_code_licences(db: Database, zone_id: str, applicant_id: int, standard: MatterStandard,
                           targets: SeedTargets = CHONGQING_2021, *, seed: int = 51) -> list[str]:
    """``targets.one_code_licences`` of the period's new tertiary enterprises get a bundled scope:
    their establishment application, its permits (by commitment, or a filing) and the signed
    one-code licence (一码通行) are stored as Yima's own code makes them, on the day they were
    established. The credit codes of those enterprises."""
    rng = random.Random(seed)
    period = targets.period
    with db.write() as session:
        candidates = [e for e in session.scalars(
            select(Enterprise).options(selectinload(Enterprise.addresses))
            .where(Enterprise.zone_id == zone_id, Enterprise.entity_type == "domestic_enterprise",
                   Enterprise.established_on >= period.start, Enterprise.established_on <= period.end)
            .order_by(Enterprise.uscc)) if sector_of(e.industry_code) == 3]
        if len(candidates) < targets.one_code_licences:
            raise ValueError("fewer new tertiary enterprises in the period than one-code licences")
        chosen = rng.sample(candidates, targets.one_code_licences)
        scopes = [rng.choice(BUNDLED_SCOPES) for _ in chosen]
        separate = [compare_with_separate(standard, [standard.scope[scope].permit or ""]).separate_days
                    for scope in scopes]
        durations = _bundled_durations(rng, separate, targets.time_reduction_pct)
        apps: list[Application] = []
        permits: list[Base] = []
        signed: list[Base] = []
        for enterprise, scope, took in zip(chosen, scopes, durations, strict=True):
            enterprise.scope, enterprise.industry_code = [scope], standard.scope[scope].industry_code
            enterprise.entity_type = "llc"  # still a domestic enterprise, now with a licence to show its type
            submitted = _local_instant(enterprise.established_on, rng)
            decided = submitted + took
            reviewed = took > timedelta(minutes=1)
            app = Application(
                zone_id=zone_id, applicant_id=applicant_id, matter="establish", entity_type="llc", channel="online",
                name=enterprise.name, status="approved", enterprise_uscc=enterprise.uscc,
                body={"source": "history-2021", "scope": [scope], "commitments": ["address", PERMIT_COMMITMENT]},
                findings=[], missing_materials=[], materials_due_on=None,
                statutory_due_at=submitted + timedelta(days=standard.matters["establish"].statutory_days),
                idempotency_key=None, submitted_at=submitted, decided_at=decided, standard_digest=standard.digest)
            steps = [("submitted", "applicant", submitted)]
            if reviewed:
                steps.append(("under_review", "system", submitted))
            steps.append(("approved", "officer" if reviewed else "system", decided))
            previous = None
            for to, role, at in steps:
                app.transitions.append(Transition(from_status=previous, to_status=to, actor_id=None, actor_role=role,
                                                  reason="", at=at))
                previous = to
            apps.append(app)
            establishment = Establishment(zone_id, applicant_id, tuple(app.body["commitments"]), PendingKey(app))
            for row in licences.on_establishment_approved(session, standard, enterprise, establishment, decided):
                (signed if isinstance(row, Licence) else permits).append(row)
        insert_new(session, [*apps, *(t for app in apps for t in app.transitions), *permits, *signed])
        return [e.uscc for e in chosen]


def seed_seal_sets(db: Database, zone_id: str, targets: SeedTargets = CHONGQING_2021, *, price_yuan: int = 300,
                   seed: int = 3000) -> int:
    """The free seal sets (电子印章) given in the period, as records of the zone's earlier seal
    system: issued to ``targets.seal_sets`` entities established in the period, within days. The
    records carry no keys or images (those stay with the system that made them)."""
    rng = random.Random(seed)
    period = targets.period
    with db.write() as session:
        founded = session.execute(select(Enterprise.uscc, Enterprise.established_on)
                                  .where(Enterprise.zone_id == zone_id, Enterprise.established_on >= period.start,
                                         Enterprise.established_on <= period.end)
                                  .order_by(Enterprise.uscc)).all()
        if len(founded) < targets.seal_sets:
            raise ValueError("fewer entities established in the period than seal sets")
        rows = []
        for uscc, established in rng.sample(founded, targets.seal_sets):
            requested = _local_instant(established, rng)
            issued = _local_instant(min(established + timedelta(days=rng.randrange(4)), period.end), rng)
            rows.append({"uscc": uscc, "zone_id": zone_id, "status": "issued", "requested_at": requested,
                         "issued_at": max(issued, requested), "price_yuan": Decimal(price_yuan),
                         "revoked_at": None, "revoke_reason": None})
        session.execute(insert(table_of(SealSet)), rows)
    return len(rows)


def load_seed(db: Database, zone_id: str, applicant_id: int, now: datetime, standard: MatterStandard, *,
              targets: SeedTargets = CHONGQING_2021, division_code: str = "500107",
              org_block_start: int = 0, seal_set_price_yuan: int = 300,
              on_progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Store the 2021 register, matters, one-code licences and seal sets in a zone (for the demo
    and its tests). The one-code establishments are online matters of the period, so the
    other matters number that many fewer."""
    rows = seed_register(targets, division_code=division_code, org_block_start=org_block_start)
    summary = load_entities(db, zone_id, rows, now, source="synthetic",
                            on_progress=(lambda done: on_progress(done, len(rows))) if on_progress else None)
    others = replace(targets, matters_processed=targets.matters_processed - targets.one_code_licences,
                     matters_online=targets.matters_online - targets.one_code_licences)
    store_matters(db, zone_id, applicant_id, seed_matters(others), standard)
    seed_one_code_licences(db, zone_id, applicant_id, standard, targets)
    seed_seal_sets(db, zone_id, targets, price_yuan=seal_set_price_yuan)
    return summary
