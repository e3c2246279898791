"""Least privilege, proven route by route: every HTTP route against every role, on a live server.

The table is ``route_matrix.ROUTES`` (read its docstring to add a route or a role). Each case
sends the row's example request as the role, over real HTTP, and checks: an allowed role
succeeds; any other is refused (401, 403, a 404 hiding what exists, or a redirect to sign in)
and nothing changes (the audit log, to which every state change appends, gains no entry); and a
public surface shows nobody's unmasked ID number or phone number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from factories import PASSWORD
from security.fixtures import world_fixture  # noqa: F401  (the ``world`` fixture)
from security.route_matrix import PASSWORD_ROUTES, ROLES, ROUTES, Call, Route
from security.world import USERS, World
from yima.accounts.service import set_password
from yima.audit.tables import AuditEntry
from yima.clock import utcnow
from yima.db import Database
from yima.federation.delivery import RENDERER
from yima.outbound import tls

pytestmark = [pytest.mark.db, pytest.mark.e2e]
REFUSED = (401, 403, 404)
# Roles that may see alice's personal data in full (her own, and the zone's staff).
ENTITLED = {"applicant", "officer", "admin"}
# Roles that may read beneficial owners (受益所有人): the zone's staff, on their own routes only.
OWNERS_READERS = {"officer", "admin"}


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        methods = route.methods or {"GET"}  # a mount (static files) answers GET
        for method in methods - {"HEAD"}:
            found.add((method, route.path))
    return found


def test_every_route_is_in_the_matrix(server):
    declared = [r.key for r in ROUTES]
    assert len(declared) == len(set(declared)), "a route appears twice in the matrix"
    served = app_routes(server.app)
    missing = sorted(served - set(declared))
    assert not missing, f"routes missing from tests/security/route_matrix.py: {missing}"
    stale = sorted(set(declared) - served)
    assert not stale, f"rows for routes the app does not have: {stale}"
    assert all(set(r.allowed) <= set(ROLES) for r in ROUTES)


@dataclass
class Outcome:
    route: Route
    role: str
    status: int
    location: str
    problem: str = ""


def send(world: World, role: str, method: str, call: Call, page: bool) -> httpx.Response:
    """The one place requests leave: the API with the role's bearer token; pages as the role's
    browser (sign-in cookie, and the CSRF token a page form carries)."""
    client = world.client(role, browser=page)
    headers = world.csrf_headers(role) if page and method != "GET" else None
    return client.request(method, call.url, params=call.params, json=call.json, data=call.data, files=call.files,
                          headers=headers)


class AuditEnd:
    """Where the audit log ends: its highest id, which every appended entry raises (a count would
    read the whole log twice per case). Asked twice per case, on one connection kept for the run,
    on the driver and outside any transaction (PostgreSQL's in autocommit, SQLite's driver without
    one), so each ask is one statement that sees what is committed: a session per ask (its
    checkout, reset and result objects, and on PostgreSQL autocommit set and unset) cost about ten
    times the statement's CPU, and on the loaded machine its wait."""

    def __init__(self, database: Database) -> None:
        self.postgresql = not database.is_sqlite
        self.connection = database.read_engine.raw_connection()
        if self.postgresql:
            self.connection.driver_connection.autocommit = True  # type: ignore[union-attr]
        self.statement = str(select(func.max(AuditEntry.id)).compile(dialect=database.engine.dialect))

    def __call__(self) -> int:
        cursor = self.connection.cursor()
        try:
            cursor.execute(self.statement)
            return int(cursor.fetchone()[0] or 0)
        finally:
            cursor.close()

    def close(self) -> None:
        if self.postgresql:  # the pool's connections are the server's too: as it was lent
            self.connection.driver_connection.autocommit = False  # type: ignore[union-attr]
        self.connection.close()


def refused(response: httpx.Response, page: bool) -> bool:
    """401, 403 or a 404 hiding what exists; a page may instead send the browser to sign in, or
    elsewhere (an applicant asking for the officers' queue is sent to their own list)."""
    location = response.headers.get("location", "")
    redirected = response.status_code in (302, 303) and (location.startswith("/login") or page)
    return response.status_code in REFUSED or redirected


def settled(timeout: float = 60.0) -> None:
    """Wait until the server's own workers have stopped writing: a decision on a forwarded
    application has its licence PDF made after the commit, and that queues a message (an audit
    entry by no one) while the next case runs. The next case's audit check is about its request."""
    deadline = time.monotonic() + timeout
    while not RENDERER.idle() and time.monotonic() < deadline:
        time.sleep(0.02)


