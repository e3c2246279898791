"""``POST /api/v1/auth/token``: OAuth2 password sign-in returning a bearer token; signing out
everywhere; an administrator disabling, enabling or signing out an account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from yima.accounts.rules import require_role
from yima.accounts.schemas import AccountActionOut, MeOut, SignedOutOut, TokenOut
from yima.accounts.service import authenticate, disable_user, enable_user, issue_token, sign_out_everywhere
from yima.clock import utcnow
from yima.errors import DomainError
from yima.web.deps import DB, AppSettings, CurrentActor

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DB, settings: AppSettings) -> TokenOut:
    actor = authenticate(db, form.username, form.password)
    return TokenOut(access_token=issue_token(actor, settings.secret_key, utcnow(), settings.token_minutes),
                    token_type="bearer", role=actor.role, zone=actor.zone_id)


@router.get("/me")
def me(actor: CurrentActor) -> MeOut:
    return MeOut(id=actor.id, username=actor.username, role=actor.role, zone=actor.zone_id,
                 display_name=actor.display_name)


@router.post("/auth/sign-out")
def sign_out(db: DB, actor: CurrentActor) -> SignedOutOut:
    """Sign the caller out everywhere: this token and every other issued to them stop working."""
    sign_out_everywhere(db, actor.username, utcnow(), actor)
    return SignedOutOut(signed_out=True)


ACCOUNT_ACTIONS = ("disable", "enable", "sign-out")


@router.post("/users/{username}/{action}")
def account_action(username: str, action: str, db: DB, actor: CurrentActor) -> AccountActionOut:
    """Administrators: ``disable`` an account (no sign-in, tokens refused), ``enable`` it again, or
    ``sign-out`` its sessions everywhere."""
    require_role(actor, "admin")
    if action not in ACCOUNT_ACTIONS:
        raise DomainError("user.action", "action", f"操作须为 {' | '.join(ACCOUNT_ACTIONS)}",
                          f"action must be one of {' | '.join(ACCOUNT_ACTIONS)}")
    if action == "disable":
        changed = disable_user(db, username, utcnow(), actor)
    elif action == "enable":
        changed = enable_user(db, username, utcnow(), actor)
    else:
        changed = sign_out_everywhere(db, username, utcnow(), actor)
    return AccountActionOut(username=changed.username, role=changed.role, action=action)
