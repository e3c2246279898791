"""A limit on the size of every request body: larger ones are answered 413 before they are read.

Starlette reads a whole JSON or form body, and spools a whole multipart upload, before a route
sees it, so a route's own size check comes too late to spare the server. This ASGI middleware
refuses a declared ``Content-Length`` over the limit at once and stops counting a streamed body
as soon as it passes the limit, answering 413 itself. Multipart bodies (uploads) may be as large as the upload limit
plus room for the other form fields; a route a feature names in ``BODY_LIMITS`` (the federation
endpoint, whose messages carry uploaded materials) as large as it says; every other body as large
as ``max_body_bytes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yima.config import Settings
from yima.errors import DomainError
from yima.registry import Slot
from yima.web.errors import problem
from yima.web.security import CSP, HEADERS

FORM_SLACK = 256 * 1024
#: ``(exact path, limit from the settings)``: a route whose bodies may be larger than ``max_body_bytes``.
BODY_LIMITS: Slot[tuple[str, Callable[[Settings], int]]] = Slot("body limits by path")


class BodyTooLarge(DomainError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("request.too_large", "body", f"请求内容超过 {limit} 字节上限",
                         f"The request body exceeds the limit of {limit} bytes")


def refusal(limit: int) -> JSONResponse:
    """The 413, with the security headers every answer carries (this middleware stands outside
    the one that adds them)."""
    response = problem(BodyTooLarge(limit).findings, 413)
    for name, value in HEADERS:
        response.headers[name.decode()] = value.decode()
    response.headers["content-security-policy"] = CSP.format(extra="")
    return response


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int,
                 by_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_form_bytes = max_upload_bytes + FORM_SLACK
        self.by_path = dict(by_path or {})

    def limit_for(self, scope: Scope) -> int:
        if scope.get("path") in self.by_path:
            return self.by_path[scope["path"]]
        for name, value in scope.get("headers", ()):
            if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                return self.max_form_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await refusal(limit)(scope, receive, send)
                return
        seen, too_large, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_large = True  # the app sees the client go; this middleware answers
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if too_large:
                return  # whatever the app makes of the cut-off body, the answer is 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await refusal(limit)(scope, receive, send)
