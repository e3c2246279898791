"""Request dependencies: the database, the standard, the settings, and who is asking.

They are ``async`` and do not block: FastAPI then runs them on the event loop instead of handing
each to the thread pool, which under load costs more than the work itself. Checking that a
token's user has not been signed out or disabled answers from a cache of a few seconds and goes
to the thread pool only when it must read the database.

Who a token stands for is the accounts feature's answer; this module only declares what it asks
(``Authenticator``) and a slot for it, which accounts fills in its ``feature.install``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Protocol

from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer

from yima import ranges
from yima.actors import Actor
from yima.clock import utcnow
from yima.config import Settings
from yima.db import Database
from yima.errors import Unauthorized
from yima.registry import Slot
from yima.standard.model import MatterStandard
from yima.web.handoff import in_thread

COOKIE = "yima_token"
# The largest id an INTEGER column holds on PostgreSQL (SQLite holds more): a larger one in a path
# is refused with 422 before it reaches the database, whose driver would fail on it.
MAX_ROW_ID = ranges.MAX_ROW_ID
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A record's id")]
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


class Authenticator(Protocol):
    """Who a token stands for: ``read_token`` checks its signature and age (raising
    ``Unauthorized``); ``check_current`` that its user still exists, is enabled and was not signed
    out since, and ``check_current_cached`` answers that from a recent check alone (None: unknown);
    ``check_activity`` that the session was used within the idle timeout (and counts this request),
    ``check_activity_cached`` whether a recent answer settles it without the database."""

    def read_token(self, token: str, secret: str) -> Actor: ...

    def check_current(self, db: Database, actor: Actor) -> Actor: ...

    def check_current_cached(self, db: Database, actor: Actor) -> Actor | None: ...

    def check_activity(self, db: Database, token: str, actor: Actor, now: datetime, idle: timedelta) -> None: ...

    def check_activity_cached(self, token: str, now: datetime, idle: timedelta) -> bool: ...


AUTHENTICATOR: Slot[Authenticator] = Slot("who a token stands for (one)")


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_standard(request: Request) -> MatterStandard:
    return request.app.state.standard


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def actor_of_request(request: Request, token: str | None = None) -> Actor | None:
    """Who is asking: the bearer token, else the sign-in cookie; None when neither is valid."""
    token = token or request.cookies.get(COOKIE)
    if not token:
        return None
    auth: Authenticator = request.app.state.authenticator
    settings: Settings = request.app.state.settings
    try:
        actor = auth.check_current(request.app.state.db, auth.read_token(token, settings.secret_key))
        now, idle = utcnow(), timedelta(minutes=settings.idle_timeout_min)
        if not auth.check_activity_cached(token, now, idle):
            auth.check_activity(request.app.state.db, token, actor, now, idle)
    except Unauthorized as err:
        _note_signed_out(request, err)
        return None
    request.state.actor_id = actor.id  # for the request's log line
    return actor


async def _checked(request: Request, token: str) -> Actor:
    db = request.app.state.db
    auth: Authenticator = request.app.state.authenticator
    actor = auth.read_token(token, request.app.state.settings.secret_key)
    checked: Actor | None = auth.check_current_cached(db, actor)
    if checked is None:
        checked = await in_thread(auth.check_current, db, actor)
    now, idle = utcnow(), timedelta(minutes=request.app.state.settings.idle_timeout_min)
    if not auth.check_activity_cached(token, now, idle):
        await in_thread(auth.check_activity, db, token, checked, now, idle)
    request.state.actor_id = checked.id  # for the request's log line
    return checked


async def optional_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor | None:
    token = token or request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return await _checked(request, token)
    except Unauthorized as err:
        _note_signed_out(request, err)
        return None


def _note_signed_out(request: Request, err: Unauthorized) -> None:
    """Remember why a session ended, so that the sign-in page can say it (``signed_out_why``)."""
    if err.finding.rule == "auth.idle":
        request.state.signed_out_why = "idle"


async def current_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    token = token or request.cookies.get(COOKIE)
    if not token:
        raise Unauthorized("auth.required", "Authorization", "请先登录", "Sign in first")
    return await _checked(request, token)


DB = Annotated[Database, Depends(get_db)]
Standard = Annotated[MatterStandard, Depends(get_standard)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
