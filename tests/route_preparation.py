"""The suite's apps share FastAPI's preparation of their routes (see docs/suite-speed.md).

FastAPI prepares a route of an included router (its signature, parameters, dependencies, the
models of its body and answer) the first time a request is matched against that router, once per
app: about 0.3 s of CPU for Yima's 218 routes. ``yima serve`` builds one app per process and
prepares them at start-up (``warm_up``); the suite builds one per test that starts a server
(about 400 of them, some 130 CPU seconds a run), and every one prepared the same routes again.

``share()`` keeps each route's preparation in this process and hands it to the next app that
includes the same route object in an inclusion context that is equal field by field. The one
field left out is the app itself (``dependency_overrides_provider``): the preparation keeps the
first app, which FastAPI asks only for its ``dependency_overrides``. Neither Yima nor the suite
sets any, and an app that has some is refused here rather than served with another's.
``unshared()`` turns the sharing off, for a test about what FastAPI does per app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import params, routing

_EffectiveRouteContext: Any = routing._EffectiveRouteContext  # FastAPI's own, private: a change there fails here
_prepare = _EffectiveRouteContext.from_api_route.__func__
_prepared: dict[Any, tuple[Any, Any]] = {}  # key -> (the route, kept so that its id stays its own; the context)
_state = {"sharing": False, "prepared": 0, "shared": 0}


def _frozen(value: Any) -> Any:
    """A value of an inclusion context as a comparable key: a dependency by what it calls; a list or
    mapping by its items; anything else by itself, or by identity when it cannot be hashed."""
    if isinstance(value, params.Depends):
        return ("Depends", value.dependency, value.use_cache, getattr(value, "scope", None))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((repr(key), _frozen(item)) for key, item in value.items()))
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return value


def _key(route: Any, include_context: Any) -> tuple[Any, ...]:
    fields = tuple((f.name, _frozen(getattr(include_context, f.name))) for f in dataclasses.fields(include_context)
                   if f.name != "dependency_overrides_provider")
    return (id(route), fields)


def _from_api_route(cls: Any, *, original_route: Any, include_context: Any) -> Any:
    if not _state["sharing"]:
        return _prepare(cls, original_route=original_route, include_context=include_context)
    provider = include_context.dependency_overrides_provider
    if getattr(provider, "dependency_overrides", None):
        raise RuntimeError("an app with dependency_overrides: the suite's shared route preparation cannot serve it "
                           "(tests/route_preparation.py)")
    key = _key(original_route, include_context)
    kept = _prepared.get(key)
    if kept is None:
        kept = _prepared[key] = (original_route, _prepare(cls, original_route=original_route,
                                                          include_context=include_context))
        _state["prepared"] += 1
    else:
        _state["shared"] += 1
    return kept[1]


def share() -> None:
    _EffectiveRouteContext.from_api_route = classmethod(_from_api_route)
    _state["sharing"] = True


def counts() -> tuple[int, int]:
    """How many route preparations were made, and how many were handed to a later app."""
    return _state["prepared"], _state["shared"]


@contextmanager
def unshared() -> Iterator[None]:
    before = _state["sharing"]
    _state["sharing"] = False
    try:
        yield
    finally:
        _state["sharing"] = before
