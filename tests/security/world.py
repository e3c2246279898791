"""A populated zone on a live server, made through the v1 API as its users would make it.

The route matrix and the schemathesis run both need real objects to aim at: an enterprise with
a licence, permits and seals (alice's), an application awaiting review, a permit awaiting its
department. Fresh objects (``fresh_application``, ``fresh_enterprise``) let a request that changes
state meet the same starting point for every role. The later features' people and objects (an
observer's suggestions, a department, a project, alice's enterprise as a key enterprise) are made
with each feature's own service functions (``add_feature_people``, ``populate_features``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from reportlab.pdfgen import canvas
from sqlalchemy import select

from factories import CATERING, HOTEL, application_body, person, tiny_png
from yima.accounts.service import add_user, authenticate
from yima.actors import Actor
from yima.clock import utcnow
from yima.db import Database
from yima.observers import service as observers
from yima.observers import views as observer_views
from yima.observers.tables import Department
from yima.outbound import tls
from yima.projects import key_enterprises
from yima.projects import service as projects
from yima.projects.model import FundIn, KeyEnterpriseIn, ProjectIn, ServiceIn, StageIn
from yima.ratings import service as ratings
from yima.stats import published
from yima.stats.rules import Period
from yima.web.security import CSRF_COOKIE, form_token

# The people the matrix acts as; ``None`` signs in nobody.
USERS: dict[str, str | None] = {
    "anonymous": None,
    "applicant": "alice",
    "other_applicant": "bob",
    "other_zone_officer": "officer-cd",
    "officer": "officer-cq",
    "admin": "admin",
    "observer": "observer-cq",  # 营商环境观察员, serving a current term
    "reform_office": "office-cq",  # the zone's business-environment reform office (改革办)
    "department": "market-cq",  # a user acting for the zone's market regulation bureau (承办部门)
    "investment_office": "invest-cq",  # the zone's investment office (招商部门)
    "service_specialist": "spec-cq",  # the service specialist (服务专员) of alice's enterprise
}

ALICE_REP = person("姚红艳", date(1988, 3, 9), seq=7) | {"phone": "13912345678"}
ALICE_PARTNER = person("陈立", date(1991, 11, 2), seq=3)
# 受益所有人 every application of alice's reports: readable by the zone's staff only, never shown elsewhere.
WORLD_OWNERS = [{"name": "慕容清远", "id_number": person("慕容清远", date(1970, 4, 5), seq=9)["id_number"],
                 "basis": "control", "since": "2024-12-01"},
                {"name": "Marguerite Okonkwo-Lindqvist", "id_type": "passport", "id_number": "K7Q4W9Z2X",
                 "nationality": "SWE", "basis": "shares_25", "share_pct": "30", "since": "2024-12-01"}]


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
    features: Any = None  # ``FeatureWorld``: the objects of the observers' and investment features

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
            client = httpx.Client(base_url=self.url, headers=headers, timeout=30, follow_redirects=False,
                                  verify=tls())
            kept = self.clients[key] = (token, client)
        kept[1].cookies.clear()
        if token and browser:
            kept[1].cookies.set("yima_token", token)
        if browser:
            kept[1].cookies.set(CSRF_COOKIE, CSRF_NONCE)
        return kept[1]

    def csrf_headers(self, role: str) -> dict[str, str]:
        """What a page's script sends with a form post: the token that goes with the CSRF cookie
        and the role's sign-in cookie."""
        return {"X-CSRF-Token": form_token(self.secret, CSRF_NONCE, self.tokens.get(role) or "")}

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
        changes.setdefault("beneficial_owners", WORLD_OWNERS)
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

    def owner_data(self) -> list[str]:
        """The beneficial owners' names and document numbers, which only the zone's staff may read."""
        return [datum for owner in WORLD_OWNERS for datum in (owner["name"], owner["id_number"])]

    def personal_data(self) -> list[str]:
        """The unmasked personal data of the world's people, which no public surface may show."""
        return [ALICE_REP["id_number"], ALICE_REP["phone"], ALICE_PARTNER["id_number"]]


