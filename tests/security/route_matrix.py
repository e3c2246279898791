"""THE ROUTE × ROLE MATRIX: every HTTP route of the app, who may use it, and an example request.

How to read a row::

    row(METHOD, PATH_TEMPLATE, WHO_MAY, example, public=…, signs_out=…)

* ``METHOD`` and ``PATH_TEMPLATE`` exactly as the app declares the route (``app.routes``; ``HEAD``
  is left out, it follows ``GET``). ``test_every_route_is_in_the_matrix`` fails for a route of the
  app missing here, and for a row naming a route the app does not have.
* ``WHO_MAY``: the roles for which the request must succeed (a 2xx or 3xx that is not a redirect to
  the sign-in page). For every other role it must be refused (401, 403, a 404 that hides what
  exists, or, for a page, a redirect to sign in) and change nothing (no audit entry appended).
  Roles (``ROLES``): ``anonymous``; ``applicant`` (alice, who owns the enterprise and applications
  the examples aim at); ``other_applicant`` (bob, someone else); ``other_zone_officer``
  (officer-cd of 成都高新区 for objects of 重庆高新区); ``officer`` (officer-cq, the zone's own);
  ``admin``.
* ``example(world)`` returns the request (``Call``) to send; it may first make a fresh object for
  requests that change state (``world.fresh_application()``, ``world.fresh_enterprise()``,
  ``world.fresh_permit()``), so every role meets the same starting point.
* ``public=True`` marks a public surface: its answer to every role not entitled to the data must
  carry no unmasked ID number or phone number (``yima.privacy``).
* ``scoped=True`` marks a list that each role sees of its own: the answer to a role not entitled
  to alice's objects (another applicant, an officer of another zone) must name none of them.
* ``signs_out=True``: the request ends the role's sessions; the test signs it in again after.

A new route: add its row here (in the section of its feature). A new role (later issues): add
it to ``ROLES`` and ``world.USERS``, and to the ``WHO_MAY`` sets below that include it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from factories import HOTEL, PASSWORD
from security.world import World, small_pdf

ROLES = ("anonymous", "applicant", "other_applicant", "other_zone_officer", "officer", "admin")

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
APPLYING = frozenset({"applicant", "other_applicant", "officer", "admin"})  # for the zone cq-gxq
OWNER = frozenset({"applicant"})  # the enterprise's own authorised user only
OWNER_OR_STAFF = frozenset({"applicant", "officer", "admin"})
STAFF = frozenset({"officer", "admin"})  # the zone's officers and administrators
ANY_STAFF = STAFF | {"other_zone_officer"}  # lists every officer may see, each of their own zone
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Call:
    url: str
    params: dict[str, str] | None = None
    json: Any = None
    data: dict[str, str | list[str]] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: frozenset[str]
    example: Callable[[World], Call]
    public: bool = False
    signs_out: bool = False
    scoped: bool = False
    key: tuple[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.method, self.path))


def row(method: str, path: str, allowed: frozenset[str], example: Callable[[World], Call], *,
        public: bool = False, signs_out: bool = False, scoped: bool = False) -> Route:
    return Route(method, path, allowed, example, public, signs_out, scoped)


def pdf_file(name: str = "document.pdf") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, small_pdf(), "application/pdf")}


def hotel_permit(world: World) -> int:
    """A fresh hotel's hygiene permit, granted by commitment (告知承诺制), awaiting verification."""

    def make() -> int:
        uscc = world.fresh_enterprise(**HOTEL)
        with world.client_for("officer") as officer:
            licence = officer.get(f"/api/v1/licences/{uscc}").json()
        return int(next(p["id"] for p in licence["permits"] if p["decided_by"] == "commitment"))

    return int(world._reuse("hotel permit", make))


def food_business(world: World) -> str:
    """A fresh restaurant whose food business permit its department has granted (renewable by commitment)."""

    def make() -> str:
        permit = world.fresh_permit()
        with world.client_for("officer") as officer:
            officer.post(f"/api/v1/permits/{permit}/decision", json={"decision": "approve"}).raise_for_status()
        return world.permit_uscc[permit]

    return str(world._reuse("food business", make))


