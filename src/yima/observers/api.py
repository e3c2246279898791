"""The observers' routes of the v1 API (``/api/v1/observers``, ``/api/v1/suggestions``): they
translate HTTP to the service and views, which decide who may do what."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from yima import satisfaction
from yima.clock import local_date, utcnow
from yima.errors import NotFound
from yima.listing import PER_PAGE
from yima.observers import rules, service, views
from yima.observers.spreadsheet import ledger_workbook
from yima.uploads import attachment_disposition, upload_path
from yima.web.deps import DB, MAX_ROW_ID, AppSettings, CurrentActor, RowId
from yima.web.listing import PageNo, PerPage, Search, page_request, set_page_headers
from yima.web.params import Day, RowIdParam

router = APIRouter(tags=["observers"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ObserverIn(BaseModel):
    zone: str
    name: str = Field(min_length=1, max_length=100)
    sector: str = Field(description=f"One of: {', '.join(rules.SECTORS)}")
    organisation: str = ""
    term_from: date
    term_to: date
    user: str | None = Field(None, description="An existing account of role observer; else one is made")


class ObserverOut(BaseModel):
    id: int
    zone: str
    name: str
    sector: str
    organisation: str
    term_from: date
    term_to: date
    username: str
    serving: bool


class DepartmentIn(BaseModel):
    zone: str
    name: str = Field(min_length=1, max_length=100)
    name_en: str = ""


class DepartmentOut(BaseModel):
    id: int
    zone: str
    name: str
    name_en: str


class MemberIn(BaseModel):
    username: str


class SuggestionIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=5000)
    category: str = Field(description=f"One of: {', '.join(rules.CATEGORIES)}")


class MergeIn(BaseModel):
    into: int = Field(ge=1, le=MAX_ROW_ID, description="The earlier suggestion of the ledger that answers this one")
    note: str = ""


class AssignIn(BaseModel):
    department_id: int = Field(ge=1, le=MAX_ROW_ID)
    working_days: int = Field(ge=1, le=rules.MAX_WORKING_DAYS,
                              description="Counted on China's official calendar with its adjusted working days")


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class ExtensionIn(BaseModel):
    working_days: int = Field(ge=1, le=rules.MAX_WORKING_DAYS)
    reason: str = Field(min_length=1, max_length=1000)


class ExtensionDecisionIn(BaseModel):
    grant: bool
    note: str = ""


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class TransferIn(BaseModel):
    department_id: int = Field(ge=1, le=MAX_ROW_ID)
    reason: str = Field(min_length=1, max_length=1000)


class UrgeIn(BaseModel):
    note: str = Field("", max_length=1000)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class RatingIn(BaseModel):
    """好差评 of the published reply: ``score`` 1–5 (GB/T 39734-2020) with the indicators it speaks
    to, or (v1) the ledger's word alone, which is its level on the scale."""

    score: int | None = Field(None, description="5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意")
    indicators: list[str] = Field(default_factory=list, max_length=len(satisfaction.INDICATORS),
                                  description="Codes of GET /api/v1/ratings/indicators")
    rating: str | None = Field(None, description=f"v1, instead of score: one of {', '.join(rules.RATINGS)} "
                               "(its level: 4, 3, 2)")
    comment: str = Field("", max_length=satisfaction.MAX_COMMENT)


class ReplyOut(BaseModel):
    round: int
    text: str
    published: bool
    drafted_at: str
    published_at: str | None
    due_on: str | None
    on_time: bool | None
    rating: str | None = Field(description="The ledger's word (满意度): satisfied (score 4–5), "
                               "basically_satisfied (3), dissatisfied (1–2)")
    score: int | None = Field(None, description="The rating on the five levels of 好差评")
    indicators: list[str] = Field(default_factory=list, description="What the rating speaks to")
    rating_comment: str
    rated_at: str | None


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class StepOut(BaseModel):
    at: str
    actor_role: str
    action: str
    state: str
    note: str
    internal: bool = Field(False, description="An internal note or urging: never shown to the observer")


class ExtensionOut(BaseModel):
    state: str
    working_days: int | None
    reason: str
    requested_on: str | None = None
    decided_on: str | None = None
    note: str = ""


