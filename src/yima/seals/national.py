"""Enterprise seals in the national format (GB/T 38540-2020) and OFD documents sealed with them.

Under the national profile (the zone holds an active SM2 key) each seal also exists as a ``SESeal``:
made and signed by the zone as seal maker with its SM2 key (the maker's SM2 certificate from the
zone's CA, ``yima.pki.service.sm2_maker_certificate``), carrying the seal's picture (drawn by the
seals service, ``seal_picture``), the validity of the seal's X.509 certificate, and in ``certList``
the holder's SM2 certificate, which names the holder exactly as the X.509 one does. The holder's SM2
key is stored encrypted (SM4) with it (``NationalSeal``). The national form is made once, on the
owner's first look at the seals or first OFD sealed, and served at ``/api/v1/seals/{id}/seseal.der``.

``check_ofd_document`` checks every seal of an uploaded OFD as ``/seals/check`` checks a PDF's: the
maker's signature on the seal, the signer in ``certList``, the signer's signature, the data digest
and every listed part (``yima.pki.ofd``, a bounded reader), both certificates' chains to a zone's
issuing CA, the seal's validity and whether the seal is revoked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from yima.actors import Actor
from yima.clock import as_utc
from yima.config import get_settings
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound
from yima.keys import service as keys
from yima.pki.ca import read_signer_identity
from yima.pki.gbt38540 import PERSONAL_SEAL, UNIT_SEAL, SealPicture, SesSeal, make_seal
from yima.pki.ofd import OfdRefused, OfdSignatureCheck, check_ofd_seals, read_ofd, seal_ofd, signature_paths
from yima.pki.pades import SignatureReport
from yima.pki.service import decrypt_key, encrypt_key, load_zone_pki, pem_to_der, sm2_maker_certificate
from yima.pki.sm2 import Sm2PrivateKey
from yima.pki.sm2cert import issue_sm2_certificate, sm2_public_key_of
from yima.pki.tables import ZoneCertificate
from yima.seals.service import look_of, seal_picture, seals_for_use
from yima.seals.status import SealStatus, in_force
from yima.seals.tables import NationalSeal, Seal, SealSet
from yima.zones.tables import Zone

MAKER_YEARS = 10


@dataclass(frozen=True)
class NationalForm:
    """A seal's GB/T 38540 form: the ``SESeal`` (DER) and the holder's SM2 certificate (DER)."""

    seal_id: str
    seseal_der: bytes
    cert_der: bytes

    @property
    def cert_pem(self) -> str:
        return x509.load_der_x509_certificate(self.cert_der).public_bytes(Encoding.PEM).decode("ascii")


def signer_id() -> bytes:
    return get_settings().sm2_signer_id.encode("ascii")


def stored_forms(db: Database, seal_ids: Sequence[str]) -> dict[str, NationalForm]:
    with db.read() as session:
        rows = session.scalars(select(NationalSeal).where(NationalSeal.seal_id.in_(list(seal_ids))))
        return {r.seal_id: NationalForm(r.seal_id, r.seseal_der, r.cert_der) for r in rows}


def national_form(db: Database, seal_id: str, now: datetime) -> NationalForm:
    """The seal's national form, made now if it has none yet; 409 ``seal.no_sm2_key`` when its zone
    has no active SM2 key, ``seal.revoked`` for a revoked seal."""
    found = stored_forms(db, [seal_id]).get(seal_id)
    if found is not None:
        return found
    with db.read() as session:
        seal = session.get(Seal, seal_id)
        if seal is None:
            raise NotFound("seal.unknown", "id", f"没有编号为 {seal_id} 的印章", f"No seal {seal_id}")
        if not in_force(seal.status):
            raise DomainError("seal.revoked", "seal", f"印章 {seal_id} 已被吊销",
                              f"The seal {seal_id} has been revoked")
        zone_id = seal.seal_set.zone_id
        maker = keys.keyring(session, zone_id, fresh=True).active_national
        if maker is None or not isinstance(maker.private_key, Sm2PrivateKey):
            raise Conflict("seal.no_sm2_key", "zone", f"开发区 {zone_id} 未启用国密（SM2）密钥，印章没有国密格式",
                           f"zone {zone_id} has no active SM2 key, so its seals have no national (GB/T 38540) form")
        zone = session.get(Zone, zone_id)
        issuing = load_zone_pki(session, zone_id).ca.issuing
        cert = x509.load_pem_x509_certificate(seal.cert_pem.encode("ascii"))
        look = look_of(seal)
    authority = (zone.authority_name if zone else "") or zone_id
    maker_cert = sm2_maker_certificate(db, zone_id, maker.private_key, maker.kid_text, maker.created_at,
                                       maker.created_at + timedelta(days=365 * MAKER_YEARS),
                                       common_name=f"{zone.name if zone else zone_id} 电子印章制作单位",
                                       organization=authority)
    holder = Sm2PrivateKey.generate().with_user_id(signer_id())
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    holder_cert = issue_sm2_certificate(issuing.key, issuing.cert, holder.public, common_name="", organization="",
                                        not_before=start, not_after=end,
                                        subject_name_der=cert.subject.public_bytes())
    width, height = look.seal_type.size_mm
    seseal = make_seal(maker.private_key, maker_cert, es_id=f"{zone_id}-{seal_id}",
                       name=f"{look.enterprise_name}{look.seal_type.zh}" if not look.person_name
                       else f"{look.person_name}（{look.seal_type.zh}）",
                       seal_type=PERSONAL_SEAL if look.seal_type.is_personal else UNIT_SEAL,
                       holder_certs=(holder_cert,),
                       picture=SealPicture(seal_picture(db, seal_id, "png")[0], round(width), round(height)),
                       created=now, valid_start=start, valid_end=end)
    serial = format(x509.load_der_x509_certificate(holder_cert).serial_number, "x")
    try:
        with db.write() as session:
            session.add(NationalSeal(seal_id=seal_id, cert_serial=serial, cert_der=holder_cert,
                                     key_pem=encrypt_key(holder), seseal_der=seseal.dump(),
                                     maker_kid=maker.kid_text, created_at=now))
    except IntegrityError:  # made meanwhile by another request: that one is the seal's
        return stored_forms(db, [seal_id])[seal_id]
    return NationalForm(seal_id, seseal.dump(), holder_cert)


def ensure_national_forms(db: Database, seal_ids: Sequence[str], now: datetime) -> dict[str, NationalForm]:
    """The national forms of these (active) seals, made where missing, when the zone has an SM2 key."""
    forms = stored_forms(db, seal_ids)
    for seal_id in seal_ids:
        if seal_id not in forms:
            try:
                forms[seal_id] = national_form(db, seal_id, now)
            except DomainError:  # no SM2 key in the zone, or a revoked seal: no national form
                continue
    return forms


#: National forms the job runner makes in one run (each about a quarter of a second of SM2 work).
NATIONAL_FORMS_PER_RUN = 200


def make_national_forms_job(db: Database, now: datetime) -> list[str]:
    """The national forms of active seals that have none yet, in the zones with an active SM2 key,
    up to ``NATIONAL_FORMS_PER_RUN`` a run: made by the job runner soon after a set is issued, so
    that the seals page does not make them on its first visit (``ensure_national_forms`` still
    makes any that are missing)."""
    with db.read() as session:
        zones = [zone for zone in session.scalars(select(Zone.id).order_by(Zone.id))
                 if keys.keyring(session, zone).active_national is not None]
        if not zones:
            return []
        missing = list(session.scalars(
            select(Seal.id).join(SealSet, SealSet.id == Seal.set_id)
            .where(SealSet.zone_id.in_(zones), Seal.status == SealStatus.ACTIVE,
                   ~select(NationalSeal.seal_id).where(NationalSeal.seal_id == Seal.id).exists())
            .order_by(Seal.id).limit(NATIONAL_FORMS_PER_RUN)))
    if not missing:
        return []
    made = ensure_national_forms(db, missing, now)
    return [f"made the national forms (GB/T 38540) of {len(made)} seal(s)"]


def seal_ofd_document(db: Database, actor: Actor | None, seal_id: str, parts: Mapping[str, bytes], now: datetime,
                      stamp_box: tuple[float, float, float, float] = (150.0, 230.0, 40.0, 40.0)) -> bytes:
    """An OFD (its unsigned ``parts``) sealed with the seal's national form, by the enterprise's
    authorised user (or the operator, ``actor=None``): a GB/T 38540 ``SES_Signature``."""
    seals_for_use(db, actor, [seal_id])  # the owner's, and active
    form = national_form(db, seal_id, now)
    with db.read() as session:
        row = session.get(NationalSeal, seal_id)
        key_pem = row.key_pem if row else ""
    holder = decrypt_key(key_pem)
    if not isinstance(holder, Sm2PrivateKey):
        raise ValueError(f"the national form of seal {seal_id} holds no SM2 key")
    return seal_ofd(parts, SesSeal.load(form.seseal_der), holder.with_user_id(signer_id()), form.cert_der, now,
                    stamp_box)


def seal_uploaded_ofd(db: Database, actor: Actor | None, seal_id: str, content: bytes, now: datetime, *,
                      max_bytes: int) -> bytes:
    """An uploaded, not yet sealed OFD sealed with the seal's national form. The upload is read by the
    bounded reader; one already carrying seals, or whose ``OFD.xml`` cannot take the signature list,
    is refused naming why (``seal.ofd_unreadable``, ``seal.ofd_signed``)."""
    if len(content) > max_bytes:
        raise DomainError("upload.too_large", "file", f"文件超过 {max_bytes // (1024 * 1024)} MB 上限",
                          f"The file exceeds the {max_bytes // (1024 * 1024)} MB limit")
    try:
        parts = read_ofd(content)
        declared = signature_paths(parts)
    except OfdRefused as err:
        raise DomainError("seal.ofd_unreadable", "file", f"无法读取该 OFD 文件：{err}",
                          f"The OFD file cannot be read: {err}") from err
    if declared or any(path.startswith("Doc_0/Signs/") for path in parts):
        raise DomainError("seal.ofd_signed", "file", "该 OFD 文件已有签章，请上传未签章的文件",
                          "The OFD file is already sealed; upload one without seals")
    entry = parts["OFD.xml"]
    closing = b"</ofd:DocBody>"
    if entry.count(closing) != 1:
        raise DomainError("seal.ofd_unreadable", "file", "OFD.xml 须恰有一个 ofd:DocBody",
                          "OFD.xml must have exactly one ofd:DocBody")
    parts = {**parts, "OFD.xml": entry.replace(
        closing, b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>" + closing)}
    return seal_ofd_document(db, actor, seal_id, parts, now)


# --- checking an OFD's seals --------------------------------------------------------------------

def _issuing_certificates(db: Database) -> list[x509.Certificate]:
    with db.read() as session:
        rows = session.scalars(select(ZoneCertificate.cert_pem).where(ZoneCertificate.role == "issuing"))
        return [x509.load_pem_x509_certificate(pem.encode("ascii")) for pem in rows]


def _chained(cert: x509.Certificate, issuers: list[x509.Certificate], now: datetime) -> bool:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return False
    for issuer in issuers:
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, Exception):  # noqa: BLE001 - any failure means: not issued by this CA
            continue
        return True
    return False


@dataclass(frozen=True)
class OfdSeal:
    """What the check found about one OFD seal, with this instance's seal (if any) it was made with."""

    report: SignatureReport
    seal_id: str | None
    seal_status: SealStatus | None


