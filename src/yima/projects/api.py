"""Routes of the v1 API under ``/api/v1/projects`` and ``/api/v1/key-enterprises``.

They translate HTTP to ``service`` and ``key_enterprises`` and back, nothing more. Who may do
what is decided there: the zone's ``investment_office`` its projects and key enterprises, a
``service_specialist`` the service log of the enterprises assigned to them, administrators all.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from yima.clock import utcnow
from yima.listing import PER_PAGE, PageOf
from yima.projects import key_enterprises, service
from yima.projects.figures import compute_key_enterprises, compute_projects
from yima.projects.model import (
    DeskOut,
    FiguresOut,
    FundIn,
    KeyEnterpriseChange,
    KeyEnterpriseDetailOut,
    KeyEnterpriseIn,
    KeyEnterpriseOut,
    ProjectCorrection,
    ProjectDetailOut,
    ProjectIn,
    ProjectOut,
    Reason,
    ResolveIn,
    ServiceIn,
    ServiceOut,
    StageIn,
    StageName,
)
from yima.stats.rules import parse_period
from yima.web.deps import DB, AppSettings, CurrentActor, RowId
from yima.web.listing import CSV, PageNo, PerPage, Search, csv_download, page_request, set_page_headers

router = APIRouter(prefix="/api/v1")
ZoneQuery = Annotated[str | None, Query(description="Zone id; defaults to the user's own zone")]


@router.get("/projects", response_model=list[ProjectOut], tags=["projects"])
def list_projects(db: DB, actor: CurrentActor, response: Response, zone: ZoneQuery = None, q: Search = "",
                  page: PageNo = 1, per_page: PerPage = PER_PAGE) -> list[ProjectOut]:
    """One page of the zone's projects (investment office, administrators), newest signing first,
    searched by code, name or investor (``q``); ``X-Total-Count`` and ``Link`` (next, prev, first,
    last) give the rest."""
    found = service.list_projects(db, actor, zone, page_request(page, per_page, q))
    set_page_headers(response, "/api/v1/projects", found, {"zone": zone, "q": q})
    return list(found.items)


@router.get("/projects/export.csv", response_class=Response, tags=["projects"],
            responses={200: {"content": {CSV: {}}, "description": "Every matching project, formula-safe CSV"}})
def export_projects(db: DB, actor: CurrentActor, zone: ZoneQuery = None, q: Search = "") -> Response:
    """Every project of the list (with the same search), as CSV."""
    rows = service.export_projects(db, actor, zone, q)
    return csv_download("projects.csv", service.EXPORT_HEADER, rows)


@router.post("/projects", response_model=ProjectDetailOut, status_code=201, tags=["projects"])
def create_project(body: ProjectIn, db: DB, actor: CurrentActor) -> ProjectDetailOut:
    """A new project, signed (with ``signed_on``) or still under negotiation."""
    return service.create_project(db, actor, body, utcnow())


@router.get("/projects/figures", response_model=FiguresOut, tags=["projects"])
def figures(db: DB, actor: CurrentActor, zone: ZoneQuery = None,
            start: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
            end: Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD")] = None) -> FiguresOut:
    """The office's figures for a period against a year earlier (the same numbers as the
    ``projects`` and ``key_enterprises`` sections of ``GET /api/v1/stats``)."""
    period = parse_period(start, end)
    zone_id = service.office_zone(actor, zone)
    return FiguresOut.model_validate({"zone": zone_id, "period": {"from": period.start, "to": period.end},
                                      "projects": compute_projects(db, zone_id, period).as_json(),
                                      "key_enterprises": compute_key_enterprises(db, zone_id, period).as_json()})


@router.get("/projects/{project_id}", response_model=ProjectDetailOut, tags=["projects"])
def get_project(project_id: RowId, db: DB, actor: CurrentActor) -> ProjectDetailOut:
    """A project with every stage record (who set it, on what evidence) and its funds in place."""
    return service.get_project(db, actor, project_id)


@router.patch("/projects/{project_id}", response_model=ProjectDetailOut, tags=["projects"])
def correct_project(project_id: RowId, body: ProjectCorrection, db: DB, actor: CurrentActor) -> ProjectDetailOut:
    """Correct any of the project's fields, with a ``reason``: the old and new values go to the audit
    log and the figures follow (a published report keeps its figures and is restated beside them)."""
    return service.correct_project(db, actor, project_id, body, utcnow())


@router.post("/projects/{project_id}/stages", response_model=ProjectDetailOut, tags=["projects"])
def set_stage(project_id: RowId, body: StageIn, db: DB, actor: CurrentActor) -> ProjectDetailOut:
    """Set (or correct) the day of a stage, with a note on the evidence; dates stay in order."""
    return service.set_stage(db, actor, project_id, body, utcnow())


@router.post("/projects/{project_id}/stages/document", response_model=ProjectDetailOut, tags=["projects"])
async def set_stage_with_document(
        project_id: RowId, db: DB, actor: CurrentActor, settings: AppSettings,
        stage: Annotated[StageName, Form()], on: Annotated[date, Form(description="YYYY-MM-DD")],
        file: Annotated[UploadFile, File(description="PDF, JPEG or PNG, checked by content")],
        note: Annotated[str, Form(max_length=2000)] = "",
        enterprise_uscc: Annotated[str | None, Form(min_length=18, max_length=18)] = None) -> ProjectDetailOut:
    """The same as ``/stages`` with an evidence document (multipart), stored by its SHA-256."""
    body = StageIn.model_validate({"stage": stage, "on": on, "note": note, "enterprise_uscc": enterprise_uscc})
    content = await file.read(settings.max_upload_bytes + 1)
    return service.set_stage(db, actor, project_id, body, utcnow(), document=(file.filename or "document", content),
                             data_dir=settings.data_dir, max_bytes=settings.max_upload_bytes)


@router.post("/projects/{project_id}/funds", response_model=ProjectDetailOut, status_code=201, tags=["projects"])
def add_fund(project_id: RowId, body: FundIn, db: DB, actor: CurrentActor) -> ProjectDetailOut:
    """A receipt of funds in place (到位资金): not after today, not before the project was signed."""
    return service.add_fund(db, actor, project_id, body, utcnow())


@router.post("/projects/{project_id}/funds/{fund_id}/reversal", response_model=ProjectDetailOut,
             tags=["projects"])
def reverse_fund(project_id: RowId, fund_id: RowId, body: Reason, db: DB, actor: CurrentActor) -> ProjectDetailOut:
    """Reverse a receipt recorded in error, with a ``reason``: it stays on the record, marked, and
    counts no more (never deleted)."""
    return service.reverse_fund(db, actor, project_id, fund_id, body.reason, utcnow())


# --- key enterprises ------------------------------------------------------------------------------

@router.get("/key-enterprises", response_model=list[KeyEnterpriseOut], tags=["key enterprises"])
def list_key_enterprises(db: DB, actor: CurrentActor, response: Response, zone: ZoneQuery = None, q: Search = "",
                         page: PageNo = 1, per_page: PerPage = PER_PAGE) -> list[KeyEnterpriseOut]:
    """One page of the zone's key enterprises (investment office, administrators; a specialist's
    own), searched by credit code or name (``q``); ``X-Total-Count`` and ``Link`` give the rest."""
    found = key_enterprises.list_key_enterprises(db, actor, zone, utcnow(), page_request(page, per_page, q))
    set_page_headers(response, "/api/v1/key-enterprises", found, {"zone": zone, "q": q})
    return list(found.items)


@router.get("/key-enterprises/export.csv", response_class=Response, tags=["key enterprises"],
            responses={200: {"content": {CSV: {}}, "description": "Every matching key enterprise, CSV"}})
def export_key_enterprises(db: DB, actor: CurrentActor, zone: ZoneQuery = None, q: Search = "") -> Response:
    """Every key enterprise of the list (with the same search), as formula-safe CSV."""
    rows = key_enterprises.export_key_enterprises(db, actor, zone, utcnow(), q)
    return csv_download("key-enterprises.csv", key_enterprises.EXPORT_HEADER, rows)


@router.post("/key-enterprises", response_model=KeyEnterpriseDetailOut, status_code=201, tags=["key enterprises"])
def mark_key_enterprise(body: KeyEnterpriseIn, db: DB, actor: CurrentActor) -> KeyEnterpriseDetailOut:
    """Mark an enterprise of the zone's register as a key enterprise (重点企业)."""
    return key_enterprises.mark(db, actor, body, utcnow())


