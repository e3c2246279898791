"""跨省异地办照 end to end: Chongqing (SQLite) accepts, Chengdu (PostgreSQL) decides and issues; two
real ``yima serve`` processes that share nothing but signed messages over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from datetime import date, timedelta
from importlib import resources
from typing import Any

import cbor2
import httpx
import pytest
from instances import Instance, wait_for
from pycose.headers import KID
from pycose.keys import EC2Key, OKPKey
from pycose.messages import Sign1Message
from sqlalchemy import select

from factories import tiny_pdf
from yima.accounts.service import actor_of
from yima.accounts.tables import User
from yima.audit.rules import AuditEvent, entry_hash
from yima.audit.service import verify_chain
from yima.audit.tables import AuditEntry, AuditHead
from yima.clock import as_utc, utcnow
from yima.db import Database
from yima.federation import delivery
from yima.federation.delivery import b64, unb64
from yima.federation.model import new_message
from yima.federation.tables import Case, InboxMessage, OutboxMessage
from yima.identity import make_id_number
from yima.keys.model import generate_signing_key
from yima.keys.service import keyring
from yima.licences.cose import sign1
from yima.licences.qr import extract_cose_bytes
from yima.registration import service as registration
from yima.registration.tables import Application
from yima.standard.loader import parse_standard
from yima_process import run_yima

pytestmark = pytest.mark.xdist_group("two_instances")  # its module-scoped fixtures are set up once, in one worker

REP_ID = make_id_number("500107", date(1988, 6, 24), 12)


def body(name: str, **changes: Any) -> dict[str, Any]:
    rep = {"name": "姚红艳", "id_number": REP_ID, "phone": "13800000001"}
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
    return answer.json()


def view(chongqing: Instance, app_id: int) -> dict[str, Any]:
    return chongqing.get(f"/api/v1/applications/{app_id}", chongqing.token("alice"))


def audit_actions(instance: Instance, chain: str) -> list[tuple[str, dict[str, Any]]]:
    with instance.reading() as session:
        return [(row.action, row.detail) for row in session.scalars(
            select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq))]


def applications_named(instance: Instance, name: str) -> list[Application]:
    with instance.reading() as session:
        return list(session.scalars(select(Application).where(Application.name == name)))


def pycose_key(jwk: dict[str, str]) -> OKPKey | EC2Key:
    def raw(name: str) -> bytes:
        return base64.urlsafe_b64decode(jwk[name] + "=" * (-len(jwk[name]) % 4))

    if jwk["kty"] == "OKP":
        return OKPKey(crv="ED25519", x=raw("x"))
    return EC2Key(crv="P_256", x=raw("x"), y=raw("y"))


def verified_by_pycose(cose: bytes, trust_list: dict[str, Any]) -> dict[Any, Any]:
    """The payload, once pycose alone has checked the signature with a key of the trust list."""
    message = Sign1Message.decode(cose)
    kid = base64.urlsafe_b64encode(message.get_attr(KID)).rstrip(b"=")
    jwk = next(k for k in trust_list["keys"] if k["kid"] == kid.decode())
    message.key = pycose_key(jwk)
    assert message.verify_signature()
    return cbor2.loads(message.payload)


def test_a_forwarded_application_is_approved_by_the_partner_and_its_licence_comes_back(pair) -> None:
    chongqing, chengdu = pair
    answer = submit(chongqing, body("成都云帆科技有限公司"))
    assert answer["status"] == "forwarded" and answer["zone"] == "cd-gxq" and answer["accepting_zone"] == "cq-gxq"

    done = wait_for(lambda: (v := view(chongqing, answer["id"]))["licence"] and v)
    assert done, view(chongqing, answer["id"])
    assert done["status"] == "approved" and done["uscc"].startswith("91510109")
    assert [t["to"] for t in done["transitions"]][:1] == ["forwarded"]
    assert {"received", "approved", "licence_delivered"} <= {t["to"] for t in done["transitions"]}

    # the QR is Chengdu's, signed with a key of its published trust list (checked by pycose alone)
    trust = chengdu.get("/.well-known/yima/trust-list.json")
    qr = done["licence"]["qr"]
    assert qr.lower().startswith(chengdu.url.lower() + "/v/")
    claims = verified_by_pycose(extract_cose_bytes(qr), trust)
    assert done["uscc"] in claims.values()
    assert chengdu.get(f"/api/v1/licences/{done['uscc']}")["zone"] == "cd-gxq"

    # the PDF follows in a message of its own; it is served from Chongqing's delivered copy, signed
    # by Chengdu (pdfsig checks it)
    done = wait_for(lambda: (v := view(chongqing, answer["id"]))["licence"]["pdf_url"] and v)
    assert done and done["licence"]["pdf_delivered_at"] >= done["licence"]["delivered_at"]
    pdf = httpx.get(chongqing.url + done["licence"]["pdf_url"], headers=chongqing.token("alice"), timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    path = chongqing.home / "delivered.pdf"
    path.write_bytes(pdf.content)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report and "成都高新区" in report

    # Chengdu filed it as its own, channel cross_region, with the accepting zone recorded
    issued = chengdu.get(f"/api/v1/applications/{done['cross_region']['partner_application']}",
                         chengdu.token("officer-cd"))
    assert issued["channel"] == "cross_region" and issued["accepting_zone"] == "cq-gxq"
    assert issued["status"] == "approved" and issued["uscc"] == done["uscc"]

    # both audit logs show what was exchanged, with the receipts' digests
    sent = [d for a, d in audit_actions(chongqing, "cq-gxq") if a == "federation.message_delivered"]
    assert any(d["kind"] == "application.forwarded" and len(d["receipt_sha256"]) == 64 for d in sent)
    got = [d for a, d in audit_actions(chengdu, "cd-gxq") if a == "federation.message_received"]
    assert any(d["kind"] == "application.forwarded" for d in got)
    assert any(d["kind"] == "application.decided" for a, d in audit_actions(chongqing, "cq-gxq")
               if a == "federation.message_received")


def test_a_queued_application_is_decided_by_the_partners_officer_with_materials_sent_from_home(pair) -> None:
    chongqing, chengdu = pair
    answer = submit(chongqing, body("成都渝味便利店有限公司", scope=["convenience_store"], industry_code="F5213",
                                    registered_capital="100000.00", materials=["application_form"]))
    queued = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] == "under_review" and v)
    assert queued and any(f["rule"] == "materials.missing" for f in queued["findings"])
    partner_id = queued["cross_region"]["partner_application"]
    officer = chengdu.token("officer-cd")
    assert partner_id in [a["id"] for a in chengdu.get("/api/v1/applications", officer)]

    decided = httpx.post(f"{chengdu.url}/api/v1/applications/{partner_id}/decision", headers=officer, timeout=30,
                         json={"decision": "accept_with_missing", "reason": "容缺受理：章程15日内补交"})
    assert decided.status_code == 200, decided.text
    waiting = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] == "awaiting_materials" and v)
    assert waiting and waiting["missing_materials"] == ["articles_of_association"]

    upload = httpx.post(f"{chongqing.url}/api/v1/applications/{answer['id']}/materials",
                        headers=chongqing.token("alice"), data={"material": "articles_of_association"},
                        files={"file": ("章程.pdf", tiny_pdf("articles"), "application/pdf")}, timeout=30)
    assert upload.status_code == 200, upload.text
    assert wait_for(lambda: chengdu.get(f"/api/v1/applications/{partner_id}", officer)["status"] == "under_review")
    issued = chengdu.get(f"/api/v1/applications/{partner_id}", officer)
    assert [u["material"] for u in issued["uploads"]] == ["articles_of_association"]
    assert issued["uploads"][0]["sha256"] == hashlib.sha256(tiny_pdf("articles")).hexdigest()

    approved = httpx.post(f"{chengdu.url}/api/v1/applications/{partner_id}/decision", headers=officer, timeout=30,
                          json={"decision": "approve", "reason": "名称经核准"})
    assert approved.status_code == 200, approved.text
    done = wait_for(lambda: (v := view(chongqing, answer["id"]))["licence"] and v)
    assert done and done["status"] == "approved" and done["uscc"] == approved.json()["uscc"]


def test_the_licence_goes_with_its_decision_and_its_pdf_made_after_a_crash_follows(pair, standard) -> None:
    """Chengdu's officer approves a queued application and Chengdu stops before anything else
    happens: the decision, its message and the note that the licence PDF is to be made were
    committed together (made here, in this test's process, against Chengdu's database, while its
    server is down). The decision alone reaches Chongqing: the licence is delivered, and no PDF is
    claimed — none on the JSON, 404 for the PDF, the page says it is on its way. Chengdu's server,
    started again, makes the PDF from what was committed and sends it as a message of its own; both
    messages are in both message logs, each under one digest with its receipt."""
    chongqing, chengdu = pair
    answer = submit(chongqing, body("成都渝信科技股份有限公司", entity_type="joint_stock",  # no 秒批: reviewed
                                    materials=["application_form", "articles_of_association", "promoters_agreement"]))
    queued = wait_for(lambda: (v := view(chongqing, answer["id"]))["status"] == "under_review" and v)
    assert queued, {k: v for k, v in view(chongqing, answer["id"]).items() if k in ("status", "findings")}
    partner_id = queued["cross_region"]["partner_application"]
    chengdu.kill()
    issuing = Database(chengdu.db_url)
    try:
        with issuing.read() as session:
            officer = actor_of(session.scalars(select(User).where(User.username == "officer-cd")).one())
        registration.decide(issuing, standard, officer, partner_id, "approve", "预包装食品备案已核", utcnow())
        with issuing.read() as session:
            case = session.get(Case, partner_id)
            assert case is not None and case.licence_qr and case.licence_pdf is None  # to be made
            decided = session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == partner_id,
                                                                  OutboxMessage.kind == "application.decided")
                                      .order_by(OutboxMessage.created_at.desc())).first()
        assert decided is not None and decided.state == "pending"
        assert delivery.deliver_one(issuing, decided.id, standard)  # the decision alone, to the live Chongqing
        shown = view(chongqing, answer["id"])
        assert shown["status"] == "approved" and shown["licence"]["qr"] == case.licence_qr
        assert shown["licence"]["pdf_url"] is None and shown["licence"]["pdf_delivered_at"] is None
        missing = httpx.get(f"{chongqing.url}/api/v1/applications/{answer['id']}/licence.pdf",
                            headers=chongqing.token("alice"), timeout=30)
        assert missing.status_code == 404 and missing.json()["error"] == "licence.pdf_not_delivered"
        qr = httpx.get(f"{chongqing.url}/api/v1/applications/{answer['id']}/licence-qr.png",
                       headers=chongqing.token("alice"), timeout=30)
        assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")
        page = httpx.get(f"{chongqing.url}/applications/{answer['id']}", headers=chongqing.token("alice"), timeout=30)
        assert 'id="licence-pdf-pending"' in page.text and 'id="licence-pdf"' not in page.text
    finally:
        chengdu.start()
    done = wait_for(lambda: (v := view(chongqing, answer["id"]))["licence"]["pdf_url"] and v, seconds=60)
    assert done, view(chongqing, answer["id"])
    pdf = httpx.get(chongqing.url + done["licence"]["pdf_url"], headers=chongqing.token("alice"), timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    try:
        with issuing.read() as session:
            made = session.get(Case, partner_id)
            sent = {m.kind: m for m in session.scalars(select(OutboxMessage).where(
                OutboxMessage.application_id == partner_id, OutboxMessage.created_at >= decided.created_at))}
        assert made is not None and made.licence_pdf == pdf.content  # made once, by the restarted server
        assert sorted(sent) == ["application.decided", "application.licence_pdf"]
        assert all(m.state == "delivered" and len(m.receipt_sha256) == 64 for m in sent.values())
        assert sent["application.licence_pdf"].created_at > sent["application.decided"].created_at
    finally:
        issuing.dispose()
    accepting = Database(chongqing.db_url)
    try:
        with accepting.read() as session:
            for message in sent.values():
                kept = session.get(InboxMessage, message.id)
                assert kept is not None and kept.sha256 == message.sha256 == hashlib.sha256(kept.message).hexdigest()
                assert kept.receipt_sha256 == message.receipt_sha256
    finally:
        accepting.dispose()


def test_the_partner_killed_during_submission_gets_the_application_exactly_once(pair) -> None:
    chongqing, chengdu = pair
    name = "成都山城数据科技有限公司"
    chengdu.kill()
    try:
        answer = submit(chongqing, body(name))
        assert answer["status"] == "forwarded"
        waiting = wait_for(lambda: _outbox(chongqing, answer["id"]).attempts >= 1, seconds=30)
        assert waiting and _outbox(chongqing, answer["id"]).delivered_at is None
    finally:
        chengdu.start()
    done = wait_for(lambda: (v := view(chongqing, answer["id"]))["licence"] and v, seconds=90)
    assert done and done["status"] == "approved"
    assert len(applications_named(chengdu, name)) == 1
    row = _outbox(chongqing, answer["id"])
    assert row.delivered_at is not None and row.attempts >= 2 and row.receipt
    # the outbox keeps resending until the receipt, yet Chengdu holds one application and one licence
    assert len([d for a, d in audit_actions(chengdu, "cd-gxq")
                if a == "enterprise.established" and d.get("name") == name]) == 1


def _outbox(instance: Instance, app_id: int) -> OutboxMessage:
    with instance.reading() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == app_id,
                                                           OutboxMessage.kind == "application.forwarded")).one()


def _signed_by_chongqing(chongqing: Instance, **changes: Any) -> bytes:
    """A message made with Chongqing's real key (read from its database), with ``changes``."""
    db = Database(chongqing.db_url)
    try:
        with db.read() as session:
            key = keyring(session, "cq-gxq", fresh=True).active
    finally:
        db.dispose()
    trust = httpx.get(chongqing.url + "/.well-known/yima/trust-list.json", timeout=30).json()
    fields: dict[str, Any] = {"kind": "application.forwarded", "sender": "cq-gxq", "recipient": "cd-gxq",
                              "standard": trust["standard_digest"], "now": utcnow(), "key": key,
                              "body": {"application": 999_000, "application_body": body(changes.pop("name",
                                                                                                    "成都旁路科技有限公司")),
                                       "applicant": "test"}}
    fields.update(changes)
    envelope = new_message(fields["kind"], fields["sender"], fields["recipient"], fields["standard"], fields["body"],
                           fields["now"])
    return sign1(envelope.payload(), fields["key"])