def apply_form(world: World) -> dict[str, str | list[str]]:
    """The guided form's fields for an application that qualifies for 秒批."""
    body = world.body()
    rep, holder = body["legal_representative"], body["shareholders"][0]  # type: ignore[index]
    return {"zone": "cq-gxq", "entity_type": "llc", "name": str(body["name"]), "registered_capital": "1000000.00",
            "industry_code": "I6513", "scope": "software_development", "domicile_text": "重庆市九龙坡区科城路60号",
            "domicile_proof": "commitment", "commit_address": "1", "commitments": "address",
            "lr_name": rep["name"], "lr_id_number": rep["id_number"], "lr_phone": rep["phone"],
            "sh_name": holder["name"], "sh_id_number": holder["id_number"], "sh_share": "100",
            "materials": ["application_form", "articles_of_association"]}


def ban(world: World) -> Call:
    world.counter += 1
    return Call("/api/v1/zones/cq-gxq/address-bans", json={"pattern": f"禁区{world.counter}号", "reason": "测试"})


PERIOD = {"zone": "cq-gxq", "from": "2026-01-01", "to": "2026-12-31"}

ROUTES: list[Route] = [
    # --- the framework: the API's documents and static files -------------------------------------
    row("GET", "/openapi.json", EVERYONE, lambda w: Call("/openapi.json")),
    row("GET", "/docs", EVERYONE, lambda w: Call("/docs")),
    row("GET", "/docs/oauth2-redirect", EVERYONE, lambda w: Call("/docs/oauth2-redirect")),
    row("GET", "/static", EVERYONE, lambda w: Call("/static/yima.css")),
    row("GET", "/docs/assets", EVERYONE, lambda w: Call("/docs/assets/swagger-ui.css")),
    row("GET", "/healthz", EVERYONE, lambda w: Call("/healthz")),
    row("GET", "/readyz", EVERYONE, lambda w: Call("/readyz")),
    # --- accounts ---------------------------------------------------------------------------------
    row("POST", "/api/v1/auth/token", EVERYONE,
        lambda w: Call("/api/v1/auth/token", data={"username": "carol", "password": PASSWORD})),
    row("GET", "/api/v1/me", SIGNED_IN, lambda w: Call("/api/v1/me")),
    row("POST", "/api/v1/auth/sign-out", SIGNED_IN, lambda w: Call("/api/v1/auth/sign-out"), signs_out=True),
    row("POST", "/api/v1/users/{username}/{action}", ADMIN, lambda w: Call("/api/v1/users/carol/sign-out")),
    # --- registration -----------------------------------------------------------------------------
    row("POST", "/api/v1/applications", APPLYING, lambda w: Call("/api/v1/applications", json=w.body())),
    row("GET", "/api/v1/applications", SIGNED_IN, lambda w: Call("/api/v1/applications"), scoped=True),
    row("GET", "/api/v1/applications/{app_id}", OWNER_OR_STAFF, lambda w: Call(f"/api/v1/applications/{w.app_id}")),
    row("POST", "/api/v1/applications/{app_id}/decision", STAFF,
        lambda w: Call(f"/api/v1/applications/{w.fresh_application()}/decision",
                       json={"decision": "reject", "reason": "名称不符合规定"})),
    row("POST", "/api/v1/applications/{app_id}/materials", OWNER_OR_STAFF,
        lambda w: Call(f"/api/v1/applications/{w.fresh_application()}/materials",
                       data={"material": "articles_of_association"}, files=pdf_file())),
    row("POST", "/api/v1/applications/{app_id}/withdraw", OWNER,
        lambda w: Call(f"/api/v1/applications/{w.fresh_application()}/withdraw")),
    row("GET", "/api/v1/enterprises/{uscc}", EVERYONE, lambda w: Call(f"/api/v1/enterprises/{w.uscc}"), public=True),
    # --- zones ------------------------------------------------------------------------------------
    row("GET", "/api/v1/zones", EVERYONE, lambda w: Call("/api/v1/zones")),
    row("GET", "/api/v1/standard", EVERYONE, lambda w: Call("/api/v1/standard")),
    row("GET", "/api/v1/zones/{zone_id}/address-bans", EVERYONE, lambda w: Call("/api/v1/zones/cq-gxq/address-bans")),
    row("POST", "/api/v1/zones/{zone_id}/address-bans", STAFF, ban),
    # --- licences and permits ---------------------------------------------------------------------
    row("GET", "/api/v1/licences/{uscc}", EVERYONE, lambda w: Call(f"/api/v1/licences/{w.uscc}"), public=True),
    row("GET", "/api/v1/licences/{uscc}/qr.png", EVERYONE, lambda w: Call(f"/api/v1/licences/{w.uscc}/qr.png")),
    row("GET", "/api/v1/licences/{uscc}/qr.svg", EVERYONE, lambda w: Call(f"/api/v1/licences/{w.uscc}/qr.svg")),
    row("GET", "/api/v1/licences/{uscc}/licence.pdf", EVERYONE,
        lambda w: Call(f"/api/v1/licences/{w.uscc}/licence.pdf"), public=True),
    row("POST", "/api/v1/verify", EVERYONE, lambda w: Call("/api/v1/verify", json={"qr": f"{w.url}/V/{w.segment}"}),
        public=True),
    row("GET", "/.well-known/yima/trust-list.json", EVERYONE,
        lambda w: Call("/.well-known/yima/trust-list.json", params={"zone": "cq-gxq"}), public=True),
    row("GET", "/api/v1/permits", ANY_STAFF, lambda w: Call("/api/v1/permits"), scoped=True),
    row("POST", "/api/v1/permits/{permit_id}/decision", STAFF,
        lambda w: Call(f"/api/v1/permits/{w.fresh_permit()}/decision", json={"decision": "approve"})),
    row("POST", "/api/v1/permits/{permit_id}/verification", STAFF,
        lambda w: Call(f"/api/v1/permits/{hotel_permit(w)}/verification", json={"truthful": True})),
    row("POST", "/api/v1/enterprises/{uscc}/permits/{permit_type}", OWNER,
        lambda w: Call(f"/api/v1/enterprises/{food_business(w)}/permits/food_business",
                       json={"action": "renew", "commitments": ["permit_conditions"]})),
    row("POST", "/api/v1/enterprises/{uscc}/revocation", STAFF,
        lambda w: Call(f"/api/v1/enterprises/{w.fresh_enterprise()}/revocation", json={"reason": "虚假登记"})),
    # --- seals ------------------------------------------------------------------------------------
    row("GET", "/api/v1/enterprises/{uscc}/seals", OWNER, lambda w: Call(f"/api/v1/enterprises/{w.uscc}/seals")),
    row("GET", "/api/v1/seals/{seal_id}/image.png", EVERYONE, lambda w: Call(f"/api/v1/seals/{w.seal_id}/image.png")),
    row("GET", "/api/v1/seals/{seal_id}/image.svg", EVERYONE, lambda w: Call(f"/api/v1/seals/{w.seal_id}/image.svg")),
    row("POST", "/api/v1/seals/validate", EVERYONE, lambda w: Call("/api/v1/seals/validate", files=pdf_file())),
    row("POST", "/api/v1/seals/{seal_id}/sign", OWNER, lambda w: Call(f"/api/v1/seals/{w.seal_id}/sign",
                                                                      files=pdf_file())),
    row("POST", "/api/v1/seals/{seal_id}/pkcs12", OWNER,
        lambda w: Call(f"/api/v1/seals/{w.seal_id}/pkcs12", json={"passphrase": "correct horse battery"})),
    row("GET", "/pki/{zone_id}/issuing.crl", EVERYONE, lambda w: Call("/pki/cq-gxq/issuing.crl")),
    row("GET", "/pki/{zone_id}/root.crt", EVERYONE, lambda w: Call("/pki/cq-gxq/root.crt")),
    # --- statistics and audit ---------------------------------------------------------------------
    row("GET", "/api/v1/stats", STAFF, lambda w: Call("/api/v1/stats", params=PERIOD)),
    row("GET", "/api/v1/audit", STAFF, lambda w: Call("/api/v1/audit", params={"zone": "cq-gxq"})),
    row("GET", "/api/v1/audit/verify", STAFF, lambda w: Call("/api/v1/audit/verify", params={"zone": "cq-gxq"})),
    row("GET", "/api/v1/audit/checkpoint", EVERYONE,
        lambda w: Call("/api/v1/audit/checkpoint", params={"zone": "cq-gxq"}), public=True),
    # --- pages ------------------------------------------------------------------------------------
    row("GET", "/", EVERYONE, lambda w: Call("/")),
    row("GET", "/login", EVERYONE, lambda w: Call("/login")),
    row("POST", "/login", EVERYONE, lambda w: Call("/login", data={"username": "carol", "password": PASSWORD})),
    row("POST", "/logout", EVERYONE, lambda w: Call("/logout"), signs_out=True),
    row("GET", "/apply", SIGNED_IN, lambda w: Call("/apply")),
    row("POST", "/apply", APPLYING, lambda w: Call("/apply", data=apply_form(w))),
    row("GET", "/applications", SIGNED_IN, lambda w: Call("/applications"), scoped=True),
    row("GET", "/queue", ANY_STAFF, lambda w: Call("/queue"), scoped=True),
    row("GET", "/applications/{app_id}", OWNER_OR_STAFF, lambda w: Call(f"/applications/{w.app_id}")),
    row("POST", "/applications/{app_id}/decision", STAFF,
        lambda w: Call(f"/applications/{w.fresh_application()}/decision",
                       data={"decision": "reject", "reason": "名称不符合规定"})),
    row("POST", "/applications/{app_id}/withdraw", OWNER,
        lambda w: Call(f"/applications/{w.fresh_application()}/withdraw")),
    row("POST", "/applications/{app_id}/materials", OWNER_OR_STAFF,
        lambda w: Call(f"/applications/{w.fresh_application()}/materials",
                       data={"material": "articles_of_association"}, files=pdf_file())),
    row("GET", "/enterprises", EVERYONE, lambda w: Call("/enterprises", params={"uscc": w.uscc})),
    row("GET", "/enterprises/{uscc}", EVERYONE, lambda w: Call(f"/enterprises/{w.uscc}"), public=True),
    row("GET", "/v/{segment}", EVERYONE, lambda w: Call(f"/v/{w.segment.lower()}"), public=True),
    row("GET", "/V/{segment}", EVERYONE, lambda w: Call(f"/V/{w.segment}"), public=True),
    row("GET", "/licences/{uscc}", EVERYONE, lambda w: Call(f"/licences/{w.uscc}"), public=True),
    row("GET", "/permits", ANY_STAFF, lambda w: Call("/permits"), scoped=True),
    row("POST", "/permits/{permit_id}/decision", STAFF,
        lambda w: Call(f"/permits/{w.fresh_permit()}/decision", data={"decision": "approve"})),
    row("POST", "/enterprises/{uscc}/revocation", STAFF,
        lambda w: Call(f"/enterprises/{w.fresh_enterprise()}/revocation", data={"reason": "虚假登记"})),
    row("GET", "/verify", EVERYONE, lambda w: Call("/verify")),
    row("GET", "/enterprises/{uscc}/seals", OWNER, lambda w: Call(f"/enterprises/{w.uscc}/seals")),
    row("POST", "/enterprises/{uscc}/seals/sign", OWNER,
        lambda w: Call(f"/enterprises/{w.uscc}/seals/sign", data={"seal": w.seal_id}, files=pdf_file())),
    row("POST", "/enterprises/{uscc}/seals/pkcs12", OWNER,
        lambda w: Call(f"/enterprises/{w.uscc}/seals/pkcs12",
                       data={"seal": w.seal_id, "passphrase": "correct horse battery"})),
    row("GET", "/seals/check", EVERYONE, lambda w: Call("/seals/check")),
    row("POST", "/seals/check", EVERYONE, lambda w: Call("/seals/check", files=pdf_file())),
    row("GET", "/dashboard", STAFF, lambda w: Call("/dashboard", params={"zone": "cq-gxq"})),
    row("GET", "/dashboard/report.pdf", STAFF, lambda w: Call("/dashboard/report.pdf", params={"zone": "cq-gxq"})),
    row("GET", "/dashboard/export.xlsx", STAFF, lambda w: Call("/dashboard/export.xlsx", params={"zone": "cq-gxq"})),
    row("GET", "/audit", STAFF, lambda w: Call("/audit", params={"zone": "cq-gxq"})),
    row("GET", "/admin/users", ADMIN, lambda w: Call("/admin/users")),
    row("POST", "/admin/users/{username}/{action}", ADMIN, lambda w: Call("/admin/users/carol/sign-out")),
]
