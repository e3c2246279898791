"""The message log, dead letters and delivery per partner between real instances: Chongqing
(SQLite) and Chengdu (PostgreSQL) as ``yima serve`` processes, and a third "partner" that is a real
socket which never answers."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from instances import Instance, wait_for
from sqlalchemy import func, select

from hostile_pdfs import one_page
from yima.audit.tables import AuditEntry
from yima.clock import utcnow
from yima.db import Database
from yima.federation import service
from yima.federation.delivery import b64
from yima.federation.model import new_message
from yima.federation.states import MessageState
from yima.federation.tables import Case, InboxMessage, OutboxMessage, Partner
from yima.identity import make_id_number
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.keys.service import keyring
from yima.keys.trustlist import trust_list_for
from yima.licences.cose import sign1
from yima.registration.tables import Application

pytestmark = pytest.mark.xdist_group("message_log")  # its module-scoped instances are set up once, in one worker

REP_ID = make_id_number("500107", date(1990, 3, 14), 21)


def body(name: str, **changes: Any) -> dict[str, Any]:
    rep = {"name": "周晓梅", "id_number": REP_ID, "phone": "13800000002"}
    data: dict[str, Any] = {
        "zone": "cd-gxq", "matter": "establish", "entity_type": "llc", "channel": "online", "name": name,
        "registered_capital": "1000000.00", "industry_code": "I6513", "scope": ["software_development"],
        "addresses": [{"text": "四川省成都市高新区天府大道北段1700号", "proof": "commitment"}],
        "legal_representative": rep, "shareholders": [{"name": rep["name"], "id_number": REP_ID, "share_pct": "100"}],
        "materials": ["application_form", "articles_of_association"], "commitments": ["address", "beneficial_owner"]}
    data.update(changes)
    return data


def submit(chongqing: Instance, data: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(chongqing.url + "/api/v1/applications", json=data, headers=chongqing.token("alice"),
                        timeout=60)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def view(chongqing: Instance, app_id: int) -> dict[str, Any]:
    return dict(chongqing.get(f"/api/v1/applications/{app_id}", chongqing.token("alice")))


def audit_length(instance: Instance) -> int:
    with instance.reading() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def latest_entries(instance: Instance, count: int) -> list[tuple[str, str, str]]:
    """The instance's ``count`` newest audit entries (chain, action, subject): what a failed count saw."""
    with instance.reading() as session:
        rows = session.execute(select(AuditEntry.chain, AuditEntry.action, AuditEntry.subject)
                               .order_by(AuditEntry.id.desc()).limit(max(count, 0))).all()
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def undelivered(instance: Instance, application_id: int) -> list[str]:
    """The ids of the application's messages still being sent from the instance's outbox."""
    with instance.reading() as session:
        return list(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.application_id == application_id, OutboxMessage.state == MessageState.PENDING)))


def outbox(instance: Instance, message_id: str) -> OutboxMessage:
    with instance.reading() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def chongqing_key(chongqing: Instance) -> Any:
    db = Database(chongqing.db_url)
    try:
        with db.read() as session:
            return keyring(session, "cq-gxq", fresh=True).active
    finally:
        db.dispose()


