"""The web plumbing of the application: one FastAPI app serving the v1 API and the pages.

``build_app`` sets up what every request passes through (security headers, CSRF, body limits,
request logs, error pages, static files, API docs) and includes the routers features added to
``ROUTERS``, in the order they installed. The registry the composition root (``yima.app``) built
stays in ``app.state.registry``, where a page finds what a higher feature added to its slot.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from yima import __version__
from yima.config import Settings, use_settings
from yima.db import Database
from yima.db.base import Base
from yima.errors import DomainError, Finding
from yima.registry import Registry, Slot
from yima.standard.model import MatterStandard
from yima.web import api_docs, errors, handoff, health
from yima.web.deps import AUTHENTICATOR
from yima.web.i18n import LOCALES, translations
from yima.web.limits import BODY_LIMITS, BodySizeLimit
from yima.web.logs import RequestLog
from yima.web.ratelimit import DatabaseStorage, RateLimits
from yima.web.routeindex import IndexedRouter, index_routes
from yima.web.schemas import ERRORS
from yima.web.security import SecurityMiddleware
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES, environment, render, text
from yima.web.textguard import no_hidden_characters

log = logging.getLogger("yima.web")

#: Every feature's JSON API and pages, in the order their routes should match.
ROUTERS: Slot[APIRouter] = Slot("routers")
#: What a feature does once at start-up so that the first visit of its pages need not (``warm_up``):
#: called with the database and the standard; nothing it reads from the database is kept.
WARM_UPS: Slot[Callable[[Database, MatterStandard], None]] = Slot("start-up warm-ups")


#: Seconds a thread may keep the interpreter lock while another waits for it (Python's default 5 ms).
#: A SQLite write transaction gives the lock up around every statement; with the default, the
#: thread holding the database's writer lock then waits up to 5 ms each time for a thread parsing
#: another request to give it back, while every other writer waits for it. Measured on 秒批 (16
#: clients, 2 workers): the writer lock was held about 10 ms an approval for 3.3 ms of CPU with the
#: default, 20% less time with this.
SWITCH_INTERVAL = 0.0002


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Blocking handlers run in worker threads. Many threads buy nothing under one GIL and cost
    # convoys of lock hand-offs, so a handful serve the requests in turn.
    anyio.to_thread.current_default_thread_limiter().total_tokens = app.state.settings.worker_threads
    handoff.use_threads(app.state.settings.worker_threads)  # and so do the async routes' hand-offs
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


async def _refuse_forgery(scope: Scope, receive: Receive, send: Send) -> None:
    """A state-changing request without a valid CSRF token: 403, and no handler runs."""
    request = Request(scope, receive)
    zh = "表单已过期或并非来自本站页面（缺少有效的 CSRF 令牌），未作任何更改。请重新打开页面后再提交。"
    en = ("The form has expired or did not come from this site's pages (no valid CSRF token); nothing was "
          "changed. Open the page again and resubmit.")
    response: Response
    if request.url.path.startswith("/api/"):
        response = errors.problem([Finding("csrf.invalid", "csrf_token", zh, en)], 403)
    else:
        response = await run_in_threadpool(render, request, "error.html", {
            "errors": [{"rule": "csrf.invalid", "field": "csrf_token", "text": text(request, zh, en)}]}, 403)
    await response(scope, receive, send)


class YimaApp(FastAPI):
    """FastAPI with :class:`SecurityMiddleware` outside the app, so that even a 500 carries the headers,
    and :class:`BodySizeLimit` outside that."""

    def build_middleware_stack(self) -> ASGIApp:
        settings = self.state.settings
        secured = SecurityMiddleware(super().build_middleware_stack(), lambda: settings.secret_key,
                                     _refuse_forgery)
        # Outside even the CSRF check, which reads a form's whole body to find its token.
        return BodySizeLimit(secured, max_body_bytes=settings.max_body_bytes,
                             max_upload_bytes=settings.max_upload_bytes,
                             by_path={path: limit(settings) for path, limit in self.state.registry.items(BODY_LIMITS)})


def warm_up(app: FastAPI) -> None:
    """Do at start-up what the first request of a page would otherwise do once, in the server's
    process before it takes requests: what ``prepare`` does, then the features' ``WARM_UPS`` (the
    dashboard's queries run once: their SQL compiled, the database's pages and, on PostgreSQL, a
    connection with its catalogue caches ready). ``yima serve`` does it when it builds the app
    (``yima.app.asgi``), with several workers once, before they are forked from it
    (``yima.web.prefork``: each then opens connections of its own); an app built for a test leaves
    it to the first request. A warm-up that fails on the database (not migrated yet, say) is logged
    and skipped: the pages then pay it."""
    prepare(app)
    for warm in app.state.registry.items(WARM_UPS):
        try:
            warm(app.state.db, app.state.standard)
        except (SQLAlchemyError, DomainError) as err:
            log.warning("warm_up.skipped %s: %s", getattr(warm, "__name__", warm), type(err).__name__)


def prepare(app: FastAPI) -> None:
    """The part of ``warm_up`` that sends nothing to the database and keeps what it makes in the
    process: prepare every route (``_match_every_route``), compile every page template (about 20–40
    ms each, several per page; kept for every environment of the process, ``yima.web.templating``),
    configure the ORM's mappers and compile a query of each mapped table for the database's dialect
    (the first query SQLAlchemy compiles costs about 100 ms of set-up) and read the translation
    catalogues. A process that forks servers (the test suite's command zygote) does it once, so
    that what each forked server's ``warm_up`` does again is quick."""
    _match_every_route(app)
    configure_mappers()
    dialect = app.state.db.engine.dialect
    for mapper in Base.registry.mappers:
        select(mapper).limit(1).compile(dialect=dialect)
    for lang in LOCALES:
        translations(lang)
    templates = app.state.templates
    for name in templates.list_templates(filter_func=lambda name: name.endswith(".html")):
        templates.get_template(name)


def _match_every_route(app: FastAPI) -> None:
    """FastAPI prepares a router's routes (each endpoint's signature, parameters and dependencies)
    the first time a request is matched against that router: about a second and a half of one core
    for this app's routes, which the first visit of a page paid (measured: `/dashboard`'s first
    visit 0.9–1.9 s, later visits 0.1 s). A path no route answers is matched against every router,
    so every route is prepared before the first request."""
    scope = {"type": "http", "method": "GET", "path": "/.yima-warm-up/", "root_path": "", "query_string": b"",
             "headers": [], "app": app}
    for route in app.router.routes:
        if isinstance(route, IndexedRouter):
            route.match_unindexed(dict(scope))
        else:
            route.matches(dict(scope))


def build_app(settings: Settings, db: Database, standard: MatterStandard, registry: Registry) -> FastAPI:
    (authenticator,) = registry.items(AUTHENTICATOR)  # exactly one feature says who a token stands for
    use_settings(settings)
    app = YimaApp(title="Yima 一码", version=__version__, lifespan=_lifespan, docs_url=None, redoc_url=None,
                  dependencies=[Depends(no_hidden_characters)],
                  description="Market-access platform: apply online, 秒批, one-code licence (一码通行).")
    app.state.settings = settings
    app.state.db = db
    app.state.standard = standard
    app.state.authenticator = authenticator
    app.state.registry = registry
    try:
        app.state.rate_limits = RateLimits(DatabaseStorage(db), settings.rate_limits)
    except ValueError as err:
        raise ValueError(f"YIMA_RATE_LIMITS: {err}") from err
    app.state.templates = environment(registry.items(TEMPLATES), registry.items(TEMPLATE_GLOBALS))
    errors.install(app)
    for router in (*registry.items(ROUTERS), health.router):
        app.include_router(router, responses=ERRORS)
    static = resources.files("yima.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    api_docs.install(app)
    index_routes(app)
    app.add_middleware(RequestLog)
    return app
