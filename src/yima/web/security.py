"""Security of the pages: CSRF tokens on every form that changes state, security headers on every
response, and cookies that are HttpOnly, SameSite and (over HTTPS) Secure.

CSRF — how a page form uses it
------------------------------
Every ``<form method="post">`` in a template writes ``{{ csrf_field() }}`` inside it (a Jinja
global from :mod:`yima.web.templating`); that is all a new page has to do. Scripts that post
from a page send the same value in the ``X-CSRF-Token`` header (``csrf_token()`` gives it).

The check is one ASGI middleware (:class:`SecurityMiddleware`) in front of every route, so no
route can forget it: a ``POST``/``PUT``/``PATCH``/``DELETE`` is refused with a 403 page (JSON
under ``/api/``) and reaches no handler — nothing changes — unless it carries a valid token.
Exempt are calls that authenticate with an ``Authorization: Bearer`` header (a browser never
adds one to a cross-site form, so such a call is not a page form) and ``/api/`` calls that send
no sign-in cookie (they act as nobody a forged form could borrow).

The token is a *signed double-submit cookie* (OWASP's recommended stateless pattern): the
``yima_csrf`` cookie holds a random nonce; the form field holds HMAC-SHA256(secret key, nonce,
SHA-256 of the sign-in cookie). A forged form on another site can neither read the cookie nor
compute the HMAC. The token is bound to the session: a pair made before signing in (or for
another session) is refused once the browser is signed in, and signing in sets a new nonce.

The middleware reads cookies with the very parser the app signs users in with (Starlette's
``request.cookies``), and fails closed: a ``Cookie`` header that so much as names ``yima_token``
makes an ``/api/`` request need the token, however the rest of the header is malformed. It is written
here in some forty lines rather than taken from a package because the packages we looked at
(starlette-csrf, fastapi-csrf-protect) read the token from a header only or need a dependency on
every route, and a form post must be checked before any handler runs.

Headers
-------
``Content-Security-Policy`` allows scripts from this host only — no inline script or inline
event handler anywhere (page code lives in ``web/static/js``; data for it travels in
``<script type="application/json">`` blocks, which are never executed). Inline ``style``
attributes stay allowed: they carry no code. ``frame-ancestors 'none'`` (and
``X-Frame-Options: DENY`` for old browsers), ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: same-origin`` go on every response: pages, API, static files, errors.
``Cache-Control: no-store`` goes on every response but the static files and those that say
themselves what may be cached (public seal images, public verification answers): a page or an
API answer may carry ID numbers, phone numbers, a token or a key, and no cache (a shared proxy,
the browser's back button on a service-hall computer) may keep it.
The API documentation pages (``/docs``, ``/redoc``) are Swagger UI's and ReDoc's, with an inline
start-up script we do not write: on those paths only, the middleware reads the (small, static)
page and allows exactly its inline scripts by their SHA-256 hash, nothing more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "yima_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_COOKIE = "yima_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = ("default-src 'self'; script-src 'self'{extra}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"same-origin"), (b"cross-origin-opener-policy", b"same-origin")]


def form_token(secret: str, nonce: str, session: str = "") -> str:
    """The value a form carries for the browser whose CSRF cookie is ``nonce`` and whose sign-in
    cookie is ``session`` (empty when not signed in)."""
    bound = nonce + "\n" + hashlib.sha256(session.encode()).hexdigest()
    digest = hmac.new(secret.encode(), bound.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_is_valid(secret: str, nonce: str | None, token: str | None, session: str = "") -> bool:
    if not nonce or not token:
        return False
    return hmac.compare_digest(form_token(secret, nonce, session), token)


def new_csrf_nonce(request: Request, response: Any) -> None:
    """A fresh CSRF nonce for this browser (at sign-in and sign-out): no token issued before
    stays usable."""
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), path="/", **cookie_options(request))


def is_https(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


def cookie_options(request: Request) -> dict[str, Any]:
    """What every cookie the pages set carries: HttpOnly, SameSite, Secure over HTTPS."""
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https"}


def csrf_nonce(scope: Scope) -> str:
    """This browser's CSRF nonce (a new one when it has none yet; the response then sets it)."""
    state = scope.setdefault("state", {})
    nonce = state.get("csrf_nonce")
    if not nonce:
        nonce = state["csrf_nonce"] = secrets.token_urlsafe(32)
        state["csrf_new"] = True
    return str(nonce)