def queue(instance: Instance, envelopes: list[Any]) -> list[str]:
    """Write messages to the instance's outbox as its own code does; its delivery loop sends them."""
    db = Database(instance.db_url)
    try:
        with db.write() as session:
            return [service.queue(session, envelope, None).id for envelope in envelopes]
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def silent() -> Iterator[str]:
    """A partner that never answers: a real socket that listens and never accepts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_junk_posts_leave_the_audit_chain_unchanged(pair) -> None:
    chongqing, chengdu = pair
    before = audit_length(chengdu)
    digest = chengdu.get("/healthz")["standard"]
    stranger = generate_signing_key(utcnow())
    junk: list[dict[str, Any]] = []
    for n in range(100):
        junk.append({"message": b64(os.urandom(40 + n))})
        junk.append({"message": f"not base64 {n} !!"})
        forged = new_message("application.forwarded", "cq-gxq", "cd-gxq", digest, {"application": n}, utcnow())
        junk.append({"message": b64(sign1(forged.payload(), stranger))})
    with httpx.Client(timeout=30) as client:
        answers = [client.post(chengdu.url + "/api/v1/federation/messages", json=item) for item in junk]
    assert len(answers) == 300 and all(400 <= a.status_code < 500 for a in answers)
    assert {a.json()["error"] for a in answers} >= {"federation.malformed", "federation.bad_signature"}
    assert audit_length(chengdu) == before  # nothing an outsider sends grows the chain
    lines = [json.loads(line) for line in chengdu.log_text().splitlines()
             if line.startswith("{") and "federation.message_refused" in line]
    assert lines and len(lines) <= 30  # in the request log, rate-limited per address
    assert {line["client"] for line in lines} == {"127.0.0.1"}


def test_a_receipt_for_other_bytes_is_not_a_delivery(pair) -> None:
    """Chengdu received one copy of a message; Chongqing's own copy (other bytes, same id) is
    answered with the first receipt, whose digest is not that of the bytes sent: not delivered."""
    chongqing, chengdu = pair
    digest = chengdu.get("/healthz")["standard"]
    envelope = new_message("application.forwarded", "cq-gxq", "cd-gxq", digest,
                           {"application": 990_001, "application_body": body("成都摘要核对科技有限公司"),
                            "applicant": "test"}, utcnow())
    first = sign1(envelope.payload(), chongqing_key(chongqing))
    answer = httpx.post(chengdu.url + "/api/v1/federation/messages", json={"message": b64(first)}, timeout=60)
    assert answer.status_code == 200, answer.text
    (message_id,) = queue(chongqing, [envelope])
    stuck = wait_for(lambda: (row := outbox(chongqing, message_id)).attempts >= 2 and row, seconds=30)
    assert stuck and stuck.state == "pending" and stuck.delivered_at is None
    assert "receipt digest mismatch" in stuck.last_error and hashlib.sha256(first).hexdigest() in stuck.last_error
    officer_cq, officer_cd = chongqing.token("officer-cq"), chengdu.token("officer-cd")
    listed = {m["id"]: m for m in chongqing.get("/api/v1/federation/messages?partner=cd-gxq&state=pending",
                                                 officer_cq)}
    assert listed[message_id]["sha256"] == stuck.sha256 != hashlib.sha256(first).hexdigest()
    assert listed[message_id]["receipt_sha256"] == "" and listed[message_id]["direction"] == "out"
    sent = httpx.get(f"{chongqing.url}/api/v1/federation/messages/{message_id}/signed", headers=officer_cq,
                     timeout=30)
    assert sent.headers["content-type"] == "application/cose"
    assert hashlib.sha256(sent.content).hexdigest() == stuck.sha256
    # the receiver keeps the exact bytes it received, with its receipt
    received = {m["id"]: m for m in chengdu.get("/api/v1/federation/messages?partner=cq-gxq", officer_cd)}
    assert received[message_id]["direction"] == "in" and received[message_id]["state"] == "delivered"
    assert received[message_id]["sha256"] == hashlib.sha256(first).hexdigest()
    assert len(received[message_id]["receipt_sha256"]) == 64
    kept = httpx.get(f"{chengdu.url}/api/v1/federation/messages/{message_id}/signed", headers=officer_cd, timeout=30)
    assert kept.content == first
    assert httpx.get(f"{chengdu.url}/api/v1/federation/messages/{message_id}/signed", timeout=30).status_code == 401


def test_a_dead_partner_delays_only_its_own_messages(pair, silent, tmp_path) -> None:
    chongqing, chengdu = pair
    digest = chongqing.get("/healthz")["standard"]
    ring = ZoneKeyring.start("gz-gxq", generate_signing_key(utcnow()))
    trust = tmp_path / "gz-trust-list.json"
    trust.write_text(trust_list_for(ring, digest).to_json(), "utf-8")
    chongqing.cli("partners", "add", "gz-gxq", "--url", silent, "--trust-list", str(trust))
    stuck = queue(chongqing, [new_message("application.material", "cq-gxq", "gz-gxq", digest, {"n": n}, utcnow())
                              for n in range(20)])
    time.sleep(1.5)  # the silent partner's lane is now waiting on its first message
    answer = submit(chongqing, body("成都畅行数据科技有限公司"))
    received = wait_for(lambda: "received" in {s["step"] for s in view(chongqing, answer["id"])["cross_region"]
                                               ["steps"]}, seconds=20)
    assert received, view(chongqing, answer["id"])
    rows = [outbox(chongqing, message_id) for message_id in stuck]
    assert all(r.state == "pending" and r.delivered_at is None for r in rows)
    assert sum(r.attempts for r in rows) <= 2  # its lane is still busy with its first message or two
    listed = chongqing.get("/api/v1/federation/partners", chongqing.token("officer-cq"))
    assert {p["zone"]: p["waiting"] for p in listed}["gz-gxq"] == 20
    # The partner stays dead for the module's later tests, but refuses at once (nothing listens on the
    # privileged port 9, which no test's server is given), so that their ``jobs run`` (the witness,
    # the delivery and the network jobs) does not wait out its timeouts on the silent socket: 46 s.
    moved = Database(chongqing.db_url)
    try:
        with moved.write() as session:
            partner = session.get(Partner, "gz-gxq")
            assert partner is not None
            partner.url = "http://127.0.0.1:9"
    finally:
        moved.dispose()


def test_a_nine_megabyte_material_arrives(pair) -> None:
    chongqing, chengdu = pair
    answer = submit(chongqing, body("成都大件材料科技有限公司", scope=["convenience_store"], industry_code="F5213",
                                    registered_capital="100000.00", materials=["application_form"]))
    queued = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] == "under_review" and v)
    assert queued, view(chongqing, answer["id"])
    partner_id = queued["cross_region"]["partner_application"]
    officer = chengdu.token("officer-cd")
    decided = httpx.post(f"{chengdu.url}/api/v1/applications/{partner_id}/decision", headers=officer, timeout=30,
                         json={"decision": "accept_with_missing", "reason": "容缺受理：章程15日内补交"})
    assert decided.status_code == 200, decided.text
    assert wait_for(lambda: view(chongqing, answer["id"])["status"] == "awaiting_materials")
    pdf = one_page(catalog_extra=b"/Padding (" + base64.b64encode(os.urandom(6_750_000)) + b") ")  # well-formed
    assert 9_000_000 <= len(pdf) < 10 * 1024 * 1024
    upload = httpx.post(f"{chongqing.url}/api/v1/applications/{answer['id']}/materials",
                        headers=chongqing.token("alice"), data={"material": "articles_of_association"},
                        files={"file": ("章程.pdf", pdf, "application/pdf")}, timeout=120)
    assert upload.status_code == 200, upload.text
    arrived = wait_for(lambda: (a := chengdu.get(f"/api/v1/applications/{partner_id}", officer))["uploads"] and a,
                       seconds=90)
    assert arrived, [m for m in chongqing.get("/api/v1/federation/messages?partner=cd-gxq",
                                              chongqing.token("officer-cq")) if m["state"] != "delivered"]
    assert arrived["uploads"][0]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert arrived["uploads"][0]["size"] == len(pdf)


def test_a_permanent_refusal_is_a_dead_letter_the_applicant_reads(pair) -> None:
    """Chengdu holds an unrelated key for Chongqing (as a careless refresh once swapped in): it
    refuses the forward with 403 for good; Chongqing stops sending and tells the applicant."""
    chongqing, chengdu = pair
    db = Database(chengdu.db_url)
    try:
        with db.write() as session:
            partner = session.get(Partner, "cq-gxq")
            assert partner is not None
            kept = partner.trust_list
            ring = ZoneKeyring.start("cq-gxq", generate_signing_key(utcnow()))
            partner.trust_list = trust_list_for(ring, partner.standard_digest).to_dict()
        time.sleep(2.5)  # Chengdu's server reads partners through a 2-second cache
        answer = submit(chongqing, body("成都拒收测试科技有限公司"))
        dead = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] == "undeliverable" and v, seconds=30)
    finally:
        with db.write() as session:
            partner = session.get(Partner, "cq-gxq")
            assert partner is not None
            partner.trust_list = kept
        db.dispose()
    assert dead, view(chongqing, answer["id"])
    (letter,) = dead["cross_region"]["dead_letters"]
    assert letter["kind"] == "application.forwarded" and letter["state"] == "dead"
    assert letter["error"] == "federation.bad_signature"
    assert "cd-gxq" in letter["reason_zh"] and "拒绝" in letter["reason_zh"] and "签名" in letter["reason_zh"]
    assert "refused" in letter["reason_en"] and "signature" in letter["reason_en"]
    assert "政务服务中心" in letter["advice_zh"] and "service centre" in letter["advice_en"]
    rows = chongqing.get("/api/v1/federation/messages?state=dead", chongqing.token("officer-cq"))
    (row,) = [m for m in rows if m["application"] == answer["id"]]
    # Chengdu first follows Chongqing's signed trust list (which its swapped keys do not continue);
    # asked again within seconds it may answer 503 once, then refuses for good
    assert row["refusal"]["status"] == 403 and row["attempts"] >= 1
    page = httpx.get(f"{chongqing.url}/applications/{answer['id']}", headers=chongqing.token("alice"), timeout=30)
    assert page.status_code == 200 and "dead-letter-1" in page.text and "拒绝" in page.text
    overview = httpx.get(f"{chongqing.url}/federation", headers=chongqing.token("officer-cq"), timeout=30)
    assert overview.status_code == 200 and 'id="dead-letters"' in overview.text
    time.sleep(2)
    assert outbox(chongqing, row["id"]).attempts == row["attempts"]  # never sent again
    assert not [a for a in _applications_named(chengdu, "成都拒收测试科技有限公司")]
    assert f'id="resend-{row["id"][:8]}"' in overview.text  # the officer's button beside it

    # the cause fixed (Chengdu holds Chongqing's keys again), the officer sends it again
    applicant = httpx.post(f"{chongqing.url}/api/v1/federation/messages/{row['id']}/resend",
                           headers=chongqing.token("alice"), timeout=30)
    assert applicant.status_code == 403
    resent = httpx.post(f"{chongqing.url}/api/v1/federation/messages/{row['id']}/resend",
                        headers=chongqing.token("officer-cq"), timeout=30)
    assert resent.status_code == 200 and resent.json() == {"id": row["id"], "state": "pending", "partner": "cd-gxq"}
    assert wait_for(lambda: outbox(chongqing, row["id"]).state == "delivered", seconds=60)
    after = view(chongqing, answer["id"])
    assert after["status"] != "undeliverable" and not after["cross_region"]["dead_letters"], after
    assert _applications_named(chengdu, "成都拒收测试科技有限公司")
    again = httpx.post(f"{chongqing.url}/api/v1/federation/messages/{row['id']}/resend",
                       headers=chongqing.token("officer-cq"), timeout=30)
    assert again.status_code == 409 and again.json()["error"] == "federation.not_dead"
    db = Database(chongqing.db_url)
    try:
        with db.read() as session:
            (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "federation.message_resent"))
            assert entry.subject == f"message:{row['id']}" and entry.detail["error"] == "federation.bad_signature"
    finally:
        db.dispose()


def test_an_expired_message_is_no_longer_sent(pair) -> None:
    chongqing, chengdu = pair
    digest = chongqing.get("/healthz")["standard"]
    long_ago = utcnow() - timedelta(hours=73)
    (message_id,) = queue(chongqing, [new_message("application.material", "cq-gxq", "cd-gxq", digest, {"n": 1},
                                                  long_ago)])
    expired = wait_for(lambda: (row := outbox(chongqing, message_id)).state == "expired" and row, seconds=20)
    assert expired and expired.attempts == 0 and expired.refusal["error"] == "federation.expired"
    listed = {m["id"]: m for m in chongqing.get("/api/v1/federation/messages?state=expired",
                                                 chongqing.token("officer-cq"))}
    assert listed[message_id]["refusal"]["error"] == "federation.expired"


def _applications_named(instance: Instance, name: str) -> list[int]:
    with instance.reading() as session:
        return list(session.scalars(select(Application.id).where(Application.name == name)))


def test_audit_verify_zone_recomputes_the_partners_chain_from_its_entries(pair) -> None:
    """Last in this module: it tampers with Chengdu's chain. Chengdu changes an entry's content
    after a checkpoint Chongqing witnessed, but keeps every published hash: comparing hashes cannot
    see it; recomputing the chain from the entries between two signed checkpoints does."""
    chongqing, chengdu = pair
    kept = chongqing.cli("jobs", "run")
    assert "witness: kept cd-gxq's checkpoint" in kept.stdout
    witnessed = chengdu.get("/api/v1/audit/checkpoint?zone=cd-gxq")["seq"]
    answer = submit(chongqing, body("成都见证重算科技有限公司"))
    assert wait_for(lambda: (view(chongqing, answer["id"])["licence"] or {}).get("pdf_url"), seconds=90)
    # the licence PDF went once: the bytes Chongqing serves are those Chengdu rendered and kept, and
    # both message logs hold the decision under one digest
    pdf = httpx.get(chongqing.url + f"/api/v1/applications/{answer['id']}/licence.pdf",
                    headers=chongqing.token("alice"), timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    issuing = Database(chengdu.db_url)
    try:
        with issuing.read() as session:
            case = session.scalars(select(Case).where(Case.role == "issuing",
                                                      Case.remote_application_id == answer["id"])).one()
            sent = session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == case.application_id,
                                                               OutboxMessage.kind == "application.decided")).one()
            assert case.licence_pdf == pdf.content and sent.state == "delivered"
    finally:
        issuing.dispose()
    received = Database(chongqing.db_url)
    try:
        with received.read() as session:
            kept = session.get(InboxMessage, sent.id)
            assert kept is not None and kept.sha256 == sent.sha256 == hashlib.sha256(kept.message).hexdigest()
    finally:
        received.dispose()
    honest = chongqing.cli("audit", "verify", "--zone", "cd-gxq")
    said = honest.stdout.replace("\n", "")
    assert "recomputed from their content" in said and "重新计算" in said, said

    db = Database(chengdu.db_url)
    try:
        with db.write() as session:
            entry = session.scalars(select(AuditEntry).where(AuditEntry.chain == "cd-gxq",
                                                             AuditEntry.seq > witnessed)
                                    .order_by(AuditEntry.seq).limit(1)).one()
            entry.detail = {**entry.detail, "rewritten": True}  # the hash column stays as it was
    finally:
        db.dispose()
    caught = chongqing.cli("audit", "verify", "--zone", "cd-gxq", check=False)
    assert caught.returncode == 1, caught.stdout
    told = caught.stderr.replace("\n", "")
    assert "rewrote its chain: recomputed from its entries" in told and "改写" in told

    # only partners are answered: a request signed by a stranger is refused and nothing is written.
    # Chengdu records each of the case's messages as delivered when Chongqing's receipt comes back (the
    # PDF's can come after Chongqing shows the PDF): the count waits for those, so that it sees only
    # what the stranger's request would write.
    assert wait_for(lambda: not undelivered(chengdu, case.application_id), seconds=60)
    before = audit_length(chengdu)
    stranger = new_message("chain.entries", "cq-gxq", "cd-gxq", chengdu.get("/healthz")["standard"],
                           {"zone": "cd-gxq", "after": 0, "until": 10}, utcnow())
    refused = httpx.post(chengdu.url + "/api/v1/federation/chain/entries", timeout=30,
                         json={"message": b64(sign1(stranger.payload(), generate_signing_key(utcnow())))})
    assert refused.status_code == 403 and refused.json()["error"] == "federation.bad_signature"
    assert audit_length(chengdu) == before, latest_entries(chengdu, audit_length(chengdu) - before)


def _actions(instance: Instance, action: str) -> list[dict[str, Any]]:
    with instance.reading() as session:
        return [row.detail for row in session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def test_after_both_zones_rotate_their_keys_messages_and_receipts_are_accepted_with_no_manual_step(pair) -> None:
    """The regression of issue 19: ``yima keys rotate`` on a sender made its partner answer 403
    bad_signature, a dead letter. Now each side follows the other's signed trust list by itself."""
    chongqing, chengdu = pair
    old_cq, old_cd = chongqing_key(chongqing).kid_text, _active_kid(chengdu, "cd-gxq")
    chongqing.cli("keys", "rotate", "cq-gxq")
    chengdu.cli("keys", "rotate", "cd-gxq")
    time.sleep(5.5)  # the servers sign with a keyring read at most 5 seconds ago
    answer = submit(chongqing, body("成都轮换密钥测试科技有限公司"))
    decided = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] not in ("forwarded", "undeliverable")
                       and v, seconds=60)
    assert decided, view(chongqing, answer["id"])
    assert not decided["cross_region"]["dead_letters"]

    def forwarded() -> list[dict]:
        return [m for m in chongqing.get("/api/v1/federation/messages?partner=cd-gxq", chongqing.token("officer-cq"))
                if m["application"] == answer["id"] and m["direction"] == "out"]

    # the partner's decision may come back before the sender has written down its forward's answer
    delivered = wait_for(lambda: (f := forwarded()) and all(m["state"] == "delivered" for m in f), seconds=30)
    assert delivered, [(m["kind"], m["state"], m["attempts"], m.get("error")) for m in forwarded()]
    # each side took the other's new key, vouched for by the key it knew, and wrote it down
    (followed_at_cd, *_) = _actions(chengdu, "federation.partner_keys_followed")
    assert old_cq in followed_at_cd["before"] and chongqing_key(chongqing).kid_text in followed_at_cd["keys"]
    assert old_cq in followed_at_cd["keys"]  # the retired key stays: what it signed still verifies
    (followed_at_cq, *_) = _actions(chongqing, "federation.partner_keys_followed")
    assert old_cd in followed_at_cq["before"] and _active_kid(chengdu, "cd-gxq") in followed_at_cq["keys"]


def _active_kid(instance: Instance, zone: str) -> str:
    with instance.reading() as session:
        return keyring(session, zone, fresh=True).active.kid_text
