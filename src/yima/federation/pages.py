"""``/federation``: the zone's partners and cross-region applications for its officers; those a
partner has not answered after a day are flagged."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from yima.clock import utcnow
from yima.errors import DomainError
from yima.federation import delivery, network, partners, views
from yima.federation.states import UNDELIVERED
from yima.web.deps import DB, OptionalActor, Standard
from yima.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/federation")
def federation_page(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None or actor.role not in ("officer", "admin"):
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    found = views.cases(db, actor, utcnow())
    dead = [m for state in UNDELIVERED for m in views.messages(db, actor, state=state, direction="out",
                                                                         limit=50)]
    now = utcnow()
    return render(request, "federation/overview.html", {
        "network": network.member_state(db), "network_closed": network.closed_reason(db, now),
        "partners": partners.partners_of(db, actor),
        "cases": found, "late": [c for c in found if c.late],
        "dead": sorted(dead, key=lambda m: m.settled_at or "", reverse=True)[:50]})


@router.post("/federation/messages/{message_id}/resend")
def resend_page(request: Request, db: DB, standard: Standard, actor: OptionalActor,
                message_id: Annotated[str, PathParam(pattern=r"^[0-9a-fA-F-]{36}$")]) -> Response:
    """The officer's button beside a dead letter: send it again (the API's ``resend``)."""
    if actor is None or actor.role not in ("officer", "admin"):
        return RedirectResponse(f"/login?next={quote('/federation')}", status_code=303)
    try:
        delivery.resend(db, standard, actor, message_id, utcnow())
    except DomainError as err:
        finding = err.findings[0]
        return RedirectResponse(f"/federation?resend_error={quote(finding.rule)}#dead-letters", status_code=303)
    return RedirectResponse(f"/federation?resent={message_id}#dead-letters", status_code=303)
