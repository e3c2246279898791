"""``/audit``: a zone's audit log for its officers (any zone for administrators), with the check
of its hash chain."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from yima.audit import service
from yima.errors import DomainError
from yima.web.deps import DB, OptionalActor
from yima.web.templating import render, text

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(request: Request, db: DB, actor: OptionalActor, zone: str | None = None,
               subject: str | None = None) -> Response:
    if actor is None or actor.role not in ("officer", "admin"):
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    chains = service.chains(db) if actor.role == "admin" else [actor.zone_id or ""]
    chain = zone or ((actor.zone_id or "") if actor.role == "officer" else (chains[0] if chains else ""))
    try:
        entries = service.recent_entries(db, actor, chain, limit=200, subject=(subject or "").strip() or None)
        check = service.verify_for(db, actor, chain)
    except DomainError as err:
        return render(request, "error.html", {"errors": [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                         for f in err.findings]}, status=err.status)
    return render(request, "audit.html", {"entries": entries, "check": check, "chain": chain, "chains": chains,
                                          "subject": subject or ""})
