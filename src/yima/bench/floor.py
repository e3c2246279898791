"""The floor ``yima bench register`` measures 秒批 against: the same HTTP stack (uvicorn, FastAPI,
the same worker count), the project's ``ApplicationIn`` model parsing the same body, and one INSERT
of it per request through the same ``Database`` (SQLite in WAL with the same ``synchronous``, its
writer lock; PostgreSQL through psycopg and the same pool), nothing else: no sign-in, no rules, no
audit. What 秒批 costs beyond that is the platform's own work.

``uvicorn yima.bench.floor_asgi:app`` builds the app from ``YIMA_DATABASE_URL`` (and
``YIMA_SQLITE_SYNCHRONOUS``) in each worker process, as ``yima serve`` builds its own.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from yima.db import Database
from yima.registration.model import ApplicationIn

TABLE = "bench_floor"
_INSERT = text(f"INSERT INTO {TABLE} (body) VALUES (:body)")


def create_floor_table(db: Database) -> None:
    """The floor's table (an id and the body), empty."""
    key = "INTEGER PRIMARY KEY AUTOINCREMENT" if db.is_sqlite else "BIGSERIAL PRIMARY KEY"
    with db.write() as session:
        session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        session.execute(text(f"CREATE TABLE {TABLE} (id {key}, body TEXT NOT NULL)"))


def drop_floor_table(db: Database) -> None:
    with db.write() as session:
        session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))


def floor_app(db: Database) -> FastAPI:
    floor = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @floor.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @floor.post("/api/v1/applications", status_code=201)
    def submit(body: ApplicationIn) -> JSONResponse:
        with db.write() as session:
            session.execute(_INSERT, {"body": body.model_dump_json()})
        return JSONResponse(status_code=201, content={"status": "approved"})

    return floor


def floor_from_environment() -> FastAPI:
    """The floor app on ``YIMA_DATABASE_URL`` (what ``floor_asgi`` serves in each worker)."""
    return floor_app(Database(os.environ["YIMA_DATABASE_URL"], os.environ.get("YIMA_SQLITE_SYNCHRONOUS", "FULL")))