def inline_script_hashes(html: str) -> list[str]:
    """CSP hash sources of the inline scripts of a page we do not write ourselves (Swagger UI)."""
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies exactly as the app reads them (``Request.cookies``); a request without
    a ``Cookie`` header (an API client's) has none, and no request object is built for it."""
    if not any(name == b"cookie" for name, _ in scope.get("headers", ())):
        return {}
    return Request(scope).cookies


def _names_the_session(scope: Scope) -> bool:
    """Whether any ``Cookie`` header mentions the sign-in cookie at all (parsed or not)."""
    return any(name == b"cookie" and SESSION_COOKIE.encode() in value for name, value in scope.get("headers", ()))


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return ""


Refusal = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityMiddleware:
    """Adds the security headers to every response and refuses unsafe requests without a CSRF token.

    ``refuse`` answers a refused request (the app's 403 page or JSON); ``secret`` gives the key
    the tokens are signed with.
    """

    def __init__(self, app: ASGIApp, secret: Callable[[], str], refuse: Refusal) -> None:
        self.app = app
        self.secret = secret
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        state = scope.setdefault("state", {})
        if cookies.get(CSRF_COOKIE):
            state["csrf_nonce"] = cookies[CSRF_COOKIE]
        path: str = scope.get("path", "")
        docs = path in DOCS_PAGES
        held: list[Message] = []

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                if docs:  # wait for the page: its inline scripts are allowed by hash
                    held.append(message)
                    return
                _secure_start(message, scope, state, "")
            elif held:
                start = held.pop()
                body = message.get("body", b"")
                hashes = inline_script_hashes(body.decode("utf-8", "replace"))
                _secure_start(start, scope, state, "".join(" " + h for h in hashes))
                await send(start)
            await send(message)

        if scope.get("method") in UNSAFE and self._needs_token(scope, path, cookies):
            body, replay = await _buffer(receive)
            token = _header(scope, CSRF_HEADER.encode()) or await _form_token(scope, body)
            if not token_is_valid(self.secret(), cookies.get(CSRF_COOKIE), token, cookies.get(SESSION_COOKIE, "")):
                await self.refuse(scope, replay, send_secured)
                return
            receive = replay
        await self.app(scope, receive, send_secured)

    @staticmethod
    def _needs_token(scope: Scope, path: str, cookies: dict[str, str]) -> bool:
        if _header(scope, b"authorization").lower().startswith("bearer "):
            return False
        return not path.startswith("/api/") or SESSION_COOKIE in cookies or _names_the_session(scope)


_OURS = {b"content-security-policy", *(name for name, _ in HEADERS)}
DOCS_PAGES = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


#: The policy of every page but the API documentation's, encoded once.
_CSP_HEADER = (b"content-security-policy", CSP.format(extra="").encode())


def _secure_start(message: Message, scope: Scope, state: dict[str, Any], extra_scripts: str) -> None:
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
    headers += [*HEADERS, (b"content-security-policy", CSP.format(extra=extra_scripts).encode())
                if extra_scripts else _CSP_HEADER]
    if not any(k.lower() == b"cache-control" for k, _ in headers) and not scope.get("path", "").startswith("/static/"):
        headers.append((b"cache-control", b"no-store"))  # pages and API answers may carry personal data
    if is_https(scope):
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if state.get("csrf_new") and content_type.startswith(b"text/html"):
        headers.append((b"set-cookie", _csrf_cookie(state["csrf_nonce"], is_https(scope))))
    message["headers"] = headers


def _csrf_cookie(nonce: str, secure: bool) -> bytes:
    return (f"{CSRF_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")).encode()


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body, and a ``receive`` that hands it to the app again."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _form_token(scope: Scope, body: bytes) -> str | None:
    content_type = _header(scope, b"content-type").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        async def once() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        request = Request(scope, once)
        try:
            form = await request.form()
        except Exception:  # a malformed body carries no token; the refusal says so
            return None
        try:
            value = form.get(CSRF_FIELD)
            return value if isinstance(value, str) else None
        finally:
            await form.close()
    return None
