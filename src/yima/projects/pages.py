"""Pages of the investment office (``/projects``, ``/projects/{id}``, ``/key-enterprises``) and of a
service specialist (``/specialist``).

They translate forms to ``service`` and ``key_enterprises`` and show what those answer; a rule
broken comes back on the same page in the page's language. The charts (the figures section, also
on the dashboard) are drawn by ``/static/js/projects.js`` with the vendored ECharts, from the numbers
the page carries as JSON: no inline script.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from yima.actors import Actor
from yima.clock import local_date, utcnow
from yima.errors import DomainError, Finding
from yima.listing import search_text
from yima.projects import key_enterprises, service
from yima.projects.figures import compute_key_enterprises, compute_projects
from yima.projects.model import (
    FundIn,
    KeyEnterpriseChange,
    KeyEnterpriseIn,
    ProjectCorrection,
    ProjectIn,
    ResolveIn,
    ServiceIn,
    StageIn,
)
from yima.projects.rules import INVESTOR_TAGS, SERVICE_KINDS, STAGE_NAMES, STAGES
from yima.registration.pages import login_redirect
from yima.stats.rules import parse_period
from yima.uploads import attachment_disposition
from yima.web.deps import DB, AppSettings, OptionalActor, RowId
from yima.web.errors import findings_of_validation
from yima.web.listing import PageNo, filters_query, page_request, pager
from yima.web.templating import language, render, text

router = APIRouter(include_in_schema=False)


def _messages(request: Request, findings: list[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in findings]


def _names(request: Request) -> dict[str, Any]:
    pick = 1 if language(request) == "en" else 0
    return {"stage_names": {k: v[pick] for k, v in STAGE_NAMES.items()},
            "tag_names": {k: v[pick] for k, v in INVESTOR_TAGS.items()},
            "kind_names": {k: v[pick] for k, v in SERVICE_KINDS.items()}, "stages": STAGES}


def _error_page(request: Request, err: DomainError) -> Response:
    return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)


def _status(err: Exception) -> int:
    """A form's broken rule answers with the rule's own status (403 for a step the role may not take)."""
    return err.status if isinstance(err, DomainError) else 422


def _form_errors(err: Exception) -> list[Finding]:
    if isinstance(err, ValidationError):
        return findings_of_validation([dict(e) for e in err.errors()])
    if isinstance(err, DomainError):
        return err.findings
    raise err


def _period(start: str | None, end: str | None) -> tuple[str, str]:
    today = local_date(utcnow())
    return start or date(today.year, 1, 1).isoformat(), end or today.isoformat()


# --- projects -------------------------------------------------------------------------------------

def _list_page(request: Request, db: DB, actor: Actor, zone: str | None, start: str | None, end: str | None,
               errors: list[Finding] | None = None, values: dict[str, Any] | None = None, q: str = "",
               page: int = 1) -> Response:
    first, last = _period(start, end)
    try:
        zone_id = service.office_zone(actor, zone)
        period = parse_period(first, last)
        found = service.list_projects(db, actor, zone_id, page_request(page, q=q))
    except DomainError as err:
        return _error_page(request, err)
    filters = {"zone": zone_id, "from": first, "to": last, "q": search_text(q)}
    return render(request, "projects/list.html", {
        **_names(request), "zone": zone_id, "projects": found.items, "params": {"from": first, "to": last},
        "q": filters["q"], **pager(found, filters), "export_query": filters_query({"zone": zone_id, "q": filters["q"]}),
        "section": compute_projects(db, zone_id, period).as_json(),
        "services": compute_key_enterprises(db, zone_id, period).as_json(),
        "errors": _messages(request, errors or []), "values": values or {}},
        status=422 if errors else 200)


@router.get("/projects")
def projects_page(request: Request, db: DB, actor: OptionalActor, zone: str | None = None,
                  start: Annotated[str | None, Query(alias="from")] = None,
                  end: Annotated[str | None, Query(alias="to")] = None, q: str = "", page: PageNo = 1) -> Response:
    if actor is None:
        return login_redirect(request)
    with db.one_read():  # the list and the figures in one read transaction
        return _list_page(request, db, actor, zone, start, end, q=q, page=page)


@router.post("/projects")
async def create_project(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        body = ProjectIn.model_validate({
            "zone": values.get("zone", ""), "code": values.get("code", "").strip(),
            "name": values.get("name", "").strip(), "investor": values.get("investor", "").strip(),
            "investor_tags": [t for t in form.getlist("investor_tags") if isinstance(t, str)],
            "industry_code": values.get("industry_code", "").strip(), "amount": values.get("amount", "").strip(),
            "signed_on": values.get("signed_on") or None, "note": values.get("note", "")})
        project = service.create_project(db, actor, body, utcnow())
    except (ValidationError, DomainError) as err:
        return _list_page(request, db, actor, values.get("zone"), None, None, _form_errors(err), values)
    return RedirectResponse(f"/projects/{project.id}", status_code=303)


def _project_page(request: Request, db: DB, actor: Actor, project_id: int,
                  errors: list[Finding] | None = None) -> Response:
    try:
        project = service.get_project(db, actor, project_id)
    except DomainError as err:
        return _error_page(request, err)
    return render(request, "projects/project.html", {
        **_names(request), "p": project, "errors": _messages(request, errors or []),
        "today": local_date(utcnow()).isoformat()}, status=422 if errors else 200)


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: RowId, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    return _project_page(request, db, actor, project_id)


@router.post("/projects/{project_id}/stage")
async def set_stage(request: Request, project_id: RowId, db: DB, settings: AppSettings,
                    actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    upload = form.get("document")
    document = None
    if isinstance(upload, UploadFile) and upload.filename:
        document = (upload.filename, await upload.read(settings.max_upload_bytes + 1))
    try:
        body = StageIn.model_validate({"stage": form.get("stage"), "on": form.get("on") or None,
                                       "note": form.get("note") or "",
                                       "enterprise_uscc": (str(form.get("enterprise_uscc") or "").strip() or None),
                                       "reason": str(form.get("reason") or "").strip() or None})
        service.set_stage(db, actor, project_id, body, utcnow(), document=document, data_dir=settings.data_dir,
                          max_bytes=settings.max_upload_bytes)
    except (ValidationError, DomainError) as err:
        return _project_page(request, db, actor, project_id, _form_errors(err))
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/funds")
async def add_fund(request: Request, project_id: RowId, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        body = FundIn.model_validate({"received_on": form.get("received_on") or None,
                                      "amount": str(form.get("amount") or "").strip(),
                                      "source": form.get("source") or ""})
        service.add_fund(db, actor, project_id, body, utcnow())
    except (ValidationError, DomainError) as err:
        return _project_page(request, db, actor, project_id, _form_errors(err))
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/correction")
async def correct_project(request: Request, project_id: RowId, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        body = ProjectCorrection.model_validate({
            **{name: str(form.get(name) or "").strip() or None
               for name in ("code", "name", "investor", "industry_code", "amount")},
            "investor_tags": [str(t) for t in form.getlist("investor_tags")], "reason": str(form.get("reason") or "")})
        service.correct_project(db, actor, project_id, body, utcnow())
    except (ValidationError, DomainError) as err:
        return _project_page(request, db, actor, project_id, _form_errors(err))
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/funds/{fund_id}/reversal")
async def reverse_fund(request: Request, project_id: RowId, fund_id: RowId, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        service.reverse_fund(db, actor, project_id, fund_id, str(form.get("reason") or ""), utcnow())
    except DomainError as err:
        return _project_page(request, db, actor, project_id, _form_errors(err))
    return RedirectResponse(f"/projects/{project_id}#funds", status_code=303)


@router.get("/projects/{project_id}/documents/{sha256}")
def document(request: Request, project_id: RowId, sha256: str, db: DB, settings: AppSettings,
             actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    try:
        path, content_type, name = service.document_path(db, actor, project_id, sha256, settings.data_dir)
    except DomainError as err:
        return _error_page(request, err)
    return FileResponse(path, media_type=content_type, headers={"Content-Disposition": attachment_disposition(name),
                                                                "X-Content-Type-Options": "nosniff"})


# --- key enterprises ------------------------------------------------------------------------------

def _key_list_page(request: Request, db: DB, actor: Actor, zone: str | None, errors: list[Finding] | None = None,
                   values: dict[str, str] | None = None, status: int = 422, q: str = "", page: int = 1) -> Response:
    try:
        found = key_enterprises.list_key_enterprises(db, actor, zone, utcnow(), page_request(page, q=q))
    except DomainError as err:
        return _error_page(request, err)
    filters = {"zone": zone or actor.zone_id, "q": search_text(q)}
    return render(request, "projects/key_enterprises.html", {
        "enterprises": found.items, "zone": zone or actor.zone_id, "errors": _messages(request, errors or []),
        "q": filters["q"], **pager(found, filters), "export_query": filters_query(filters),
        "values": values or {}}, status=status if errors else 200)


@router.get("/key-enterprises")
def key_enterprises_page(request: Request, db: DB, actor: OptionalActor, zone: str | None = None, q: str = "",
                         page: PageNo = 1) -> Response:
    if actor is None:
        return login_redirect(request)
    if actor.role == key_enterprises.SPECIALIST:
        return RedirectResponse("/specialist", status_code=303)
    return _key_list_page(request, db, actor, zone, q=q, page=page)


def _certificate(values: dict[str, str]) -> dict[str, str | None] | None:
    fields = {"number": values.get("cert_number", "").strip(), "issued_on": values.get("cert_issued_on") or None,
              "expires_on": values.get("cert_expires_on") or None}
    return fields if any(fields.values()) else None


@router.post("/key-enterprises")
async def mark_key_enterprise(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    values = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        body = KeyEnterpriseIn.model_validate({
            "zone": values.get("zone", ""), "uscc": values.get("uscc", "").strip().upper(),
            "specialist": values.get("specialist", "").strip() or None,
            "high_tech_certificate": _certificate(values)})
        key_enterprises.mark(db, actor, body, utcnow())
    except (ValidationError, DomainError) as err:
        return _key_list_page(request, db, actor, values.get("zone"), _form_errors(err), values, _status(err))
    return RedirectResponse(f"/key-enterprises/{body.uscc}", status_code=303)


def _key_page(request: Request, db: DB, actor: Actor, uscc: str, errors: list[Finding] | None = None,
              status: int = 422) -> Response:
    try:
        detail = key_enterprises.get_key_enterprise(db, actor, uscc, utcnow())
    except DomainError as err:
        return _error_page(request, err)
    return render(request, "projects/key_enterprise.html", {
        **_names(request), "k": detail, "errors": _messages(request, errors or [])}, status=status if errors else 200)


@router.get("/key-enterprises/{uscc}")
def key_enterprise_page(request: Request, uscc: str, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    return _key_page(request, db, actor, uscc)


@router.post("/key-enterprises/{uscc}")
async def change_key_enterprise(request: Request, uscc: str, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    values = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        certificate = _certificate(values)
        body = KeyEnterpriseChange.model_validate({
            "specialist": values.get("specialist", "").strip() or None, "high_tech_certificate": certificate,
            "remove_certificate": certificate is None, "reason": values.get("reason", "").strip() or None})
        key_enterprises.change(db, actor, uscc, body, utcnow())
    except (ValidationError, DomainError) as err:
        return _key_page(request, db, actor, uscc, _form_errors(err), _status(err))
    return RedirectResponse(f"/key-enterprises/{uscc}", status_code=303)


def _desk_page(request: Request, db: DB, actor: Actor, errors: list[Finding] | None = None, q: str = "",
               page: int = 1, entered: Mapping[str, str] | None = None) -> Response:
    try:
        desk = key_enterprises.desk(db, actor, utcnow(), page_request(page, q=q))
        choices = key_enterprises.desk_choices(db, actor)
    except DomainError as err:
        return _error_page(request, err)
    filters = {"q": search_text(q)}
    return render(request, "projects/specialist.html", {
        **_names(request), "desk": desk, "choices": choices, "entered": entered or {},
        "errors": _messages(request, errors or []),
        "today": local_date(utcnow()).isoformat(), "q": filters["q"], "page": desk.page, "pages": desk.pages,
        "query": filters_query(filters), "export_query": filters_query(filters)}, status=422 if errors else 200)


@router.get("/specialist")
def specialist_page(request: Request, db: DB, actor: OptionalActor, q: str = "", page: PageNo = 1) -> Response:
    if actor is None:
        return login_redirect(request)
    return _desk_page(request, db, actor, q=q, page=page)


_LOG_FIELDS = ("uscc", "served_on", "kind", "request", "action", "resolved_on")


@router.post("/specialist/services")
async def log_service(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        body = ServiceIn.model_validate({
            "served_on": form.get("served_on") or None, "kind": form.get("kind"),
            "request": form.get("request") or "", "action": form.get("action") or "",
            "resolved_on": form.get("resolved_on") or None})
        key_enterprises.log_service(db, actor, str(form.get("uscc") or "").strip().upper(), body, utcnow())
    except (ValidationError, DomainError) as err:
        entered = {k: v for k, v in form.items() if isinstance(v, str) and k in _LOG_FIELDS}
        return _desk_page(request, db, actor, _form_errors(err), entered=entered)
    return RedirectResponse("/specialist", status_code=303)


@router.post("/specialist/services/{service_id}/resolve")
async def resolve(request: Request, service_id: RowId, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        body = ResolveIn.model_validate({"resolved_on": form.get("resolved_on") or None,
                                         "action": form.get("action") or ""})
        key_enterprises.resolve(db, actor, service_id, body, utcnow())
    except (ValidationError, DomainError) as err:
        return _desk_page(request, db, actor, _form_errors(err))
    return RedirectResponse("/specialist", status_code=303)
