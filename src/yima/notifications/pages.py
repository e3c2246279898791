"""The notifications page and the bell in every page's header."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from yima.actors import Actor
from yima.clock import utcnow
from yima.listing import PER_PAGE
from yima.notifications import service
from yima.web.deps import DB, MAX_ROW_ID, OptionalActor
from yima.web.templating import login_redirect, render

router = APIRouter(include_in_schema=False)


def bell(request: Request, actor: Actor | None) -> int:
    """The unread count the header's bell shows."""
    if actor is None:
        return 0
    return service.unread_count(request.app.state.db, actor)


@router.get("/notifications")
def notifications_page(request: Request, db: DB, actor: OptionalActor,
                       before: int | None = Query(None, ge=1, le=MAX_ROW_ID)) -> Response:
    """The newest 100 of one's notifications; ``before`` (an id) pages back to older ones."""
    if actor is None:
        return login_redirect(request)
    items = service.notifications(db, actor, limit=PER_PAGE + 1, before=before)
    return render(request, "notifications/notifications.html",
                  {"items": items[:PER_PAGE], "before": before,
                   "older": items[PER_PAGE - 1].id if len(items) > PER_PAGE else None})


@router.post("/notifications/read")
async def notifications_read(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    one = form.get("id")
    ids = [int(one)] if isinstance(one, str) and one.isascii() and one.isdigit() else None
    service.mark_read(db, actor, ids, utcnow())
    return RedirectResponse("/notifications", status_code=303)
