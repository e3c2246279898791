"""Least privilege on the pages: CSRF tokens, security headers and cookie flags, over real HTTP,
and the Content-Security-Policy holding in Debian's chromium."""

from __future__ import annotations

import base64
import hashlib
import re
from contextlib import closing

import httpx
import pytest

from factories import PASSWORD, application_body, tiny_pdf
from web.browser import sign_in
from yima.accounts.service import list_users

pytestmark = [pytest.mark.db, pytest.mark.e2e]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_session(server, username: str) -> tuple[httpx.Client, str]:
    """A browser-like client signed in through the login form; and its CSRF form token."""
    client = httpx.Client(base_url=server.url, timeout=30)
    form = client.get("/login")
    token = TOKEN.search(form.text).group(1)
    assert "yima_csrf" in client.cookies
    signed_in = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 303 and "yima_token" in client.cookies
    return client, TOKEN.search(client.get("/login").text).group(1)  # the session's own token


def disabled(server, username: str) -> bool:
    return next(u for u in list_users(server.app.state.db).items if u.username == username).disabled


def test_a_form_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(server):
    admin, token = page_session(server, "admin")
    with closing(admin):
        form = {"confirmed": "1", "reason": "已离职"}
        missing = admin.post("/admin/users/bob/disable", data=form)
        assert missing.status_code == 403 and "CSRF" in missing.text and "未作任何更改" in missing.text
        assert missing.headers["content-type"].startswith("text/html")
        wrong = admin.post("/admin/users/bob/disable", data={**form, "csrf_token": token[:-2] + "xx"})
        assert wrong.status_code == 403
        other_cookie = httpx.Client(base_url=server.url).get("/login")  # a token made for another browser
        foreign = TOKEN.search(other_cookie.text).group(1)
        assert admin.post("/admin/users/bob/disable", data={**form, "csrf_token": foreign}).status_code == 403
        assert not disabled(server, "bob")
        multipart = admin.post("/admin/users/bob/disable", data=form, files={"x": ("a.txt", b"a")})
        assert multipart.status_code == 403 and not disabled(server, "bob")
        done = admin.post("/admin/users/bob/disable", data={**form, "csrf_token": token})
        assert done.status_code == 303 and disabled(server, "bob")
        in_header = admin.post("/admin/users/bob/enable", headers={"X-CSRF-Token": token})
        assert in_header.status_code == 303 and not disabled(server, "bob")
        # the API under the page's cookie is held to the same rule; with a Bearer token it is not a page form
        cookie_api = admin.post("/api/v1/users/bob/disable")
        assert cookie_api.status_code == 403 and cookie_api.json()["error"] == "csrf.invalid"
        assert not disabled(server, "bob")
    with httpx.Client(base_url=server.url) as stranger:
        login = stranger.post("/login", data={"username": "alice", "password": PASSWORD})
        assert login.status_code == 403 and "yima_token" not in stranger.cookies
    with server.client("alice") as alice:  # Bearer: an API client, no CSRF token needed
        assert alice.post("/api/v1/applications", json=application_body()).status_code == 201


def test_csrf_fails_closed_on_any_cookie_header_the_app_signs_in_from(server):
    """A nameless cookie part or a value with a space made the old parser see no cookie at all (so
    no CSRF check) while the app still signed the caller in from ``yima_token``."""
    with server.client("admin") as api:
        session = api.headers["Authorization"].removeprefix("Bearer ")
    for header in (f"yima_token={session}; foo", f"lang=z h; yima_token={session}",
                   f'yima_token={session}; yima_csrf="a b"', f"foo; yima_token={session}; bar=1 2"):
        answer = httpx.post(f"{server.url}/api/v1/users/bob/disable", headers={"Cookie": header})
        assert answer.status_code == 403 and answer.json()["error"] == "csrf.invalid", header
        assert not disabled(server, "bob")
    page = httpx.post(f"{server.url}/admin/users/bob/sign-out", headers={"Cookie": f"yima_token={session}; foo"})
    assert page.status_code == 403


