"""The notifications' routes: one's own notifications, marking them read, one's email address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from yima.clock import utcnow
from yima.notifications import service
from yima.web.deps import DB, MAX_ROW_ID, CurrentActor

router = APIRouter(tags=["notifications"])


class NotificationOut(BaseModel):
    id: int
    kind: str
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str
    link: str
    created_at: str
    read: bool
    read_at: str | None
    email: str = Field(description="none, pending (to be emailed, or retried) or sent")


class NotificationsOut(BaseModel):
    unread: int
    items: list[NotificationOut]
    next_before: int | None = Field(description="Pass as ?before= for the next page")


class ReadIn(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] | None = Field(
        None, max_length=500, description="Which to mark read; omitted: all")


class ReadOut(BaseModel):
    marked: int
    unread: int


class AddressIn(BaseModel):
    email: str = Field("", max_length=254, description="Empty removes the address")


@router.get("/api/v1/notifications", response_model=NotificationsOut)
def list_notifications(db: DB, actor: CurrentActor, unread: bool = False,
                       limit: int = Query(50, ge=1, le=100),
                       before: int | None = Query(None, ge=1, le=MAX_ROW_ID)) -> NotificationsOut:
    """The caller's own notifications, newest first, with the unread count."""
    items = service.notifications(db, actor, unread, limit, before)
    return NotificationsOut(unread=service.unread_count(db, actor),
                            items=[NotificationOut.model_validate(i.as_json()) for i in items],
                            next_before=items[-1].id if len(items) == limit else None)


@router.post("/api/v1/notifications/read", response_model=ReadOut)
def mark_read(body: ReadIn, db: DB, actor: CurrentActor) -> ReadOut:
    marked = service.mark_read(db, actor, body.ids, utcnow())
    return ReadOut(marked=marked, unread=service.unread_count(db, actor))


@router.put("/api/v1/notifications/address", status_code=204, response_class=Response)
def set_address(body: AddressIn, db: DB, actor: CurrentActor) -> Response:
    """The caller's own email address for notifications."""
    service.set_address(db, actor, body.email)
    return Response(status_code=204)
