"""Every text a request brings is free of control and invisible characters (``text.hidden_character``).

A dependency of the whole app, so that no route, page or API, of any feature (registration,
observers, projects, zones, accounts …) can store such a character: it reads the request's JSON or
form body (Starlette keeps it for the route, which reads it again at no cost) and applies the one
rule of ``yima.textcheck`` to every string in it, line breaks allowed (a reason or a note may have
several lines; what a one-line field allows is that field's own rule). Uploaded files and bodies
of other types (the CBOR messages of partner zones, whose application bodies meet the same rule in
the registration rules) are not text and are left to their routes. Verifying a scanned code stores
nothing: whatever a camera read is answered "not valid" by the verifier itself, so that route is
left out.
"""

from __future__ import annotations

import json

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.types import Scope

from yima.errors import DomainError, Finding
from yima.textcheck import has_nothing_hidden, hidden_character, walk_strings

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
STORES_NOTHING = frozenset({"/api/v1/verify"})


class HiddenCharacter(DomainError):
    """422: a request's text holds a control or invisible character."""


def _first(found: list[Finding]) -> None:
    if found:
        raise HiddenCharacter.of(found)


def _clean_json_text(raw: bytes) -> bool:
    """Whether no string of the JSON text ``raw`` can hold a hidden character, read without
    parsing it: UTF-8 without a backslash (so no escape makes a character that the text does not
    show) and with nothing hidden anywhere in it. False only means the strings must be walked."""
    if b"\\" in raw:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return has_nothing_hidden(text)


def _content_type(scope: Scope) -> str:
    """The request's media type, lower case (what ``request.headers.get("content-type")`` starts with)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";")[0].strip().lower()
    return ""


async def no_hidden_characters(request: Request) -> None:
    # Read from the ASGI scope: a request without a query string and a safe method (most of them)
    # costs no parsed query, URL or headers object.
    scope = request.scope
    if scope.get("query_string"):
        query = [hit for key, value in request.query_params.multi_items()
                 if (hit := hidden_character(value, key)) is not None]
        _first(query)  # a query is read into database lookups, where a NUL cannot even be stored
    if scope["method"] not in UNSAFE or scope["path"] in STORES_NOTHING:
        return
    kind = _content_type(scope)
    found: list[Finding] = []
    if kind == "application/json" or kind.endswith("+json"):
        raw = await request.body()
        if _clean_json_text(raw):
            return  # every string in it is a slice of this text: none holds a hidden character
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return  # the route answers that the body cannot be read
        for path, value in walk_strings(body):
            hit = hidden_character(value, path or "body", multiline=True)
            if hit is not None:
                found.append(hit)
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        for key, item in form.multi_items():
            if isinstance(item, UploadFile) or not isinstance(item, str):
                continue
            hit = hidden_character(item, key, multiline=True)
            if hit is not None:
                found.append(hit)
    _first(found)
