"""Server-rendered pages: one Jinja2 environment over every feature's templates, with gettext.

Each feature with pages adds its ``templates`` directory to ``TEMPLATES`` in its
``feature.install``; the app factory builds the environment over them (``environment``) and keeps
it in ``app.state.templates``, after these plumbing templates (``base.html``, ``error.html``, …).

What every page template may use besides its own context:

- ``_("…")`` translates; ``lang`` is ``zh`` or ``en``; ``actor`` is who is signed in (or None);
  ``home`` is that person's start page.
- ``csrf_field()`` writes the hidden CSRF token; **every form with ``method="post"`` carries it**
  (see :mod:`yima.web.security`, which refuses a post without it). ``csrf_token()`` gives the
  bare value for scripts (header ``X-CSRF-Token``).
- ``|local_time`` shows a stored instant (ISO 8601 text or datetime) in China Standard Time
  (Asia/Shanghai), e.g. ``2026-12-01 21:26``; the API keeps ISO 8601 with its offset.
- ``|in_language(lang)`` picks one side of a recorded ``中文 / English`` text.
- ``flash`` is what the previous action did (set with :func:`flash` on its redirect).

A page handler guards itself with :func:`page_actor`: nobody signed in goes to the sign-in
page, a signed-in person whose role may not use the page gets :func:`forbidden` (403, saying why,
with a link to their own start page).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import BytecodeCache, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from markupsafe import Markup

from yima.actors import Actor
from yima.clock import CHINA, as_utc
from yima.registry import Slot
from yima.web.deps import COOKIE, actor_of_request
from yima.web.i18n import N_, pick_language, translations
from yima.web.security import CSRF_FIELD, SESSION_COOKIE, cookie_options, csrf_nonce, form_token
from yima.words import legacy_words

LANG_COOKIE = "yima_lang"
SIZE_COOKIE = "yima_size"  # "large": the large-text (elder-friendly, 适老化) mode, kept like the language
FLASH_COOKIE = "yima_flash"
#: Directories of page templates that features add.
TEMPLATES: Slot[Path] = Slot("template directories")
#: ``(name, value)``: what every template may use, e.g. for a section another feature's page includes.
TEMPLATE_GLOBALS: Slot[tuple[str, Any]] = Slot("template globals")
# Each role's start page; a role added later adds its own.
HOME_BY_ROLE = {"applicant": "/applications", "officer": "/queue", "admin": "/queue", "observer": "/ledger",
                "reform_office": "/ledger", "department": "/ledger", "investment_office": "/projects",
                "service_specialist": "/specialist"}


def _secret(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


@pass_context
def csrf_token(context: Context) -> str:
    request: Request = context["request"]
    return form_token(_secret(request), csrf_nonce(request.scope), request.cookies.get(SESSION_COOKIE, ""))


@pass_context
def csrf_field(context: Context) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_token(context))


def local_time(value: str | datetime | None, seconds: bool = False) -> str:
    """An instant in China Standard Time, as people there read it."""
    if not value:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return as_utc(instant).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def in_language(value: str, lang: str) -> str:
    """A text recorded as one string, in one language where it is an unambiguous ``中文 / English``
    pair; anything else whole, as recorded (never cut at punctuation: see ``yima.words``)."""
    return legacy_words(value).pick(lang)


class _CompiledTemplates(BytecodeCache):
    """The templates compiled in this process, shared by every environment ``environment`` builds.

    Compiling a page template costs 20–40 ms (all 52: about 0.57 s of CPU); an environment that
    finds one here loads the compiled code instead (all 52: 14 ms). Jinja files each under its
    name and file and checks the source's checksum on every load, so an edited template is
    compiled again. The environments built here are configured alike (the same autoescaping, no
    extensions), which is what makes their compiled code interchangeable; their globals and
    filters are looked up when a page renders. ``yima serve`` builds one app per process and
    compiles its templates at start-up (``warm_up``); a process that builds several (the test
    suite, about 400 apps) compiles each template once."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def environment(directories: Iterable[Path], values: Iterable[tuple[str, Any]] = ()) -> Environment:
    """The pages' environment over these plumbing templates and then ``directories``, with these
    global ``values``."""
    env = Environment(loader=FileSystemLoader([str(Path(__file__).with_name("templates")), *map(str, directories)]),
                      autoescape=select_autoescape(["html"]), bytecode_cache=_COMPILED)
    env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)
    env.filters.update(local_time=local_time, in_language=in_language)
    env.globals.update(values)
    return env


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language"))


