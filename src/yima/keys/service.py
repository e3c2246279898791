"""The zone's signing keys as stored, and signing with them: the one room every feature may use.

Licences (the COSE one-code licence), the audit log (signed checkpoints) and messages to other
zones are all signed with the zone's active key, and checked against the zone's published trust
list. This module imports no other feature's service, so any feature may import it.

Sign a message with the zone's current key, inside the caller's transaction::

    signature = keys.sign(session, "cq-gxq", message)        # -> ZoneSignature
    document = {..., **signature.to_dict()}                    # zone, kid, alg, signature

Verify it against a trust list (a partner's, fetched from its ``/.well-known/yima/trust-list.json``
and read with ``TrustList.from_json``, or this instance's own ``keys.trust_list(db, standard, zone)``)::

    from yima.keys.signature import ZoneSignature, verify
    ok = verify(trust_list, ZoneSignature.from_dict(document), message)

Functions that take a ``Session`` run inside the caller's transaction; rotating a key is one of
them, and its caller records the rotation in the audit log.
"""

from __future__ import annotations

import time
import weakref
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from yima.clock import as_utc
from yima.config import get_settings
from yima.db import Database
from yima.errors import NotFound
from yima.keys.model import KeyStatus, PrivateKey, SigningAlgorithm, ZoneKeyring, ZoneSigningKey, generate_signing_key
from yima.keys.signature import ZoneSignature, sign_with
from yima.keys.tables import ZoneSigningKeyRow
from yima.keys.trustlist import TrustList, trust_list_for
from yima.pki.service import decrypt_key, encrypt_key
from yima.pki.sm2 import Sm2PrivateKey
from yima.standard.model import MatterStandard

KEYRING_TTL_SECONDS = 5.0
_recent: dict[tuple[str, str], tuple[float, ZoneKeyring]] = {}
#: Each engine's URL as text (``str(URL)`` renders it anew each time, a fair part of a cached read).
_url_text: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _database_of(session: Session) -> str:
    engine = session.get_bind().engine
    text = _url_text.get(engine)
    if text is None:
        text = _url_text[engine] = str(engine.url)
    return text


def create_zone_key(session: Session, zone_id: str, now: datetime,
                    algorithm: SigningAlgorithm = SigningAlgorithm.EDDSA) -> str:
    """A new active key for the zone (its first, or the successor in a rotation); its key id."""
    key = generate_signing_key(now, algorithm)
    session.add(ZoneSigningKeyRow(kid=key.kid_text, zone_id=zone_id, algorithm=key.algorithm.name,
                                  key_pem=encrypt_key(key.private_key), status=key.status.value,
                                  created_at=key.created_at, retired_at=None))
    return key.kid_text


def keyring(session: Session, zone_id: str, *, fresh: bool = False) -> ZoneKeyring:
    """The zone's keys as stored. Signing reuses what was read in the last few seconds: a rotation
    made by another process takes effect within ``KEYRING_TTL_SECONDS`` (retired keys keep verifying,
    so a licence signed meanwhile stays valid)."""
    cache_key = (_database_of(session), zone_id)
    hit = _recent.get(cache_key)
    if hit is not None and not fresh and time.monotonic() - hit[0] < KEYRING_TTL_SECONDS:
        return hit[1]
    rows = session.execute(select(ZoneSigningKeyRow.key_pem, ZoneSigningKeyRow.created_at, ZoneSigningKeyRow.status,
                                  ZoneSigningKeyRow.retired_at).where(ZoneSigningKeyRow.zone_id == zone_id)
                           .order_by(ZoneSigningKeyRow.created_at)).all()
    if not rows:
        raise NotFound("licence.no_key", "zone", f"开发区 {zone_id} 没有签名密钥", f"Zone {zone_id} has no signing key")
    ring = _keyring(zone_id, tuple((r.key_pem, as_utc(r.created_at), r.status,
                                    as_utc(r.retired_at) if r.retired_at else None) for r in rows),
                    get_settings().sm2_signer_id.encode("ascii"))
    _recent[cache_key] = (time.monotonic(), ring)
    return ring


@lru_cache(maxsize=256)
def _keyring(zone_id: str, rows: tuple[tuple[str, datetime, str, datetime | None], ...],
             sm2_signer_id: bytes) -> ZoneKeyring:
    return ZoneKeyring(zone_id, tuple(ZoneSigningKey(_signer(decrypt_key(pem), sm2_signer_id), created_at=created,
                                                     status=KeyStatus(status), not_after=retired)
                                      for pem, created, status, retired in rows))


def _signer(key: PrivateKey, sm2_signer_id: bytes) -> PrivateKey:
    """An SM2 key signs with the configured distinguishing identifier (``YIMA_SM2_SIGNER_ID``)."""
    return key.with_user_id(sm2_signer_id) if isinstance(key, Sm2PrivateKey) else key


def rotate(session: Session, zone_id: str, now: datetime,
           algorithm: SigningAlgorithm | None = None) -> tuple[str | None, str]:
    """Store a new active key and retire the zone's active key of the same profile at ``now``:
    (retired kid, new kid). Without ``algorithm`` the international key is renewed with its own
    algorithm; ``SM2`` renews the zone's SM2 key, or gives the zone its first one (nothing is retired
    then: the international key keeps signing beside it). The caller records it in the audit log
    and, after its commit, calls ``forget_cached`` so that this process signs with the new key at once."""
    ring = keyring(session, zone_id, fresh=True)
    national = algorithm is not None and algorithm.national
    old = ring.active_national if national else ring.active
    new_algorithm = algorithm or ring.active.algorithm
    if old is None:
        return None, create_zone_key(session, zone_id, now, new_algorithm)
    row = session.get(ZoneSigningKeyRow, old.kid_text)
    if row is None:  # the keyring was just read from these rows in this transaction
        raise NotFound("licence.no_key", "zone", f"开发区 {zone_id} 没有签名密钥", f"Zone {zone_id} has no signing key")
    row.status, row.retired_at = KeyStatus.RETIRED.value, now
    return old.kid_text, create_zone_key(session, zone_id, now, new_algorithm)


def forget_cached() -> None:
    """Drop the keyrings read in the last few seconds (after a rotation)."""
    _recent.clear()


def trust_list(db: Database, standard: MatterStandard, zone_id: str) -> TrustList:
    """The zone's trust list as published: every key it holds, with the digest of its standard
    (``zones.service.published_trust_list`` first tells an unknown zone from one without keys)."""
    with db.read() as session:
        return trust_list_for(keyring(session, zone_id, fresh=True), standard.digest)


def sign(session: Session, zone_id: str, message: bytes) -> ZoneSignature:
    """``message`` signed with the zone's active key, read afresh (not the cache: a signature that
    outlives the moment names the key that is active now)."""
    return sign_with(keyring(session, zone_id, fresh=True).active, zone_id, message)
