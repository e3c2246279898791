"""The network configuration (信任配置) between real instances: Chengdu (PostgreSQL) hosts the
network ``chengyu`` as its authority and both zones join it; ``yima serve`` processes polling every
second, the configuration valid for 20 seconds."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from instances import Instance, throwaway_postgres, wait_for
from sqlalchemy import select
from test_message_log import body, chongqing_key, queue, submit, view

from yima.clock import utcnow
from yima.db import Database
from yima.federation import network_rules
from yima.federation.delivery import b64
from yima.federation.model import new_message
from yima.federation.tables import NetworkAuthority, NetworkMembership, OutboxMessage, Partner
from yima.keys.model import generate_signing_key
from yima.keys.service import keyring
from yima.licences.cose import sign1
from yima_process import run_yima

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("network")]
POLL_S = 1
VALIDITY_S = 20


class Served(BaseHTTPRequestHandler):
    """Serves whatever document the test puts in ``server.document`` (404 when None)."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        document: bytes | None = self.server.document  # type: ignore[attr-defined]
        self.send_response(200 if document is not None else 404)
        payload = document or b"{}"
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def served() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Served)
    server.document = None  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance, Path]]:
    home_a, home_b = Path(tmp_path_factory.mktemp("net-cq")), Path(tmp_path_factory.mktemp("net-cd"))
    postgres = throwaway_postgres("yima_net")
    chengdu_url = next(postgres)
    chongqing = Instance("cq-gxq", f"sqlite:///{home_a / 'cq.db'}", home_a)
    chengdu = Instance("cd-gxq", chengdu_url, home_b)
    for instance in (chongqing, chengdu):
        instance.env.update(YIMA_NETWORK_POLL_S=str(POLL_S), YIMA_NETWORK_VALIDITY_S=str(VALIDITY_S))
    chongqing.set_up([("alice", "applicant", None), ("officer-cq", "officer", "cq-gxq")])
    chengdu.set_up([("officer-cd", "officer", "cd-gxq")])
    anchor = home_b / "chengyu-anchor.json"
    chengdu.cli("network", "init", "chengyu", "--name", "成渝地区双城经济圈")
    chongqing.start()
    chengdu.start()
    try:
        for instance in (chengdu, chongqing):
            chengdu.cli("network", "add-zone", instance.zone, "--url", instance.url, "--trust-list",
                        instance.url + "/.well-known/yima/trust-list.json")
        chengdu.cli("network", "anchor", "--out", str(anchor))
        for instance in (chengdu, chongqing):
            instance.cli("network", "join", chengdu.url, "--anchor", str(anchor))
        yield chongqing, chengdu, anchor
    finally:
        chongqing.stop()
        chengdu.stop()
        next(postgres, None)


def _read(instance: Instance, query: Any) -> Any:
    db = Database(instance.db_url)
    try:
        with db.read() as session:
            return session.execute(query).all()
    finally:
        db.dispose()


def _write(instance: Instance, change: Any) -> None:
    db = Database(instance.db_url)
    try:
        with db.write() as session:
            change(session)
    finally:
        db.dispose()


def _partner_kids(instance: Instance, zone: str) -> set[str]:
    rows = _read(instance, select(Partner.trust_list).where(Partner.zone_id == zone))
    return {k["kid"] for k in rows[0][0]["keys"]} if rows else set()


def _post(instance: Instance, message: bytes) -> httpx.Response:
    return httpx.post(instance.url + "/api/v1/federation/messages", json={"message": b64(message)}, timeout=60)


def _signed_by_chongqing(chongqing: Instance, chengdu: Instance, key: Any, later: timedelta = timedelta()) -> bytes:
    digest = chengdu.get("/healthz")["standard"]
    envelope = new_message("application.material", "cq-gxq", "cd-gxq", digest, {"application": 1},
                           utcnow() + later)
    return sign1(envelope.payload(), key)