def large_text(request: Request) -> bool:
    """Whether the page is shown in the large-text mode (大字版/长辈模式): ``?size=large`` or ``?size=normal``
    chooses, a cookie keeps the choice."""
    chosen = request.query_params.get("size")
    if chosen in ("large", "normal"):
        return chosen == "large"
    return request.cookies.get(SIZE_COOKIE) == "large"


def home_of(actor: Actor | None) -> str:
    return HOME_BY_ROLE.get(actor.role, "/") if actor else "/"


def _signature(request: Request, payload: str) -> str:
    return hmac.new(_secret(request).encode(), b"flash:" + payload.encode(), hashlib.sha256).hexdigest()[:32]


def flash(request: Request, response: Response, zh: str, en: str) -> Response:
    """Tell the next page what this action did (a signed, one-time cookie)."""
    payload = base64.urlsafe_b64encode(json.dumps([zh, en], ensure_ascii=False).encode()).decode()
    response.set_cookie(FLASH_COOKIE, f"{payload}.{_signature(request, payload)}", max_age=120,
                        **cookie_options(request))
    return response


def _flash_of(request: Request, lang: str) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = raw.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(request, payload)):
        return None
    try:
        zh, en = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return None
    return str(en if lang == "en" else zh)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    lang = language(request)
    gettext = translations(lang).gettext
    actor = actor_of_request(request)
    shown = _flash_of(request, lang)
    values = {"request": request, "_": gettext, "lang": lang, "actor": actor, "home": home_of(actor),
              "role_names": ROLE_NAMES,
              "flash": shown, "standard": request.app.state.standard, "large_text": large_text(request),
              **(context or {})}
    env: Environment = request.app.state.templates
    response = HTMLResponse(env.get_template(name).render(values), status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, **cookie_options(request))
    if request.query_params.get("size") in ("large", "normal"):
        response.set_cookie(SIZE_COOKIE, request.query_params["size"], max_age=365 * 86400, **cookie_options(request))
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, httponly=True, samesite="strict")
    return response


def text(request: Request, zh: str, en: str) -> str:
    """Pick one of a domain message's two languages for the page's language."""
    return en if language(request) == "en" else zh


ROLE_NAMES = {"applicant": N_("applicant"), "officer": N_("officer"), "admin": N_("administrator"),
              "observer": N_("business-environment observer"), "reform_office": N_("reform office"),
              "department": N_("department"), "investment_office": N_("investment office"),
              "service_specialist": N_("service specialist"), "federation": N_("partner zone"),
              "system": N_("the system")}


def forbidden(request: Request, zh: str, en: str, rule: str = "page.role") -> HTMLResponse:
    """403: the page is not this person's to use; the page says why and links to their start page."""
    return render(request, "error.html", {"errors": [{"rule": rule, "field": "", "text": text(request, zh, en)}],
                                          "forbidden": True}, status=403)


def login_redirect(request: Request) -> Response:
    """To the sign-in page, coming back here after; when the session just ended for being idle,
    the sign-in page says so and the stale cookie goes."""
    if getattr(request.state, "signed_out_why", None) == "idle":
        response = RedirectResponse(f"/login?next={quote(request.url.path)}&why=idle", status_code=303)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict")
        return response
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def page_actor(request: Request, actor: Actor | None, *roles: str) -> Actor | Response:
    """The actor when they may use the page (any of ``roles``; any role when none is given);
    else the answer to send instead: sign in first, or 403 saying why."""
    if actor is None:
        return login_redirect(request)
    if roles and actor.role not in roles:
        zh, en = translations("zh").gettext, translations("en").gettext
        allowed_zh = "、".join(zh(ROLE_NAMES.get(r, r)) for r in roles)
        allowed_en = " or ".join(en(ROLE_NAMES.get(r, r)) for r in roles)
        role = ROLE_NAMES.get(actor.role, actor.role)
        return forbidden(request, f"此页面仅供{allowed_zh}使用，您当前以{zh(role)}身份登录。",
                         f"This page is for the {allowed_en} role only; you are signed in as {en(role)}.")
    return actor