class SuggestionOut(BaseModel):
    id: int
    zone: str
    ledger_no: int | None = Field(description="The number within the zone's ledger year")
    ledger_year: int | None = None
    ledger_code: str | None = Field(None, description="The ledger number (台账编号) shown everywhere: 2026-0007")
    observer: str
    observer_id: int
    sector: str
    organisation: str
    title: str
    text: str
    category: str
    state: str
    submitted_at: str
    merged_into: int | None
    merged_into_code: str | None = Field(None, description="The ledger number of the suggestion it was merged into")
    accepted_at: str | None = None
    decline_reason: str = ""
    department_id: int | None
    department: str | None
    department_en: str | None
    round: int
    assigned_on: str | None
    working_days: int | None
    due_on: str | None
    calendar: str | None = Field(description="The calendar package and version the deadline was counted with")
    original_due_on: str | None = Field(None, description="The deadline as assigned, before any extension")
    due_provisional: bool = Field(False, description="Counted by weekends only over a year the calendar does "
                                  "not cover yet; counted again once the year's arrangement is added")
    provisional_note_zh: str = ""
    provisional_note_en: str = ""
    days_left: int | None = Field(description="Working days left (0: due today); null when overdue or uncountable")
    days_overdue: int
    overdue: bool
    remind: bool = Field(description="Due within two working days, or overdue")
    time_note_zh: str
    time_note_en: str
    extension: ExtensionOut | None
    replies: list[ReplyOut]
    rating: str | None
    attachments: list[AttachmentOut]
    steps: list[StepOut]
    closed_at: str | None


class StateOut(BaseModel):
    id: int
    state: str
    ledger_no: int | None = None
    ledger_code: str | None = None
    due_on: date | None = None
    due_provisional: bool = False
    calendar: str | None = None
    on_time: bool | None = None


def _state(db: DB, actor: Any, suggestion_id: int, **extra: Any) -> StateOut:
    found = views.get_suggestion(db, actor, suggestion_id, utcnow())
    return StateOut(id=suggestion_id, state=found.state, ledger_no=found.ledger_no,
                    ledger_code=found.ledger_code, due_on=date.fromisoformat(found.due_on) if found.due_on else None,
                    due_provisional=found.due_provisional, calendar=found.calendar, **extra)


@router.post("/api/v1/observers", response_model=ObserverOut, status_code=201)
def appoint(body: ObserverIn, db: DB, actor: CurrentActor) -> ObserverOut:
    """Appoint an observer for a term (reform office of the zone, or an administrator)."""
    observer_id = service.appoint_observer(db, actor, body.zone, body.name, body.sector, body.term_from,
                                           body.term_to, utcnow(), body.organisation, body.user)
    found = next(o for o in views.observers(db, actor, body.zone) if o.id == observer_id)
    serving = rules.serving(body.term_from, body.term_to, local_date(utcnow()))
    return ObserverOut.model_validate(replace(found, serving=serving).as_json())


@router.get("/api/v1/observers", response_model=list[ObserverOut])
def list_observers(zone: str, db: DB, actor: CurrentActor, on: Day | None = None) -> list[ObserverOut]:
    """The zone's observers; with ``on``, only those serving on that day."""
    return [ObserverOut.model_validate(o.as_json()) for o in views.observers(db, actor, zone, on)]


@router.get("/api/v1/suggestions/departments", response_model=list[DepartmentOut])
def list_departments(zone: str, db: DB, actor: CurrentActor) -> list[DepartmentOut]:
    """The zone's departments that handle suggestions (for anyone with a role in the ledger)."""
    return [DepartmentOut.model_validate(d.as_json()) for d in views.ledger_departments(db, actor, zone)]


@router.post("/api/v1/suggestions/departments", response_model=DepartmentOut, status_code=201)
def add_department(body: DepartmentIn, db: DB, actor: CurrentActor) -> DepartmentOut:
    department_id = service.add_department(db, actor, body.zone, body.name, utcnow(), body.name_en)
    return DepartmentOut(id=department_id, zone=body.zone, name=body.name.strip(), name_en=body.name_en.strip())


@router.post("/api/v1/suggestions/departments/{department_id}/members", status_code=204, response_class=Response)
def bind_member(department_id: RowId, body: MemberIn, db: DB, actor: CurrentActor) -> Response:
    """Bind a user of role department to this department."""
    service.bind_department_user(db, actor, body.username, department_id, utcnow())
    return Response(status_code=204)


