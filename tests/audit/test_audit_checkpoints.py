"""Signed checkpoints: a chain rewritten from scratch, which its own hashes cannot reveal, is found."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from sqlalchemy import select, update

from factories import NOW, application_body
from yima.audit import service as audit
from yima.audit.rules import AuditEvent, link
from yima.audit.tables import AuditEntry, AuditHead
from yima.keys.service import trust_list
from yima.registration import service
from yima.registration.model import ApplicationIn
from yima_process import run_yima

pytestmark = pytest.mark.db


def _submit(db, standard, actor, name: str) -> None:
    service.submit(db, standard, actor, ApplicationIn.model_validate(application_body(name=name)), NOW)


def _rewrite_consistently(db, chain: str, seq: int) -> None:
    """What someone with write access to the database could do: change an entry and recompute every
    hash after it, and the head, so that the chain checks out on its own."""
    with db.write() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)).all()
        events = [AuditEvent(r.chain, r.at, r.actor_id, r.actor_role, r.action, r.subject, r.detail) for r in rows]
        events[seq - 1] = AuditEvent(events[seq - 1].chain, events[seq - 1].at, None, "system", "application.approved",
                                     events[seq - 1].subject, {"reason": "改写"})
        relinked = link("0" * 64, 0, events)
        for row, entry in zip(rows, relinked, strict=True):
            row.actor_id, row.actor_role, row.action, row.detail = (entry.event.actor_id, entry.event.actor_role,
                                                                    entry.event.action, dict(entry.event.detail))
            row.prev_hash, row.hash = entry.prev_hash, entry.hash
        session.execute(update(AuditHead).where(AuditHead.chain == chain).values(hash=relinked[-1].hash))


def test_a_checkpoint_holds_while_the_chain_grows_and_catches_a_rewrite(db, standard, people):
    _submit(db, standard, people["alice"], "重庆检查点一号科技有限公司")
    checkpoint = audit.signed_checkpoint(db, "cq-gxq", NOW).as_json()
    trust = trust_list(db, standard, "cq-gxq")
    assert audit.check_checkpoint(db, checkpoint, trust)[0] is True
    _submit(db, standard, people["alice"], "重庆检查点二号科技有限公司")
    ok, zh, en = audit.check_checkpoint(db, checkpoint, trust)
    assert ok and f"entry {checkpoint['seq']}" in en
    _rewrite_consistently(db, "cq-gxq", 3)
    assert audit.verify_chain(db, "cq-gxq").ok  # the hashes alone do not show it
    ok, zh, en = audit.check_checkpoint(db, checkpoint, trust)
    assert not ok and "rewritten" in en and "改写" in zh


def test_a_forged_or_foreign_checkpoint_is_refused(db, standard, people):
    _submit(db, standard, people["alice"], "重庆检查点三号科技有限公司")
    checkpoint = audit.signed_checkpoint(db, "cq-gxq", NOW).as_json()
    trust = trust_list(db, standard, "cq-gxq")
    forged = {**checkpoint, "seq": checkpoint["seq"] - 1}
    assert audit.check_checkpoint(db, forged, trust)[2].startswith("The checkpoint's signature is not valid")
    foreign = audit.check_checkpoint(db, checkpoint, trust_list(db, standard, "cd-gxq"))
    assert not foreign[0] and "not of this zone" in foreign[2]
    assert not audit.check_checkpoint(db, {"chain": "cq-gxq"}, trust)[0]  # malformed, not a crash


@pytest.mark.e2e
def test_checkpoints_over_http_and_the_command_line(server, db, tmp_path):
    with server.client("alice") as alice:
        assert alice.post("/api/v1/applications", json=application_body()).status_code == 201
    with server.client() as anyone:  # public: whoever wants to may keep copies
        checkpoint = anyone.get("/api/v1/audit/checkpoint", params={"zone": "cq-gxq"}).json()
        published = anyone.get("/.well-known/yima/trust-list.json", params={"zone": "cq-gxq"}).text
    assert checkpoint["chain"] == "cq-gxq" and checkpoint["seq"] > 0
    saved, trust = tmp_path / "checkpoint.json", tmp_path / "trust.json"
    saved.write_text(json.dumps(checkpoint), "utf-8")
    trust.write_text(published, "utf-8")
    command = ["audit", "verify", "--checkpoint", str(saved), "--trust-list", str(trust), "--db", db.url]
    good = run_yima(command, timeout=120)
    assert good.returncode == 0 and "passes through the checkpoint" in good.stdout
    _rewrite_consistently(db, "cq-gxq", 2)
    bad = run_yima(command, timeout=120)
    assert bad.returncode == 1 and "rewritten" in bad.stderr


def test_docs_formulas_check_out_without_yimas_code(db, standard, people):
    """docs/audit-log.md is enough: recompute an entry's hash and verify a checkpoint with hashlib
    and cryptography alone."""
    import base64
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    _submit(db, standard, people["alice"], "重庆文档核验科技有限公司")
    with db.read() as session:
        last, before = session.scalars(select(AuditEntry).where(AuditEntry.chain == "cq-gxq")
                                       .order_by(AuditEntry.seq.desc()).limit(2)).all()
    moment = last.at.replace(tzinfo=UTC) if last.at.tzinfo is None else last.at.astimezone(UTC)  # SQLite: naive UTC
    at = moment.isoformat(timespec="microseconds")
    canonical = json.dumps({"chain": last.chain, "seq": last.seq, "at": at, "actor_id": last.actor_id,
                            "actor_role": last.actor_role, "action": last.action, "subject": last.subject,
                            "detail": last.detail}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert last.prev_hash == before.hash
    assert hashlib.sha256(before.hash.encode() + b"\n" + canonical.encode()).hexdigest() == last.hash

    checkpoint = audit.signed_checkpoint(db, "cq-gxq", NOW).as_json()
    jwk = next(k for k in trust_list(db, standard, "cq-gxq").to_dict()["keys"] if k["kid"] == checkpoint["kid"])
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="))
    message = json.dumps({key: checkpoint[key] for key in ("purpose", "chain", "seq", "hash", "at")},
                         sort_keys=True, separators=(",", ":"))
    public.verify(base64.urlsafe_b64decode(checkpoint["signature"] + "=="), message.encode("ascii"))
    assert checkpoint["seq"] == last.seq and checkpoint["hash"] == last.hash

