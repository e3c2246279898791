"""Seal-set use cases: enqueue on approval, issue, list, export, revoke, publish the CRL.

A set is enqueued in the approval's own transaction (rows only), and issued later by the job or on
the owner's first look, whichever comes first. Issuing draws five ECDSA P-256 keys, has the zone's
issuing CA certify them; that work happens outside any transaction (SQLite would hold its write
lock meanwhile), and the result is stored only if the set is still pending. A seal's picture is not
stored: only the look it is drawn from (``images.SealLook``), drawn when asked and kept in a bounded
cache by content hash (``images.DRAWN``). Keys are stored encrypted (``yima.pki.service``) and
decrypted only for the enterprise's authorised user (``Enterprise.owner_id``) or the platform's
operator (the CLI, ``actor=None``). Revoked seals are listed on the zone's issuing-CA CRL
(RFC 5280 clause 5) with the reason cessationOfOperation (注销) or privilegeWithdrawn (吊销).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yima.accounts.service import actor_of
from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.audit.rules import AuditEvent
from yima.clock import as_utc, china_days
from yima.config import get_settings
from yima.db import Base, Database
from yima.db.bulk import new_row
from yima.errors import DomainError, Forbidden, NotFound
from yima.pki.ca import Revocation, build_crl, issue_signing_certificate, read_signer_identity
from yima.pki.keys import PrivateKey, cert_to_pem, new_signing_key, to_pkcs12
from yima.pki.service import crl_url, decrypt_key, encrypt_key, load_zone_pki
from yima.register.status import EnterpriseStatus
from yima.register.tables import Enterprise
from yima.registration.handoff import Approval, Establishment
from yima.seals.images import DRAWN, SealLook
from yima.seals.model import SEAL_SET, SealFormat, SealType, seal_identity
from yima.seals.status import (
    SealSetStatus,
    SealStatus,
    in_force,
    seal_may_move,
    seals_moving_to,
    set_may_move,
)
from yima.seals.tables import Seal, SealSet
from yima.standard.model import MatterStandard
from yima.zones.tables import Zone

log = logging.getLogger("yima.seals")

CRL_VALIDITY = timedelta(days=1)
PKCS12_MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class SealView:
    """A seal as its enterprise sees it (no key)."""

    id: str
    type: SealType
    status: SealStatus
    certificate_pem: str
    serial: str
    uscc: str
    enterprise_name: str

    @property
    def image_png_url(self) -> str:
        return f"/api/v1/seals/{self.id}/image.png"

    @property
    def image_svg_url(self) -> str:
        return f"/api/v1/seals/{self.id}/image.svg"


@dataclass(frozen=True)
class SealInUse:
    """What signing with one seal needs: its key, certificate and chain, image, and where it is."""

    id: str
    type: SealType
    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    image_png: bytes
    zone_name: str


def _enterprise_unknown(uscc: str) -> NotFound:
    return NotFound("enterprise.unknown", "uscc", f"没有统一社会信用代码为 {uscc} 的企业",
                    f"No enterprise has the credit code {uscc}")


def _seal_unknown(seal_id: str) -> NotFound:
    return NotFound("seal.unknown", "id", f"没有编号为 {seal_id} 的印章", f"No seal {seal_id}")


def require_owner(enterprise: Enterprise, actor: Actor | None) -> None:
    """Only the enterprise's authorised user may use its seals; ``None`` is the platform's operator."""
    if actor is not None and enterprise.owner_id != actor.id:
        raise Forbidden("seal.not_owner", "uscc", "只有企业的授权用户才能使用其电子印章",
                        "Only the enterprise's authorised user may use its electronic seals")


# --- enqueue and issue ---------------------------------------------------------------------------

def enqueue_seal_set(session: Session, uscc: str, now: datetime) -> None:
    """Ask for the free seal set of an existing enterprise that has none, in the caller's transaction."""
    enterprise = session.get(Enterprise, uscc)
    if enterprise is None:
        raise _enterprise_unknown(uscc)
    if session.scalar(select(SealSet.id).where(SealSet.uscc == uscc)) is None:
        session.add(new_seal_set(enterprise, now))


def new_seal_set(enterprise: Enterprise, now: datetime) -> SealSet:
    """The free seal set a newly established enterprise is owed, queued for issue."""
    seal_set = new_row(SealSet, enterprise=enterprise, uscc=enterprise.uscc, zone_id=enterprise.zone_id,
                       requested_at=now)
    _move_set(seal_set, SealSetStatus.PENDING)
    return seal_set


