"""``/admin/users``: administrators see every account and disable, enable or sign one out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from yima.accounts.service import disable_user, enable_user, list_users, sign_out_everywhere
from yima.clock import utcnow
from yima.errors import DomainError
from yima.web.deps import DB, OptionalActor
from yima.web.templating import render, text

router = APIRouter(include_in_schema=False)
ACTIONS = {"disable": disable_user, "enable": enable_user, "sign-out": sign_out_everywhere}


def _page(request: Request, db: DB, errors: list[dict[str, str]] | None = None, status: int = 200) -> Response:
    return render(request, "users.html", {"users": list_users(db), "errors": errors or []}, status=status)


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
