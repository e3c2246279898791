"""``/admin/users``: administrators see every account and disable, enable or sign one out.

Disabling asks first: a page names the account and what disabling does, and takes the reason,
which the audit log records. Every action ends on the accounts page saying what it did."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from yima.accounts.service import (
    disable_user,
    enable_user,
    list_users,
    sign_in_delays,
    sign_out_everywhere,
    unknown_action,
    unlock_user,
)
from yima.clock import CHINA, utcnow
from yima.errors import DomainError
from yima.listing import search_text
from yima.web.deps import DB, OptionalActor
from yima.web.listing import PageNo, filters_query, page_request, pager
from yima.web.templating import ROLE_NAMES, flash, page_actor, render, text

router = APIRouter(include_in_schema=False)
DONE = {"disable": ("账号 {u} 已停用，其所有会话已结束。",
                    "The account {u} is disabled and all its sessions have ended."),
        "enable": ("账号 {u} 已启用。", "The account {u} is enabled again."),
        "sign-out": ("账号 {u} 已在所有设备上退出登录。", "The account {u} has been signed out on every device."),
        "unlock": ("账号 {u} 的登录等待已解除。", "The account {u} may sign in again at once: its delays are lifted.")}


def _page(request: Request, db: DB, errors: list[dict[str, str]] | None = None, status: int = 200, q: str = "",
          role: str = "", page: int = 1) -> Response:
    """One page of the accounts (at most 100, by role then user name), searched by ``q`` and role."""
    now = utcnow()
    role = role if role in ROLE_NAMES else ""
    found = list_users(db, now, page_request(page, q=q), role or None)
    users = found.items
    addresses = sorted((key, _local(until), failures) for (scope, key), (until, failures)
                       in sign_in_delays(db, now).items() if scope == "address")
    filters = {"q": search_text(q), "role": role}
    return render(request, "users.html", {"users": users, "locked_addresses": addresses, "errors": errors or [],
                                          "q": filters["q"], "role": role, "export_query": filters_query(filters),
                                          **pager(found, filters)}, status=status)


def _local(value: object) -> str | None:
    """A delay's end in the zone's time (China Standard Time), to the second."""
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else None


@router.get("/admin/users")
def users_page(request: Request, db: DB, signed_in: OptionalActor, q: str = "", role: str = "",
               page: PageNo = 1) -> Response:
    actor = page_actor(request, signed_in, "admin")
    if isinstance(actor, Response):
        return actor
    return _page(request, db, q=q, role=role, page=page)


def _confirm_disable(request: Request, username: str, reason: str, errors: list[dict[str, str]]) -> Response:
    return render(request, "confirm.html", {
        "heading": text(request, "确认停用账号", "Confirm disabling the account"), "subject": username,
        "consequence": text(request,
                            "停用后该账号不能再登录，其所有会话立即结束；它留下的记录保持不变。可随时重新启用。",
                            "Once disabled, the account can no longer sign in and every session ends at once; the "
                            "records it made stay. It can be enabled again."),
        "reason": reason, "errors": errors, "action": f"/admin/users/{username}/disable", "cancel": "/admin/users",
        "confirm_label": text(request, "确认停用", "Disable the account")}, status=422 if errors else 200)


def _carry_out(request: Request, db: DB, username: str, action: str, change: Callable[[], object]) -> Response:
    """Make the change, then back to the accounts page saying what was done (or what was refused)."""
    try:
        change()
    except DomainError as err:
        return _page(request, db, [{"rule": f.rule, "text": text(request, f.zh, f.en)} for f in err.findings],
                     err.status)
    zh, en = DONE[action]
    return flash(request, RedirectResponse("/admin/users", status_code=303), zh.format(u=username),
                 en.format(u=username))


@router.post("/admin/users/{username}/disable")
async def disable_page(request: Request, username: str, db: DB, signed_in: OptionalActor) -> Response:
    """Disable an account: a page that asks to confirm, with the reason, then the change."""
    actor = page_actor(request, signed_in, "admin")
    if isinstance(actor, Response):
        return actor
    form = await request.form()
    reason = str(form.get("reason", "")).strip()
    if form.get("confirmed") != "1":
        return _confirm_disable(request, username, reason, [])
    if not reason:
        return _confirm_disable(request, username, reason, [{
            "rule": "user.reason_required", "text": text(request, "停用账号须说明理由",
                                                         "Disabling an account needs a reason")}])
    return _carry_out(request, db, username, "disable", lambda: disable_user(db, username, utcnow(), actor, reason))


@router.post("/admin/users/{username}/enable")
def enable_page(request: Request, username: str, db: DB, signed_in: OptionalActor) -> Response:
    actor = page_actor(request, signed_in, "admin")
    if isinstance(actor, Response):
        return actor
    return _carry_out(request, db, username, "enable", lambda: enable_user(db, username, utcnow(), actor))


@router.post("/admin/users/{username}/sign-out")
def sign_out_page(request: Request, username: str, db: DB, signed_in: OptionalActor) -> Response:
    actor = page_actor(request, signed_in, "admin")
    if isinstance(actor, Response):
        return actor
    return _carry_out(request, db, username, "sign-out", lambda: sign_out_everywhere(db, username, utcnow(), actor))


@router.post("/admin/users/{username}/unlock")
def unlock_page(request: Request, username: str, db: DB, signed_in: OptionalActor) -> Response:
    actor = page_actor(request, signed_in, "admin")
    if isinstance(actor, Response):
        return actor
    return _carry_out(request, db, username, "unlock", lambda: unlock_user(db, username, utcnow(), actor))


@router.post("/admin/users/{username}/{action}")
def unknown_action_page(request: Request, username: str, action: str, db: DB, signed_in: OptionalActor) -> Response:
    """There is no other action: the accounts page says which there are (``user.action``, 404)."""
    actor = page_actor(request, signed_in, "admin")
    if isinstance(actor, Response):
        return actor
    err = unknown_action()
    return _page(request, db, [{"rule": f.rule, "text": text(request, f.zh, f.en)} for f in err.findings],
                 err.status)
