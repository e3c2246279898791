"""Server-rendered pages: one Jinja2 environment over every feature's templates, with gettext."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from yima.web.deps import actor_of_request
from yima.web.i18n import pick_language, translations

LANG_COOKIE = "yima_lang"
FEATURES_WITH_TEMPLATES = ("yima.web", "yima.registration", "yima.licences", "yima.seals", "yima.stats",
                           "yima.audit", "yima.accounts", "yima.federation", "yima.observers", "yima.projects")


def _template_dirs() -> list[str]:
    dirs = []
    for package in FEATURES_WITH_TEMPLATES:
        try:
            path = Path(str(resources.files(package).joinpath("templates")))
        except ModuleNotFoundError:
            continue
        if path.is_dir():
            dirs.append(str(path))
    return dirs


env = Environment(loader=FileSystemLoader(_template_dirs()), autoescape=select_autoescape(["html"]))


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    lang = language(request)
    gettext = translations(lang).gettext
    actor = actor_of_request(request)
    values = {"request": request, "_": gettext, "lang": lang, "actor": actor,
              "standard": request.app.state.standard, **(context or {})}
    response = HTMLResponse(env.get_template(name).render(values), status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def text(request: Request, zh: str, en: str) -> str:
    """Pick one of a domain message's two languages for the page's language."""
    return en if language(request) == "en" else zh