def _set_url(instance: Instance, url: str) -> None:
    def change(session: Any) -> None:
        (row,) = session.scalars(select(NetworkMembership)).all()
        row.url = url
    _write(instance, change)


def test_members_take_their_partners_from_the_signed_configuration_and_trade(members) -> None:
    chongqing, chengdu, _ = members
    document = httpx.get(chengdu.url + network_rules.WELL_KNOWN, timeout=30).json()
    assert document["network"] == "chengyu"
    sources = _read(chongqing, select(Partner.zone_id, Partner.trust_list_source))
    assert sources == [("cd-gxq", "network:chengyu")]
    answer = submit(chongqing, body("成都网络配置测试科技有限公司"))
    decided = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] not in ("forwarded",) and v, 60)
    assert decided and decided["status"] != "undeliverable", decided
    page = httpx.get(chongqing.url + "/federation", headers=chongqing.token("officer-cq"), timeout=30)
    assert page.status_code == 200 and 'id="network"' in page.text and "chengyu" in page.text
    assert "北京时间" in page.text or "China Standard Time" in page.text


def test_a_rotated_key_reaches_the_partner_within_two_polls_and_a_revoked_key_is_refused_at_once(members) -> None:
    chongqing, chengdu, _ = members
    old = chongqing_key(chongqing)
    chongqing.cli("keys", "rotate", "cq-gxq")
    new = chongqing_key(chongqing)
    started = time.monotonic()
    # the authority follows cq-gxq's signed trust list, the member takes the next version: two polls
    assert wait_for(lambda: new.kid_text in _partner_kids(chengdu, "cq-gxq"), seconds=2 * POLL_S + 20, every=0.2)
    print(f"rotated key at the partner after {time.monotonic() - started:.1f}s (poll interval {POLL_S}s)")
    assert old.kid_text in _partner_kids(chengdu, "cq-gxq")  # retired: it still verifies what it signed
    time.sleep(5.5)  # the server signs with a keyring read at most 5 seconds ago
    answer = submit(chongqing, body("成都网络轮换测试科技有限公司"))
    assert wait_for(lambda: view(chongqing, answer["id"])["status"] not in ("forwarded", "undeliverable"), 60), \
        view(chongqing, answer["id"])
    # signed by the retired key later than its retirement (and the 2 minutes of clock skew allowed)
    late = _post(chengdu, _signed_by_chongqing(chongqing, chengdu, old, timedelta(minutes=3)))
    assert late.status_code == 403 and late.json()["error"] == "federation.retired_key", late.text

    # a key id may begin with "-" (base64url): "--" ends the options, as an operator would type it
    revoked = run_yima(["network", "revoke-key", "--db", chengdu.db_url, "cq-gxq", "--", old.kid_text],
                       env=chengdu.env)
    assert revoked.returncode == 0, revoked.stdout + revoked.stderr
    assert wait_for(lambda: old.kid_text not in _partner_kids(chengdu, "cq-gxq"), seconds=20, every=0.2)
    refused = _post(chengdu, _signed_by_chongqing(chongqing, chengdu, old))
    assert refused.status_code == 403 and refused.json()["error"] == "federation.revoked_key", refused.text


