"""Registration pages: the guided application form, my applications, materials, the officer's queue."""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from yima.accounts.service import display_names
from yima.actors import Actor
from yima.clock import utcnow
from yima.errors import DomainError, Finding
from yima.listing import search_text
from yima.register.rules import may_revoke
from yima.registration import decisions, owner_records, owners, service, views
from yima.registration.appview import Withdrawal
from yima.registration.model import ApplicationIn
from yima.registration.status import DECISIONS, Step
from yima.web.deps import DB, AppSettings, OptionalActor, RowId, Standard
from yima.web.errors import field_words, findings_of_validation
from yima.web.listing import PageNo, filters_query, page_request, pager
from yima.web.templating import ROLE_NAMES, flash, login_redirect, page_actor, render, text
from yima.zones.service import get_zone, list_zones

router = APIRouter(include_in_schema=False)
OWNER_BASES = {key: words for key, words in owners.BASIS_WORDS.items()}
ID_TYPES = {"resident_id": ("居民身份证", "Resident ID card"), "passport": ("护照", "Passport"),
            "hk_macao_permit": ("港澳居民来往内地通行证", "Mainland travel permit for Hong Kong and Macao residents"),
            "taiwan_permit": ("台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents")}


def _messages(request: Request, findings: list[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in findings]


def _one(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _many(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str)]


_HOLDER_CELLS = {"name": "sh_name", "id_type": "sh_id_type", "id_number": "sh_id_number", "share_pct": "sh_share",
                 "contribution_due": "sh_due", "paid_in": "sh_paid", "paid_in_on": "sh_paid_on"}
_OWNER_CELLS = {"name": "bo_name", "id_type": "bo_id_type", "id_number": "bo_id_number",
                "nationality": "bo_nationality", "basis": "bo_basis", "share_pct": "bo_share", "since": "bo_since"}


def _rows(form: FormData, cells: dict[str, str], filled: tuple[str, ...]) -> list[dict[str, str]]:
    """The table rows someone filled in (any of the ``filled`` cells), in order; blank rows are dropped."""
    columns = {key: _many(form, name) for key, name in cells.items()}
    rows = []
    for i in range(max(len(v) for v in columns.values())):
        row = {key: values[i] if i < len(values) else "" for key, values in columns.items()}
        if any(row[key] for key in filled):
            rows.append(row)
    return rows


def _holders(form: FormData) -> list[dict[str, str]]:
    return _rows(form, _HOLDER_CELLS, tuple(k for k in _HOLDER_CELLS if k != "id_type"))


def _owners(form: FormData) -> list[dict[str, str]]:
    return _rows(form, _OWNER_CELLS, ("name", "id_number", "share_pct", "since"))


def _holder_body(h: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"name": h["name"], "id_type": h["id_type"] or "resident_id", "id_number": h["id_number"],
                           "share_pct": h["share_pct"] or "0"}
    if h["contribution_due"]:
        row["contribution_due"] = h["contribution_due"]
    if h["paid_in"] or h["paid_in_on"]:
        row["paid_in"] = {"amount": h["paid_in"] or "0", "date": h["paid_in_on"] or None}
    return row


def _owner_body(o: dict[str, str]) -> dict[str, Any]:
    return {"name": o["name"], "id_type": o["id_type"] or "resident_id", "id_number": o["id_number"],
            "nationality": (o["nationality"] or "CHN").upper(), "basis": o["basis"],
            "share_pct": o["share_pct"] or None, "since": o["since"] or None}


def _sites(form: FormData) -> list[dict[str, str]]:
    proofs = _many(form, "site_proof")
    return [{"text": site, "proof": proofs[i] if i < len(proofs) and proofs[i] else "commitment"}
            for i, site in enumerate(_many(form, "site_text")) if site]


def body_from_form(form: FormData, actor: Actor) -> dict[str, Any]:
    """The guided form's fields, as the v1 application body."""
    one = functools.partial(_one, form)
    many = functools.partial(_many, form)
    addresses = [{"text": one("domicile_text"), "proof": one("domicile_proof") or "commitment", "kind": "domicile"}]
    addresses += [{**site, "kind": "site"} for site in _sites(form)]
    holders = [_holder_body(h) for h in _holders(form)]
    commitments = many("commitments")
    if any(a["proof"] == "commitment" for a in addresses) and "address" not in commitments and one("commit_address"):
        commitments.append("address")
    if one("commit_beneficial_owner") and "beneficial_owner" not in commitments:
        commitments.append("beneficial_owner")
    owners = [_owner_body(o) for o in _owners(form)]
    return {
        "zone": one("zone"), "matter": "establish", "entity_type": one("entity_type"),
        "channel": "counter" if actor.role == "officer" else "online", "name": one("name"),
        "registered_capital": one("registered_capital") or None, "industry_code": one("industry_code") or None,
        "scope": many("scope"), "addresses": addresses,
        "legal_representative": {"name": one("lr_name"), "id_type": one("lr_id_type") or "resident_id",
                                 "id_number": one("lr_id_number"), "phone": one("lr_phone") or None},
        "shareholders": holders or None, "materials": many("materials"), "commitments": commitments,
        "beneficial_owners": owners or None,
    }


def form_words(path: str) -> tuple[str, str]:
    """Fields named as the guided form names them: the first address is the domicile, the others
    its business sites."""
    head, _, rest = path.partition(".")
    index, _, part = rest.partition(".")
    if head == "addresses" and index.isascii() and index.isdigit() and part in ("", "text"):
        n = int(index)
        return ("住所", "domicile") if n == 0 else (f"第{n}个经营场所", f"business site {n}")
    return field_words(path)


_LR_FIELDS = {"name": "lr_name", "id_number": "lr_id_number", "phone": "lr_phone"}


def form_field(path: str) -> str:
    """Which input of the guided form a finding's field path belongs next to."""
    head, _, rest = path.partition(".")
    index, _, part = rest.partition(".")
    if head == "legal_representative":
        return _LR_FIELDS.get(index, "lr_name")
    if head == "addresses":
        return f"site_{int(index) - 1}" if index.isascii() and index.isdigit() and int(index) > 0 else "domicile_text"
    if head == "shareholders":
        return f"sh_{index}" if index.isascii() and index.isdigit() else "shareholders"
    if head == "beneficial_owners":
        return f"bo_{index}" if index.isascii() and index.isdigit() else "beneficial_owners"
    if head == "commitments":
        return "commit_address"
    return head


_ANCHOR_IDS = frozenset({"zone", "entity_type", "name", "registered_capital", "industry_code", "scope",
                         "domicile_text", "commit_address", "lr_name", "lr_id_number", "lr_phone",
                         "shareholders", "beneficial_owners", "materials", "commit_beneficial_owner"})


def form_anchor(key: str) -> str:
    """The id of the element an error-summary link jumps to for a form field (:func:`form_field`);
    empty when the form has no such element (the summary then shows the message without a link)."""
    head, _, index = key.partition("_")
    if head in ("sh", "bo") and index.isascii() and index.isdigit():
        return f"{head}_name_{index}"
    if head == "site" and index.isascii() and index.isdigit():
        return key
    if key == "beneficial_owners":
        return "owners"
    return key if key in _ANCHOR_IDS else ""


def _form_context(db: DB, standard: Standard, form: FormData | None = None,
                  errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    establish = standard.matters["establish"]
    by_field: dict[str, list[str]] = {}
    linked: list[dict[str, str]] = []
    for error in errors or []:
        key = form_field(error["field"])
        by_field.setdefault(key, []).append(error["text"])
        linked.append({**error, "anchor": form_anchor(key)})
    return {"zones": list_zones(db), "form": form, "errors": linked, "field_errors": by_field,
            "holders": (_holders(form) if form is not None else []) or [dict.fromkeys(_HOLDER_CELLS, "")],
            "owners": (_owners(form) if form is not None else []) or [dict.fromkeys(_OWNER_CELLS, "")],
            "owner_bases": OWNER_BASES, "id_types": ID_TYPES,
            "sites": _sites(form) if form is not None else [],
            "chosen_materials": set(_many(form, "materials")) if form is not None else set(),
            "apply_data": json.dumps({"materials_by_type": establish.materials,
                                      "scope_classes": {k: v.industry_code for k, v in standard.scope.items()}},
                                     ensure_ascii=False).replace("</", "<\\/")}


@router.get("/apply")
def apply_form(request: Request, db: DB, standard: Standard, actor: OptionalActor, zone: str = "") -> Response:
    if actor is None:
        return login_redirect(request)
    chosen, why = views.start_zone(db, actor, zone.strip()[:32])
    return render(request, "apply.html", {**_form_context(db, standard), "start_zone": chosen, "start_why": why})


@router.post("/apply")
async def apply(request: Request, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    raw = body_from_form(form, actor)
    status = 422
    try:
        body = ApplicationIn.model_validate(raw)
        app_id = service.submit(db, standard, actor, body, utcnow(), form.get("idempotency_key") or None)  # type: ignore[arg-type]
    except ValidationError as err:
        errors = _messages(request, findings_of_validation(list(err.errors()), form_words))
    except DomainError as err:
        errors, status = _messages(request, err.findings), err.status  # e.g. 403 for another zone's officer
    else:
        return flash(request, RedirectResponse(f"/applications/{app_id}", status_code=303),
                     f"申请 #{app_id} 已提交，结果见下。",
                     f"Application #{app_id} has been submitted; its outcome is below.")
    return render(request, "apply.html", _form_context(db, standard, form, errors), status=status)


@router.get("/applications")
def my_applications(request: Request, db: DB, actor: OptionalActor, q: str = "", page: PageNo = 1) -> Response:
    if actor is None:
        return login_redirect(request)
    found = views.applications_page(db, actor, utcnow(), request=page_request(page, q=q))
    filters = {"q": search_text(q)}
    return render(request, "applications.html", {"applications": found.items, "q": filters["q"],
                                                 **pager(found, filters)})


QUEUE_PAGE = 50  # a screen of the queue (the list's bound is 100)
DECISION_DONE: dict[str, tuple[str, str]] = {Step.APPROVE: ("已核准", "approved"), Step.REJECT: ("已驳回", "rejected"),
                 Step.ACCEPT_WITH_MISSING: ("已容缺受理", "accepted with missing materials")}


@router.get("/queue")
def queue(request: Request, db: DB, standard: Standard, signed_in: OptionalActor, status: str = "",
          matter: str = "", overdue: str = "", q: str = "", page: PageNo = 1) -> Response:
    """The officer's queue: their zone's applications awaiting a decision, oldest first, by page
    of 50; filtered by status, matter and overdue, searched by name, credit code or
    number, and exported as CSV with the same filters."""
    actor = page_actor(request, signed_in, "officer", "admin")
    if isinstance(actor, Response):
        return actor
    status = status if status in views.QUEUED else ""
    matter = matter if matter in standard.matters else ""
    found = views.applications_page(db, actor, utcnow(), views.ApplicationFilter(status or None, matter or None,
                                                                                 bool(overdue)),
                                    page_request(page, QUEUE_PAGE, q))
    zone = get_zone(db, actor.zone_id) if actor.zone_id else None
    filters = {k: v for k, v in {"status": status, "matter": matter, "overdue": "1" if overdue else "",
                                 "q": search_text(q)}.items() if v}
    export = filters_query({**filters, "overdue": "true" if overdue else ""})
    return render(request, "queue.html", {
        "applications": found.items, "zone": zone, "filters": filters, "statuses": views.QUEUED,
        "export_query": export, **pager(found, filters)})


def _detail(request: Request, db: DB, standard: Standard, actor: Actor, app_id: int,
            errors: list[dict[str, str]] | None = None, status: int = 200,
            chosen: dict[str, str] | None = None) -> Response:
    """The application page; ``chosen`` is the decision form as the officer sent it (decision,
    reason, and ``confirm`` when approving over open findings asks for the confirmation step)."""
    try:
        app = views.get_application(db, actor, app_id, utcnow())
    except DomainError as err:
        return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)
    steps = views.offered_steps(app, actor)
    elsewhere = views.decided_elsewhere(app)
    required = standard.matters[app.matter].required_materials(app.entity_type)
    zone = get_zone(db, (app.accepting_zone or app.zone) if elsewhere else app.zone)  # a partner zone is not here
    return render(request, "application.html", {
        "app": app, "may_decide": bool(steps & set(DECISIONS)), "may_supply": Step.SUPPLY in steps,
        "may_withdraw": Step.WITHDRAW in steps, "decisions": [str(d) for d in DECISIONS if d in steps],
        "required": required, "errors": errors or [], "chosen": chosen or {},
        "open_findings": decisions.open_findings(app.findings),
        "names": display_names(db, (t.actor_id for t in app.transitions)), "role_words": ROLE_NAMES,
        "zone_name": zone.name_en or zone.name if text(request, "zh", "en") == "en" else zone.name}, status=status)


@router.get("/applications/{app_id}")
def application_page(request: Request, app_id: RowId, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    return _detail(request, db, standard, actor, app_id)


@router.get("/applications/{app_id}/beneficial-owners")
def beneficial_owners_page(request: Request, app_id: RowId, db: DB, actor: OptionalActor) -> Response:
    """受益所有人 an application reported: the zone's officers and administrators only, each read audited."""
    staff = page_actor(request, actor, "officer", "admin")
    if isinstance(staff, Response):
        return staff
    try:
        reported = owner_records.for_application(db, staff, app_id, utcnow())
    except DomainError as err:
        return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)
    return render(request, "owners.html", {"app_id": app_id, "owners": reported, "bases": OWNER_BASES,
                                           "id_types": ID_TYPES})


@router.post("/applications/{app_id}/decision")
async def decision_form(request: Request, app_id: RowId, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    decision, reason = _one(form, "decision"), _one(form, "reason")
    chosen = {"decision": decision, "reason": reason}
    try:
        if decision == Step.APPROVE and not _one(form, "confirmed") \
                and service.check_approval(db, standard, actor, app_id, reason):  # confirmed on a step naming each
            return _detail(request, db, standard, actor, app_id, chosen={**chosen, "confirm": "1"})
        service.decide(db, standard, actor, app_id, decision, reason, utcnow())
    except DomainError as err:
        return _detail(request, db, standard, actor, app_id, _messages(request, err.findings), err.status,
                       chosen={**chosen, "confirm": "1" if any(f.rule == "decision.reason_required"
                                                               for f in err.findings) else ""})
    zh, en = DECISION_DONE.get(decision, ("决定已记录", "Decision recorded"))
    return flash(request, RedirectResponse(f"/applications/{app_id}", status_code=303), f"申请 #{app_id}：{zh}。",
                 f"Application #{app_id}: {en}.")


@router.post("/applications/{app_id}/withdraw")
def withdraw_form(request: Request, app_id: RowId, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    try:
        service.withdraw(db, actor, app_id, utcnow())
        app = views.get_application(db, actor, app_id, utcnow())
    except DomainError as err:
        return _detail(request, db, standard, actor, app_id, _messages(request, err.findings), err.status)
    zh, en = "申请已撤回。", "The application has been withdrawn."
    if app.withdrawal in (Withdrawal.REQUESTED, Withdrawal.TOO_LATE):  # forwarded: the partner confirms, or decided
        zone = app.zone
        zh, en = ((f"撤回申请已发出，等待 {zone} 确认。", f"Withdrawal sent, awaiting {zone}'s confirmation.")
                  if app.withdrawal == Withdrawal.REQUESTED else
                  (f"撤回未成功：{zone} 已作出决定。", f"Too late to withdraw: {zone} had already decided."))
    return flash(request, RedirectResponse(f"/applications/{app_id}", status_code=303), zh, en)


@router.post("/applications/{app_id}/materials")
async def materials_form(request: Request, app_id: RowId, db: DB, standard: Standard, settings: AppSettings,
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
    return flash(request, RedirectResponse(f"/applications/{app_id}", status_code=303),
                 f"材料“{upload.filename}”已上传。", f"The material '{upload.filename}' has been uploaded.")


@router.get("/enterprises")
def enterprise_lookup(uscc: str = "") -> Response:
    return RedirectResponse(f"/enterprises/{quote(uscc.strip().upper(), safe='')}", status_code=303)


@router.get("/enterprises/{uscc}")
def enterprise_page(request: Request, uscc: str, db: DB, standard: Standard, actor: OptionalActor) -> Response:
    try:
        enterprise = views.get_enterprise(db, standard, uscc)
    except DomainError as err:
        return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)
    return render(request, "enterprise.html", {
        "e": enterprise, "may_revoke": may_revoke(actor, enterprise.zone, enterprise.status)})