def _move_set(seal_set: SealSet, target: SealSetStatus) -> bool:
    """The one writer of a seal set's status: moves it to ``target`` where the table of moves
    (``seals.status``) allows; False, and the set untouched, where it does not."""
    if not set_may_move(seal_set.status, target):
        return False
    seal_set.status = target
    return True


def _move_seal(seal: Seal, target: SealStatus) -> None:
    """The one writer of one seal's status (a new seal is made ``active``); revoking a set's seals
    together selects them by the same table (``_revoke_seals``)."""
    if not seal_may_move(seal.status, target):
        raise ValueError(f"a seal {seal.status or 'not yet made'} cannot become {target}")
    seal.status = target


@dataclass(frozen=True)
class _MadeSeal:
    type: SealType
    cert: x509.Certificate
    key_pem: str
    look: SealLook


def _make_seals(session: Session, seal_set: SealSet, now: datetime) -> list[_MadeSeal]:
    enterprise = session.get(Enterprise, seal_set.uscc)
    if enterprise is None:
        raise _enterprise_unknown(seal_set.uscc)
    issuing = load_zone_pki(session, seal_set.zone_id).ca.issuing
    name, uscc = enterprise.name, enterprise.uscc
    person = (enterprise.legal_representative or {}).get("name")
    made = []
    for seal_type in SEAL_SET:
        key = new_signing_key()
        person_name = person if seal_type.is_personal else None
        certified = issue_signing_certificate(issuing, key, seal_identity(seal_type, name, uscc, person_name),
                                              now=now, crl_url=crl_url(seal_set.zone_id))
        made.append(_MadeSeal(seal_type, certified.cert, encrypt_key(key),
                              SealLook(seal_type, name, uscc, person_name)))
    return made


def _issue_set(db: Database, set_id: int, now: datetime) -> str | None:
    """Issue one pending set; the credit code when this call issued it, None when it was no longer pending."""
    with db.read() as session:
        seal_set = session.get(SealSet, set_id)
        if seal_set is None or not set_may_move(seal_set.status, SealSetStatus.ISSUED):
            return None
        made = _make_seals(session, seal_set, now)
    with db.write() as session:
        seal_set = session.scalar(select(SealSet).where(SealSet.id == set_id).with_for_update())
        if seal_set is None or not _move_set(seal_set, SealSetStatus.ISSUED):
            return None  # issued by someone else meanwhile, or revoked: drop what was made
        seal_set.issued_at = now
        for position, seal in enumerate(made):
            row = Seal(id=secrets.token_hex(8), set_id=set_id, position=position, type=seal.type.value,
                       format=SealFormat.X509_PADES.value, cert_serial=format(seal.cert.serial_number, "x"),
                       cert_pem=cert_to_pem(seal.cert).decode("ascii"), key_pem=seal.key_pem,
                       image_svg="", image_png=b"", look_name=seal.look.enterprise_name,
                       look_uscc=seal.look.uscc, look_person=seal.look.person_name, created_at=now)
            _move_seal(row, SealStatus.ACTIVE)
            session.add(row)
        seal_set.price_yuan = Decimal(get_settings().seal_set_price_yuan)
        audit.record(session, [audit.event(seal_set.zone_id, None, now, "seal_set.issued", f"seal_set:{seal_set.uscc}",
                                           certificates=[format(m.cert.serial_number, "x") for m in made])])
        return seal_set.uscc


def issue_pending_seal_sets(db: Database, now: datetime) -> list[str]:
    """Issue every pending set, each in its own transaction; the credit codes of the sets issued.

    A set that cannot be issued (its zone has no CA yet, no legal representative's name) stays
    pending and is logged; the others go on.
    """
    with db.read() as session:
        pending = list(session.scalars(select(SealSet.id).where(SealSet.status == SealSetStatus.PENDING)
                                       .order_by(SealSet.id)))
    issued = []
    for set_id in pending:
        try:
            uscc = _issue_set(db, set_id, now)
        except DomainError as err:
            log.warning("seal set %s not issued: %s", set_id, err)
            continue
        if uscc:
            issued.append(uscc)
    return issued