def judge(server, world: World, route: Route, role: str, audit_end: AuditEnd) -> Outcome:
    call = route.example(world)
    settled()
    before = audit_end()
    page = not route.path.startswith(("/api/", "/.well-known/", "/pki/"))
    response = send(world, role, route.method, call, page)
    outcome = Outcome(route, role, response.status_code, response.headers.get("location", ""))
    if role in route.allowed:
        to_sign_in = outcome.location.startswith("/login")
        if response.status_code >= 400 or to_sign_in:
            outcome.problem = f"allowed but answered {response.status_code} {response.text[:200]}"
    elif not refused(response, page):
        outcome.problem = f"not allowed but answered {response.status_code} {response.text[:200]}"
    elif audit_end() != before:
        outcome.problem = "refused, yet the audit log gained an entry"
    if route.public and role not in ENTITLED:
        shown = [datum for datum in world.personal_data() if datum in response.text]
        if shown:
            outcome.problem += f" shows unmasked personal data {shown}"
    if role not in OWNERS_READERS:
        leaked = [datum for datum in world.owner_data() if datum in response.text]
        if leaked:
            outcome.problem += f" shows beneficial owners {leaked}"
    if route.scoped and role not in ENTITLED:
        foreign = [name for name in world.owned if name in response.text]
        if foreign:
            outcome.problem += f" lists another's objects {foreign[:3]}"
    if role in route.allowed and response.status_code < 400:
        world.spend()
    if route.path in PASSWORD_ROUTES and route.method == "POST" and USERS.get(role):
        set_password(server.app.state.db, USERS[role], PASSWORD, utcnow())  # as before, for the next routes
    if route.signs_out and role in world.tokens:
        world.tokens[role] = sign_in(world, role)
    return outcome


def sign_in(world: World, role: str) -> str:
    response = httpx.post(f"{world.url}/api/v1/auth/token", data={"username": USERS[role], "password": PASSWORD},
                          verify=tls())
    response.raise_for_status()
    return str(response.json()["access_token"])


def test_every_role_gets_only_what_it_may(server, world):
    audit_end = AuditEnd(server.app.state.db)
    try:
        outcomes = [judge(server, world, route, role, audit_end) for route in sorted(ROUTES, key=lambda r: r.signs_out)
                    for role in ROLES]
    finally:
        audit_end.close()
    problems = [f"{o.route.method} {o.route.path} as {o.role}: {o.problem}" for o in outcomes if o.problem]
    assert not problems, "\n".join(problems)
    allowed = sum(1 for o in outcomes if o.role in o.route.allowed)
    assert allowed and allowed < len(outcomes)  # both halves of the matrix were exercised
    print(f"route × role cases: {len(outcomes)} ({len(ROUTES)} routes × {len(ROLES)} roles), {allowed} allowed")


def test_public_surfaces_show_personal_data_masked(server, world):
    """The masking check above is not vacuous: the public surfaces do show the people, masked."""
    from security.world import ALICE_REP
    from yima.privacy import mask_id_number, mask_phone

    masked_id, masked_phone = mask_id_number(ALICE_REP["id_number"]), mask_phone(ALICE_REP["phone"])
    with world.client_for("anonymous") as public:
        record = public.get(f"/api/v1/enterprises/{world.uscc}").json()
        page = public.get(f"/enterprises/{world.uscc}").text
        scan = public.get(f"/V/{world.segment}").text
    assert record["legal_representative"] == {"name": ALICE_REP["name"], "id_number": masked_id,
                                              "phone": masked_phone}
    assert masked_id in page and ALICE_REP["id_number"] not in page
    assert ALICE_REP["name"] in scan and ALICE_REP["id_number"] not in scan and ALICE_REP["phone"] not in scan


def test_the_owner_check_is_not_vacuous_staff_read_them_and_each_read_is_audited(server, world):
    """The owners the matrix looks for are really stored: the zone's officer reads them (audited)."""
    with world.client_for("officer") as officer:
        read = officer.get(f"/api/v1/enterprises/{world.uscc}/beneficial-owners")
    assert read.status_code == 200
    assert set(world.owner_data()) <= {datum for owner in read.json() for datum in (owner["name"], owner["id_number"])}
    with server.app.state.db.read() as session:
        last = session.scalars(select(AuditEntry).where(AuditEntry.action == "beneficial_owners.read")
                               .order_by(AuditEntry.id.desc())).first()
    assert last is not None and last.subject == f"enterprise:{world.uscc}" and last.actor_role == "officer"
    assert not [datum for datum in world.owner_data() if datum in str(last.detail)]
