"""Observers' pages: the ledger (台账) with its reminders, a suggestion with the steps each role
may take, a new suggestion, and the zone's observers. They translate forms to the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from yima import satisfaction
from yima.actors import ROLES, Actor
from yima.clock import local_date, utcnow
from yima.errors import DomainError, Finding
from yima.listing import search_text
from yima.observers import rules, service, views
from yima.observers.calendar import official_calendar
from yima.observers.states import Action, SuggestionState, allowed
from yima.ranges import day_text, row_id_text
from yima.web.deps import DB, AppSettings, OptionalActor, RowId
from yima.web.listing import PageNo, page_request, pager
from yima.web.templating import forbidden, page_actor, render, text

router = APIRouter(include_in_schema=False)


def _login(request: Request) -> Response:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def _messages(request: Request, findings: list[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in findings]


def _error(request: Request, err: DomainError) -> Response:
    return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)


_date = day_text  # a YYYY-MM-DD parameter within the bounds every route keeps
_int = row_id_text  # a record id parameter, 1 to the largest id a column holds


def _one(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _zone_of(actor: Actor, requested: str | None) -> str | None:
    return requested or actor.zone_id


def _labels() -> dict[str, Any]:
    return {"states": rules.STATES, "categories": rules.CATEGORIES, "ratings": rules.RATINGS,
            "sectors": rules.SECTORS, "steps": rules.STEPS, "roles": ROLES, "scores": satisfaction.SCORES,
            "indicators": satisfaction.INDICATORS}


#: Reminders listed on a page of the ledger (the oldest first); the rest are counted and found by
#: the filter "assigned".
REMINDERS_SHOWN = 20


@router.get("/ledger")
def ledger_page(request: Request, db: DB, actor: OptionalActor, q: str = "", page: PageNo = 1) -> Response:
    if actor is None:
        return _login(request)
    with db.one_read():  # the page's reads in one read transaction
        return _ledger_page(request, db, actor, q, page)


def _ledger_page(request: Request, db: DB, actor: Actor, q: str, page: int) -> Response:
    query = request.query_params
    try:
        filters = views.LedgerFilter(query.get("zone") or None, query.get("state") or None,
                                     _int(query.get("department"), "department"), query.get("category") or None,
                                     _date(query.get("from"), "from"), _date(query.get("to"), "to"))
        # the rows as the list shows them (no steps or attachments)
        found = views.ledger_page(db, actor, utcnow(), filters, page_request(page, q=q), brief=True)
        # what is due soon among the filtered suggestions, on every page
        reminders, due = views.due_soon(db, actor, utcnow(), filters, limit=REMINDERS_SHOWN, brief=True) \
            if filters.state in (None, SuggestionState.ASSIGNED) else ([], 0)
    except DomainError as err:
        return _error(request, err)
    zone = _zone_of(actor, filters.zone)
    params = {k: v for k, v in query.items() if k in ("zone", "state", "department", "category", "from", "to") and v}
    return render(request, "observers/ledger.html", {
        "rows": found.items, "reminders": reminders, "reminders_total": due, "filters": params, "zone": zone,
        "q": search_text(q),
        **pager(found, {**params, "q": search_text(q)}),
        "departments": views.departments(db, zone) if zone else [], "export_query": urlencode(params),
        "may_submit": views.serving_today(db, actor, local_date(utcnow())),
        "calendar": official_calendar().version(), "covered": official_calendar().covered_years(), **_labels()})


@router.get("/suggestions/new")
def new_form(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return _login(request)
    allowed = page_actor(request, actor, "observer")  # only an observer may make a suggestion
    if isinstance(allowed, Response):
        return allowed
    if not views.serving_today(db, allowed, local_date(utcnow())):
        return forbidden(request, "您当前不在观察员任期内，可以查看以往建议，但不能提出新建议",
                         "You are not serving as an observer today: you may read your suggestions, not submit "
                         "new ones", "observer.not_serving")
    return render(request, "observers/new.html", {"values": {}, **_labels()})


@router.post("/suggestions/new")
async def new_submit(request: Request, db: DB, settings: AppSettings, actor: OptionalActor) -> Response:
    if actor is None:
        return _login(request)
    form = await request.form()
    uploads = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            uploads.append(service.Upload(item.filename, await item.read(settings.max_upload_bytes + 1)))
    try:
        suggestion_id = service.submit(db, actor, _one(form, "title"), _one(form, "text"), _one(form, "category"),
                                       utcnow(), uploads=uploads, data_dir=settings.data_dir,
                                       max_bytes=settings.max_upload_bytes)
    except DomainError as err:
        values = {k: _one(form, k) for k in ("title", "text", "category")}
        return render(request, "observers/new.html", {"values": values, "errors": _messages(request, err.findings),
                                                      **_labels()}, status=err.status)
    return RedirectResponse(f"/suggestions/{suggestion_id}", status_code=303)


def _detail(request: Request, db: DB, actor: Actor, suggestion_id: int, errors: list[dict[str, str]] | None = None,
            status: int = 200, find: str = "") -> Response:
    try:
        page = views.suggestion_page(db, actor, suggestion_id, utcnow(), find)
    except DomainError as err:
        return _error(request, err)
    return render(request, "observers/suggestion.html", {
        "s": page.suggestion, "office": page.office, "answering": page.answering, "draft": page.draft,
        "earlier": page.merge_candidates, "more_earlier": page.more_candidates, "find": page.find,
        "mergeable": page.office and allowed(Action.MERGE, page.suggestion.state),
        "own": page.own, "departments": page.departments,
        "errors": errors or [], "calendar": official_calendar().version(), **_labels()}, status=status)


@router.get("/suggestions/{suggestion_id}")
def suggestion_page(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor, find: str = "") -> Response:
    """``find``: the reform office's search for an earlier suggestion to merge into."""
    if actor is None:
        return _login(request)
    return _detail(request, db, actor, suggestion_id, find=find)


