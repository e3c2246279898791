"""Seal pages: the enterprise's seals (images, seal a PDF, export a key) and the public seal check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from yima.actors import Actor
from yima.clock import utcnow
from yima.errors import DomainError, Finding
from yima.registration import views
from yima.registration.pages import login_redirect
from yima.seals import documents, national, service
from yima.seals.api import attachment, sealed_name
from yima.seals.status import in_force
from yima.web.deps import DB, AppSettings, OptionalActor, Standard
from yima.web.ratelimit import rate_limited
from yima.web.templating import render, text

router = APIRouter(include_in_schema=False)


def _messages(request: Request, findings: list[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in findings]


def _error_page(request: Request, err: DomainError) -> Response:
    return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)


def _seals_page(request: Request, db: DB, standard: Standard, actor: Actor, uscc: str,
                errors: list[dict[str, str]] | None = None, status: int = 200,
                form: FormData | None = None) -> Response:
    try:
        enterprise = views.get_enterprise(db, standard, uscc)
        seals = service.list_seals(db, actor, uscc, utcnow())
    except DomainError as err:
        return _error_page(request, err)
    national_forms = national.ensure_national_forms(db, [s.id for s in seals if in_force(s.status)], utcnow())
    chosen = set(form.getlist("seal")) if form is not None else set()
    values = {k: v for k, v in form.items() if isinstance(v, str)} if form is not None else {}
    return render(request, "seals.html", {"e": enterprise, "seals": seals, "errors": errors or [],
                                          "national_forms": national_forms,
                                          "chosen": chosen, "values": values}, status=status)


@router.get("/enterprises/{uscc}/seals")
def seals_page(request: Request, uscc: str, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    return _seals_page(request, db, standard, actor, uscc)


def _number(form: FormData, name: str, field: str, integer: bool = False) -> float | None:
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        return None
    try:
        return int(value) if integer else float(value)
    except ValueError as err:
        raise DomainError("seal.number", field, f"“{value}”不是数字", f"'{value}' is not a number") from err


def stamps_from_form(form: FormData) -> list[documents.Stamp]:
    """The chosen seals, in the order shown, each with its page and position (blank: the default)."""
    stamps = []
    for seal_id in form.getlist("seal"):
        if not isinstance(seal_id, str):
            continue
        page = _number(form, f"page-{seal_id}", "page", integer=True)
        stamps.append(documents.Stamp(seal_id, int(page or 1), _number(form, f"x-{seal_id}", "x"),
                                      _number(form, f"y-{seal_id}", "y")))
    return stamps


async def _upload(form: FormData, max_bytes: int) -> tuple[str, bytes]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise DomainError("upload.empty", "file", "请选择要上传的PDF文件", "Choose a PDF file to upload")
    return upload.filename, await upload.read(max_bytes + 1)


@router.post("/enterprises/{uscc}/seals/sign")
async def seal_form(request: Request, uscc: str, db: DB, standard: Standard, settings: AppSettings,
                    actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        filename, content = await _upload(form, settings.max_upload_bytes)
        stamps = stamps_from_form(form)
        sealed = await run_in_threadpool(documents.seal_document, db, actor, filename, content, stamps, utcnow(),
                                         max_bytes=settings.max_upload_bytes)
    except DomainError as err:
        return _seals_page(request, db, standard, actor, uscc, _messages(request, err.findings), err.status, form)
    return Response(sealed, media_type="application/pdf",
                    headers={"Content-Disposition": attachment(sealed_name(filename))})


@router.post("/enterprises/{uscc}/seals/pkcs12")
async def pkcs12_form(request: Request, uscc: str, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    try:
        filename, data = await run_in_threadpool(service.export_pkcs12, db, actor, str(form.get("seal", "")),
                                                 str(form.get("passphrase", "")))
    except DomainError as err:
        return _seals_page(request, db, standard, actor, uscc, _messages(request, err.findings), err.status)
    return Response(data, media_type="application/x-pkcs12", headers={"Content-Disposition": attachment(filename)})


@router.get("/seals/check")
def check_page(request: Request) -> Response:
    return render(request, "seals_check.html", {"checks": None})


@router.post("/seals/check", dependencies=[Depends(rate_limited("seal_validation"))])
async def check_form(request: Request, db: DB, settings: AppSettings) -> Response:
    form = await request.form()
    context: dict[str, Any] = {"checks": None}
    try:
        filename, content = await _upload(form, settings.max_upload_bytes)
        checks = await run_in_threadpool(documents.check_document, db, filename, content, utcnow(),
                                         max_bytes=settings.max_upload_bytes)
    except DomainError as err:
        return render(request, "seals_check.html", {**context, "errors": _messages(request, err.findings)},
                      status=err.status)
    return render(request, "seals_check.html", {"checks": [c.as_dict() for c in checks], "filename": filename})
