"""Matching a request against the routers whose routes could answer it, not against all of them.

FastAPI (0.16x) keeps each included router as one entry of the app's routes and matches a request
against the entries in order; an entry matches by trying each of its router's routes in turn
(setting and restoring its route context in the request's scope around every regular-expression
match). Yima includes about 30 routers with 218 routes, so a request to a router late in the list
tried about a hundred routes first: about 0.2 ms of CPU of a request that costs 1–1.5 ms in all
(measured in-process: a refused API call 1.1 ms before, 0.7–1.0 ms after).

A route's path template begins with literal text up to its first ``{``, and the route's regular
expression begins with that text too, so a request whose path does not start with any of a router's
literal prefixes cannot match any of its routes. :func:`index_routes` gives each included router
those prefixes (``/api/v1/projects``, ``/projects/`` …); a request that starts with none of them
skips the router at the cost of one ``str.startswith``. The order of the routers and of their routes
is kept, so the first full match, a method that does not fit (405) and the trailing-slash redirect
are what they were. A router whose routes change is indexed again at its next request; a router
that includes routers of its own, or a route without a literal path, is not skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter  # FastAPI's own, private: a change there fails the routing test
from starlette.routing import Match, get_route_path
from starlette.types import Scope

_NOT_INDEXED = -1


@dataclass
class IndexedRouter(_IncludedRouter):
    """An included router that refuses at once a path none of its routes' literal prefixes begins."""

    _prefixes: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _indexed_version: int = field(default=_NOT_INDEXED, repr=False, compare=False)

    def prefixes(self) -> tuple[str, ...]:
        router = self.original_router
        if self._indexed_version != router._routes_version:
            found: list[str] = []
            for route in router.routes:
                path = getattr(route, "path", None)
                if isinstance(route, _IncludedRouter) or not isinstance(path, str):
                    found = [""]  # every path may match
                    break
                found.append((self.include_context.prefix + path).split("{", 1)[0])
            self._prefixes, self._indexed_version = tuple(dict.fromkeys(found)), router._routes_version
        return self._prefixes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not get_route_path(scope).startswith(self.prefixes()):
            return Match.NONE, {}
        return super().matches(scope)

    def match_unindexed(self, scope: Scope) -> tuple[Match, Scope]:
        """What FastAPI's own matching answers (``warm_up`` prepares every route through it)."""
        return super().matches(scope)


def index_routes(app: FastAPI) -> None:
    """Replace each router the app includes by an :class:`IndexedRouter` of the same inclusion."""
    routes = app.router.routes
    for n, route in enumerate(routes):
        if type(route) is _IncludedRouter:
            routes[n] = IndexedRouter(original_router=route.original_router, include_context=route.include_context)
