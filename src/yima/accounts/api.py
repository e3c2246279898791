"""``POST /api/v1/auth/token``: OAuth2 password sign-in returning a bearer token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from yima.accounts.service import authenticate, issue_token
from yima.clock import utcnow
from yima.web.deps import DB, AppSettings, CurrentActor

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DB, settings: AppSettings) -> dict[str, Any]:
    actor = authenticate(db, form.username, form.password)
    return {"access_token": issue_token(actor, settings.secret_key, utcnow(), settings.token_minutes),
            "token_type": "bearer", "role": actor.role, "zone": actor.zone_id}


@router.get("/me")
def me(actor: CurrentActor) -> dict[str, Any]:
    return {"id": actor.id, "username": actor.username, "role": actor.role, "zone": actor.zone_id,
            "display_name": actor.display_name}
