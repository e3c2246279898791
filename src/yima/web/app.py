"""The application factory: one FastAPI app serving the v1 API and the pages."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from yima import __version__
from yima.config import Settings, get_settings
from yima.db import Database
from yima.standard import load_standard
from yima.web import errors


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Yima 一码", version=__version__,
                  description="Market-access platform: apply online, 秒批, one-code licence (一码通行).")
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    app.state.standard = load_standard()
    errors.install(app)

    from yima.accounts.api import router as accounts_api
    from yima.registration.api import router as registration_api
    from yima.registration.pages import router as registration_pages
    from yima.web.pages import router as pages
    from yima.zones.api import router as zones_api

    for router in (accounts_api, registration_api, zones_api, pages, registration_pages):
        app.include_router(router)
    static = resources.files("yima.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok", "standard": app.state.standard.digest}

    return app