def test_a_token_made_before_sign_in_is_refused_once_signed_in(server):
    """The token is bound to the session and the nonce is new at sign-in: an anonymous nonce and
    token pair (which an attacker can mint for themselves) is refused on a signed-in session."""
    with httpx.Client(base_url=server.url, timeout=30) as attacker:
        anonymous = TOKEN.search(attacker.get("/login").text).group(1)
        anonymous_nonce = attacker.cookies["yima_csrf"]
    admin, own = page_session(server, "admin")
    with closing(admin):
        assert admin.cookies["yima_csrf"] != anonymous_nonce  # rotated at sign-in
        session = admin.cookies["yima_token"]
        forged = {"Cookie": f"yima_token={session}; yima_csrf={anonymous_nonce}"}
        for token in (anonymous, own):
            answer = httpx.post(f"{server.url}/api/v1/users/bob/disable", headers={**forged, "X-CSRF-Token": token})
            assert answer.status_code == 403 and not disabled(server, "bob")
        form = {"confirmed": "1", "reason": "已离职", "csrf_token": anonymous}
        assert httpx.post(f"{server.url}/admin/users/bob/disable", data=form, headers=forged).status_code == 403
        assert not disabled(server, "bob")
        assert admin.post("/api/v1/users/bob/disable", headers={"X-CSRF-Token": own}).status_code == 200


def test_a_multipart_page_form_carries_its_token(server):
    alice, token = page_session(server, "alice")
    with closing(alice), server.client("alice") as api:
        created = api.post("/api/v1/applications", json=application_body(materials=["application_form"])).json()
        with server.client("officer-cq") as officer:
            officer.post(f"/api/v1/applications/{created['id']}/decision", json={"decision": "accept_with_missing"})
        upload = {"file": ("章程.pdf", tiny_pdf("articles"), "application/pdf")}
        data = {"material": "articles_of_association"}
        refused = alice.post(f"/applications/{created['id']}/materials", data=data, files=upload)
        assert refused.status_code == 403
        assert api.get(f"/api/v1/applications/{created['id']}").json()["status"] == "awaiting_materials"
        accepted = alice.post(f"/applications/{created['id']}/materials", data={**data, "csrf_token": token},
                              files=upload)
        assert accepted.status_code == 303
        assert api.get(f"/api/v1/applications/{created['id']}").json()["status"] == "under_review"


def assert_secured(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'", csp  # no 'unsafe-inline', no other host
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_security_headers_on_pages_api_static_files_and_errors(server):
    with server.client() as public, server.client("alice") as alice:
        for response in (public.get("/"), public.get("/login"), public.get("/static/yima.css"),
                         public.get("/static/js/yima.js"), public.get("/static/vendor/echarts.min.js"),
                         public.get("/openapi.json"), public.get("/no/such/page"), public.get("/healthz"),
                         alice.get("/api/v1/me"), alice.post("/api/v1/applications", json={"zone": ""}),
                         public.post("/api/v1/verify", json={"qr": "nonsense"})):
            assert_secured(response)
        assert public.get("/no/such/page").status_code == 404
        docs = public.get("/docs")
        inline = re.findall(r"<script>(.*?)</script>", docs.text, flags=re.S)
        assert inline  # Swagger UI's start-up script is allowed by its hash, and nothing else inline
        for script in inline:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in docs.headers["content-security-policy"]
        assert "unsafe-inline" not in docs.headers["content-security-policy"].split("style-src")[0]


def test_cookies_are_httponly_samesite_and_secure_over_https(server):
    with httpx.Client(base_url=server.url) as plain:
        token = TOKEN.search(plain.get("/login").text).group(1)
        response = plain.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("yima_token="))
        assert "HttpOnly" in session and "SameSite=strict" in session and "Secure" not in session
        english = plain.get("/?lang=en").headers.get_list("set-cookie")
        assert all("HttpOnly" in c and "SameSite" in c for c in english)
    https = {"X-Forwarded-Proto": "https"}  # behind a TLS-terminating proxy on the loopback
    with httpx.Client(base_url=server.url, headers=https) as secure:
        page = secure.get("/login")
        csrf = next(c for c in page.headers.get_list("set-cookie") if c.startswith("yima_csrf="))
        assert "Secure" in csrf and "HttpOnly" in csrf and "SameSite=Strict" in csrf
        assert page.headers["strict-transport-security"].startswith("max-age=")
        token, nonce = TOKEN.search(page.text).group(1), csrf.split(";")[0].split("=", 1)[1]
        secure.cookies.clear()  # httpx keeps a Secure cookie for https URLs only; send it as a browser would
        response = secure.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token},
                               headers={"Cookie": f"yima_csrf={nonce}"})
        session = next(c for c in response.headers.get_list("set-cookie") if c.startswith("yima_token="))
        assert "Secure" in session and "HttpOnly" in session


CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
def test_no_page_breaks_the_content_security_policy_in_chromium(server, browser_context):
    with server.client("alice") as alice, server.client("officer-cq") as officer:
        approved = alice.post("/api/v1/applications", json=application_body()).json()
        review = alice.post("/api/v1/applications", json=application_body(name="云帆科技有限公司")).json()
        qr = alice.get(f"/api/v1/licences/{approved['uscc']}").json()["qr"]
        assert officer.get("/api/v1/applications").status_code == 200
    uscc = approved["uscc"]
    pages = {
        None: ["/", "/login", "/verify", f"/enterprises/{uscc}", f"/licences/{uscc}", "/seals/check",
               "/" + qr.split("/", 3)[-1] if qr.startswith("http") else f"/v/{qr}"],
        "alice": ["/applications", "/apply", f"/applications/{approved['id']}", f"/enterprises/{uscc}/seals",
                  "/queue"],
        "officer-cq": ["/queue", f"/applications/{review['id']}", "/permits", "/dashboard", "/audit",
                       f"/enterprises/{uscc}"],
        "admin": ["/admin/users", "/audit?zone=platform", "/dashboard?zone=cq-gxq"],
    }
    seen: list[str] = []
    for who, paths in pages.items():
        with browser_context.fresh_page() as page:  # each visitor starts with no cookies, as in a new context
            seen += visit(page, server, who, paths, qr)
    assert len(seen) == sum(len(p) for p in pages.values())


def visit(page, server, who: str | None, paths: list[str], qr: str) -> list[str]:
    """Every path as ``who``, checking that nothing broke the policy; the paths seen."""
    seen: list[str] = []
    page.add_init_script(CSP_LISTENER)
    console: list[str] = []
    page.on("console", lambda m, console=console: console.append(m.text))
    if who:
        sign_in(page, server, who)
    for path in paths:
        page.goto(server.url + path)
        page.wait_for_load_state("load")
        if path.startswith("/dashboard"):
            page.wait_for_selector("html[data-charts-ready='5']")  # the charts still draw
            assert page.locator("#chart-trend canvas").count() >= 1
        if path == "/apply":  # the form's scripts run: add a site and a shareholder row
            page.click("#add-site")
            page.click("#add-holder")
            assert page.locator("input[name=site_text]").count() == 1
            assert page.locator("input[name=sh_name]").count() == 2
        if path == "/verify":
            page.fill("#qr", qr)
            page.click("#verify-form button")
            page.wait_for_selector("#verdict")
        violations = page.evaluate("window.__csp")
        assert violations == [], (who, path, violations)
        seen.append(path)
    assert not [m for m in console if "Content Security Policy" in m], console
    return seen


@pytest.mark.browser
def test_an_inline_script_would_be_blocked(server, page):
    """The policy is really enforced: a script injected into a page as inline code does not run."""
    page.add_init_script(CSP_LISTENER)
    page.goto(f"{server.url}/login")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                            document.body.appendChild(s); }""")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))


@pytest.mark.browser
def test_the_api_documentation_renders_under_the_policy(server, page):
    page.add_init_script(CSP_LISTENER)
    page.goto(f"{server.url}/docs")
    # Swagger UI's inline start-up script ran (allowed by its hash) and drew into its element
    page.wait_for_function("(document.getElementById('swagger-ui') || {children: []}).children.length > 0")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__csp") == []


def test_personal_data_and_secrets_are_never_cached(server):
    """The token response, an application with full ID and phone numbers, pages: no-store."""
    from factories import application_body

    token = httpx.post(f"{server.url}/api/v1/auth/token", data={"username": "alice", "password": PASSWORD})
    assert token.headers["cache-control"] == "no-store"
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body()).json()
        detail = alice.get(f"/api/v1/applications/{created['id']}")
        assert detail.status_code == 200 and detail.headers["cache-control"] == "no-store"
        assert alice.get("/api/v1/me").headers["cache-control"] == "no-store"
    admin, _ = page_session(server, "admin")
    with closing(admin):
        assert admin.get("/admin/users").headers["cache-control"] == "no-store"
    assert "no-store" not in httpx.get(f"{server.url}/static/yima.css").headers.get("cache-control", "")
