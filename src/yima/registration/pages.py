"""Registration pages: the guided application form, my applications, materials, the officer's queue."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from yima.accounts.rules import Actor
from yima.clock import utcnow
from yima.errors import DomainError, Finding
from yima.registration import service, views
from yima.registration.model import ApplicationIn
from yima.web.deps import DB, AppSettings, OptionalActor, Standard
from yima.web.errors import findings_of_validation
from yima.web.templating import render, text
from yima.zones.service import list_zones

router = APIRouter(include_in_schema=False)


def login_redirect(request: Request) -> Response:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def _messages(request: Request, findings: list[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in findings]


def body_from_form(form: FormData, actor: Actor) -> dict[str, Any]:
    """The guided form's fields, as the v1 application body."""

    def one(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def many(name: str) -> list[str]:
        return [v.strip() for v in form.getlist(name) if isinstance(v, str)]

    addresses = [{"text": one("domicile_text"), "proof": one("domicile_proof") or "commitment", "kind": "domicile"}]
    proofs = many("site_proof")
    for i, site in enumerate(many("site_text")):
        if site:
            addresses.append({"text": site, "proof": proofs[i] if i < len(proofs) else "commitment", "kind": "site"})
    holders = []
    ids, shares = many("sh_id_number"), many("sh_share")
    for i, holder in enumerate(many("sh_name")):
        if holder:
            holders.append({"name": holder, "id_number": ids[i] if i < len(ids) else "",
                            "share_pct": shares[i] if i < len(shares) and shares[i] else "0"})
    commitments = many("commitments")
    if any(a["proof"] == "commitment" for a in addresses) and "address" not in commitments and one("commit_address"):
        commitments.append("address")
    return {
        "zone": one("zone"), "matter": "establish", "entity_type": one("entity_type"),
        "channel": "counter" if actor.role == "officer" else "online", "name": one("name"),
        "registered_capital": one("registered_capital") or None, "industry_code": one("industry_code") or None,
        "scope": many("scope"), "addresses": addresses,
        "legal_representative": {"name": one("lr_name"), "id_number": one("lr_id_number"),
                                 "phone": one("lr_phone") or None},
        "shareholders": holders or None, "materials": many("materials"), "commitments": commitments,
    }


def _form_context(db: DB, standard: Standard, values: dict[str, Any] | None = None) -> dict[str, Any]:
    establish = standard.matters["establish"]
    return {"zones": list_zones(db), "values": values or {},
            "materials_by_type": json.dumps(establish.materials, ensure_ascii=False),
            "scope_classes": json.dumps({k: v.industry_code for k, v in standard.scope.items()})}


@router.get("/apply")
def apply_form(request: Request, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    return render(request, "apply.html", _form_context(db, standard))


@router.post("/apply")
async def apply(request: Request, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    raw = body_from_form(form, actor)
    try:
        body = ApplicationIn.model_validate(raw)
        app_id = service.submit(db, standard, actor, body, utcnow(), form.get("idempotency_key") or None)  # type: ignore[arg-type]
    except ValidationError as err:
        errors = _messages(request, findings_of_validation(list(err.errors())))
    except DomainError as err:
        errors = _messages(request, err.findings)
    else:
        return RedirectResponse(f"/applications/{app_id}", status_code=303)
    context = _form_context(db, standard, {**raw, "form": form})
    return render(request, "apply.html", {**context, "errors": errors}, status=422)


@router.get("/applications")
def my_applications(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    return render(request, "applications.html", {"applications": views.list_applications(db, actor, utcnow())})


@router.get("/queue")
def queue(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    if actor.role not in ("officer", "admin"):
        return RedirectResponse("/applications", status_code=303)
    return render(request, "queue.html", {"applications": views.list_applications(db, actor, utcnow())})


def _detail(request: Request, db: DB, standard: Standard, actor: Actor, app_id: int,
            errors: list[dict[str, str]] | None = None, status: int = 200) -> Response:
    try:
        app = views.get_application(db, actor, app_id, utcnow())
    except DomainError as err:
        return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)
    elsewhere = (app.get("cross_region") or {}).get("role") == "accepting"  # decided by the partner zone
    may_decide = actor.role in ("officer", "admin") and app["status"] in ("under_review", "awaiting_materials") \
        and not elsewhere
    may_supply = app["status"] in ("under_review", "awaiting_materials") and actor.role == "applicant"
    required = standard.matters[app["matter"]].required_materials(app["entity_type"])
    return render(request, "application.html", {"app": app, "may_decide": may_decide, "may_supply": may_supply,
                                                "may_withdraw": may_supply and not elsewhere,
                                                "required": required, "errors": errors or []}, status=status)


@router.get("/applications/{app_id}")
def application_page(request: Request, app_id: int, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    return _detail(request, db, standard, actor, app_id)


@router.post("/applications/{app_id}/decision")
async def decision_form(request: Request, app_id: int, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        service.decide(db, standard, actor, app_id, str(form.get("decision", "")), str(form.get("reason", "")),
                       utcnow())
    except DomainError as err:
        return _detail(request, db, standard, actor, app_id, _messages(request, err.findings), err.status)
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


@router.post("/applications/{app_id}/withdraw")
def withdraw_form(request: Request, app_id: int, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    try:
        service.withdraw(db, actor, app_id, utcnow())
    except DomainError as err:
        return _detail(request, db, standard, actor, app_id, _messages(request, err.findings), err.status)
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


@router.post("/applications/{app_id}/materials")
async def materials_form(request: Request, app_id: int, db: DB, standard: Standard, settings: AppSettings,
                         actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise DomainError("upload.empty", "file", "请选择要上传的文件", "Choose a file to upload")
        content = await upload.read(settings.max_upload_bytes + 1)
        service.supply_material(db, standard, actor, app_id, str(form.get("material", "")),
                                upload.filename or "upload", content, utcnow(), settings.data_dir,
                                settings.max_upload_bytes)
    except DomainError as err:
        return _detail(request, db, standard, actor, app_id, _messages(request, err.findings), err.status)
    return RedirectResponse(f"/applications/{app_id}", status_code=303)


@router.get("/enterprises")
def enterprise_lookup(uscc: str = "") -> Response:
    return RedirectResponse(f"/enterprises/{quote(uscc.strip().upper())}", status_code=303)


@router.get("/enterprises/{uscc}")
def enterprise_page(request: Request, uscc: str, db: DB, standard: Standard) -> Response:
    try:
        enterprise = views.get_enterprise(db, standard, uscc)
    except DomainError as err:
        return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)
    return render(request, "enterprise.html", {"e": enterprise})