def build_world(url: str, password: str, secret: str) -> World:
    world = World(url, secret)
    for role, username in USERS.items():
        if username:
            response = httpx.post(f"{url}/api/v1/auth/token", data={"username": username, "password": password},
                                  verify=tls())
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


# --- the later features' people and objects, made with each feature's own service functions -------

ZONE = "cq-gxq"
TERM = (date(2025, 1, 1), date(2030, 12, 31))
PNG = tiny_png()


def add_feature_people(db: Database, password: str, now: datetime) -> None:
    """The users of the later roles, bound to the zone: an observer with a current term, the reform
    office, a department user bound to the market bureau (and a spare one the binding rows move),
    the investment office and a service specialist."""
    for username, role in (("observer-cq", "observer"), ("office-cq", "reform_office"), ("market-cq", "department"),
                           ("tax-cq", "department"), ("invest-cq", "investment_office"),
                           ("spec-cq", "service_specialist")):
        add_user(db, username, role, password, now, zone_id=ZONE)
    observers.appoint_observer(db, None, ZONE, "谢泽帆", "enterprise", *TERM, now, "重庆新材料园",
                               username="observer-cq")
    market = observers.add_department(db, None, ZONE, "区市场监督管理局", now, "Market Regulation Bureau")
    tax = observers.add_department(db, None, ZONE, "区税务局", now, "Tax Bureau")
    observers.bind_department_user(db, None, "market-cq", market, now)
    observers.bind_department_user(db, None, "tax-cq", tax, now)


@dataclass
class FeatureWorld:
    """What the observers' and investment rows aim at: a suggestion assigned to the market bureau
    (with an attachment), a project with a stage document, alice's enterprise as a key enterprise
    served by spec-cq; ``fresh_suggestion(state)`` and ``fresh_request()`` for rows that change state."""

    world: World
    db: Database
    password: str
    data_dir: Path
    actors: dict[str, Actor] = field(default_factory=dict)
    market_id: int = 0
    tax_id: int = 0
    suggestion_id: int = 0
    attachment_id: int = 0
    project_id: int = 0
    report_id: int = 0
    document_sha256: str = ""

    def actor(self, username: str) -> Actor:
        if username not in self.actors:
            self.actors[username] = authenticate(self.db, username, self.password)
        return self.actors[username]

    def suggestion(self, state: str) -> dict[str, int]:
        """A suggestion of the observer brought to ``state`` today, assigned to the market bureau."""
        now = utcnow()
        xie, office, market = self.actor("observer-cq"), self.actor("office-cq"), self.actor("market-cq")
        ids: dict[str, int] = {}
        if state == "mergeable":
            ids["earlier"] = observers.submit(self.db, xie, "更早的建议", "内容。", "registration", now)
            observers.accept(self.db, office, ids["earlier"], now)
        sid = observers.submit(self.db, xie, "刻章跑现场", "建议推行电子印章。", "registration", now,
                               uploads=[observers.Upload("照片.png", PNG)], data_dir=self.data_dir,
                               max_bytes=10_000)
        ids["id"] = sid
        ids["attachment"] = int(observer_views.get_suggestion(self.db, xie, sid, now).attachments[0].id)
        if state in ("submitted", "mergeable"):
            return ids
        observers.accept(self.db, office, sid, now)
        if state == "accepted":
            return ids
        observers.assign(self.db, office, sid, self.market_id, 5, now)
        if state == "requested":
            observers.request_extension(self.db, market, sid, 2, "需协调", now)
        if state in ("drafted", "replied"):
            observers.save_draft(self.db, market, sid, "已办理。", now)
        if state == "replied":
            observers.publish_reply(self.db, market, sid, now)
        return ids

    def fresh_suggestion(self, state: str) -> dict[str, int]:
        return dict(self.world._reuse(f"suggestion {state}", lambda: self.suggestion(state)))

    def fresh_request(self) -> int:
        """An open request (诉求) of alice's key enterprise, to be resolved."""

        def make() -> int:
            served = key_enterprises.log_service(self.db, self.actor("admin"), self.world.uscc, ServiceIn(
                served_on=date(2021, 3, 1), kind="request", request="申请人才公寓"), utcnow())
            return int(served.id)

        return int(self.world._reuse("service request", make))

    def fresh_fund(self) -> int:
        """A receipt of the feature world's project, to be reversed."""

        def make() -> int:
            self.world.counter += 1
            amount = Decimal(5000 + self.world.counter)
            detail = projects.add_fund(self.db, self.actor("admin"), self.project_id, FundIn(
                received_on=date(2021, 2, 1), amount=amount), utcnow())
            return next(f.id for f in detail.funds if f.amount == amount)

        return int(self.world._reuse("fund receipt", make))

    def fresh_resolved_request(self) -> int:
        """A resolved request (诉求) of alice's key enterprise, not rated yet."""

        def make() -> int:
            served = key_enterprises.log_service(self.db, self.actor("admin"), self.world.uscc, ServiceIn(
                served_on=date(2021, 3, 1), kind="request", request="申请人才公寓", resolved_on=date(2021, 3, 5),
                action="已协调"), utcnow())
            return int(served.id)

        return int(self.world._reuse("resolved request", make))

    def fresh_decided(self) -> int:
        """Alice's application approved at once (秒批), not rated yet."""
        return int(self.world._reuse("decided application", lambda: int(str(self.world.submit()["id"]))))

    def bad_rating(self) -> dict[str, int]:
        """Alice's new application rated 1: the rating and its item in the reform office's ledger."""
        app_id = int(str(self.world.submit()["id"]))
        rating = ratings.rate_application(self.db, self.actor("alice"), app_id, 1, ["visits"], "", utcnow())
        item = next(r for r in ratings.rectifications(self.db, self.actor("office-cq"))
                    if r.rating is not None and r.rating.id == rating)
        return {"rating": rating, "rect": item.id}

    def fresh_bad_rating(self) -> dict[str, int]:
        return dict(self.world._reuse("bad rating", self.bad_rating))

    def fresh_appealed(self) -> int:
        """A bad rating an officer appealed as malicious, for the office to decide."""

        def make() -> int:
            rating = self.bad_rating()["rating"]
            ratings.appeal(self.db, self.actor("officer-cq"), rating, "与办件无关的恶意评价", utcnow())
            return rating

        return int(self.world._reuse("appealed rating", make))

    def fresh_report(self) -> int:
        """A report published with figures that differ from the zone's now, so that a restatement has
        something to say."""

        return int(self.world._reuse("published report", self.publish_report))

    def publish_report(self) -> int:
        envelope = published.publish(self.db, self.actor("admin"), ZONE, Period(date(2026, 1, 1), date(2026, 6, 30)),
                                     lambda zone, period: {"as_first_published": 1}, utcnow())
        return int(envelope.report["id"])


