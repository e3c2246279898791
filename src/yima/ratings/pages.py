"""Ratings' pages: the rating form (on the application page; sent back here with what was wrong),
an officer's appeal, and the reform office's ledger of bad ratings with its call backs, fixes and
appeal decisions. They translate forms to the service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from yima.clock import utcnow
from yima.errors import DomainError, Finding
from yima.ratings import rules, service
from yima.web.deps import DB, OptionalActor, RowId
from yima.web.templating import flash, login_redirect, page_actor, render, text

router = APIRouter(include_in_schema=False)
UPHELD = ("申诉成立，该评价不计入统计。", "Appeal upheld: the rating is left out of the figures.")
REJECTED = ("申诉不成立，评价保留。", "Appeal rejected: the rating stays.")


def _messages(request: Request, findings: list[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en),
             "anchor": "rating-" + f.field.split("[")[0] if f.field in ("score", "comment") or
             f.field.startswith("indicators") else ""} for f in findings]


def _error(request: Request, err: DomainError) -> Response:
    return render(request, "error.html", {"errors": _messages(request, err.findings)}, status=err.status)


def _one(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def labels() -> dict[str, Any]:
    return {"scores": rules.SCORES, "indicators": rules.INDICATORS, "rect_states": rules.RECTIFICATION_STATES,
            "appeal_states": rules.APPEAL_STATES}


@router.post("/applications/{app_id}/rating")
async def rate_form(request: Request, app_id: RowId, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    score_text, comment = _one(form, "score"), _one(form, "comment")
    indicators = [v for v in form.getlist("indicators") if isinstance(v, str)]
    chosen: dict[str, Any] = {"score": score_text, "indicators": indicators, "comment": comment}
    try:
        score = int(score_text) if score_text.isascii() and score_text.isdigit() and len(score_text) == 1 else 0
        service.rate_application(db, actor, app_id, score, indicators[:20], comment, utcnow())
    except DomainError as err:
        try:  # the form again, with what was chosen and what is wrong (nothing was stored)
            panel = service.rating_panel(db, actor, app_id, utcnow())
        except DomainError:
            return _error(request, err)
        return render(request, "ratings/rate.html", {"panel": panel, "app_id": app_id, "chosen": chosen,
                                                     "errors": _messages(request, err.findings), **labels()},
                      status=err.status)
    return flash(request, RedirectResponse(f"/applications/{app_id}#rating", status_code=303),
                 "感谢您的评价。", "Thank you for your rating.")


@router.post("/ratings/{rating_id}/appeal")
async def appeal_form(request: Request, rating_id: RowId, db: DB, actor: OptionalActor) -> Response:
    officer = page_actor(request, actor, "officer")
    if isinstance(officer, Response):
        return officer
    form = await request.form()
    try:
        service.appeal(db, officer, rating_id, _one(form, "reason"), utcnow())
        case_id = service.case_of_rating(db, officer, rating_id)
    except DomainError as err:
        return _error(request, err)
    return flash(request, RedirectResponse(f"/applications/{case_id}#rating", status_code=303),
                 "申诉已提交营商环境改革办核实。", "The appeal has gone to the reform office to decide.")


@router.get("/ratings")
def ledger_page(request: Request, db: DB, actor: OptionalActor) -> Response:
    office = page_actor(request, actor, "reform_office")
    if isinstance(office, Response):
        return office
    state = request.query_params.get("state") or None
    try:
        items = service.rectifications(db, office, None, state)
        appeals = service.pending_appeals(db, office)
    except DomainError as err:
        return _error(request, err)
    return render(request, "ratings/ledger.html", {"items": items, "appeals": appeals, "state": state or "",
                                                   **labels()})


async def _office_step(request: Request, actor: Any, step: str, item_id: int, db: DB) -> Response:
    office = page_actor(request, actor, "reform_office")
    if isinstance(office, Response):
        return office
    form = await request.form()
    try:
        if step == "callback":
            service.call_back(db, office, item_id, _one(form, "note"), utcnow())
            zh, en = "已记录回访。", "The call back is recorded."
        elif step == "put_right":
            service.put_right(db, office, item_id, _one(form, "note"), utcnow())
            zh, en = "已记录整改，并请评价人再次评价。", "Recorded as put right; the person is asked to rate again."
        else:
            chosen = _one(form, "upheld")
            if chosen not in ("0", "1"):
                raise DomainError("appeal.decision", "upheld", "请选择申诉是否成立",
                                  "Choose whether the appeal is upheld")
            upheld = chosen == "1"
            service.decide_appeal(db, office, item_id, upheld, _one(form, "note"), utcnow())
            zh, en = UPHELD if upheld else REJECTED
    except DomainError as err:
        return _error(request, err)
    return flash(request, RedirectResponse("/ratings", status_code=303), zh, en)


@router.post("/ratings/rectifications/{rect_id}/callback")
async def callback_form(request: Request, rect_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _office_step(request, actor, "callback", rect_id, db)


@router.post("/ratings/rectifications/{rect_id}/put-right")
async def put_right_form(request: Request, rect_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _office_step(request, actor, "put_right", rect_id, db)


@router.post("/ratings/{rating_id}/appeal/decision")
async def appeal_decision_form(request: Request, rating_id: RowId, db: DB, actor: OptionalActor) -> Response:
    return await _office_step(request, actor, "appeal", rating_id, db)

