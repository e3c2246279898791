"""名称自主申报: check a proposed enterprise name before anyone applies.

The check runs the very rules a submitted application meets (``rules.py`` with ``names.py``):
characters, banned and restricted words, the lawful form, and the zone's register (the same 字号
and feature is refused, the same 字号 goes to review, the exact name of a pending application
too). It reads the register but writes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from yima.db import Database
from yima.errors import Finding
from yima.registration import rules
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
