"""Signing in and out, and the home page that sends a signed-in user to their role's start."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from yima.accounts.service import authenticate, change_own_password, issue_token, sign_out_everywhere
from yima.clock import utcnow
from yima.errors import DomainError, TooManyRequests
from yima.web.deps import COOKIE, DB, AppSettings, OptionalActor
from yima.web.security import cookie_options, new_csrf_nonce
from yima.web.templating import HOME_BY_ROLE, flash, page_actor, render, text

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
def login_form(request: Request, settings: AppSettings, next: str | None = None, why: str | None = None) -> Response:
    """The sign-in form; ``why=idle``: it says the session ended after the idle timeout."""
    notice = None
    if why == "idle":
        minutes = settings.idle_timeout_min
        notice = text(request, f"您已有 {minutes} 分钟未操作，为安全起见已自动退出登录，请重新登录。",
                      f"You were signed out after {minutes} minutes without activity, for safety. "
                      "Please sign in again.")
    return render(request, "login.html", {"next": safe_next(next) or "", "notice": notice})


@router.post("/login")
def login(request: Request, db: DB, settings: AppSettings, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    try:
        actor = authenticate(db, username.strip(), password, address=request.client.host if request.client else None,
                             halls=settings.service_halls)
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


PASSWORD_FIELDS = ("current_password", "new_password")  # the form's fields a summary item links to


def _password_page(request: Request, errors: list[dict[str, str]] | None = None, status: int = 200) -> Response:
    words = {"heading": text(request, "修改密码", "Change your password"),
             "current": text(request, "当前密码", "Current password"),
             "new": text(request, "新密码", "New password"),
             "rule": text(request, "至少 8 位，不能是用户名或常见密码。修改后，所有设备上的登录都将结束。",
                          "At least 8 characters, neither the username nor a common password. Every other "
                          "session of the account ends."),
             "submit": text(request, "修改密码", "Change the password")}
    return render(request, "password.html", {"words": words, "errors": errors or []}, status=status)


@router.get("/account/password")
def password_form(request: Request, signed_in: OptionalActor) -> Response:
    actor = page_actor(request, signed_in)
    return actor if isinstance(actor, Response) else _password_page(request)


@router.post("/account/password")
def password_change(request: Request, db: DB, settings: AppSettings, signed_in: OptionalActor,
                    current_password: Annotated[str, Form()] = "",
                    new_password: Annotated[str, Form()] = "") -> Response:
    """Change one's own password: the sessions end everywhere, this browser gets a new one."""
    actor = page_actor(request, signed_in)
    if isinstance(actor, Response):
        return actor
    try:
        changed = change_own_password(db, actor, current_password, new_password[:256], utcnow(),
                                      address=request.client.host if request.client else None,
                                      halls=settings.service_halls)
    except DomainError as err:
        page = _password_page(request, [{"rule": f.rule, "text": text(request, f.zh, f.en),
                                         "anchor": f.field if f.field in PASSWORD_FIELDS else ""}
                                        for f in err.findings],
                              status=err.status)
        if isinstance(err, TooManyRequests):
            page.headers["Retry-After"] = str(err.retry_after)
        return page
    response = RedirectResponse(HOME_BY_ROLE.get(changed.role, "/"), status_code=303)
    token = issue_token(changed, settings.secret_key, utcnow(), settings.token_minutes)
    response.set_cookie(COOKIE, token, max_age=settings.token_minutes * 60, **cookie_options(request))
    new_csrf_nonce(request, response)
    return flash(request, response, "密码已修改，其他设备上的登录均已结束。",
                 "Your password is changed; every other session has ended.")
