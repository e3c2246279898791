"""The route index (``yima.web.routeindex``) skips routers that cannot answer a path and changes
nothing else: every route's path, with every method, picks the same router as FastAPI's own
matching, and so do paths no route answers, a method no route allows (405) and the trailing-slash
redirect."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import _IncludedRouter, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Match

from yima.app.web import create_app
from yima.config import Settings
from yima.web.routeindex import IndexedRouter


def _first(routes: list[Any], method: str, path: str) -> tuple[str, int | None]:
    """What the app's router does with the path: the first full match, else the first partial."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}
    partial = None
    for n, route in enumerate(routes):
        match, _ = route.matches(dict(scope))
        if match == Match.FULL:
            return "full", n
        if match == Match.PARTIAL and partial is None:
            partial = n
    return ("partial", partial) if partial is not None else ("none", None)


def _sample(path_format: str) -> str:
    return re.sub(r"\{[^}]*\}", "7", path_format).rstrip("/")


def test_every_route_is_matched_by_the_router_fastapi_would_pick(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'index.db'}"))
    indexed = app.router.routes
    assert sum(isinstance(route, IndexedRouter) for route in indexed) > 20
    plain = [_IncludedRouter(original_router=route.original_router, include_context=route.include_context)
             if isinstance(route, IndexedRouter) else route for route in indexed]
    contexts = [c for c in iter_route_contexts(indexed) if isinstance(c.path_format, str)]
    assert len(contexts) > 200
    probes = {(method, _sample(c.path_format) + end) for c in contexts for end in ("", "/")
              for method in (*(c.methods or ["GET"]), "TRACE")}  # each route's methods and one it refuses
    probes |= {("GET", p) for p in ("/nowhere", "/api/v1/nowhere", "/", "")}
    picked = {"full": 0, "partial": 0, "none": 0}
    for method, path in sorted(probes):
        answer = _first(indexed, method, path)
        assert answer == _first(plain, method, path), (method, path)
        picked[answer[0]] += 1
    assert all(picked.values()), picked  # each kind of answer was compared


def test_an_indexed_app_answers_and_a_router_that_grows_is_indexed_again(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'grow.db'}"))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/nowhere").status_code == 404
        assert client.delete("/api/v1/applications").status_code == 405
        assert client.get("/api/v1/applications").status_code == 401
    indexed = next(route for route in app.router.routes if isinstance(route, IndexedRouter))
    router = indexed.original_router
    router.add_api_route("/route-index-probe/{n}", lambda n: n, methods=["GET"])
    assert indexed.prefixes()[-1] == router.routes[-1].path.removesuffix("{n}")
