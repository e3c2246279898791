"""Beneficial owners (受益所有人) under the 受益所有人信息管理办法 (PBOC and SAMR Order [2024] No. 3,
in force 2024-11-01), as plain functions.

* Art. 2 and 3: companies and partnerships (公司、合伙企业) report their beneficial owners when they
  register. ``basis`` names why someone is one (Art. 6): ``shares_25`` — holds 25 % or more of
  the shares or partnership interest, directly or indirectly; ``income_or_votes_25`` — 25 % or
  more of the income or voting rights; ``control`` — controls it alone or with others by other
  means; ``senior_manager`` — its senior manager, where nobody meets the first three.
* Art. 5: an entity whose registered capital (出资额) is at most 10 million yuan and whose
  shareholders or partners are all natural persons may instead commit that nobody else controls
  it (the commitment ``beneficial_owner``). Otherwise an application without owners gets the
  finding ``beneficial_owner.missing`` and goes to an officer.
* Art. 12 and 13: the information is not public. Only the registry's staff read it; Yima keeps it
  in its own table (never in an application's body), lets only the zone's officers and
  administrators read it, records each read in the audit log, and shows it masked everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from yima.errors import DomainError, Finding
from yima.privacy import mask_id_number, mask_name
from yima.registration import persons
from yima.registration.model import ApplicationIn, BeneficialOwnerIn

if TYPE_CHECKING:
    from yima.registration.rules import RuleContext

COMMITMENT = "beneficial_owner"
EXEMPTION_CAPITAL = Decimal("10000000")
#: Entity types that report beneficial owners (Art. 2): companies, and partnerships.
REPORTING_TYPES = frozenset({"llc", "joint_stock", "partnership"})
BASIS_WORDS = {"shares_25": ("直接或间接持有25%以上股权（合伙权益）",
                             "25% or more of the shares, directly or indirectly"),
               "income_or_votes_25": ("享有25%以上收益权或表决权", "25% or more of the income or voting rights"),
               "control": ("单独或联合对其实施实际控制", "controls it, alone or with others"),
               "senior_manager": ("高级管理人员", "senior manager")}


def _entity_type(app: ApplicationIn, ctx: RuleContext) -> str | None:
    if app.entity_type:
        return app.entity_type
    return ctx.enterprise.entity_type if ctx.enterprise else None


def exemption_applies(app: ApplicationIn) -> bool:
    """Art. 5: registered capital at most 10 million yuan and every shareholder a natural person."""
    holders = app.shareholders or []
    return (app.registered_capital is not None and app.registered_capital <= EXEMPTION_CAPITAL
            and bool(holders) and all(h.id_number and not h.uscc for h in holders))


def owners_are_valid(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """Each owner's name and document by the person rules (``persons``), the date and the share."""
    findings: list[Finding] = []
    for i, owner in enumerate(app.beneficial_owners or []):
        path = f"beneficial_owners.{i}"
        findings += persons.name_findings(owner.name, f"{path}.name", owner.id_type)
        try:
            persons.validate_identity(owner.id_type, owner.id_number, f"{path}.id_number")
        except DomainError as err:
            findings.extend(err.findings)
        if owner.since > ctx.today:
            findings.append(Finding("beneficial_owners.since", f"{path}.since",
                                    f"成为受益所有人的日期 {owner.since} 晚于今天",
                                    f"The date they became a beneficial owner ({owner.since}) is after today"))
        if owner.basis in ("shares_25", "income_or_votes_25") and (owner.share_pct or 0) < 25:
            findings.append(Finding("beneficial_owners.share", f"{path}.share_pct",
                                    "依据为持股或收益权、表决权的，比例须不低于25%",
                                    "An owner by shares, income or votes holds at least 25%"))
    return findings


def beneficial_owner_is_declared(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """``beneficial_owner.missing``: an establishment of a company or partnership names its owners,
    or commits under the exemption where it applies."""
    if app.matter != "establish" or _entity_type(app, ctx) not in REPORTING_TYPES or app.beneficial_owners:
        return []
    if COMMITMENT in app.commitments:
        if exemption_applies(app):
            return []
        return [Finding("beneficial_owner.missing", "beneficial_owners",
                        "不适用受益所有人承诺：注册资本超过1000万元或有非自然人股东，须填报受益所有人信息",
                        "The beneficial-owner commitment does not apply (registered capital over 10 million yuan or a "
                        "shareholder that is not a natural person): the beneficial owners must be reported")]
    return [Finding("beneficial_owner.missing", "beneficial_owners",
                    "未填报受益所有人信息，也未作出承诺（符合条件的可承诺）",
                    "No beneficial owners reported and no commitment made (where the exemption applies)")]


@dataclass(frozen=True)
class OwnerRecord:
    """An owner as stored in the owners' table (``BeneficialOwner``'s columns)."""

    name: str
    id_type: str
    id_number: str
    nationality: str
    basis: str
    share_pct: Decimal | None
    since: date

    def masked(self) -> OwnerRecord:
        """The owner as any log line or export may carry it: name and document number masked."""
        return replace(self, name=mask_name(self.name), id_number=mask_id_number(self.id_number))


def owner_record(owner: BeneficialOwnerIn) -> OwnerRecord:
    """An owner as stored in the owners' table."""
    return OwnerRecord(name=owner.name, id_type=owner.id_type, id_number=owner.id_number.upper(),
                       nationality=owner.nationality, basis=owner.basis, share_pct=owner.share_pct,
                       since=owner.since)
