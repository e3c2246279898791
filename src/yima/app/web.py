"""The ASGI application: the web plumbing with every feature's routers, built from the settings."""

from __future__ import annotations

from fastapi import FastAPI

from yima.app.features import registry
from yima.app.standard import the_standard
from yima.config import Settings, get_settings
from yima.db import Database
from yima.web.app import build_app


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    standard = the_standard(settings)
    return build_app(settings, db or Database(settings.database_url, settings.sqlite_synchronous), standard,
                     registry())