def issue_pending_seal_sets_job(db: Database, now: datetime) -> list[str]:
    issued = issue_pending_seal_sets(db, now)
    with db.read() as session:
        left = session.scalar(select(func.count()).select_from(SealSet)
                              .where(SealSet.status == SealSetStatus.PENDING)) or 0
    line = f"issued {len(issued)} seal set(s)" + (f": {', '.join(issued)}" if issued else "")
    return [line + (f"; {left} still pending (see the log)" if left else "")]


# --- what the enterprise sees and uses -------------------------------------------------------------

def _view(seal: Seal, enterprise: Enterprise) -> SealView:
    return SealView(seal.id, SealType(seal.type), SealStatus(seal.status), seal.cert_pem, seal.cert_serial,
                    enterprise.uscc, enterprise.name)


def list_seals(db: Database, actor: Actor | None, uscc: str, now: datetime) -> list[SealView]:
    """The enterprise's seals for its authorised user, issuing a still pending set first."""
    uscc = uscc.strip().upper()
    with db.read() as session:
        enterprise = session.get(Enterprise, uscc)
        if enterprise is None:
            raise _enterprise_unknown(uscc)
        require_owner(enterprise, actor)
        seal_set = session.scalar(select(SealSet).where(SealSet.uscc == uscc))
        if seal_set is None:
            return []
        pending_id = seal_set.id if seal_set.status == SealSetStatus.PENDING else None
    if pending_id is not None:
        _issue_set(db, pending_id, now)
    with db.read() as session:
        enterprise = session.get(Enterprise, uscc)
        if enterprise is None:  # it was there a moment ago; enterprises are never deleted
            raise _enterprise_unknown(uscc)
        seals = session.scalars(select(Seal).join(SealSet).where(SealSet.uscc == uscc).order_by(Seal.position))
        return [_view(seal, enterprise) for seal in seals]


def _load_seal(session: Session, seal_id: str) -> tuple[Seal, Enterprise]:
    seal = session.get(Seal, seal_id)
    enterprise = session.get(Enterprise, seal.seal_set.uscc) if seal is not None else None
    if seal is None or enterprise is None:
        raise _seal_unknown(seal_id)
    return seal, enterprise


def seals_for_use(db: Database, actor: Actor | None, seal_ids: Sequence[str]) -> list[SealInUse]:
    """Decrypted keys of active seals, for the enterprise's authorised user (or the operator) only."""
    found = []
    with db.read() as session:
        for seal_id in seal_ids:
            seal, enterprise = _load_seal(session, seal_id)
            require_owner(enterprise, actor)
            if not in_force(seal.status):
                raise DomainError("seal.revoked", "seal", f"印章 {seal_id} 已被吊销，不能再用于签章",
                                  f"The seal {seal_id} has been revoked and can no longer seal")
            zone_id = seal.seal_set.zone_id
            pki = load_zone_pki(session, zone_id)
            zone = session.get(Zone, zone_id)
            found.append(SealInUse(
                id=seal.id, type=SealType(seal.type), key=decrypt_key(seal.key_pem),
                cert=x509.load_pem_x509_certificate(seal.cert_pem.encode("ascii")), chain=pki.ca.issuing.full_chain,
                image_png=_picture(session, seal, "png")[0], zone_name=zone.name if zone else zone_id))
    return found


def export_pkcs12(db: Database, actor: Actor | None, seal_id: str, passphrase: str) -> tuple[str, bytes]:
    """The seal's key, certificate and CA chain as PKCS#12, and a file name for it."""
    if len(passphrase) < PKCS12_MIN_PASSPHRASE:
        raise DomainError("seal.passphrase", "passphrase", f"口令至少 {PKCS12_MIN_PASSPHRASE} 位",
                          f"The passphrase needs at least {PKCS12_MIN_PASSPHRASE} characters")
    seal = seals_for_use(db, actor, [seal_id])[0]
    name = seal.cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    data = to_pkcs12(str(name), seal.key, seal.cert, seal.chain, passphrase.encode("utf-8"))
    return f"{seal.id}-{seal.type.value}.p12", data


def look_of(seal: Seal) -> SealLook:
    """What the seal's picture is drawn from: its stored look, or for a seal made before looks were
    stored, what its certificate names (the enterprise's name, credit code and the person's name at issue)."""
    if seal.look_name is not None:
        return SealLook(SealType(seal.type), seal.look_name, seal.look_uscc or "", seal.look_person)
    return _look_from_certificate(seal.type, seal.cert_pem)


