"""Signing in and out, and the home page that sends a signed-in user to their role's start."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from yima.accounts.service import authenticate, issue_token, sign_out_everywhere
from yima.clock import utcnow
from yima.errors import DomainError, TooManyRequests
from yima.web.deps import COOKIE, DB, AppSettings, OptionalActor
from yima.web.security import cookie_options, new_csrf_nonce
from yima.web.templating import HOME_BY_ROLE, flash, render, text

router = APIRouter(include_in_schema=False)
__all__ = ["HOME_BY_ROLE", "router", "safe_next"]


def safe_next(target: str | None) -> str | None:
    return target if target and target.startswith("/") and not target.startswith("//") else None


@router.get("/")
def home(request: Request, actor: OptionalActor) -> Response:
    if actor is not None:
        return RedirectResponse(HOME_BY_ROLE.get(actor.role, "/applications"), status_code=303)
    return render(request, "home.html")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": safe_next(next) or ""})


@router.post("/login")
def login(request: Request, db: DB, settings: AppSettings, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    try:
        actor = authenticate(db, username.strip(), password, address=request.client.host if request.client else None)
    except DomainError as err:
        message = text(request, err.finding.zh, err.finding.en)
        page = render(request, "login.html", {"error": message, "username": username, "next": next},
                      status=err.status if err.status == 429 else 401)
        if isinstance(err, TooManyRequests):
            page.headers["Retry-After"] = str(err.retry_after)
        return page
    response = RedirectResponse(safe_next(next) or HOME_BY_ROLE.get(actor.role, "/"), status_code=303)
    token = issue_token(actor, settings.secret_key, utcnow(), settings.token_minutes)
    response.set_cookie(COOKIE, token, max_age=settings.token_minutes * 60, **cookie_options(request))
    new_csrf_nonce(request, response)  # the session's forms get tokens of their own
    return response


@router.post("/logout")
def logout(request: Request, db: DB, actor: OptionalActor) -> Response:
    """Sign out: the session ends on the server too (every session of the account), so a copied
    cookie stops working."""
    if actor is not None:
        sign_out_everywhere(db, actor.username, utcnow(), actor)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    new_csrf_nonce(request, response)
    return flash(request, response, "您已退出登录，本账号在所有设备上的会话均已结束。",
                 "You are signed out; the account's sessions on every device have ended.")
