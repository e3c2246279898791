"""A zone's signed trust list, and following a partner's key rotation without a phone call.

``GET /.well-known/yima/trust-list.cose?zone=Z`` serves the zone's trust list (the JWK Set of
``yima.keys.trustlist``, as compact UTF-8 JSON) as the payload of a COSE_Sign (RFC 9052 §4.1, tag
98) signed by the zone's active key(s) and by its most recently retired keys — at most
``MAX_SIGNERS`` signatures in all, each with ``alg`` and ``kid`` in its protected header (the body's
protected header empty). A retired key signs nothing new but this: its signature vouches for its
successor.

A partner takes a new trust list only when (``followed``):
- it is of the same zone and the same matter standard;
- every signature verifies with the key of that ``kid`` in the new list itself, and the new list's
  active international key is among the signers (whoever publishes a key holds it);
- at least one signer is a key the partner already trusts (continuity: the old key vouches for the
  new one). A partner that slept through more rotations than ``MAX_SIGNERS`` keys must be refreshed
  by an operator (``yima partners refresh``) or follow a network configuration.
A key named revoked (by the network configuration) never counts as trusted.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from yima.errors import DomainError
from yima.federation.rules import standard_mismatch
from yima.keys.model import KeyStatus, ZoneKeyring, ZoneSigningKey
from yima.keys.trustlist import MalformedTrustList, TrustList
from yima.licences.cose import decode_cose, sign_multi
from yima.licences.errors import MalformedLicence

MAX_SIGNERS = 4
MEDIA_TYPE = "application/cose"


def signers(ring: ZoneKeyring) -> tuple[ZoneSigningKey, ...]:
    """The active keys, then the retired ones, most recently retired first: at most ``MAX_SIGNERS``."""
    active = tuple(k for k in ring.keys if k.status is KeyStatus.ACTIVE)
    retired = sorted((k for k in ring.keys if k.status is KeyStatus.RETIRED),
                     key=lambda k: (k.not_after or k.created_at), reverse=True)
    return (*active, *retired)[:MAX_SIGNERS]


def trust_list_bytes(trust: TrustList) -> bytes:
    return json.dumps(trust.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signed_trust_list(ring: ZoneKeyring, trust: TrustList) -> bytes:
    """The trust list as a COSE_Sign by ``signers(ring)``."""
    return sign_multi(trust_list_bytes(trust), signers(ring))


def _refused(en: str, zh: str) -> DomainError:
    return DomainError("federation.trust_list_unverified", "trust_list", f"信任列表未通过验证：{zh}",
                       f"The trust list is not verified: {en}")


def followed(data: bytes, known: TrustList, standard_digest: str, revoked: Collection[bytes] = ()) -> TrustList:
    """The new trust list in ``data`` (a signed trust list) if it continues ``known``; else a
    ``DomainError`` saying why."""
    try:
        message = decode_cose(data)
        trust = TrustList.from_json(message.payload)
    except (MalformedLicence, MalformedTrustList) as err:
        raise _refused(err.findings[0].en, err.findings[0].zh) from err
    if trust.zone != known.zone:
        raise _refused(f"it is of zone {trust.zone}, not {known.zone}", f"它属于 {trust.zone}，不是 {known.zone}")
    if trust.standard_digest != standard_digest:
        raise standard_mismatch(trust.standard_digest, standard_digest, trust.zone)
    signed_by: set[bytes] = set()
    for signature in message.signatures:
        key = trust.key(signature.kid)
        if key is None or signature.alg != key.algorithm.cose_id or not key.verify(signature.signature,
                                                                                   signature.to_be_signed):
            raise _refused("a signature does not verify with the key it names in the list",
                           "有签名与列表中所指密钥不符")
        signed_by.add(key.kid)
    active = [k for k in trust.keys if k.status is KeyStatus.ACTIVE and not k.algorithm.national]
    if len(active) != 1 or active[0].kid not in signed_by:
        raise _refused("its active key did not sign it", "其生效密钥未签名")
    vouching = [kid for kid in signed_by if kid not in revoked and known.key(kid) is not None]
    if not vouching:
        raise _refused(f"no key of {known.zone} trusted here signed it",
                       f"没有本区已信任的 {known.zone} 密钥为其签名")
    return trust