Step = Callable[[Actor, FormData, int], object]


async def _step(request: Request, db: DB, actor: Actor | None, suggestion_id: int, step: Step) -> Response:
    """Take one step of the suggestion's page with the form sent; the page again, naming the rule, if refused."""
    if actor is None:
        return _login(request)
    form = await request.form()
    try:
        step(actor, form, suggestion_id)
    except DomainError as err:
        return _detail(request, db, actor, suggestion_id, _messages(request, err.findings), err.status)
    return RedirectResponse(f"/suggestions/{suggestion_id}", status_code=303)


@router.post("/suggestions/{suggestion_id}/accept")
async def accept_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id,
                       lambda who, form, sid: service.accept(db, who, sid, utcnow()))


@router.post("/suggestions/{suggestion_id}/merge")
async def merge_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id, lambda who, form, sid: service.merge(
        db, who, sid, _int(_one(form, "into"), "into") or 0, utcnow(), _one(form, "note")))


@router.post("/suggestions/{suggestion_id}/assign")
async def assign_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id, lambda who, form, sid: service.assign(
        db, who, sid, _int(_one(form, "department"), "department") or 0,
        _int(_one(form, "working_days"), "working_days") or 0, utcnow()))


@router.post("/suggestions/{suggestion_id}/draft")
async def draft_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id,
                       lambda who, form, sid: service.save_draft(db, who, sid, _one(form, "text"), utcnow()))


@router.post("/suggestions/{suggestion_id}/publish")
async def publish_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    """The reply form's second button: the text as edited is saved, then published."""
    def publish(who: Actor, form: FormData, sid: int) -> None:
        if _one(form, "text"):
            service.save_draft(db, who, sid, _one(form, "text"), utcnow())
        service.publish_reply(db, who, sid, utcnow())
    return await _step(request, db, actor, suggestion_id, publish)


@router.post("/suggestions/{suggestion_id}/extension")
async def extension_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id, lambda who, form, sid: service.request_extension(
        db, who, sid, _int(_one(form, "working_days"), "working_days") or 0, _one(form, "reason"), utcnow()))


@router.post("/suggestions/{suggestion_id}/extension-decision")
async def extension_decision_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id, lambda who, form, sid: service.decide_extension(
        db, who, sid, _one(form, "grant") == "yes", utcnow(), _one(form, "note")))


@router.post("/suggestions/{suggestion_id}/decline")
async def decline_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id,
                       lambda who, form, sid: service.decline(db, who, sid, _one(form, "reason"), utcnow()))


@router.post("/suggestions/{suggestion_id}/transfer")
async def transfer_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id, lambda who, form, sid: service.transfer(
        db, who, sid, _int(_one(form, "department"), "department") or 0, _one(form, "reason"), utcnow()))


@router.post("/suggestions/{suggestion_id}/take-back")
async def take_back_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id,
                       lambda who, form, sid: service.take_back(db, who, sid, _one(form, "reason"), utcnow()))