def populate_features(world: World, db: Database, password: str, data_dir: Path) -> FeatureWorld:
    now = utcnow()
    features = FeatureWorld(world, db, password, data_dir)
    with db.read() as session:
        ids = {d.name: d.id for d in session.scalars(select(Department).where(Department.zone_id == ZONE))}
    features.market_id, features.tax_id = ids["区市场监督管理局"], ids["区税务局"]
    assigned = features.suggestion("assigned")
    features.suggestion_id, features.attachment_id = assigned["id"], assigned["attachment"]
    admin = features.actor("admin")
    project = projects.create_project(db, admin, ProjectIn(
        zone=ZONE, code="CQ-2021-001", name="云端数据中心", investor="华讯集团", investor_tags=["fortune_global_500"],
        industry_code="I6450", amount=Decimal("500000000"), signed_on=date(2021, 1, 15), note="合同扫描件已归档"), now)
    staged = projects.set_stage(db, admin, project.id, StageIn(stage="landed", on=date(2021, 3, 1), note="落地协议"),
                                now, document=("landed.pdf", small_pdf("落地协议")), data_dir=data_dir,
                                max_bytes=1 << 20)
    features.project_id = project.id
    features.document_sha256 = next(s.document.sha256 for s in staged.stages if s.document)
    key_enterprises.mark(db, admin, KeyEnterpriseIn(zone=ZONE, uscc=world.uscc, specialist="spec-cq"), now)
    features.report_id = features.publish_report()
    world.features = features
    return features
