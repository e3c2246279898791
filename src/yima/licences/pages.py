"""Licence pages: the public page a phone opens when it scans the licence QR, and the licence page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from yima.actors import Actor, may_work_zone
from yima.clock import utcnow
from yima.errors import DomainError, Forbidden
from yima.licences import documents, service
from yima.listing import search_text
from yima.registration import views
from yima.web.deps import DB, OptionalActor, RowId, Standard
from yima.web.listing import PageNo, filters_query, page_request, pager
from yima.web.ratelimit import rate_limited
from yima.web.templating import flash, page_actor, render, text
from yima.zones.service import list_zones

router = APIRouter(include_in_schema=False)


def _scanned(request: Request, db: DB, standard: Standard, segment: str) -> Response:
    result = service.verify_scanned(db, standard, segment, utcnow())
    licence = result.licence
    permits = []
    english = text(request, "zh", "en") == "en"
    zone_name = ""
    if licence:
        zone = next((z for z in list_zones(db) if z.id == licence.get("zone")), None)
        zone_name = ((zone.name_en or zone.name) if english else zone.name) if zone else ""
        for permit in licence.get("permits", []):
            kind = standard.permits.get(permit["type"])
            permits.append({**permit, "type_name": (kind.name.en if text(request, "zh", "en") == "en" else kind.name.zh)
                            if kind else permit["type"],
                            "item_names": [(standard.scope[i].name.en if english else standard.scope[i].name.zh)
                                           if i in standard.scope else i for i in permit.get("items", [])]})
    status = 200 if result.valid else 422
    return render(request, "verify.html", {"result": result, "licence": licence, "permits": permits,
                                           "zone_name": zone_name,
                                           "message": text(request, result.message_zh, result.message_en)},
                  status=status)


@router.get("/v/{segment}", dependencies=[Depends(rate_limited("verify"))])
def scanned_lower(request: Request, segment: str, db: DB, standard: Standard) -> Response:
    """What a phone opens when it scans the licence: the licence verified, with its live status."""
    return _scanned(request, db, standard, segment)


@router.get("/V/{segment}", dependencies=[Depends(rate_limited("verify"))])
def scanned_upper(request: Request, segment: str, db: DB, standard: Standard) -> Response:
    return _scanned(request, db, standard, segment)


@router.get("/licences/{uscc}")
def licence_page(request: Request, uscc: str, db: DB, standard: Standard) -> Response:
    try:
        view = documents.licence_view(db, standard, uscc)
    except DomainError as err:
        return render(request, "error.html", {"errors": [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                         for f in err.findings]}, status=err.status)
    return render(request, "licence.html", {"l": view})


def _permits_page(request: Request, db: DB, actor: Actor, errors: list[dict[str, str]] | None = None,
                  status: int = 200, q: str = "", page: int = 1) -> Response:
    """One page of the permits awaiting a decision (at most 100, oldest first), searched by ``q``."""
    found = service.pending_permits(db, actor, page_request(page, q=q))
    filters = {"q": search_text(q)}
    return render(request, "permits.html", {"permits": found.items, "errors": errors or [], "q": filters["q"],
                                            "export_query": filters_query(filters), **pager(found, filters)},
                  status=status)


@router.get("/permits")
def permits_page(request: Request, db: DB, signed_in: OptionalActor, q: str = "", page: PageNo = 1) -> Response:
    actor = page_actor(request, signed_in, "officer", "admin")
    if isinstance(actor, Response):
        return actor
    return _permits_page(request, db, actor, q=q, page=page)


@router.post("/permits/{permit_id}/decision")
async def permit_decision(request: Request, permit_id: RowId, db: DB, standard: Standard,
                          actor: OptionalActor) -> Response:
    if actor is None:
        return RedirectResponse("/login?next=/permits", status_code=303)
    form = await request.form()
    try:
        service.decide_permit(db, standard, actor, permit_id, str(form.get("decision", "")),
                              str(form.get("reason", "")), utcnow())
    except DomainError as err:
        return _permits_page(request, db, actor, [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                  for f in err.findings], err.status)
    approved = form.get("decision") == "approve"
    return flash(request, RedirectResponse("/permits", status_code=303),
                 "许可已批准，执照已重新签发。" if approved else "许可已驳回，执照已重新签发。",
                 "Permit granted; the licence has been reissued." if approved
                 else "Permit refused; the licence has been reissued.")


@router.post("/enterprises/{uscc}/revocation")
async def revoke_form(request: Request, uscc: str, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    """An officer of the zone revokes the licence (吊销) from the enterprise's page: first a page
    that asks to confirm, with the reason, then the revocation."""
    if actor is None:
        return RedirectResponse(f"/login?next={quote(f'/enterprises/{uscc}')}", status_code=303)
    form = await request.form()
    uscc, reason = uscc.upper(), str(form.get("reason", "")).strip()
    errors: list[dict[str, str]] = []
    if form.get("confirmed") == "1":
        try:
            service.revoke_enterprise(db, standard, actor, uscc, reason, utcnow())
        except DomainError as err:
            if err.status != 422:
                return render(request, "error.html", {"errors": [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                                 for f in err.findings]}, status=err.status)
            errors = [{"rule": f.rule, "text": text(request, f.zh, f.en)} for f in err.findings]
        else:
            return flash(request, RedirectResponse(f"/enterprises/{uscc}", status_code=303),
                         f"营业执照已吊销（{uscc}）：执照、许可和印章均已失效，扫码即显示“已吊销”。",
                         f"The business licence of {uscc} has been revoked: the licence, its permits and its "
                         "seals are no longer in force, and a scan shows it at once.")
    try:
        enterprise = views.get_enterprise(db, standard, uscc)
        if actor.role not in ("officer", "admin") or not may_work_zone(actor, enterprise.zone):
            raise Forbidden("revocation.not_yours", "uscc", "只有本区审批人员可以吊销营业执照",
                            "Only the zone's officers may revoke a licence")
    except DomainError as err:
        return render(request, "error.html", {"errors": [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                         for f in err.findings]}, status=err.status)
    return render(request, "confirm.html", {
        "heading": text(request, "确认吊销营业执照", "Confirm the revocation of the business licence"),
        "subject": f"{enterprise.name} · {uscc}", "reason": reason, "errors": errors,
        "consequence": text(request, "吊销后，营业执照、其承载的许可和企业的电子印章全部失效，且不能撤销。",
                            "Once revoked, the licence, the permits it carries and the enterprise's electronic "
                            "seals are no longer in force; this cannot be undone."),
        "action": f"/enterprises/{uscc}/revocation", "cancel": f"/enterprises/{uscc}",
        "confirm_label": text(request, "确认吊销", "Revoke the licence")}, status=422 if errors else 200)


@router.get("/verify")
def verify_form(request: Request) -> Response:
    return render(request, "verify_form.html")
