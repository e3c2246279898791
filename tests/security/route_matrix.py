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
  ``admin``; ``observer`` (observer-cq, serving a term, who made the suggestions); ``reform_office``
  (office-cq); ``department`` (market-cq, bound to the bureau the suggestions are assigned to);
  ``investment_office`` (invest-cq); ``service_specialist`` (spec-cq, alice's enterprise's specialist).
  All of 重庆高新区; their objects are made in ``world.populate_features`` (``w.features``).
* ``example(world)`` returns the request (``Call``) to send; it may first make a fresh object for
  requests that change state (``world.fresh_application()``, ``world.fresh_enterprise()``,
  ``world.fresh_permit()``), so every role meets the same starting point.
* ``public=True`` marks a public surface: its answer to every role not entitled to the data must
  carry no unmasked ID number or phone number (``yima.privacy``).
* ``scoped=True`` marks a list that each role sees of its own: the answer to a role not entitled
  to alice's objects (another applicant, an officer of another zone) must name none of them.
* Beneficial owners (受益所有人, ``world.owner_data()``): every answer to a role other than the
  zone's officers and administrators must carry none of their names or document numbers, public
  or not (alice reported them, yet even her own views of her applications do not show them).
* ``signs_out=True``: the request ends the role's sessions; the test signs it in again after.

A new route: add its row here (in the section of its feature). A new role (later issues): add
it to ``ROLES`` and ``world.USERS``, and to the ``WHO_MAY`` sets below that include it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cbor2

from factories import HOTEL, NOW, PASSWORD
from security.world import PNG, World, small_pdf
from yima.clock import utcnow
from yima.federation import service
from yima.federation.delivery import b64, refusal_words, unb64
from yima.federation.model import envelope_from_payload, new_message
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.licences.cose import decode_sign1, sign1
from yima.standard import load_standard

ROLES = ("anonymous", "applicant", "other_applicant", "other_zone_officer", "officer", "admin",
         "observer", "reform_office", "department", "investment_office", "service_specialist")

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
APPLYING = frozenset({"applicant", "other_applicant", "officer", "admin"})  # for the zone cq-gxq
OWNER = frozenset({"applicant"})  # the enterprise's own authorised user only
OWNER_OR_STAFF = frozenset({"applicant", "officer", "admin"})
STAFF = frozenset({"officer", "admin"})  # the zone's officers and administrators
OFFICER = frozenset({"officer"})  # the zone's officers only (an appeal of a rating)
FIGURE_READERS = STAFF | {"reform_office", "investment_office"}  # who sees (and publishes) the zone's figures
ANY_STAFF = STAFF | {"other_zone_officer"}  # lists every officer may see, each of their own zone
ADMIN = frozenset({"admin"})
# 营商环境观察员 and the suggestion ledger (台账): who reads it, who runs it
LEDGER_READERS = frozenset({"admin", "observer", "reform_office", "department"})
OBSERVER = frozenset({"observer"})
REFORM_OFFICE = frozenset({"reform_office"})
OFFICE_OR_ADMIN = frozenset({"reform_office", "admin"})  # appointments and departments
DEPARTMENT = frozenset({"department"})
# investment projects (招商项目) and key enterprises (重点企业)
INVESTMENT = frozenset({"investment_office", "admin"})
SPECIALIST = frozenset({"service_specialist"})


# A user changing their own password (the matrix sets it back afterwards, see ``PASSWORD_ROUTES``)
PASSWORD_CHANGE = {"current_password": PASSWORD, "new_password": "matrix-changed-password-2"}
PASSWORD_ROUTES = frozenset({"/api/v1/me/password", "/account/password"})


@dataclass(frozen=True)
class Call:
    url: str
    params: dict[str, str] | None = None
    json: Any = None
    data: dict[str, str | list[str]] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


IMPORT_CSV = (b"code,name,investor,investor_tags,industry_code,amount,signed_on,landed_on,started_on,"
              b"completed_on\r\n")


def import_file() -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("projects.csv", IMPORT_CSV, "text/csv")}


def held_import(w: World) -> str:
    """A previewed import waiting for its confirmation (a file of no rows: confirming it writes nothing)."""
    folder = w.features.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(IMPORT_CSV).hexdigest()
    (folder / digest).write_bytes(IMPORT_CSV)
    return digest


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


