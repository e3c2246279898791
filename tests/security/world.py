"""A populated zone on a live server, made through the v1 API as its users would make it.

The route matrix and the schemathesis run both need real objects to aim at: an enterprise with
a licence, permits and seals (alice's), an application awaiting review, a permit awaiting its
department. Fresh objects (``fresh_application``, ``fresh_enterprise``) let a request that changes
state meet the same starting point for every role.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from reportlab.pdfgen import canvas

from factories import CATERING, HOTEL, application_body, person
from yima.web.security import CSRF_COOKIE, form_token

# The people the matrix acts as; ``None`` signs in nobody.
USERS: dict[str, str | None] = {
    "anonymous": None,
    "applicant": "alice",
    "other_applicant": "bob",
    "other_zone_officer": "officer-cd",
    "officer": "officer-cq",
    "admin": "admin",
}

ALICE_REP = person("姚红艳", date(1988, 3, 9), seq=7) | {"phone": "13912345678"}
ALICE_PARTNER = person("陈立", date(1991, 11, 2), seq=3)


def small_pdf(text: str = "Yima test document") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


CSRF_NONCE = "route-matrix-nonce"


@dataclass
class World:
    url: str
    secret: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    counter: int = 0
    uscc: str = ""
    segment: str = ""
    seal_id: str = ""
    app_id: int = 0
    permit_id: int = 0
    owned: list[str] = field(default_factory=list)
    permit_uscc: dict[int, str] = field(default_factory=dict)
    pool: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, tuple[str | None, httpx.Client]] = field(default_factory=dict)

    def _reuse(self, kind: str, make: Callable[[], Any]) -> Any:
        """A fresh object is made once and serves every refused request (they change nothing);
        ``spend()`` after a request that may have changed it makes the next one anew."""
        if kind not in self.pool:
            self.pool[kind] = make()
        return self.pool[kind]

    def spend(self) -> None:
        self.pool.clear()

    def client(self, role: str, browser: bool = False) -> httpx.Client:
        """The role's API client (bearer token), or with ``browser`` its browser (the sign-in cookie
        only, and the CSRF cookie a page would have set); kept open: making one costs more than a request."""
        token = self.tokens.get(role)
        key = f"{role} browser" if browser else role
        kept = self.clients.get(key)
        if kept is None or kept[0] != token:
            if kept is not None:
                kept[1].close()
            headers = {"Authorization": f"Bearer {token}"} if token and not browser else {}
            client = httpx.Client(base_url=self.url, headers=headers, timeout=30, follow_redirects=False)
            kept = self.clients[key] = (token, client)
        kept[1].cookies.clear()
        if token and browser:
            kept[1].cookies.set("yima_token", token)
        if browser:
            kept[1].cookies.set(CSRF_COOKIE, CSRF_NONCE)
        return kept[1]

    def csrf_headers(self) -> dict[str, str]:
        """What a page's script sends with a form post: the token that goes with the CSRF cookie."""
        return {"X-CSRF-Token": form_token(self.secret, CSRF_NONCE)}

    @contextmanager
    def client_for(self, role: str) -> Iterator[httpx.Client]:
        yield self.client(role)

    def close(self) -> None:
        for _, client in self.clients.values():
            client.close()

    def body(self, **changes: object) -> dict[str, object]:
        self.counter += 1
        digits = "甲乙丙丁戊己庚辛壬癸"
        base = str(changes.pop("name", "重庆云帆科技有限公司"))
        unique = digits[self.counter // 100 % 10] + digits[self.counter // 10 % 10] + digits[self.counter % 10]
        name = base.replace("重庆", "重庆" + unique, 1)
        rep = ALICE_REP
        shareholders = [{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "60"},
                        {"name": ALICE_PARTNER["name"], "id_number": ALICE_PARTNER["id_number"], "share_pct": "40"}]
        return application_body(name=name, legal_representative=rep, shareholders=shareholders, **changes)

    def submit(self, **changes: object) -> dict[str, object]:
        with self.client_for("applicant") as alice:
            response = alice.post("/api/v1/applications", json=self.body(**changes))
        assert response.status_code == 201, response.text
        created = response.json()
        self.owned.append(str(created["name"]))
        if created.get("uscc"):
            self.owned.append(str(created["uscc"]))
        return created

    def fresh_application(self) -> int:
        """Alice's application awaiting review: one material missing that may follow (容缺受理)."""
        return int(self._reuse("application", self._new_application))

    def fresh_enterprise(self, **changes: object) -> str:
        return str(self._reuse(f"enterprise {sorted(changes)}", lambda: self._new_enterprise(**changes)))

    def fresh_permit(self) -> int:
        """A food business permit of a new restaurant, waiting for its department."""
        return int(self._reuse("permit", self._new_permit))

    def _new_application(self) -> int:
        created = self.submit(materials=["application_form"])
        assert created["status"] == "under_review", created
        return int(str(created["id"]))

    def _new_enterprise(self, **changes: object) -> str:
        created = self.submit(**changes)
        assert created["status"] == "approved", created
        return str(created["uscc"])

    def _new_permit(self) -> int:
        uscc = self._new_enterprise(**CATERING)
        with self.client_for("officer") as officer:
            pending = officer.get("/api/v1/permits").json()
        permit = int(next(p["id"] for p in pending if p["uscc"] == uscc))
        self.permit_uscc[permit] = uscc
        return permit

    def personal_data(self) -> list[str]:
        """The unmasked personal data of the world's people, which no public surface may show."""
        return [ALICE_REP["id_number"], ALICE_REP["phone"], ALICE_PARTNER["id_number"]]


def build_world(url: str, password: str, secret: str) -> World:
    world = World(url, secret)
    for role, username in USERS.items():
        if username:
            response = httpx.post(f"{url}/api/v1/auth/token", data={"username": username, "password": password})
            response.raise_for_status()
            world.tokens[role] = response.json()["access_token"]
    world.uscc = world._new_enterprise(**HOTEL)
    with world.client_for("applicant") as alice:
        licence = alice.get(f"/api/v1/licences/{world.uscc}").json()
        world.segment = licence["qr"].rsplit("/", 1)[1]
        seals = alice.get(f"/api/v1/enterprises/{world.uscc}/seals").json()
        world.seal_id = seals[0]["id"]
    world.app_id = world._new_application()
    world.permit_id = world._new_permit()
    return world
