"""Electronic seals in the national format (GB/T 38540-2020, version 4): ``SESeal`` and ``SES_Signature``.

DER structures declared with ``asn1crypto`` (field names as in the standard)::

    SESeal        ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING,
                                 signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
    SES_SealInfo  ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
                                 picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
    SES_Header    ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }
    SES_ESPropertyInfo ::= SEQUENCE { type INTEGER (1 unit seal, 2 personal seal), name UTF8String,
                                 certListType INTEGER (1: certificates), certList SEQUENCE OF OCTET STRING,
                                 createDate, validStart, validEnd GeneralizedTime }
    SES_ESPictrueInfo  ::= SEQUENCE { type IA5String, data OCTET STRING, width, height INTEGER (mm) }
    SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OBJECT IDENTIFIER,
                                 signature BIT STRING, timeStamp [0] BIT STRING OPTIONAL }
    TBS_Sign      ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
                                 dataHash BIT STRING, propertyInfo IA5String, extDatas OPTIONAL }

Yima's choices where the standard leaves room: the maker's ``signedValue`` is SM2 (with SM3, signer id
``1234567812345678``) over the DER of ``eSealInfo``; the signer's ``signature`` is SM2 over the DER of
``toSign`` (so ``openssl dgst -sm3 -verify cert-key.pem -sigopt distid:1234567812345678`` checks it
over the ``TBS_Sign`` bytes); ``Vid`` is ``"Yima"``; in OFD ``dataHash`` is SM3 of the
``Signature.xml`` file and ``propertyInfo`` its path. No time stamp is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core

from yima.pki.sm2 import DEFAULT_USER_ID, SM2_WITH_SM3_OID, Sm2PrivateKey, Sm2PublicKey, raw_signature, sm3

PublicKeyOfCert = Callable[[bytes], Sm2PublicKey]
"""Reads the SM2 public key of a DER certificate (``yima.pki.sm2cert.sm2_public_key_of``)."""
VERSION = 4
VENDOR_ID = "Yima"
UNIT_SEAL, PERSONAL_SEAL = 1, 2


class _Header(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class _CertList(core.SequenceOf):
    _child_spec = core.OctetString


class _PropertyInfo(core.Sequence):
    _fields = [("type", core.Integer), ("name", core.UTF8String), ("cert_list_type", core.Integer),
               ("cert_list", _CertList), ("create_date", core.GeneralizedTime),
               ("valid_start", core.GeneralizedTime), ("valid_end", core.GeneralizedTime)]


class _PictureInfo(core.Sequence):
    _fields = [("type", core.IA5String), ("data", core.OctetString), ("width", core.Integer),
               ("height", core.Integer)]


class SesSealInfo(core.Sequence):
    _fields = [("header", _Header), ("es_id", core.IA5String), ("property", _PropertyInfo),
               ("picture", _PictureInfo)]


class SesSeal(core.Sequence):
    _fields = [("e_seal_info", SesSealInfo), ("cert", core.OctetString), ("sign_alg_id", core.ObjectIdentifier),
               ("signed_value", core.OctetBitString)]


class TbsSign(core.Sequence):
    _fields = [("version", core.Integer), ("eseal", SesSeal), ("time_info", core.GeneralizedTime),
               ("data_hash", core.OctetBitString), ("property_info", core.IA5String)]


class SesSignature(core.Sequence):
    _fields = [("to_sign", TbsSign), ("cert", core.OctetString), ("signature_alg_id", core.ObjectIdentifier),
               ("signature", core.OctetBitString),
               ("time_stamp", core.OctetBitString, {"implicit": 0, "optional": True})]


@dataclass(frozen=True)
class SealPicture:
    png: bytes
    width_mm: int
    height_mm: int


def make_seal(maker_key: Sm2PrivateKey, maker_cert_der: bytes, *, es_id: str, name: str, seal_type: int,
              holder_certs: tuple[bytes, ...], picture: SealPicture, created: datetime, valid_start: datetime,
              valid_end: datetime) -> SesSeal:
    """A seal (``SESeal``) made and signed by the maker."""
    info = SesSealInfo({
        "header": {"id": "ES", "version": VERSION, "vid": VENDOR_ID},
        "es_id": es_id,
        "property": {"type": seal_type, "name": name, "cert_list_type": 1, "cert_list": list(holder_certs),
                     "create_date": created, "valid_start": valid_start, "valid_end": valid_end},
        "picture": {"type": "png", "data": picture.png, "width": picture.width_mm, "height": picture.height_mm},
    })
    return SesSeal({"e_seal_info": info, "cert": maker_cert_der, "sign_alg_id": SM2_WITH_SM3_OID,
                    "signed_value": maker_key.sign(info.dump())})


def sign_data(seal: SesSeal, signer_key: Sm2PrivateKey, signer_cert_der: bytes, data: bytes,
              property_info: str, now: datetime) -> bytes:
    """The DER ``SES_Signature`` sealing ``data`` (its SM3 is ``dataHash``) with ``seal``."""
    tbs = TbsSign({"version": VERSION, "eseal": seal, "time_info": now, "data_hash": sm3(data),
                   "property_info": property_info})
    return SesSignature({"to_sign": tbs, "cert": signer_cert_der, "signature_alg_id": SM2_WITH_SM3_OID,
                         "signature": signer_key.sign(tbs.dump())}).dump()


@dataclass(frozen=True)
class SealCheck:
    """What ``check_signature`` found; ``ok`` only when every part holds."""

    maker_signature: bool
    signer_in_cert_list: bool
    signer_signature: bool
    data_hash: bool
    within_validity: bool
    seal_name: str
    property_info: str

    @property
    def ok(self) -> bool:
        return all((self.maker_signature, self.signer_in_cert_list, self.signer_signature, self.data_hash,
                    self.within_validity))


def check_signature(der: bytes, data: bytes, public_key_of_cert: PublicKeyOfCert, now: datetime, *,
                    user_id: bytes = DEFAULT_USER_ID) -> SealCheck:
    """Check a DER ``SES_Signature`` over ``data``: the maker's signature on the seal, the signer's
    certificate in the seal's list, the signer's signature over ``TBS_Sign``, ``dataHash`` and the
    seal's validity at ``now``. Certificate chains are the caller's (``public_key_of_cert`` reads a
    certificate's SM2 key). ``ValueError`` when ``der`` is not a ``SES_Signature``."""
    signature = SesSignature.load(der, strict=True)
    tbs = signature["to_sign"]
    seal = tbs["eseal"]
    info = seal["e_seal_info"]
    prop = info["property"]
    maker_key = public_key_of_cert(seal["cert"].native)
    signer_key = public_key_of_cert(signature["cert"].native)
    maker_ok = seal["sign_alg_id"].dotted == SM2_WITH_SM3_OID and maker_key.verify(
        seal["signed_value"].native, info.dump(), user_id)
    signer_ok = signature["signature_alg_id"].dotted == SM2_WITH_SM3_OID and signer_key.verify(
        signature["signature"].native, tbs.dump(), user_id)
    listed = signature["cert"].native in [c.native for c in prop["cert_list"]]
    valid = prop["valid_start"].native <= now <= prop["valid_end"].native
    return SealCheck(maker_ok, listed, signer_ok, tbs["data_hash"].native == sm3(data), valid,
                     prop["name"].native, tbs["property_info"].native)


def tbs_sign_der(der: bytes) -> tuple[bytes, bytes]:
    """(the DER of ``TBS_Sign``, the signature as DER ``SEQUENCE {r, s}``) of a ``SES_Signature``."""
    signature = SesSignature.load(der, strict=True)
    value = signature["signature"].native
    raw_signature(value)  # refuses what is not an SM2 signature
    return signature["to_sign"].dump(), value