@router.get("/key-enterprises/desk", response_model=DeskOut, tags=["key enterprises"])
def desk(db: DB, actor: CurrentActor, response: Response, q: Search = "", page: PageNo = 1,
         per_page: PerPage = PER_PAGE) -> DeskOut:
    """A service specialist's desk: one page (at most 100) of their enterprises, searched by credit
    code or name (``q``), and the oldest open requests of those enterprises; ``X-Total-Count`` and
    ``Link`` page through the enterprises. Without paging parameters: the first 100."""
    found = key_enterprises.desk(db, actor, utcnow(), page_request(page, per_page, q))
    set_page_headers(response, "/api/v1/key-enterprises/desk",
                     PageOf(found.enterprises, found.enterprises_total, found.page, min(per_page, PER_PAGE)),
                     {"q": q})
    return found


@router.get("/key-enterprises/{uscc}", response_model=KeyEnterpriseDetailOut, tags=["key enterprises"])
def get_key_enterprise(uscc: str, db: DB, actor: CurrentActor) -> KeyEnterpriseDetailOut:
    return key_enterprises.get_key_enterprise(db, actor, uscc, utcnow())


@router.patch("/key-enterprises/{uscc}", response_model=KeyEnterpriseDetailOut, tags=["key enterprises"])
def change_key_enterprise(uscc: str, body: KeyEnterpriseChange, db: DB, actor: CurrentActor) -> KeyEnterpriseDetailOut:
    """Assign another specialist, or record, replace or remove the high-tech certificate."""
    return key_enterprises.change(db, actor, uscc, body, utcnow())


@router.post("/key-enterprises/{uscc}/services", response_model=ServiceOut, status_code=201,
             tags=["key enterprises"])
def log_service(uscc: str, body: ServiceIn, db: DB, actor: CurrentActor) -> ServiceOut:
    """Log a visit or a request (the enterprise's specialist)."""
    return key_enterprises.log_service(db, actor, uscc, body, utcnow())


@router.post("/key-enterprises/services/{service_id}/resolve", response_model=ServiceOut, tags=["key enterprises"])
def resolve_request(service_id: RowId, body: ResolveIn, db: DB, actor: CurrentActor) -> ServiceOut:
    """Record that an open request was resolved, and what was done."""
    return key_enterprises.resolve(db, actor, service_id, body, utcnow())