def _look_from_certificate(kind: str, cert_pem: str) -> SealLook:
    seal_type = SealType(kind)
    who = read_signer_identity(x509.load_pem_x509_certificate(cert_pem.encode("ascii")).subject)
    person = who.common_name.removesuffix(f"（{seal_type.zh}）") if seal_type.is_personal else None
    return SealLook(seal_type, who.organization or "", who.uscc or "", person)


def _picture(session: Session, seal: Seal, kind: str) -> tuple[bytes, str]:
    """The picture and its content hash: the one stored with an older seal, else drawn (or cached)."""
    stored = seal.image_png if kind == "png" else seal.image_svg.encode("utf-8")
    if stored:
        return stored, hashlib.sha256(stored).hexdigest()
    return DRAWN.get(look_of(seal), kind)


def seal_picture(db: Database, seal_id: str, kind: str) -> tuple[bytes, str]:
    """The seal's picture, ``png`` or ``svg``, and its content hash (an HTTP ETag); public, as a printed
    seal is. Drawn when asked, cached by content hash within a bound."""
    with db.read() as session:
        seal = session.get(Seal, seal_id)
        if seal is None:
            raise _seal_unknown(seal_id)
        return _picture(session, seal, kind)


def seal_image(db: Database, seal_id: str, kind: str) -> bytes:
    """The seal's picture, ``png`` or ``svg``; public, as a printed seal is."""
    return seal_picture(db, seal_id, kind)[0]


def enterprise_seal_image(db: Database, uscc: str, seal_type: SealType, kind: str = "png") -> bytes:
    """The picture of one of an enterprise's issued seals (``png`` or ``svg``), drawn on demand;
    NotFound when the enterprise has no such seal (its set not yet issued, or none)."""
    uscc = uscc.strip().upper()
    with db.read() as session:
        seal = session.scalar(select(Seal).join(SealSet).where(SealSet.uscc == uscc, Seal.type == seal_type.value))
        if seal is None:
            raise NotFound("seal.unknown", "uscc", f"企业 {uscc} 没有{seal_type.zh}",
                           f"The enterprise {uscc} has no {seal_type.en}")
        return _picture(session, seal, kind)[0]


def compact_seal_images(db: Database, *, batch: int = 50, limit: int | None = None) -> tuple[int, int]:
    """Drop the stored pictures of seals made before looks were stored, where the seal redraws to the
    very same bytes (PNG and SVG) from the look its certificate names; keep the others as they are.
    Batches of ``batch`` seals, each in its own transaction; at most ``limit`` seals. (dropped, kept)."""
    dropped = kept = 0
    after = ""
    while limit is None or dropped + kept < limit:
        size = batch if limit is None else min(batch, limit - dropped - kept)
        with db.read() as session:
            rows = session.execute(select(Seal.id, Seal.type, Seal.cert_pem, Seal.image_png, Seal.image_svg)
                                   .where(Seal.id > after, Seal.look_name.is_(None)).order_by(Seal.id)
                                   .limit(size)).all()
        if not rows:
            break
        same: dict[str, SealLook] = {}
        for row in rows:
            after = row.id
            look = _look_from_certificate(row.type, row.cert_pem)
            if (row.image_png and look.draw("png") == row.image_png
                    and look.draw("svg") == row.image_svg.encode("utf-8")):
                same[row.id] = look
            else:
                kept += 1
        with db.write() as session:
            for seal_id, look in same.items():
                session.execute(update(Seal).where(Seal.id == seal_id, Seal.look_name.is_(None)).values(
                    image_png=b"", image_svg="", look_name=look.enterprise_name, look_uscc=look.uscc,
                    look_person=look.person_name))
        dropped += len(same)
    return dropped, kept


def operator_actor(db: Database, username: str) -> Actor:
    """The account an operator acts for on the command line (``--user``), without its password."""
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("user.unknown", "user", f"没有用户 {username}", f"No user {username}")
        return actor_of(user)


# --- revocation and the CRL -----------------------------------------------------------------------

def crl_reason_for(enterprise_status: str | None, reason: str) -> x509.ReasonFlags:
    """RFC 5280 CRLReason: a code given as the reason is taken as is; otherwise privilegeWithdrawn when
    the licence was revoked (吊销), cessationOfOperation when the enterprise ceased (注销) or else."""
    for flag in x509.ReasonFlags:
        if reason.strip() in (flag.value, flag.name):
            return flag
    if enterprise_status == EnterpriseStatus.REVOKED or "吊销" in reason:
        return x509.ReasonFlags.privilege_withdrawn
    return x509.ReasonFlags.cessation_of_operation