def check_ofd_document(db: Database, content: bytes, now: datetime) -> list[OfdSeal]:
    """Every seal of an OFD, checked; ``seal.ofd_unreadable`` (422) for what cannot be read within the
    reader's bounds, naming why."""
    try:
        checks = check_ofd_seals(content, sm2_public_key_of, now, user_id=signer_id())
    except OfdRefused as err:
        raise DomainError("seal.ofd_unreadable", "file", f"无法读取该 OFD 文件：{err}",
                          f"The OFD file cannot be read: {err}") from err
    if not checks:
        raise DomainError("seal.ofd_unsigned", "file", "该 OFD 文件没有签章", "The OFD file carries no seal")
    issuers = _issuing_certificates(db)
    return [_judge(db, check, issuers, now) for check in checks]


def _judge(db: Database, check: OfdSignatureCheck, issuers: list[x509.Certificate], now: datetime) -> OfdSeal:
    signer: x509.Certificate | None = None
    maker: x509.Certificate | None = None
    try:
        signer = x509.load_der_x509_certificate(check.signer_cert_der)
        maker = x509.load_der_x509_certificate(check.maker_cert_der)
    except ValueError:
        pass
    seal_check = check.seal
    serial = format(signer.serial_number, "x") if signer else ""
    with db.read() as session:
        row = session.scalar(select(Seal).join(NationalSeal, NationalSeal.seal_id == Seal.id)
                             .where(NationalSeal.cert_serial == serial)) if serial else None
        seal_id, status, revoked_at = (row.id, SealStatus(row.status), row.revoked_at) if row else (None, None, None)
        seal_type = row.type if row else None
    who = read_signer_identity(signer.subject) if signer else None
    valid = bool(seal_check and seal_check.maker_signature and seal_check.signer_signature
                 and seal_check.signer_in_cert_list and seal_check.data_hash)
    trusted = bool(signer and maker and _chained(signer, issuers, now) and _chained(maker, issuers, now)
                   and seal_check and seal_check.within_validity)
    revoked = status is SealStatus.REVOKED
    problems_zh: list[str] = []
    problems_en: list[str] = []
    if check.problem:
        problems_zh.append("签章无法读取")
        problems_en.append(f"the seal cannot be read ({check.problem})")
    elif not valid:
        problems_zh.append("签名不成立")
        problems_en.append("the signature does not verify")
    if not check.parts_intact:
        problems_zh.append("签章后文件被修改：" + "、".join(check.changed_parts[:5]))
        problems_en.append("the document changed after sealing: " + ", ".join(check.changed_parts[:5]))
    if not trusted and not check.problem:
        problems_zh.append("印章证书不属于本平台任何开发区或已过期")
        problems_en.append("the seal's certificates are not of any zone of this platform, or have expired")
    if revoked:
        problems_zh.append("印章已被吊销")
        problems_en.append("the seal has been revoked")
    ok = valid and check.parts_intact and trusted and not revoked
    name = seal_check.seal_name if seal_check else ""
    message_zh = f"国密签章有效：{name}" if ok else "国密签章无效：" + "；".join(problems_zh)
    message_en = f"Valid national (GB/T 38540) seal: {name}" if ok else "Not valid: " + "; ".join(problems_en)
    issuer_cn = signer.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME) if signer else []
    report = SignatureReport(
        field_name=check.path, signer_common_name=who.common_name if who else "",
        signer_organization=who.organization if who else None, uscc=who.uscc if who else None,
        seal_type=seal_type or (who.seal_type if who else None), certificate_serial=serial,
        issuer_common_name=str(issuer_cn[0].value) if issuer_cn else None,
        signing_time=as_utc(check.signed_at) if check.signed_at else None, valid=valid, intact=check.parts_intact,
        trusted=trusted, revoked=revoked, revocation_time=as_utc(revoked_at) if revoked_at else None,
        trust_problem=None if trusted else "no_certificate_chain_found", modification="none" if check.parts_intact
        else "other", message_zh=message_zh, message_en=message_en)
    return OfdSeal(report, seal_id, status)


def maker_certificate_pem(db: Database, zone_id: str) -> str:
    """The zone's current SM2 seal-maker certificate, PEM; NotFound when it has none yet."""
    with db.read() as session:
        kid = keys.keyring(session, zone_id, fresh=True).active_national
        pem = session.scalar(select(ZoneCertificate.cert_pem).where(
            ZoneCertificate.zone_id == zone_id, ZoneCertificate.role == "sm2:" + kid.kid_text)) if kid else None
    if pem is None:
        raise NotFound("pki.no_sm2_certificate", "zone", f"开发区 {zone_id} 尚无国密（SM2）印章制作证书",
                       f"Zone {zone_id} has no SM2 seal-maker certificate yet")
    return x509.load_der_x509_certificate(pem_to_der(pem)).public_bytes(Encoding.PEM).decode("ascii")
