"""The application factory: one FastAPI app serving the v1 API and the pages."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from yima import __version__
from yima.config import Settings, get_settings, use_settings
from yima.db import Database
from yima.standard import load_standard
from yima.web import errors

# Every feature's JSON API and pages, in the order their routes should match.
ROUTERS = (
    "yima.accounts.api", "yima.registration.api", "yima.zones.api", "yima.licences.api", "yima.seals.api",
    "yima.stats.api", "yima.audit.api", "yima.web.pages", "yima.registration.pages", "yima.licences.pages",
    "yima.seals.pages", "yima.stats.pages", "yima.audit.pages", "yima.accounts.pages",
    "yima.projects.api", "yima.projects.pages",
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Blocking handlers run in worker threads. Many threads buy nothing under one GIL and cost
    # convoys of lock hand-offs, so a handful serve the requests in turn.
    anyio.to_thread.current_default_thread_limiter().total_tokens = app.state.settings.worker_threads
    yield


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    use_settings(settings)
    app = FastAPI(title="Yima 一码", version=__version__, lifespan=_lifespan,
                  description="Market-access platform: apply online, 秒批, one-code licence (一码通行).")
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    app.state.standard = load_standard()
    errors.install(app)

    for module in ROUTERS:
        try:
            app.include_router(importlib.import_module(module).router)
        except ModuleNotFoundError as err:
            if err.name != module:  # a feature module that is absent is skipped; a broken one is not
                raise
    static = resources.files("yima.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok", "standard": app.state.standard.digest}

    return app