def revoke_enterprise_seals(session: Session, uscc: str, now: datetime, reason: str) -> None:
    """Revoke the enterprise's seal set (a pending one is never issued), in the caller's transaction."""
    seal_set = session.scalar(select(SealSet).where(SealSet.uscc == uscc).with_for_update())
    if seal_set is None or not _move_set(seal_set, SealSetStatus.REVOKED):
        return
    reason = reason[:400]
    crl_reason = crl_reason_for(session.scalar(select(Enterprise.status).where(Enterprise.uscc == uscc)), reason)
    seal_set.revoked_at, seal_set.revoke_reason = now, reason
    _revoke_seals(session, seal_set.id, now, reason, crl_reason)


def _revoke_seals(session: Session, set_id: int, now: datetime, reason: str, crl_reason: x509.ReasonFlags) -> None:
    """Every seal of the set that the table lets become ``revoked`` (the active ones), in one statement."""
    session.execute(update(Seal).where(Seal.set_id == set_id, Seal.status.in_(seals_moving_to(SealStatus.REVOKED)))
                    .values(status=SealStatus.REVOKED.value, revoked_at=now, revoke_reason=reason,
                            crl_reason=crl_reason.value))


def revocations(session: Session, zone_id: str) -> list[Revocation]:
    rows = session.execute(select(Seal.cert_serial, Seal.revoked_at, Seal.crl_reason).join(SealSet)
                           .where(SealSet.zone_id == zone_id, Seal.status == SealStatus.REVOKED)
                           .order_by(Seal.revoked_at))
    listed: list[Revocation] = []
    for serial, at, code in rows:
        if at is None:  # revoking sets the time with the status; a CRL entry cannot go without one
            raise ValueError(f"seal certificate {serial} is revoked without a revocation time")
        listed.append((int(serial, 16), as_utc(at), x509.ReasonFlags(code) if code else None))
    return listed


def zone_crl(session: Session, zone_id: str, now: datetime) -> bytes:
    """The zone's issuing-CA CRL (DER), current at ``now``, valid for a day."""
    issuing = load_zone_pki(session, zone_id).ca.issuing
    return build_crl(issuing.cert, issuing.key, revocations(session, zone_id), now=now, next_update=now + CRL_VALIDITY)


def issuing_crl(db: Database, zone_id: str, now: datetime) -> bytes:
    with db.read() as session:
        return zone_crl(session, zone_id, now)


def root_certificate_der(db: Database, zone_id: str) -> bytes:
    with db.read() as session:
        return load_zone_pki(session, zone_id).ca.root.cert.public_bytes(Encoding.DER)


# --- statistics -------------------------------------------------------------------------------------

def seal_sets_issued(session: Session, zone_id: str, date_from: date, date_to: date) -> tuple[int, Decimal]:
    """Sets issued on the China Standard Time days ``date_from``..``date_to`` (both included), and the
    money saved (their prices at issue). Sets revoked later still count: they were given."""
    start, end = china_days(date_from, date_to)  # stored times are UTC
    count, saved = session.execute(
        select(func.count(SealSet.id), func.coalesce(func.sum(SealSet.price_yuan), 0))
        .where(SealSet.zone_id == zone_id, SealSet.issued_at.is_not(None),
               SealSet.issued_at >= start, SealSet.issued_at < end)).one()
    return int(count), Decimal(str(saved)).quantize(Decimal("0.01"))


class SealsFollowTheRegister:
    """The free seal set a new enterprise is owed, queued inside registration's transaction
    (``registration.handoff.RegisterFollower``); an enterprise that ends has its seals revoked by
    the licences feature, with its permits."""

    def established(self, session: Session, standard: MatterStandard, enterprise: Enterprise,
                    establishment: Establishment, now: datetime) -> list[Base]:
        return [new_seal_set(enterprise, now)]

    def changed(self, session: Session, standard: MatterStandard, enterprise: Enterprise, now: datetime,
                actor: Actor | None) -> None:
        return None

    def ended(self, session: Session, enterprise: Enterprise, now: datetime, status: EnterpriseStatus,
              reason: str) -> None:
        return None

    def audit_event(self, row: Base, approval: Approval) -> AuditEvent | None:
        if isinstance(row, SealSet):
            return approval.event("seal_set.requested", f"seal_set:{approval.enterprise_uscc}", {})
        return None
