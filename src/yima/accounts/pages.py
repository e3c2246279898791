"""``/admin/users``: administrators see every account and disable, enable or sign one out."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from yima.accounts.service import (
    disable_user,
    enable_user,
    list_users,
    sign_in_locks,
    sign_out_everywhere,
    unlock_user,
)
from yima.clock import CHINA, utcnow
from yima.errors import DomainError
from yima.web.deps import DB, OptionalActor
from yima.web.templating import render, text

router = APIRouter(include_in_schema=False)
ACTIONS = {"disable": disable_user, "enable": enable_user, "sign-out": sign_out_everywhere, "unlock": unlock_user}


def _page(request: Request, db: DB, errors: list[dict[str, str]] | None = None, status: int = 200) -> Response:
    now = utcnow()
    users = [{**u, "locked_until": _local(u["locked_until"])} for u in list_users(db, now)]
    addresses = sorted((key, _local(until), failures) for (scope, key), (until, failures)
                       in sign_in_locks(db, now).items() if scope == "address")
    return render(request, "users.html", {"users": users, "locked_addresses": addresses, "errors": errors or []},
                  status=status)


def _local(value: object) -> str | None:
    """A lock's end in the zone's time (China Standard Time), to the minute."""
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else None


@router.get("/admin/users")
def users_page(request: Request, db: DB, actor: OptionalActor) -> Response:
    if actor is None or actor.role != "admin":
        return RedirectResponse("/login?next=/admin/users", status_code=303)
    return _page(request, db)


@router.post("/admin/users/{username}/{action}")
def user_action(request: Request, username: str, action: str, db: DB, actor: OptionalActor) -> Response:
    if actor is None or actor.role != "admin":
        return RedirectResponse("/login?next=/admin/users", status_code=303)
    change = ACTIONS.get(action)
    try:
        if change is None:
            raise DomainError("user.action", "action", f"操作须为 {' | '.join(ACTIONS)}",
                              f"action must be one of {' | '.join(ACTIONS)}")
        change(db, username, utcnow(), actor)
    except DomainError as err:
        return _page(request, db, [{"rule": f.rule, "text": text(request, f.zh, f.en)} for f in err.findings],
                     err.status)
    return RedirectResponse("/admin/users", status_code=303)
