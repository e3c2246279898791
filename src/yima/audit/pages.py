"""``/audit``: a zone's audit log for its officers (any zone for administrators), with the check
of its hash chain. It pages through the entries (newest first) and filters them by subject and by
China Standard Time day; people are named by their display names and actions in words.

Display names are the accounts feature's, which depends on this one: it adds its lookup to
``USER_NAMES``; without one, people are shown by role and id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yima.audit import service
from yima.clock import china_days
from yima.db import Database
from yima.errors import DomainError
from yima.ranges import day_text
from yima.registry import Slot
from yima.web.deps import DB, OptionalActor
from yima.web.i18n import N_
from yima.web.params import PageNo
from yima.web.templating import ROLE_NAMES, page_actor, render, text

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
#: ``lookup(db, user_ids)``: the names to show for these users.
USER_NAMES: Slot[Callable[[Database, Sequence[int | None]], dict[int, str]]] = Slot("display names of users")
# What each action recorded in the log means, in words (msgids; Chinese in the catalogue).
ACTION_WORDS: dict[str, str] = {
    "application.submitted": N_("Application submitted"),
    "application.approved": N_("Application approved"),
    "application.under_review": N_("Sent for an officer's review"),
    "application.awaiting_materials": N_("Accepted with missing materials"),
    "application.rejected": N_("Application rejected"),
    "application.withdrawn": N_("Application withdrawn"),
    "application.lapsed": N_("Application lapsed"),
    "application.material_supplied": N_("Material supplied"),
    "enterprise.established": N_("Enterprise established"),
    "enterprise.changed": N_("Enterprise changed"),
    "enterprise.cancelled": N_("Enterprise deregistered"),
    "enterprise.revoked": N_("Business licence revoked"),
    "licence.issued": N_("Licence issued"),
    "permit.active": N_("Permit granted"),
    "permit.filed": N_("Permit filed"),
    "permit.pending": N_("Permit awaiting a decision"),
    "permit.rejected": N_("Permit refused"),
    "permit.revoked": N_("Permit revoked"),
    "permit.renewed": N_("Permit renewed"),
    "permit.changed": N_("Permit changed"),
    "permit.verified": N_("Permit commitment verified"),
    "seal_set.requested": N_("Seal set requested"),
    "seal_set.issued": N_("Seal set issued"),
    "seal.revoked": N_("Seal revoked"),
    "key.rotated": N_("Signing key rotated"),
    "zone.created": N_("Zone created"),
    "address_ban.added": N_("Address added to the negative list"),
    "user.added": N_("Account added"),
    "user.disabled": N_("Account disabled"),
    "user.enabled": N_("Account enabled"),
    "user.password_set": N_("Password set"),
    "user.signed_out": N_("Signed out on every device"),
}




@router.get("/audit")
def audit_page(request: Request, db: DB, signed_in: OptionalActor, zone: str | None = None,
               subject: str | None = None, start: str | None = None, end: str | None = None,
               page: PageNo = 1) -> Response:
    actor = page_actor(request, signed_in, "officer", "admin")
    if isinstance(actor, Response):
        return actor
    chains = service.chains(db) if actor.role == "admin" else [actor.zone_id or ""]
    chain = zone or ((actor.zone_id or "") if actor.role == "officer" else (chains[0] if chains else ""))
    subject = (subject or "").strip()
    try:
        first, last = day_text(start, "start"), day_text(end, "end")
        since = china_days(first, first)[0] if first else None
        until = china_days(last, last)[1] if last else None
        entries, total = service.entries_page(db, actor, chain or "", subject=subject or None, since=since,
                                              until=until, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        check = service.verify_for(db, actor, chain or "")
    except DomainError as err:
        return render(request, "error.html", {"errors": [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                         for f in err.findings]}, status=err.status)
    names = {k: v for lookup in request.app.state.registry.items(USER_NAMES)
             for k, v in lookup(db, [e.actor_id for e in entries]).items()}
    filters = {k: v for k, v in {"zone": chain, "subject": subject, "start": first and first.isoformat(),
                                 "end": last and last.isoformat()}.items() if v}
    pages = max(1, -(-total // PER_PAGE))
    return render(request, "audit.html", {
        "entries": entries, "check": check, "chain": chain, "chains": chains, "subject": subject,
        "start": filters.get("start", ""), "end": filters.get("end", ""), "names": names,
        "action_words": ACTION_WORDS, "role_words": ROLE_NAMES, "total": total, "page": page, "pages": pages,
        "query": urlencode(filters)})