def _post(chengdu: Instance, message: bytes) -> httpx.Response:
    return httpx.post(chengdu.url + "/api/v1/federation/messages", json={"message": b64(message)}, timeout=60)


def test_forged_replayed_misaddressed_and_wrong_standard_messages_are_refused(pair) -> None:
    chongqing, chengdu = pair
    refusals = {
        "bad_signature": (403, _signed_by_chongqing(chongqing, key=generate_signing_key(utcnow()))),
        "not_partner": (403, _signed_by_chongqing(chongqing, sender="gz-gxq")),
        "wrong_recipient": (421, _signed_by_chongqing(chongqing, recipient="gz-gxq")),
        "standard_mismatch": (409, _signed_by_chongqing(chongqing, standard="ab" * 32)),
        "too_old": (422, _signed_by_chongqing(chongqing, now=utcnow() - timedelta(hours=1))),
    }
    entries = len(audit_actions(chengdu, "cd-gxq"))
    for reason, (status, message) in refusals.items():
        answer = _post(chengdu, message)
        assert answer.status_code == status, (reason, answer.text)
        assert answer.json()["error"] == f"federation.{reason}"
        assert answer.json()["detail"][0]["message_zh"] and answer.json()["detail"][0]["message_en"]
    # refusals go to the request log, not to the audit chain. Chengdu's job runner may still be
    # finishing an earlier test's licence PDF and its delivery, which chain entries of their own;
    # none of those is a message received, an application, or anything naming a refused message.
    digests = {hashlib.sha256(message).hexdigest() for _, message in refusals.values()}
    added = audit_actions(chengdu, "cd-gxq")[entries:]
    assert not [(action, detail) for action, detail in added
                if action in ("federation.message_received", "federation.message_queued")
                or action.startswith("application.") or detail.get("sha256") in digests
                or detail.get("application") == 999_000], added
    logged = [json.loads(line) for line in chengdu.log_text().splitlines()
              if line.startswith("{") and "federation.message_refused" in line]
    refused = {line["reason"]: line for line in logged}
    assert set(refusals) <= set(refused)
    assert refused["bad_signature"]["sha256"] == hashlib.sha256(refusals["bad_signature"][1]).hexdigest()

    # a valid message is applied once; the same id again is answered with the first receipt
    name = "成都重放测试科技有限公司"
    message = _signed_by_chongqing(chongqing, name=name)
    first, again = _post(chengdu, message), _post(chengdu, message)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert first.json()["receipt"] == again.json()["receipt"]
    assert len(applications_named(chengdu, name)) == 1
    receipt = verified_by_pycose(unb64(first.json()["receipt"]), chengdu.get("/.well-known/yima/trust-list.json"))
    assert receipt["kind"] == "receipt" and receipt["from"] == "cd-gxq" and receipt["to"] == "cq-gxq"
    assert receipt["body"]["sha256"] == hashlib.sha256(message).hexdigest()


