"""``/federation``: the zone's partners and cross-region applications for its officers; those a
partner has not answered after a day are flagged."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from yima.clock import utcnow
from yima.federation import network, partners, views
from yima.web.deps import DB, OptionalActor
from yima.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/federation")
def federation_page(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None or actor.role not in ("officer", "admin"):
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    found = views.cases(db, actor, utcnow())
    dead = [m for state in ("dead", "expired") for m in views.messages(db, actor, state=state, direction="out",
                                                                         limit=50)]
    now = utcnow()
    return render(request, "federation/overview.html", {
        "network": network.member_state(db), "network_closed": network.closed_reason(db, now),
        "partners": [p for p in partners.list_partners(db) if actor.role == "admin" or p.local_zone == actor.zone_id],
        "cases": found, "late": [c for c in found if c.late],
        "dead": sorted(dead, key=lambda m: m["settled_at"] or "", reverse=True)[:50]})