def test_a_forged_configuration_or_anchor_is_not_taken(members, served, tmp_path) -> None:
    chongqing, chengdu, anchor = members
    stranger = generate_signing_key(utcnow())
    forged_anchor = tmp_path / "forged.json"
    forged_anchor.write_text(json.dumps(network_rules.anchor_document("chengyu", "假网络", stranger.public())))
    joined = chongqing.cli("network", "join", chengdu.url, "--anchor", str(forged_anchor), check=False)
    assert joined.returncode != 0 and "not signed by the pinned authority key" in joined.stdout + joined.stderr
    (held,) = _read(chongqing, select(NetworkMembership.version, NetworkMembership.url))
    config = network_rules.NetworkConfig("chengyu", "假网络", held.version + 100, utcnow(),
                                         utcnow() + timedelta(days=30), (), ())
    served.document = json.dumps({"network": "chengyu",  # type: ignore[attr-defined]
                                  "signed": b64(network_rules.issue(config, stranger))}).encode()
    _set_url(chongqing, f"http://127.0.0.1:{served.server_address[1]}/.well-known/yima/network.json")
    try:
        assert wait_for(lambda: "not signed by the pinned" in _read(chongqing, select(
            NetworkMembership.last_error))[0][0], seconds=20)
        # what the member holds is the authority's own (it renews every VALIDITY_S / 2 seconds, so a
        # poll just before the address changed may have taken a version newer than ``held``), never the
        # forged one's
        taken = _read(chongqing, select(NetworkMembership.version))[0][0]
        published = _read(chengdu, select(NetworkAuthority.version))[0][0]
        assert held.version <= taken <= published < config.version, (held.version, taken, published)
        assert _read(chongqing, select(Partner.zone_id)) == [("cd-gxq",)]  # the forged one lists nobody
    finally:
        _set_url(chongqing, held.url)


def test_an_expired_configuration_closes_the_member_until_it_is_fresh_again(members, served) -> None:
    chongqing, chengdu, _ = members
    (held,) = _read(chongqing, select(NetworkMembership.url, NetworkMembership.expires_at))
    served.document = None  # type: ignore[attr-defined]
    _set_url(chongqing, f"http://127.0.0.1:{served.server_address[1]}/.well-known/yima/network.json")
    try:
        closed = wait_for(lambda: (r := httpx.get(chongqing.url + "/readyz", timeout=30)).status_code == 503 and r,
                          seconds=VALIDITY_S + 15)
        assert closed and "network configuration" in closed.json()["reason"], closed
        assert "信任配置" in closed.json()["reason"]
        refused = httpx.post(chongqing.url + "/api/v1/applications", json=body("成都过期配置测试科技有限公司"),
                             headers=chongqing.token("alice"), timeout=60)
        assert refused.status_code == 503 and refused.json()["error"] == "federation.network_expired", refused.text
        digest = chengdu.get("/healthz")["standard"]
        envelope = new_message("application.material", "cd-gxq", "cq-gxq", digest, {"application": 1}, utcnow())
        db = Database(chengdu.db_url)
        try:
            with db.read() as session:
                key = keyring(session, "cd-gxq", fresh=True).active
        finally:
            db.dispose()
        answer = _post(chongqing, sign1(envelope.payload(), key))
        assert answer.status_code == 503 and answer.json()["error"] == "federation.network_expired"
        page = httpx.get(chongqing.url + "/federation", headers=chongqing.token("officer-cq"), timeout=30)
        assert 'id="network-closed"' in page.text and "北京时间" in page.text
    finally:
        _set_url(chongqing, held.url)
    assert wait_for(lambda: httpx.get(chongqing.url + "/readyz", timeout=30).status_code == 200, seconds=20)


def test_a_removed_zones_messages_are_refused_and_become_the_senders_dead_letters(members) -> None:
    chongqing, chengdu, _ = members
    chengdu.cli("network", "remove-zone", "cq-gxq")
    assert wait_for(lambda: not _partner_kids(chengdu, "cq-gxq"), seconds=20, every=0.2)
    refused = _post(chengdu, _signed_by_chongqing(chongqing, chengdu, chongqing_key(chongqing)))
    assert refused.status_code == 403 and refused.json()["error"] == "federation.not_partner"
    digest = chengdu.get("/healthz")["standard"]
    (message_id,) = queue(chongqing, [new_message("application.material", "cq-gxq", "cd-gxq", digest,
                                                  {"application": 1}, utcnow())])
    dead = wait_for(lambda: (r := _read(chongqing, select(OutboxMessage.state, OutboxMessage.refusal)
                                        .where(OutboxMessage.id == message_id))[0])[0] == "dead" and r, seconds=30)
    assert dead and dead[1]["error"] in ("federation.not_partner",), dead
