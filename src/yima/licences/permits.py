"""One industry, one licence (一业一证 / 多证合一): which permits a scope needs and how each is decided.

Pure functions over the matter standard. A permit whose standard allows a commitment (告知承诺制)
and whose applicant made it is decided on the spot, with a verification due date; a filing (备案,
e.g. pre-packaged food sales only) is completed in the registration step itself; anything else waits
for its department. The same data give the comparison with separate processing that the zone
reports (materials and statutory days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from yima.licences.status import PermitStatus
from yima.registration.rules import permits_needed
from yima.standard.model import MatterStandard

PERMIT_COMMITMENT = "permit_conditions"


@dataclass(frozen=True)
class PermitDecision:
    type: str
    items: tuple[str, ...]
    status: PermitStatus  # active (by commitment) | filed | pending (for its department)
    decided_by: str  # commitment | filing | review
    valid_from: date | None
    valid_to: date | None
    verification_due_on: date | None


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity(standard: MatterStandard, permit_type: str, start: date) -> date | None:
    years = standard.permits[permit_type].validity_years
    return add_years(start, years) - timedelta(days=1) if years else None


def decide_permits(scope: list[str], commitments: list[str], standard: MatterStandard,
                   today: date) -> list[PermitDecision]:
    decisions = []
    for permit_id in permits_needed(scope, standard):
        permit = standard.permits[permit_id]
        items = tuple(s for s in scope if standard.scope[s].permit == permit_id)
        if permit.kind == "filing":
            decisions.append(PermitDecision(permit_id, items, PermitStatus.FILED, "filing", today, None, None))
        elif permit.commitment and PERMIT_COMMITMENT in commitments:
            due = today + timedelta(days=permit.verification_days or 30)
            decisions.append(PermitDecision(permit_id, items, PermitStatus.ACTIVE, "commitment", today,
                                            validity(standard, permit_id, today), due))
        else:
            decisions.append(PermitDecision(permit_id, items, PermitStatus.PENDING, "review", None, None, None))
    return decisions


def licence_may_issue(pending_types: list[str], standard: MatterStandard) -> bool:
    """The licence is issued at once unless a pending permit's standard says the licence waits."""
    return not any(standard.permits[t].licence_waits for t in pending_types)


def permit_number(prefix: str, uscc: str, year: int, index: int) -> str:
    """Division code (from the credit code), year, the holder's organisation code and a counter:
    unique because the credit code is."""
    return f"{prefix}{uscc[2:8]}{year}{uscc[8:17]}{index:02d}"


@dataclass(frozen=True)
class BundleComparison:
    """Materials and statutory days of separate processes against the one bundled application."""

    permits: tuple[str, ...]
    separate_materials: int
    bundled_materials: int
    separate_days: int
    bundled_days: int

    @property
    def material_reduction(self) -> float:
        return 1 - self.bundled_materials / self.separate_materials if self.separate_materials else 0.0

    @property
    def statutory_time_reduction(self) -> float:
        return 1 - self.bundled_days / self.separate_days if self.separate_days else 0.0


def compare_with_separate(standard: MatterStandard, permit_types: list[str], entity_type: str = "llc") -> \
        BundleComparison:
    """Separately: the licence, then each permit with its own full set (licence copy, ID copy, ...),
    one after another. Bundled: the establishment's materials plus what each permit adds, decided
    within the longest single time limit."""
    registration = standard.matters["establish"]
    separate = len(standard.separate_registration_materials or registration.required_materials(entity_type))
    separate += sum(len(standard.permits[t].separate_materials) for t in permit_types)
    bundled_set = list(registration.required_materials(entity_type))
    for t in permit_types:
        bundled_set += [m for m in standard.permits[t].bundled_materials if m not in bundled_set]
    separate_days = registration.statutory_days + sum(standard.permits[t].statutory_days for t in permit_types)
    bundled_days = max([registration.statutory_days] + [standard.permits[t].statutory_days for t in permit_types])
    return BundleComparison(tuple(permit_types), separate, len(bundled_set), separate_days, bundled_days)
