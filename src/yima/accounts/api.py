"""``POST /api/v1/auth/token``: OAuth2 password sign-in returning a bearer token; signing out
everywhere; an administrator disabling, enabling or signing out an account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from yima.accounts.schemas import AccountActionOut, MeOut, PasswordChangeIn, SignedOutOut, TokenOut, UserOut
from yima.accounts.service import (
    USERS_EXPORT_HEADER,
    authenticate,
    change_own_password,
    disable_user,
    enable_user,
    export_users,
    issue_token,
    list_users,
    sign_out_everywhere,
    unknown_action,
    unlock_user,
)
from yima.actors import Actor, require_role
from yima.clock import utcnow
from yima.listing import PER_PAGE
from yima.web.deps import DB, AppSettings, CurrentActor
from yima.web.listing import CSV, PageNo, PerPage, Search, csv_download, page_request, set_page_headers
from yima.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", responses={429: {"model": ErrorOut, "description": "Too many failed sign-ins: the "
                                            "next attempt waits Retry-After seconds (auth.throttled)"}})
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DB,
          settings: AppSettings) -> TokenOut:
    actor = authenticate(db, form.username, form.password, address=request.client.host if request.client else None,
                         halls=settings.service_halls)
    return TokenOut(access_token=issue_token(actor, settings.secret_key, utcnow(), settings.token_minutes),
                    token_type="bearer", role=actor.role, zone=actor.zone_id)


@router.get("/me")
def me(actor: CurrentActor) -> MeOut:
    return MeOut(id=actor.id, username=actor.username, role=actor.role, zone=actor.zone_id,
                 display_name=actor.display_name)


@router.post("/me/password", responses={
    422: {"model": ErrorOut, "description": "The current password is wrong or the new one breaks the password rule"},
    429: {"model": ErrorOut, "description": "Too many failed sign-ins: try again in Retry-After seconds"}})
def change_password(request: Request, body: PasswordChangeIn, db: DB, actor: CurrentActor,
                    settings: AppSettings) -> TokenOut:
    """Change one's own password. Every session issued before ends, this one included: the answer
    carries a new token."""
    changed = change_own_password(db, actor, body.current_password, body.new_password, utcnow(),
                                  address=request.client.host if request.client else None,
                                  halls=settings.service_halls)
    return TokenOut(access_token=issue_token(changed, settings.secret_key, utcnow(), settings.token_minutes),
                    token_type="bearer", role=changed.role, zone=changed.zone_id)


@router.post("/auth/sign-out")
def sign_out(db: DB, actor: CurrentActor) -> SignedOutOut:
    """Sign the caller out everywhere: this token and every other issued to them stop working."""
    sign_out_everywhere(db, actor.username, utcnow(), actor)
    return SignedOutOut(signed_out=True)


RoleQuery = Annotated[str | None, Query(max_length=32, description="Only accounts of this role")]


@router.get("/users")
def list_accounts(db: DB, actor: CurrentActor, response: Response, role: RoleQuery = None, q: Search = "",
                  page: PageNo = 1, per_page: PerPage = PER_PAGE) -> list[UserOut]:
    """Administrators: one page (at most 100) of the accounts, by role then user name, searched by
    user name or name (``q``); ``X-Total-Count`` and ``Link`` give the rest."""
    require_role(actor, "admin")
    found = list_users(db, utcnow(), page_request(page, per_page, q), role or None)
    set_page_headers(response, "/api/v1/users", found, {"role": role, "q": q})
    return [UserOut.model_validate(u.as_json()) for u in found.items]


@router.get("/users/export.csv", response_class=Response,
            responses={200: {"content": {CSV: {}}, "description": "Every matching account, formula-safe CSV"}})
def export_accounts(db: DB, actor: CurrentActor, role: RoleQuery = None, q: Search = "") -> Response:
    """Administrators: every account of the list (with the same search), as CSV; no password hashes."""
    require_role(actor, "admin")
    return csv_download("accounts.csv", USERS_EXPORT_HEADER, export_users(db, q, role or None))



def _done(changed: Actor, action: str) -> AccountActionOut:
    return AccountActionOut(username=changed.username, role=changed.role, action=action)


@router.post("/users/{username}/disable")
def disable_account(username: str, db: DB, actor: CurrentActor) -> AccountActionOut:
    """Administrators: disable an account (no sign-in, tokens refused, its sessions end)."""
    require_role(actor, "admin")
    return _done(disable_user(db, username, utcnow(), actor), "disable")


@router.post("/users/{username}/enable")
def enable_account(username: str, db: DB, actor: CurrentActor) -> AccountActionOut:
    """Administrators: enable a disabled account again."""
    require_role(actor, "admin")
    return _done(enable_user(db, username, utcnow(), actor), "enable")


@router.post("/users/{username}/sign-out")
def sign_out_account(username: str, db: DB, actor: CurrentActor) -> AccountActionOut:
    """Administrators: end the account's sessions everywhere (every token issued to it stops working)."""
    require_role(actor, "admin")
    return _done(sign_out_everywhere(db, username, utcnow(), actor), "sign-out")


@router.post("/users/{username}/unlock")
def unlock_account(username: str, db: DB, actor: CurrentActor) -> AccountActionOut:
    """Administrators: lift the delays failed sign-ins put on the account."""
    require_role(actor, "admin")
    return _done(unlock_user(db, username, utcnow(), actor), "unlock")


@router.post("/users/{username}/{action}")
def unknown_account_action(username: str, action: str, actor: CurrentActor) -> AccountActionOut:
    """There is no other action: 404, naming those there are (``user.action``)."""
    require_role(actor, "admin")
    raise unknown_action()
