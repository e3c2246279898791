"""Registration routes of the v1 API. They translate HTTP to the service and back, nothing more."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from yima.actors import Actor
from yima.clock import utcnow
from yima.db import Database
from yima.listing import PER_PAGE
from yima.registration import namecheck, owner_records, service, views
from yima.registration.model import ApplicationIn
from yima.registration.schemas import ApplicationOut, ApplicationSummaryOut, BeneficialOwnerOut, EnterpriseOut
from yima.standard.model import MatterStandard
from yima.web.deps import DB, AppSettings, CurrentActor, RowId, Standard
from yima.web.handoff import in_thread
from yima.web.listing import CSV, PageNo, PerPage, Search, csv_download, page_request, set_page_headers
from yima.web.ratelimit import rate_limited
from yima.web.schemas import FindingOut

router = APIRouter(prefix="/api/v1", tags=["registration"])


class DecisionIn(BaseModel):
    decision: str = Field(description="approve | reject | accept_with_missing")
    reason: str = ""


@router.post("/applications", status_code=201, response_model=ApplicationOut)
async def submit_application(request: Request, body: ApplicationIn, actor: CurrentActor,
                             idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> JSONResponse:
    """Create and submit an application; when every rule passes it is approved at once (秒批)."""
    # 秒批's hot path: the database and the standard read from the app (two dependencies fewer to
    # resolve), and the submission and its answer built in one cheap hand-off to a thread.
    state = request.app.state
    return await in_thread(_submitted, state.db, state.standard, actor, body, idempotency_key)


def _submitted(db: Database, standard: MatterStandard, actor: Actor, body: ApplicationIn,
               idempotency_key: str | None) -> JSONResponse:
    view = service.submit_with_view(db, standard, actor, body, utcnow(), idempotency_key)
    return JSONResponse(status_code=201, content=view.as_json())


@router.get("/applications")
def list_applications(db: DB, actor: CurrentActor, response: Response, status: str | None = None,
                      matter: Annotated[str | None, Query(max_length=32)] = None, overdue: bool = False,
                      q: Search = "", page: PageNo = 1, per_page: PerPage = PER_PAGE) -> list[ApplicationSummaryOut]:
    """One page (at most 100) of the applicant's own applications (newest first), or of the
    officer's zone queue (oldest first: those awaiting a decision unless ``status`` names another),
    by ``matter``, ``overdue`` and the search text ``q`` (the name, the credit code or the number);
    ``X-Total-Count`` and ``Link`` (next, prev, first, last) give the rest. Without paging
    parameters the answer is the first 100."""
    filters = views.ApplicationFilter(status or None, matter or None, overdue)
    found = views.applications_page(db, actor, utcnow(), filters, page_request(page, per_page, q))
    set_page_headers(response, "/api/v1/applications", found,
                     {"status": status, "matter": matter, "overdue": "true" if overdue else None, "q": q})
    return [ApplicationSummaryOut.model_validate(v.as_json()) for v in found.items]


@router.get("/applications/export.csv", response_class=Response,
            responses={200: {"content": {CSV: {}}, "description": "Every matching application, formula-safe CSV"}})
def export_applications(db: DB, actor: CurrentActor, status: str | None = None,
                        matter: Annotated[str | None, Query(max_length=32)] = None, overdue: bool = False,
                        q: Search = "") -> Response:
    """Every application of the list (with the same filters and search), as CSV; times in China
    Standard Time."""
    filters = views.ApplicationFilter(status or None, matter or None, overdue)
    return csv_download("applications.csv", views.EXPORT_HEADER,
                        views.export_applications(db, actor, utcnow(), filters, q))


@router.get("/applications/{app_id}")
def get_application(app_id: RowId, db: DB, actor: CurrentActor) -> ApplicationOut:
    return ApplicationOut.model_validate(views.get_application(db, actor, app_id, utcnow()).as_json())


@router.post("/applications/{app_id}/decision")
def decide(app_id: RowId, body: DecisionIn, db: DB, standard: Standard, actor: CurrentActor) -> ApplicationOut:
    now = utcnow()
    service.decide(db, standard, actor, app_id, body.decision, body.reason, now)
    return ApplicationOut.model_validate(views.get_application(db, actor, app_id, now).as_json())


@router.post("/applications/{app_id}/materials")
async def supply_material(app_id: RowId, db: DB, standard: Standard, settings: AppSettings, actor: CurrentActor,
                          material: Annotated[str, Form(max_length=64)],
                          file: Annotated[UploadFile, File()]) -> ApplicationOut:
    """Upload a missing material (PDF, JPEG or PNG, checked by content, size-limited)."""
    content = await file.read(settings.max_upload_bytes + 1)
    now = utcnow()
    service.supply_material(db, standard, actor, app_id, material, file.filename or "upload", content, now,
                            settings.data_dir, settings.max_upload_bytes)
    return ApplicationOut.model_validate(views.get_application(db, actor, app_id, now).as_json())


@router.post("/applications/{app_id}/withdraw")
def withdraw(app_id: RowId, db: DB, actor: CurrentActor) -> ApplicationOut:
    """The applicant withdraws a pending application. One forwarded to a partner zone answers 200
    once the request to that zone is stored: ``status`` stays the partner's and ``withdrawal`` is
    ``requested`` until the partner confirms (``confirmed``, status ``withdrawn``) or answers that
    it had decided (``too_late``); a second request meanwhile is refused 409 ``withdraw.in_flight``."""
    now = utcnow()
    service.withdraw(db, actor, app_id, now)
    return ApplicationOut.model_validate(views.get_application(db, actor, app_id, now).as_json())


@router.get("/enterprises/{uscc}")
def get_enterprise(uscc: str, db: DB, standard: Standard) -> EnterpriseOut:
    """Public: anyone may look up an enterprise; personal data is masked."""
    return views.get_enterprise(db, standard, uscc)


class NameCheckIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="The proposed enterprise name")
    zone: str = Field(min_length=1, max_length=32)
    entity_type: str | None = Field(default=None, max_length=32,
                                    description="Taken from the name's organisation form when absent")


class NameCheckOut(BaseModel):
    ok: bool = Field(description="True when the name meets no rule at all (it may still be refused later "
                                 "if another enterprise takes it first)")
    findings: list[FindingOut]


@router.post("/names/check", dependencies=[Depends(rate_limited("name_check"))])
def check_name(body: NameCheckIn, db: DB, standard: Standard) -> NameCheckOut:
    """名称自主申报: the findings a proposed name would meet in an establishment application, by
    the same rules; anonymous or signed in, rate-limited per caller (``name_check``, 60 a minute)."""
    findings = namecheck.check_name(db, standard, body.zone, body.name, utcnow(), body.entity_type)
    return NameCheckOut(ok=not findings, findings=[FindingOut.model_validate(f.as_dict()) for f in findings])


@router.get("/applications/{app_id}/beneficial-owners")
def application_beneficial_owners(app_id: RowId, db: DB, actor: CurrentActor) -> list[BeneficialOwnerOut]:
    """受益所有人 an application reported: the zone's officers and administrators only; each read is
    in the audit log. Anyone else gets 404."""
    return owner_records.for_application(db, actor, app_id, utcnow())


@router.get("/enterprises/{uscc}/beneficial-owners")
def enterprise_beneficial_owners(uscc: str, db: DB, actor: CurrentActor) -> list[BeneficialOwnerOut]:
    """受益所有人 of an enterprise of the zone: its officers and administrators only, audited; never public."""
    return owner_records.for_enterprise(db, actor, uscc, utcnow())