@router.post("/suggestions/{suggestion_id}/urge")
async def urge_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id,
                       lambda who, form, sid: service.urge(db, who, sid, _one(form, "note"), utcnow()))


@router.post("/suggestions/{suggestion_id}/note")
async def note_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id,
                       lambda who, form, sid: service.add_note(db, who, sid, _one(form, "text"), utcnow()))


@router.post("/suggestions/{suggestion_id}/rating")
async def rating_step(request: Request, suggestion_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _step(request, db, actor, suggestion_id, lambda who, form, sid: service.rate(
        db, who, sid, _one(form, "rating") or None, _one(form, "comment"), utcnow(), _score(form),
        [str(v) for v in form.getlist("indicators")][:len(satisfaction.INDICATORS)]))


def _score(form: FormData) -> int | None:
    """The score chosen on the form (1 to 5), or a rule naming the field.

    A form that sends only the v1 word (``rating``) is taken as the API takes it: the service
    turns the word into its level, and refuses a word that contradicts a score.
    """
    value = _one(form, "score")
    if not value and _one(form, "rating"):
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 1:
        raise DomainError("rating.score", "score", "请选择评分（1 至 5）", "Choose a score (1 to 5)")
    return int(value)


@router.post("/suggestions/{suggestion_id}/attach")
async def attach_step(request: Request, suggestion_id: RowId, db: DB, settings: AppSettings,
                      actor: OptionalActor) -> Response:
    if actor is None:
        return _login(request)
    form = await request.form()
    file = form.get("file")
    upload = (service.Upload(file.filename, await file.read(settings.max_upload_bytes + 1))
              if isinstance(file, UploadFile) and file.filename else None)

    def attach(who: Actor, form: FormData, sid: int) -> None:
        if upload is None:
            raise DomainError("upload.empty", "file", "请选择要上传的文件", "Choose a file to upload")
        service.attach(db, who, sid, upload, utcnow(), settings.data_dir, settings.max_upload_bytes)
    return await _step(request, db, actor, suggestion_id, attach)


@router.get("/observers")
def observers_page(request: Request, db: DB, actor: OptionalActor, zone: str | None = None,
                   on: str | None = None) -> Response:
    if actor is None:
        return _login(request)
    return _observers(request, db, actor, zone, on)


def _observers(request: Request, db: DB, actor: Actor, zone: str | None, on: str | None,
               errors: list[dict[str, str]] | None = None, status: int = 200) -> Response:
    zone_id = _zone_of(actor, zone)
    if zone_id is None:
        return render(request, "error.html", {"errors": [{"rule": "zone.required", "field": "zone",
                                                          "text": text(request, "请指定开发区（?zone=…）",
                                                                       "Name a zone (?zone=…)")}]}, status=422)
    try:
        day = _date(on, "on") or local_date(utcnow())
        found = views.observers(db, actor, zone_id)
    except DomainError as err:
        return _error(request, err)
    serving = [o for o in found if rules.serving(date.fromisoformat(o.term_from), date.fromisoformat(o.term_to), day)]
    by_sector = {key: sum(1 for o in serving if o.sector == key) for key in rules.SECTORS}
    return render(request, "observers/observers.html", {
        "zone": zone_id, "on": day.isoformat(), "observers": found, "serving": serving, "by_sector": by_sector,
        "departments": views.departments(db, zone_id), "errors": errors or [], **_labels()}, status=status)


@router.post("/observers")
async def observers_add(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return _login(request)
    form = await request.form()
    zone = _one(form, "zone")
    try:
        if _one(form, "kind") == "department":
            service.add_department(db, actor, zone, _one(form, "name"), utcnow(), _one(form, "name_en"))
        else:
            term_from, term_to = _date(_one(form, "term_from"), "term_from"), _date(_one(form, "term_to"), "term_to")
            if term_from is None or term_to is None:
                raise DomainError("observer.term_required", "term_from", "请填写任期起止日期",
                                  "Give the term's first and last day")
            service.appoint_observer(db, actor, zone, _one(form, "name"), _one(form, "sector"), term_from, term_to,
                                     utcnow(), _one(form, "organisation"), _one(form, "user") or None)
    except DomainError as err:
        return _observers(request, db, actor, zone, None, _messages(request, err.findings), err.status)
    return RedirectResponse(f"/observers?zone={quote(zone)}", status_code=303)