def test_a_partner_on_another_standard_is_refused_naming_both_digests(pair, tmp_path) -> None:
    chongqing, chengdu = pair

    packaged = resources.files("yima.standard").joinpath("data", "standard.toml").read_text("utf-8")
    other = tmp_path / "standard.toml"
    other.write_text(packaged.replace("statutory_days = ", "statutory_days = 1", 1), "utf-8")
    ours = parse_standard(other.read_text("utf-8")).digest
    probe = run_yima(["partners", "add", "cd-gxq", "--url", chengdu.url,
                            "--trust-list", chengdu.url + "/.well-known/yima/trust-list.json",
                            "--db", f"sqlite:///{tmp_path / 'other.db'}"],
                           env={**chongqing.env, "YIMA_STANDARD_FILE": str(other)}, timeout=120)
    theirs = chengdu.get("/healthz")["standard"]
    assert probe.returncode != 0
    said = probe.stderr.replace("\n", "")
    assert "federation.standard_mismatch" in said and theirs in said and ours in said and ours != theirs


def test_a_partner_that_rewrites_its_history_is_caught_by_the_checkpoints_it_witnessed(pair) -> None:
    """Last in this module: it rewrites Chengdu's chain."""
    chongqing, chengdu = pair
    kept = chongqing.cli("jobs", "run")
    assert "witness: kept cd-gxq's checkpoint" in kept.stdout
    assert chongqing.cli("audit", "verify", "--zone", "cd-gxq").returncode == 0

    db = Database(chengdu.db_url)
    try:
        with db.write() as session:  # rewrite entry 3 and recompute every hash after it, head included
            rows = list(session.scalars(select(AuditEntry).where(AuditEntry.chain == "cd-gxq")
                                        .order_by(AuditEntry.seq)))
            rows[2].detail = {**rows[2].detail, "rewritten": True}
            previous = rows[1].hash
            for row in rows[2:]:
                event = AuditEvent(row.chain, as_utc(row.at), row.actor_id, row.actor_role, row.action, row.subject,
                                   row.detail)
                row.prev_hash, row.hash = previous, entry_hash(previous, row.seq, event)
                previous = row.hash
            head = session.get(AuditHead, "cd-gxq")
            assert head is not None and head.seq == rows[-1].seq
            head.hash = previous
        assert verify_chain(db, "cd-gxq").ok  # its own check cannot see it
    finally:
        db.dispose()
    caught = chongqing.cli("audit", "verify", "--zone", "cd-gxq", check=False)
    assert caught.returncode == 1
    assert "rewrote its chain" in caught.stderr.replace("\n", "") and "改写" in caught.stderr
