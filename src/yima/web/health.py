"""``GET /healthz`` (the process is alive) and ``GET /readyz`` (it can serve: the database answers,
its schema is at the newest migration, and every feature's readiness check passes — federation's:
the network configuration held has not expired), for load balancers and orchestrators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from yima.clock import utcnow
from yima.db import Database
from yima.db.migrate import current_revision, head_revision
from yima.registry import Slot
from yima.web.deps import DB

router = APIRouter(tags=["operations"])
ReadinessCheck = Callable[[Database, datetime], str]
READINESS: Slot[ReadinessCheck] = Slot("readiness checks")
"""A feature's check: why this instance cannot serve now (Chinese / English), or empty."""


class Health(BaseModel):
    status: Literal["ok"]
    standard: str = Field(description="Digest of the matter standard this process serves.")


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    database: Literal["ok", "unreachable"]
    revision: str | None = Field(description="The migration the database's schema is at (null: none).")
    head: str | None = Field(description="The newest migration this code knows.")
    reason: str = Field("", description="Why not ready, in Chinese and English; empty when ready.")


@router.get("/healthz", response_model=Health)
async def health(request: Request) -> Health:
    """Alive: answers without touching the database (on the event loop: nothing here blocks)."""
    return Health(status="ok", standard=request.app.state.standard.digest)


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness, "description": "Not ready"}})
def readiness(request: Request, db: DB) -> Readiness | JSONResponse:
    """Ready: the database answers and its schema is at the newest migration; 503 otherwise."""
    state = request.app.state
    if getattr(state, "head_revision", None) is None:
        state.head_revision = head_revision(db.url)
    head: str | None = state.head_revision
    try:
        revision = current_revision(db)
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", None) or err).splitlines()[0][:200]
        return _unavailable(Readiness(status="unavailable", database="unreachable", revision=None, head=head,
                                      reason=f"数据库无法连接 / the database does not answer: {reason}"))
    if revision != head:
        return _unavailable(Readiness(status="unavailable", database="ok", revision=revision, head=head,
                                      reason=f"数据库结构版本为 {revision}，应为 {head}，请运行 yima init / the schema "
                                             f"is at {revision}, not {head}: run yima init"))
    registry = getattr(state, "registry", None)
    for check in registry.items(READINESS) if registry is not None else ():
        reason = check(db, utcnow())
        if reason:
            return _unavailable(Readiness(status="unavailable", database="ok", revision=revision, head=head,
                                          reason=reason))
    return Readiness(status="ready", database="ok", revision=revision, head=head, reason="")


def _unavailable(body: Readiness) -> JSONResponse:
    return JSONResponse(body.model_dump(), status_code=503)