def unsealed_ofd() -> bytes:
    """A one-page OFD without seals (the bench's contract)."""
    import io
    import zipfile

    from yima.bench.seals import sample_contract_ofd_parts

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in sample_contract_ofd_parts().items():
            archive.writestr(name, data.replace(b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>", b""))
    return out.getvalue()


# 跨省异地办照: a partner zone whose signed messages the endpoint accepts from anyone who relays them
PARTNER = ZoneKeyring.start("gz-gxq", generate_signing_key(NOW))


def partner_message(world: World) -> Call:
    """A fresh application forwarded by the partner zone, signed with its key (the signature, not
    the caller, is what the endpoint trusts)."""
    n = len(world.owned) + int(uuid.uuid4().int % 10_000)
    body = {**world.body(), "name": f"重庆伙伴{n:04d}科技有限公司", "zone": "cq-gxq"}
    envelope = new_message("application.forwarded", "gz-gxq", "cq-gxq", load_standard().digest,
                           {"application": n, "application_body": body, "applicant": "gz"}, utcnow())
    return Call("/api/v1/federation/messages", json={"message": b64(sign1(envelope.payload(), PARTNER.active))})


def received_message(world: World) -> Call:
    """The signed bytes of a message the zone received from its partner (posted first, by nobody in
    particular; once for the roles asking in a row, as any fresh object: a read changes nothing)."""
    def post() -> str:
        sent = partner_message(world)
        answer = world.client("anonymous").post(sent.url, json=sent.json)
        assert answer.status_code == 200, answer.text
        return envelope_from_payload(cbor2.loads(decode_sign1(unb64(str(sent.json["message"]))).payload)).id
    return Call(f"/api/v1/federation/messages/{world._reuse('received message', post)}/signed")


def dead_letter(world: World) -> str:
    """A message of the zone to its partner that the partner refused for good: a dead letter (made
    once for the refused roles, anew after each resend)."""
    def make() -> str:
        with world.features.db.write() as session:
            row = service.queue(session, new_message("application.material", "cq-gxq", "gz-gxq",
                                                     load_standard().digest, {"application": None}, utcnow()), None)
            row.state, row.closed_at = "dead", utcnow()
            row.refusal = refusal_words(422, "federation.malformed", "消息格式不正确",
                                        "The message is malformed").as_json()
            return str(row.id)
    return str(world._reuse("dead_letter", make))


def entries_request(world: World) -> Call:
    """The partner zone's signed request for entries of the zone's audit chain."""
    envelope = new_message("chain.entries", "gz-gxq", "cq-gxq", load_standard().digest,
                           {"zone": "cq-gxq", "after": 0, "until": 5}, utcnow())
    return Call("/api/v1/federation/chain/entries", json={"message": b64(sign1(envelope.payload(), PARTNER.active))})


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

def suggestion(w: World, state: str, tail: str = "") -> str:
    """The API path of a fresh suggestion in ``state`` (see ``FeatureWorld.suggestion``)."""
    return f"/api/v1/suggestions/{w.features.fresh_suggestion(state)['id']}{tail}"


def merge_call(w: World) -> Call:
    ids = w.features.fresh_suggestion("mergeable")
    return Call(f"/api/v1/suggestions/{ids['id']}/merge", json={"into": ids["earlier"]})


def page_step(w: World, state: str, tail: str) -> str:
    """The page path of a step on a fresh suggestion in ``state``."""
    return suggestion(w, state, tail).removeprefix("/api/v1")


def merge_form(w: World) -> Call:
    ids = w.features.fresh_suggestion("mergeable")
    return Call(f"/suggestions/{ids['id']}/merge", data={"into": str(ids["earlier"])})


def observer_body(w: World) -> dict[str, str]:
    w.counter += 1
    return {"zone": "cq-gxq", "name": f"王观察{w.counter}", "sector": "media", "term_from": "2025-01-01",
            "term_to": "2030-12-31"}


def department_body(w: World) -> dict[str, str]:
    w.counter += 1
    return {"zone": "cq-gxq", "name": f"区人社局{w.counter}"}


def project_body(w: World) -> dict[str, str]:
    w.counter += 1
    return {"zone": "cq-gxq", "code": f"T-{w.counter}", "name": "测试项目", "investor": "某集团",
            "industry_code": "C3921", "amount": "120000000", "signed_on": "2021-02-01"}


def fund_body(w: World) -> dict[str, str]:
    w.counter += 1
    return {"received_on": "2021-02-01", "amount": str(1000 + w.counter)}


def correction_body(w: World) -> dict[str, str]:
    w.counter += 1
    return {"name": f"云端数据中心{w.counter}期", "reason": "按合同原件更正项目名称"}


CERTIFICATE = {"number": "GR202150000001", "issued_on": "2020-12-01", "expires_on": "2023-11-30"}
STAGE = {"stage": "landed", "on": "2021-03-01", "note": "落地协议"}
LEDGER = {"zone": "cq-gxq"}
SUGGESTION = {"title": "融资对接会", "text": "每季度一次。", "category": "finance"}
FIGURES = {"zone": "cq-gxq", "from": "2021-01-01", "to": "2021-06-30"}

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
    # each person reads only their own; a specialist is told the credit code of the enterprise they serve
    row("GET", "/api/v1/notifications", SIGNED_IN, lambda w: Call("/api/v1/notifications")),
    row("POST", "/api/v1/notifications/read", SIGNED_IN, lambda w: Call("/api/v1/notifications/read", json={})),
    row("PUT", "/api/v1/notifications/address", SIGNED_IN,
        lambda w: Call("/api/v1/notifications/address", json={"email": "someone@zone.example"})),
    row("GET", "/notifications", SIGNED_IN, lambda w: Call("/notifications")),
    row("POST", "/notifications/read", SIGNED_IN, lambda w: Call("/notifications/read", data={})),
    row("POST", "/api/v1/me/password", SIGNED_IN, lambda w: Call("/api/v1/me/password", json=PASSWORD_CHANGE),
        signs_out=True),
    row("GET", "/account/password", SIGNED_IN, lambda w: Call("/account/password")),
    row("POST", "/account/password", SIGNED_IN, lambda w: Call("/account/password", data=PASSWORD_CHANGE),
        signs_out=True),
    row("POST", "/api/v1/auth/sign-out", SIGNED_IN, lambda w: Call("/api/v1/auth/sign-out"), signs_out=True),
    # one route per action; carol is disabled and at once enabled again (her sign-in rows come before)
    row("POST", "/api/v1/users/{username}/disable", ADMIN, lambda w: Call("/api/v1/users/carol/disable")),
    row("POST", "/api/v1/users/{username}/enable", ADMIN, lambda w: Call("/api/v1/users/carol/enable")),
    row("POST", "/api/v1/users/{username}/sign-out", ADMIN, lambda w: Call("/api/v1/users/carol/sign-out")),
    row("POST", "/api/v1/users/{username}/unlock", ADMIN, lambda w: Call("/api/v1/users/carol/unlock")),
    row("POST", "/api/v1/users/{username}/{action}", frozenset(), lambda w: Call("/api/v1/users/carol/rename")),
    row("GET", "/api/v1/users", ADMIN, lambda w: Call("/api/v1/users")),
    row("GET", "/api/v1/users/export.csv", ADMIN, lambda w: Call("/api/v1/users/export.csv")),
    # --- registration -----------------------------------------------------------------------------
    row("POST", "/api/v1/applications", APPLYING, lambda w: Call("/api/v1/applications", json=w.body())),
    row("GET", "/api/v1/applications", SIGNED_IN, lambda w: Call("/api/v1/applications"), scoped=True),
    row("GET", "/api/v1/applications/export.csv", SIGNED_IN, lambda w: Call("/api/v1/applications/export.csv"),
        scoped=True),
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
    row("POST", "/api/v1/names/check", EVERYONE,
        lambda w: Call("/api/v1/names/check", json={"name": "重庆云帆科技有限公司", "zone": "cq-gxq"}), public=True),
    row("GET", "/api/v1/applications/{app_id}/beneficial-owners", STAFF,
        lambda w: Call(f"/api/v1/applications/{w.app_id}/beneficial-owners")),
    row("GET", "/api/v1/enterprises/{uscc}/beneficial-owners", STAFF,
        lambda w: Call(f"/api/v1/enterprises/{w.uscc}/beneficial-owners")),
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
    row("GET", "/api/v1/licences/{uscc}/licence.ofd", EVERYONE,
        lambda w: Call(f"/api/v1/licences/{w.uscc}/licence.ofd"), public=True),
    row("POST", "/api/v1/verify", EVERYONE, lambda w: Call("/api/v1/verify", json={"qr": f"{w.url}/V/{w.segment}"}),
        public=True),
    row("GET", "/.well-known/yima/trust-list.json", EVERYONE,
        lambda w: Call("/.well-known/yima/trust-list.json", params={"zone": "cq-gxq"}), public=True),
    row("GET", "/api/v1/permits", ANY_STAFF, lambda w: Call("/api/v1/permits"), scoped=True),
    row("GET", "/api/v1/permits/export.csv", ANY_STAFF, lambda w: Call("/api/v1/permits/export.csv"), scoped=True),
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
    row("GET", "/api/v1/seals/{seal_id}/seseal.der", EVERYONE,
        lambda w: Call(f"/api/v1/seals/{w.seal_id}/seseal.der")),
    row("GET", "/api/v1/seals/{seal_id}/image.svg", EVERYONE, lambda w: Call(f"/api/v1/seals/{w.seal_id}/image.svg")),
    row("POST", "/api/v1/seals/validate", EVERYONE, lambda w: Call("/api/v1/seals/validate", files=pdf_file())),
    row("POST", "/api/v1/seals/{seal_id}/sign-ofd", OWNER, lambda w: Call(
        f"/api/v1/seals/{w.seal_id}/sign-ofd", files={"file": ("contract.ofd", unsealed_ofd(), "application/ofd")})),
    row("POST", "/api/v1/seals/{seal_id}/sign", OWNER, lambda w: Call(f"/api/v1/seals/{w.seal_id}/sign",
                                                                      files=pdf_file())),
    row("POST", "/api/v1/seals/{seal_id}/pkcs12", OWNER,
        lambda w: Call(f"/api/v1/seals/{w.seal_id}/pkcs12", json={"passphrase": "correct horse battery"})),
    row("GET", "/pki/{zone_id}/issuing.crl", EVERYONE, lambda w: Call("/pki/cq-gxq/issuing.crl")),
    row("GET", "/pki/{zone_id}/root.crt", EVERYONE, lambda w: Call("/pki/cq-gxq/root.crt")),
    row("GET", "/pki/{zone_id}/sm2-seal.crt", EVERYONE, lambda w: Call("/pki/cq-gxq/sm2-seal.crt")),
    # --- statistics and audit ---------------------------------------------------------------------
    row("GET", "/api/v1/stats", FIGURE_READERS, lambda w: Call("/api/v1/stats", params=PERIOD)),
    row("GET", "/api/v1/audit", STAFF, lambda w: Call("/api/v1/audit", params={"zone": "cq-gxq"})),
    row("GET", "/api/v1/audit/verify", STAFF, lambda w: Call("/api/v1/audit/verify", params={"zone": "cq-gxq"})),
    row("GET", "/api/v1/audit/checkpoint", EVERYONE,
        lambda w: Call("/api/v1/audit/checkpoint", params={"zone": "cq-gxq"}), public=True),
    row("POST", "/api/v1/reports", FIGURE_READERS,
        lambda w: Call("/api/v1/reports", json={**PERIOD, "to": "2026-06-30"})),
    row("POST", "/api/v1/reports/{report_id}/restatements", FIGURE_READERS,
        lambda w: Call(f"/api/v1/reports/{w.features.fresh_report()}/restatements",
                       json={"reason": "登记簿数据已更正"})),
    row("GET", "/api/v1/reports", EVERYONE, lambda w: Call("/api/v1/reports"), public=True),
    row("GET", "/api/v1/reports/{report_id}", EVERYONE, lambda w: Call(f"/api/v1/reports/{w.features.report_id}"),
        public=True),
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
    row("GET", "/applications/{app_id}/beneficial-owners", STAFF,
        lambda w: Call(f"/applications/{w.app_id}/beneficial-owners")),
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
    row("GET", "/dashboard", FIGURE_READERS, lambda w: Call("/dashboard", params={"zone": "cq-gxq"})),
    row("GET", "/dashboard/report.pdf", FIGURE_READERS,
        lambda w: Call("/dashboard/report.pdf", params={"zone": "cq-gxq"})),
    row("GET", "/dashboard/export.xlsx", FIGURE_READERS,
        lambda w: Call("/dashboard/export.xlsx", params={"zone": "cq-gxq"})),
    row("GET", "/audit", STAFF, lambda w: Call("/audit", params={"zone": "cq-gxq"})),
    row("GET", "/admin/users", ADMIN, lambda w: Call("/admin/users")),
    row("POST", "/admin/users/{username}/disable", ADMIN, lambda w: Call("/admin/users/carol/disable")),  # asks first
    row("POST", "/admin/users/{username}/enable", ADMIN, lambda w: Call("/admin/users/carol/enable")),
    row("POST", "/admin/users/{username}/sign-out", ADMIN, lambda w: Call("/admin/users/carol/sign-out")),
    row("POST", "/admin/users/{username}/unlock", ADMIN, lambda w: Call("/admin/users/carol/unlock")),
    row("POST", "/admin/users/{username}/{action}", frozenset(), lambda w: Call("/admin/users/carol/rename")),
    # --- cross-region registration (跨省异地办照) -------------------------------------------------------
    row("POST", "/api/v1/federation/messages", EVERYONE, partner_message, public=True),
    row("POST", "/api/v1/federation/chain/entries", EVERYONE, entries_request),
    row("GET", "/api/v1/federation/chain", EVERYONE,
        lambda w: Call("/api/v1/federation/chain", params={"zone": "cq-gxq", "seq": "1"}), public=True),
    row("GET", "/api/v1/federation/partners", ANY_STAFF, lambda w: Call("/api/v1/federation/partners")),
    row("GET", "/.well-known/yima/trust-list.cose", EVERYONE,
        lambda w: Call("/.well-known/yima/trust-list.cose", params={"zone": "cq-gxq"}), public=True),
    # a dead letter of the zone's, made afresh for each role allowed to send it again (the zone's staff)
    row("POST", "/api/v1/federation/messages/{message_id}/resend", STAFF,
        lambda w: Call(f"/api/v1/federation/messages/{dead_letter(w)}/resend")),
    row("POST", "/federation/messages/{message_id}/resend", STAFF,
        lambda w: Call(f"/federation/messages/{dead_letter(w)}/resend")),
    # the matrix's instance hosts the network "matrix" (world fixture): a public well-known document
    row("GET", "/.well-known/yima/network.json", EVERYONE, lambda w: Call("/.well-known/yima/network.json"),
        public=True),
    row("GET", "/api/v1/federation/messages", ANY_STAFF, lambda w: Call("/api/v1/federation/messages"), scoped=True),
    row("GET", "/api/v1/federation/messages/{message_id}/signed", STAFF, received_message),
    row("GET", "/api/v1/federation/late", ANY_STAFF, lambda w: Call("/api/v1/federation/late"), scoped=True),
    # only an application forwarded to a partner has a delivered licence; an ordinary one has none for anyone
    row("GET", "/api/v1/applications/{app_id}/licence.pdf", frozenset(),
        lambda w: Call(f"/api/v1/applications/{w.fresh_application()}/licence.pdf")),
    row("GET", "/api/v1/applications/{app_id}/licence-qr.png", frozenset(),
        lambda w: Call(f"/api/v1/applications/{w.fresh_application()}/licence-qr.png")),
    row("GET", "/federation", ANY_STAFF, lambda w: Call("/federation"), scoped=True),
    # --- observers and the suggestion ledger (营商环境观察员, 建议台账) -------------------------------------
    row("POST", "/api/v1/observers", OFFICE_OR_ADMIN, lambda w: Call("/api/v1/observers", json=observer_body(w))),
    row("GET", "/api/v1/observers", OFFICE_OR_ADMIN, lambda w: Call("/api/v1/observers", params=LEDGER)),
    row("GET", "/api/v1/suggestions/departments", LEDGER_READERS,
        lambda w: Call("/api/v1/suggestions/departments", params=LEDGER)),
    row("POST", "/api/v1/suggestions/departments", OFFICE_OR_ADMIN,
        lambda w: Call("/api/v1/suggestions/departments", json=department_body(w))),
    row("POST", "/api/v1/suggestions/departments/{department_id}/members", OFFICE_OR_ADMIN,
        lambda w: Call(f"/api/v1/suggestions/departments/{w.features.tax_id}/members", json={"username": "tax-cq"})),
    row("POST", "/api/v1/suggestions", OBSERVER,
        lambda w: Call("/api/v1/suggestions", json=SUGGESTION)),
    row("GET", "/api/v1/suggestions", LEDGER_READERS, lambda w: Call("/api/v1/suggestions")),
    row("GET", "/api/v1/suggestions/ledger.xlsx", LEDGER_READERS,
        lambda w: Call("/api/v1/suggestions/ledger.xlsx", params=LEDGER)),
    row("GET", "/api/v1/suggestions/reminders", LEDGER_READERS, lambda w: Call("/api/v1/suggestions/reminders")),
    row("GET", "/api/v1/suggestions/{suggestion_id}", LEDGER_READERS,
        lambda w: Call(f"/api/v1/suggestions/{w.features.suggestion_id}")),
    row("POST", "/api/v1/suggestions/{suggestion_id}/attachments", OBSERVER,
        lambda w: Call(suggestion(w, "submitted", "/attachments"), files={"file": ("补充.png", PNG, "image/png")})),
    row("GET", "/api/v1/suggestions/{suggestion_id}/attachments/{attachment_id}", LEDGER_READERS,
        lambda w: Call(f"/api/v1/suggestions/{w.features.suggestion_id}/attachments/{w.features.attachment_id}")),
    row("POST", "/api/v1/suggestions/{suggestion_id}/accept", REFORM_OFFICE,
        lambda w: Call(suggestion(w, "submitted", "/accept"))),
    row("POST", "/api/v1/suggestions/{suggestion_id}/merge", REFORM_OFFICE, merge_call),
    row("POST", "/api/v1/suggestions/{suggestion_id}/assign", REFORM_OFFICE,
        lambda w: Call(suggestion(w, "accepted", "/assign"),
                       json={"department_id": w.features.market_id, "working_days": 3})),
    row("PUT", "/api/v1/suggestions/{suggestion_id}/reply", DEPARTMENT,
        lambda w: Call(suggestion(w, "assigned", "/reply"), json={"text": "正在研究。"})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/reply/publish", DEPARTMENT,
        lambda w: Call(suggestion(w, "drafted", "/reply/publish"))),
    row("POST", "/api/v1/suggestions/{suggestion_id}/extension", DEPARTMENT,
        lambda w: Call(suggestion(w, "assigned", "/extension"), json={"working_days": 2, "reason": "需协调"})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/extension/decision", REFORM_OFFICE,
        lambda w: Call(suggestion(w, "requested", "/extension/decision"), json={"grant": True})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/rating", OBSERVER,
        lambda w: Call(suggestion(w, "replied", "/rating"), json={"rating": "satisfied", "comment": ""})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/decline", REFORM_OFFICE,
        lambda w: Call(suggestion(w, "submitted", "/decline"), json={"reason": "不属于营商环境范畴"})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/transfer", REFORM_OFFICE,
        lambda w: Call(suggestion(w, "assigned", "/transfer"), json={"department_id": w.features.tax_id,
                                                                     "reason": "属税务事项"})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/take-back", REFORM_OFFICE,
        lambda w: Call(suggestion(w, "assigned", "/take-back"), json={"reason": "重新研究"})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/urge", REFORM_OFFICE,
        lambda w: Call(suggestion(w, "assigned", "/urge"), json={"note": "请尽快答复"})),
    row("POST", "/api/v1/suggestions/{suggestion_id}/notes", frozenset({"reform_office", "department"}),
        lambda w: Call(suggestion(w, "assigned", "/notes"), json={"text": "内部备注"})),
    row("GET", "/ledger", LEDGER_READERS, lambda w: Call("/ledger")),
    row("GET", "/suggestions/new", OBSERVER, lambda w: Call("/suggestions/new")),
    row("POST", "/suggestions/new", OBSERVER,
        lambda w: Call("/suggestions/new", data=SUGGESTION)),
    row("GET", "/suggestions/{suggestion_id}", LEDGER_READERS,
        lambda w: Call(f"/suggestions/{w.features.suggestion_id}")),
    # the steps of a suggestion's page, one route each, as its forms post them
    row("POST", "/suggestions/{suggestion_id}/accept", REFORM_OFFICE,
        lambda w: Call(page_step(w, "submitted", "/accept"))),
    row("POST", "/suggestions/{suggestion_id}/merge", REFORM_OFFICE, merge_form),
    row("POST", "/suggestions/{suggestion_id}/assign", REFORM_OFFICE,
        lambda w: Call(page_step(w, "accepted", "/assign"),
                       data={"department": str(w.features.market_id), "working_days": "3"})),
    row("POST", "/suggestions/{suggestion_id}/draft", DEPARTMENT,
        lambda w: Call(page_step(w, "assigned", "/draft"), data={"text": "正在研究。"})),
    row("POST", "/suggestions/{suggestion_id}/publish", DEPARTMENT,
        lambda w: Call(page_step(w, "drafted", "/publish"))),
    row("POST", "/suggestions/{suggestion_id}/extension", DEPARTMENT,
        lambda w: Call(page_step(w, "assigned", "/extension"), data={"working_days": "2", "reason": "需协调"})),
    row("POST", "/suggestions/{suggestion_id}/extension-decision", REFORM_OFFICE,
        lambda w: Call(page_step(w, "requested", "/extension-decision"), data={"grant": "yes"})),
    row("POST", "/suggestions/{suggestion_id}/decline", REFORM_OFFICE,
        lambda w: Call(page_step(w, "submitted", "/decline"), data={"reason": "不属于营商环境事项"})),
    row("POST", "/suggestions/{suggestion_id}/transfer", REFORM_OFFICE,
        lambda w: Call(page_step(w, "assigned", "/transfer"),
                       data={"department": str(w.features.tax_id), "reason": "属税务事项"})),
    row("POST", "/suggestions/{suggestion_id}/take-back", REFORM_OFFICE,
        lambda w: Call(page_step(w, "assigned", "/take-back"), data={"reason": "重新分派"})),
    row("POST", "/suggestions/{suggestion_id}/urge", REFORM_OFFICE,
        lambda w: Call(page_step(w, "assigned", "/urge"), data={"note": "请尽快办理"})),
    row("POST", "/suggestions/{suggestion_id}/note", REFORM_OFFICE | DEPARTMENT,
        lambda w: Call(page_step(w, "assigned", "/note"), data={"text": "内部备注"})),
    row("POST", "/suggestions/{suggestion_id}/rating", OBSERVER,
        lambda w: Call(page_step(w, "replied", "/rating"), data={"rating": "satisfied", "comment": ""})),
    row("POST", "/suggestions/{suggestion_id}/attach", OBSERVER,
        lambda w: Call(page_step(w, "submitted", "/attach"), files={"file": ("补充.png", PNG, "image/png")})),
    row("GET", "/observers", OFFICE_OR_ADMIN, lambda w: Call("/observers", params=LEDGER)),
    row("POST", "/observers", OFFICE_OR_ADMIN, lambda w: Call("/observers", data=observer_body(w))),
    # --- investment projects and key enterprises (招商项目, 重点企业) ---------------------------------------
    row("GET", "/api/v1/projects", INVESTMENT, lambda w: Call("/api/v1/projects", params=LEDGER)),
    row("POST", "/api/v1/projects", INVESTMENT, lambda w: Call("/api/v1/projects", json=project_body(w))),
    row("GET", "/api/v1/projects/export.csv", INVESTMENT, lambda w: Call("/api/v1/projects/export.csv", params=LEDGER)),
    row("GET", "/api/v1/projects/figures", INVESTMENT,
        lambda w: Call("/api/v1/projects/figures", params=FIGURES)),
    row("GET", "/api/v1/projects/{project_id}", INVESTMENT,
        lambda w: Call(f"/api/v1/projects/{w.features.project_id}")),
    row("POST", "/api/v1/projects/{project_id}/stages", INVESTMENT,
        lambda w: Call(f"/api/v1/projects/{w.features.project_id}/stages", json=STAGE)),
    row("POST", "/api/v1/projects/{project_id}/stages/document", INVESTMENT,
        lambda w: Call(f"/api/v1/projects/{w.features.project_id}/stages/document", data=STAGE,
                       files={"file": ("landed.pdf", small_pdf(), "application/pdf")})),
    row("POST", "/api/v1/projects/{project_id}/funds", INVESTMENT,
        lambda w: Call(f"/api/v1/projects/{w.features.project_id}/funds", json=fund_body(w))),
    row("PATCH", "/api/v1/projects/{project_id}", INVESTMENT,
        lambda w: Call(f"/api/v1/projects/{w.features.project_id}", json=correction_body(w))),
    row("POST", "/api/v1/projects/{project_id}/funds/{fund_id}/reversal", INVESTMENT,
        lambda w: Call(f"/api/v1/projects/{w.features.project_id}/funds/{w.features.fresh_fund()}/reversal",
                       json={"reason": "重复登记，予以冲销"})),
    row("GET", "/api/v1/key-enterprises", INVESTMENT | SPECIALIST,  # a specialist: their own
        lambda w: Call("/api/v1/key-enterprises", params=LEDGER)),
    row("POST", "/api/v1/key-enterprises", INVESTMENT,
        lambda w: Call("/api/v1/key-enterprises", json={"zone": "cq-gxq", "uscc": w.fresh_enterprise(),
                                                         "specialist": "spec-cq"})),
    row("GET", "/api/v1/key-enterprises/export.csv", INVESTMENT | SPECIALIST,  # a specialist: their own
        lambda w: Call("/api/v1/key-enterprises/export.csv", params=LEDGER)),
    row("GET", "/api/v1/key-enterprises/desk", SPECIALIST, lambda w: Call("/api/v1/key-enterprises/desk")),
    row("GET", "/api/v1/key-enterprises/{uscc}", INVESTMENT | SPECIALIST,
        lambda w: Call(f"/api/v1/key-enterprises/{w.uscc}")),
    row("PATCH", "/api/v1/key-enterprises/{uscc}", INVESTMENT,
        lambda w: Call(f"/api/v1/key-enterprises/{w.uscc}", json={"high_tech_certificate": CERTIFICATE})),
    row("POST", "/api/v1/key-enterprises/{uscc}/services", SPECIALIST | ADMIN,
        lambda w: Call(f"/api/v1/key-enterprises/{w.uscc}/services",
                       json={"served_on": "2021-04-01", "kind": "visit", "request": "走访"})),
    row("POST", "/api/v1/key-enterprises/services/{service_id}/resolve", SPECIALIST | ADMIN,
        lambda w: Call(f"/api/v1/key-enterprises/services/{w.features.fresh_request()}/resolve",
                       json={"resolved_on": "2021-03-08", "action": "已协调"})),
    row("GET", "/projects", INVESTMENT, lambda w: Call("/projects", params=LEDGER)),
    row("POST", "/projects", INVESTMENT, lambda w: Call("/projects", data=project_body(w))),
    row("GET", "/projects/{project_id}", INVESTMENT, lambda w: Call(f"/projects/{w.features.project_id}")),
    row("POST", "/projects/{project_id}/stage", INVESTMENT,
        lambda w: Call(f"/projects/{w.features.project_id}/stage", data=STAGE)),
    row("POST", "/projects/{project_id}/funds", INVESTMENT,
        lambda w: Call(f"/projects/{w.features.project_id}/funds", data=fund_body(w))),
    row("POST", "/projects/{project_id}/correction", INVESTMENT,
        lambda w: Call(f"/projects/{w.features.project_id}/correction", data=correction_body(w))),
    row("POST", "/projects/{project_id}/funds/{fund_id}/reversal", INVESTMENT,
        lambda w: Call(f"/projects/{w.features.project_id}/funds/{w.features.fresh_fund()}/reversal",
                       data={"reason": "重复登记，予以冲销"})),
    row("GET", "/projects/{project_id}/documents/{sha256}", INVESTMENT,
        lambda w: Call(f"/projects/{w.features.project_id}/documents/{w.features.document_sha256}")),
    row("POST", "/api/v1/imports/{kind}", INVESTMENT,
        lambda w: Call("/api/v1/imports/projects", data=LEDGER, files=import_file())),
    row("GET", "/imports/{kind}", INVESTMENT, lambda w: Call("/imports/projects", params=LEDGER)),
    row("GET", "/imports/{kind}/template.csv", INVESTMENT,
        lambda w: Call("/imports/key-enterprises/template.csv", params=LEDGER)),
    row("POST", "/imports/{kind}", INVESTMENT, lambda w: Call("/imports/projects", data=LEDGER, files=import_file())),
    row("POST", "/imports/{kind}/confirm", INVESTMENT,
        lambda w: Call("/imports/projects/confirm", data={**LEDGER, "held": held_import(w)})),
    row("GET", "/key-enterprises", INVESTMENT | SPECIALIST,  # a specialist is shown their desk
        lambda w: Call("/key-enterprises", params=LEDGER)),
    row("POST", "/key-enterprises", INVESTMENT,
        lambda w: Call("/key-enterprises", data={"zone": "cq-gxq", "uscc": w.fresh_enterprise(),
                                                 "specialist": "spec-cq"})),
    row("GET", "/key-enterprises/{uscc}", INVESTMENT | SPECIALIST, lambda w: Call(f"/key-enterprises/{w.uscc}")),
    row("POST", "/key-enterprises/{uscc}", INVESTMENT,
        lambda w: Call(f"/key-enterprises/{w.uscc}", data={"specialist": "spec-cq", "cert_number": "GR202150000001",
                                                           "cert_issued_on": "2020-12-01",
                                                           "cert_expires_on": "2023-11-30"})),
    # 政务服务“好差评”: the applicant rates a decided application; the reform office's ledger of bad ratings
    row("GET", "/api/v1/ratings/indicators", EVERYONE, lambda w: Call("/api/v1/ratings/indicators"), public=True),
    row("GET", "/api/v1/ratings/figures", EVERYONE,
        lambda w: Call("/api/v1/ratings/figures", params={"zone": "cq-gxq"}), public=True),
    row("GET", "/api/v1/applications/{app_id}/rating", OWNER_OR_STAFF,
        lambda w: Call(f"/api/v1/applications/{w.app_id}/rating")),
    row("POST", "/api/v1/applications/{app_id}/rating", OWNER,
        lambda w: Call(f"/api/v1/applications/{w.features.fresh_decided()}/rating", json={"score": 5})),
    row("GET", "/api/v1/key-enterprises/services/{service_id}/rating", OWNER | INVESTMENT | SPECIALIST,
        lambda w: Call(f"/api/v1/key-enterprises/services/{w.features.fresh_resolved_request()}/rating")),
    row("POST", "/api/v1/key-enterprises/services/{service_id}/rating", OWNER,
        lambda w: Call(f"/api/v1/key-enterprises/services/{w.features.fresh_resolved_request()}/rating",
                       json={"score": 4})),
    row("GET", "/api/v1/ratings/rectifications", OFFICE_OR_ADMIN, lambda w: Call("/api/v1/ratings/rectifications")),
    row("POST", "/api/v1/ratings/rectifications/{rect_id}/callback", REFORM_OFFICE,
        lambda w: Call(f"/api/v1/ratings/rectifications/{w.features.fresh_bad_rating()['rect']}/callback",
                       json={"note": "已电话回访"})),
    row("POST", "/api/v1/ratings/rectifications/{rect_id}/put-right", REFORM_OFFICE,
        lambda w: Call(f"/api/v1/ratings/rectifications/{w.features.fresh_bad_rating()['rect']}/put-right",
                       json={"note": "已整改"})),
    row("POST", "/api/v1/ratings/{rating_id}/appeal", OFFICER,
        lambda w: Call(f"/api/v1/ratings/{w.features.fresh_bad_rating()['rating']}/appeal",
                       json={"reason": "恶意评价"})),
    row("POST", "/api/v1/ratings/{rating_id}/appeal/decision", REFORM_OFFICE,
        lambda w: Call(f"/api/v1/ratings/{w.features.fresh_appealed()}/appeal/decision", json={"upheld": False})),
    row("POST", "/applications/{app_id}/rating", OWNER,
        lambda w: Call(f"/applications/{w.features.fresh_decided()}/rating", data={"score": "5"})),
    row("POST", "/ratings/{rating_id}/appeal", OFFICER,
        lambda w: Call(f"/ratings/{w.features.fresh_bad_rating()['rating']}/appeal", data={"reason": "恶意评价"})),
    row("GET", "/ratings", REFORM_OFFICE, lambda w: Call("/ratings")),
    row("POST", "/ratings/rectifications/{rect_id}/callback", REFORM_OFFICE,
        lambda w: Call(f"/ratings/rectifications/{w.features.fresh_bad_rating()['rect']}/callback",
                       data={"note": "已电话回访"})),
    row("POST", "/ratings/rectifications/{rect_id}/put-right", REFORM_OFFICE,
        lambda w: Call(f"/ratings/rectifications/{w.features.fresh_bad_rating()['rect']}/put-right",
                       data={"note": "已整改"})),
    row("POST", "/ratings/{rating_id}/appeal/decision", REFORM_OFFICE,
        lambda w: Call(f"/ratings/{w.features.fresh_appealed()}/appeal/decision", data={"upheld": "0"})),
    row("GET", "/specialist", SPECIALIST, lambda w: Call("/specialist")),
    row("POST", "/specialist/services", SPECIALIST | ADMIN,
        lambda w: Call("/specialist/services", data={"uscc": w.uscc, "served_on": "2021-04-01", "kind": "visit",
                                                     "request": "走访"})),
    row("POST", "/specialist/services/{service_id}/resolve", SPECIALIST | ADMIN,
        lambda w: Call(f"/specialist/services/{w.features.fresh_request()}/resolve",
                       data={"resolved_on": "2021-03-08", "action": "已协调"})),
]
