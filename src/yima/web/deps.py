"""Request dependencies: the database, the standard, the settings, and who is asking.

They are ``async`` because none of them blocks: FastAPI then runs them on the event loop instead
of handing each to the thread pool, which under load costs more than the work itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from yima.accounts.rules import Actor
from yima.accounts.service import read_token
from yima.config import Settings
from yima.db import Database
from yima.errors import Unauthorized
from yima.standard.model import MatterStandard

COOKIE = "yima_token"
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


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
    try:
        return read_token(token, request.app.state.settings.secret_key)
    except Unauthorized:
        return None


async def optional_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor | None:
    return actor_of_request(request, token)


async def current_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    token = token or request.cookies.get(COOKIE)
    if not token:
        raise Unauthorized("auth.required", "Authorization", "请先登录", "Sign in first")
    return read_token(token, request.app.state.settings.secret_key)


DB = Annotated[Database, Depends(get_db)]
Standard = Annotated[MatterStandard, Depends(get_standard)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
