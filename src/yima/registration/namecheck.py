"""名称自主申报: check a proposed enterprise name before anyone applies.

The check runs the very rules a submitted application meets (``rules.py`` with ``names.py``):
characters, banned and restricted words, the lawful form, and the zone's register (the same 字号
and feature is refused, the same 字号 goes to review, the exact name of a pending application
too). It reads the register but writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from yima.db import Database
from yima.errors import Finding
from yima.register.status import EnterpriseStatus
from yima.register.tables import Enterprise
from yima.registration import names, persons, rules
from yima.registration.model import ApplicationIn
from yima.registration.service import _taken_names, build_context, registered_alike
from yima.standard.model import MatterStandard
from yima.zones.service import rule_settings


def entity_type_for(name: str, standard: MatterStandard) -> str | None:
    """The entity type whose organisation form ends the name (the longest form that does)."""
    best: tuple[int, str] | None = None
    for etype in standard.entity_types.values():
        for suffix in etype.name_suffixes:
            if name.endswith(suffix) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), etype.id)
    return best[1] if best else None


def check_name(db: Database, standard: MatterStandard, zone: str, name: str, now: datetime,
               entity_type: str | None = None) -> list[Finding]:
    """Every finding the name would meet in an establishment application for ``zone``."""
    body = ApplicationIn.model_construct(zone=zone, matter="establish", name=name, channel="online",
                                         entity_type=entity_type or entity_type_for(name, standard) or "llc",
                                         materials=[], commitments=[])
    ctx = build_context(standard, body, now, rule_settings(db, zone), None)
    if not ctx.zone_known:
        return rules.zone_is_known(body, ctx)
    invalid = rules.name_characters_are_allowed(body, ctx)
    if invalid:
        return invalid
    with db.read() as session:
        ctx = replace(ctx, registered=registered_alike(session, standard, zone, name, ctx.place_names),
                      taken_names=_taken_names(session, zone, name))
    found: list[Finding] = []
    for rule in (rules.name_has_no_banned_word, rules.name_differs_from_the_register, rules.name_has_the_lawful_form,
                 rules.name_has_no_restricted_word, rules.name_is_not_alike_a_registered_one):
        found += rule(body, ctx)
    if not any(f.rule == "name.same_as_registered" for f in found):
        found += rules.name_is_unique(body, ctx)
    return found


def register_breaches(db: Database, standard: MatterStandard, zone_id: str) -> Iterator[tuple[str, Finding]]:
    """Each active enterprise of the zone whose name, legal representative or shareholder breaks a
    character rule of names or persons (registered or imported before these rules), as
    ``(uscc, finding)``: what ``yima zones check-names`` flags for the registration office.
    The register is read in batches, so a zone of millions of entities is checked in bounded memory."""
    query = (select(Enterprise.uscc, Enterprise.name, Enterprise.legal_representative, Enterprise.shareholders)
             .where(Enterprise.zone_id == zone_id, Enterprise.status == EnterpriseStatus.ACTIVE)
             .order_by(Enterprise.uscc)
             .execution_options(yield_per=1000))
    with db.read() as session:
        for row in session.execute(query):
            found = names.character_findings(row.name, "name", standard)
            person = row.legal_representative or {}
            if person.get("name"):
                found += persons.name_findings(str(person["name"]), "legal_representative.name",
                                               str(person.get("id_type") or "resident_id"))
            for i, holder in enumerate(row.shareholders or []):
                path = f"shareholders.{i}.name"
                if holder.get("uscc") and not holder.get("id_number"):
                    found += names.character_findings(str(holder.get("name", "")), path, standard)
                else:
                    found += persons.name_findings(str(holder.get("name", "")), path,
                                                   str(holder.get("id_type") or "resident_id"))
            for finding in found:
                yield row.uscc, finding