@router.post("/api/v1/suggestions", response_model=SuggestionOut, status_code=201)
def submit(body: SuggestionIn, db: DB, actor: CurrentActor) -> SuggestionOut:
    """An observer serving today submits a suggestion (attachments: ``POST …/{id}/attachments``)."""
    suggestion_id = service.submit(db, actor, body.title, body.text, body.category, utcnow())
    return SuggestionOut.model_validate(views.get_suggestion(db, actor, suggestion_id, utcnow()).as_json())


@router.get("/api/v1/suggestions", response_model=list[SuggestionOut])
def list_suggestions(db: DB, actor: CurrentActor, response: Response, zone: str | None = None,
                     state: str | None = None, department: RowIdParam | None = None, category: str | None = None,
                     start: Annotated[Day | None, Query(alias="from")] = None,
                     end: Annotated[Day | None, Query(alias="to")] = None, q: Search = "", page: PageNo = 1,
                     per_page: PerPage = PER_PAGE) -> list[SuggestionOut]:
    """One page of the ledger as the caller may see it (observers: their own; departments: what is
    assigned to them; the reform office: its zone's), oldest first, filtered by state, department,
    category and period, searched by title or ledger number (``q``); ``X-Total-Count`` and
    ``Link`` give the rest."""
    found = views.ledger_page(db, actor, utcnow(), views.LedgerFilter(zone, state, department, category, start, end),
                              page_request(page, per_page, q))
    set_page_headers(response, "/api/v1/suggestions", found, {
        "zone": zone, "state": state, "department": department, "category": category,
        "from": start.isoformat() if start else None, "to": end.isoformat() if end else None, "q": q})
    return [SuggestionOut.model_validate(row.as_json()) for row in found.items]


@router.get("/api/v1/suggestions/ledger.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "The ledger (台账) as a workbook"}})
def ledger_xlsx(db: DB, actor: CurrentActor, zone: str | None = None, state: str | None = None,
                department: RowIdParam | None = None, category: str | None = None,
                start: Annotated[Day | None, Query(alias="from")] = None,
                end: Annotated[Day | None, Query(alias="to")] = None) -> Response:
    now = utcnow()
    rows = views.ledger(db, actor, now, views.LedgerFilter(zone, state, department, category, start, end,
                                                           in_ledger=True))
    content = ledger_workbook(rows, f"营商环境观察员意见建议办理台账 {zone or actor.zone_id or ''}".strip(), now)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="ledger.xlsx"'})


@router.get("/api/v1/suggestions/reminders", response_model=list[SuggestionOut])
def list_reminders(db: DB, actor: CurrentActor) -> list[SuggestionOut]:
    """Suggestions with a department, due within two working days or overdue."""
    rows, _ = views.due_soon(db, actor, utcnow())
    return [SuggestionOut.model_validate(row.as_json()) for row in rows]


@router.get("/api/v1/suggestions/{suggestion_id}", response_model=SuggestionOut)
def get_suggestion(suggestion_id: RowId, db: DB, actor: CurrentActor) -> SuggestionOut:
    return SuggestionOut.model_validate(views.get_suggestion(db, actor, suggestion_id, utcnow()).as_json())


@router.post("/api/v1/suggestions/{suggestion_id}/attachments", response_model=AttachmentOut, status_code=201)
def attach(suggestion_id: RowId, db: DB, actor: CurrentActor, settings: AppSettings,
           file: Annotated[UploadFile, File(description="PDF, JPEG or PNG (checked by content; size-limited)")]
           ) -> AttachmentOut:
    content = file.file.read(settings.max_upload_bytes + 1)
    service.attach(db, actor, suggestion_id, service.Upload(file.filename or "upload", content), utcnow(),
                   settings.data_dir, settings.max_upload_bytes)
    found = views.get_suggestion(db, actor, suggestion_id, utcnow())
    return AttachmentOut.model_validate(found.attachments[-1].as_json())


@router.get("/api/v1/suggestions/{suggestion_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}})
def attachment(suggestion_id: RowId, attachment_id: RowId, db: DB, actor: CurrentActor, settings: AppSettings
               ) -> Response:
    found = views.get_suggestion(db, actor, suggestion_id, utcnow())
    item = next((a for a in found.attachments if a.id == attachment_id), None)
    if item is None:
        raise NotFound("attachment.unknown", "attachment", f"没有附件 {attachment_id}",
                       f"No attachment {attachment_id}")
    return Response(upload_path(settings.data_dir, item.sha256).read_bytes(), media_type=item.content_type,
                    headers={"Content-Disposition": attachment_disposition(item.filename),
                             "X-Content-Type-Options": "nosniff"})


@router.post("/api/v1/suggestions/{suggestion_id}/accept", response_model=StateOut)
def accept(suggestion_id: RowId, db: DB, actor: CurrentActor) -> StateOut:
    """The reform office takes the suggestion into the ledger (a ledger number, 序号)."""
    service.accept(db, actor, suggestion_id, utcnow())
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/merge", response_model=StateOut)
def merge(suggestion_id: RowId, body: MergeIn, db: DB, actor: CurrentActor) -> StateOut:
    service.merge(db, actor, suggestion_id, body.into, utcnow(), body.note)
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/assign", response_model=StateOut)
def assign(suggestion_id: RowId, body: AssignIn, db: DB, actor: CurrentActor) -> StateOut:
    """To a department with a deadline in working days on China's official calendar; over a year the
    calendar does not cover yet, counted by weekends and marked provisional (``due_provisional``)."""
    service.assign(db, actor, suggestion_id, body.department_id, body.working_days, utcnow())
    return _state(db, actor, suggestion_id)


@router.put("/api/v1/suggestions/{suggestion_id}/reply", response_model=StateOut)
def draft_reply(suggestion_id: RowId, body: ReplyIn, db: DB, actor: CurrentActor) -> StateOut:
    """The department's draft reply (not visible to the observer)."""
    service.save_draft(db, actor, suggestion_id, body.text, utcnow())
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/reply/publish", response_model=StateOut)
def publish_reply(suggestion_id: RowId, db: DB, actor: CurrentActor) -> StateOut:
    on_time = service.publish_reply(db, actor, suggestion_id, utcnow())
    return _state(db, actor, suggestion_id, on_time=on_time)


@router.post("/api/v1/suggestions/{suggestion_id}/extension", response_model=StateOut)
def request_extension(suggestion_id: RowId, body: ExtensionIn, db: DB, actor: CurrentActor) -> StateOut:
    """The department asks, once, for more working days."""
    service.request_extension(db, actor, suggestion_id, body.working_days, body.reason, utcnow())
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/extension/decision", response_model=StateOut)
def decide_extension(suggestion_id: RowId, body: ExtensionDecisionIn, db: DB, actor: CurrentActor) -> StateOut:
    service.decide_extension(db, actor, suggestion_id, body.grant, utcnow(), body.note)
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/rating", response_model=StateOut)
def rate(suggestion_id: RowId, body: RatingIn, db: DB, actor: CurrentActor) -> StateOut:
    """The observer rates the published reply (好差评: ``score`` 1–5 and ``indicators``, or the v1
    word); dissatisfied (2 or less) with the first reply reopens it once."""
    service.rate(db, actor, suggestion_id, body.rating, body.comment, utcnow(), body.score, body.indicators)
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/decline", response_model=StateOut)
def decline(suggestion_id: RowId, body: ReasonIn, db: DB, actor: CurrentActor) -> StateOut:
    """The reform office declines a suggestion not yet with a department; the observer reads the reason."""
    service.decline(db, actor, suggestion_id, body.reason, utcnow())
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/transfer", response_model=StateOut)
def transfer(suggestion_id: RowId, body: TransferIn, db: DB, actor: CurrentActor) -> StateOut:
    """To another department; the deadline stays as it is."""
    service.transfer(db, actor, suggestion_id, body.department_id, body.reason, utcnow())
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/take-back", response_model=StateOut)
def take_back(suggestion_id: RowId, body: ReasonIn, db: DB, actor: CurrentActor) -> StateOut:
    """The reform office takes an assigned suggestion back (to assign it again)."""
    service.take_back(db, actor, suggestion_id, body.reason, utcnow())
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/urge", response_model=StateOut)
def urge(suggestion_id: RowId, body: UrgeIn, db: DB, actor: CurrentActor) -> StateOut:
    """催办: recorded, and the department is notified."""
    service.urge(db, actor, suggestion_id, body.note, utcnow())
    return _state(db, actor, suggestion_id)


@router.post("/api/v1/suggestions/{suggestion_id}/notes", response_model=StateOut, status_code=201)
def add_note(suggestion_id: RowId, body: NoteIn, db: DB, actor: CurrentActor) -> StateOut:
    """An internal note (office or the department handling it); never shown to the observer."""
    service.add_note(db, actor, suggestion_id, body.text, utcnow())
    return _state(db, actor, suggestion_id)
