"""The network configuration (信任配置): one signed, expiring document naming every member zone of a
network, its instance's URL, its signing keys and standard digest, and the keys withdrawn — what
X-Road's global configuration and the EU DCC gateway's trust list are for their members.

The document (docs/federation-messages.md §9) is a tagged COSE_Sign1 (RFC 9052 §4.2) made by Yima's
one signer (``yima.licences.cose.sign1``) with the network authority's key; its payload is UTF-8
JSON, keys sorted, no whitespace::

    {"type": "yima-network-configuration", "v": 1, "network": "chengyu", "name": "成渝地区",
     "version": 7, "issued": "2026-12-05T07:40:00Z", "expires": "2026-12-06T07:40:00Z",
     "zones": [{"id": "cq-gxq", "name": "重庆高新区", "url": "https://…", "standard_digest": "<hex>",
                "keys": [<JWK as in the trust list, with status and not_after>]}],
     "revoked": [{"zone": "cq-gxq", "kid": "<base64url>", "revoked_at": "<RFC 3339>"}]}

A member pins the authority's public key (the anchor: ``{"network", "name", "key": JWK}``) and
takes a document only if that key signed it, it is of the pinned network, newer than its copy, and
not expired. Every function here is pure: bytes, keys and ``now`` in, a value or a ``DomainError``
out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from yima.errors import DomainError
from yima.federation.model import instant_text, parse_instant
from yima.keys.model import ZonePublicKey, ZoneSigningKey, kid_from_text, kid_text
from yima.keys.trustlist import MalformedTrustList, TrustList, public_key_from_jwk, public_key_to_jwk
from yima.licences.cose import decode_sign1, sign1
from yima.licences.errors import MalformedLicence

TYPE = "yima-network-configuration"
VERSION = 1
WELL_KNOWN = "/.well-known/yima/network.json"


@dataclass(frozen=True)
class NetworkZone:
    id: str
    name: str
    url: str
    standard_digest: str
    keys: tuple[dict[str, Any], ...]  # JWKs as published

    def trust_list(self) -> TrustList:
        return TrustList.from_dict({"zone": self.id, "standard_digest": self.standard_digest,
                                    "keys": list(self.keys)})

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "url": self.url, "standard_digest": self.standard_digest,
                "keys": list(self.keys)}


@dataclass(frozen=True)
class Revoked:
    zone: str
    kid: str
    revoked_at: str

    def to_dict(self) -> dict[str, str]:
        return {"zone": self.zone, "kid": self.kid, "revoked_at": self.revoked_at}


@dataclass(frozen=True)
class NetworkConfig:
    network: str
    name: str
    version: int
    issued: datetime
    expires: datetime
    zones: tuple[NetworkZone, ...]
    revoked: tuple[Revoked, ...]

    def zone(self, zone_id: str) -> NetworkZone | None:
        return next((z for z in self.zones if z.id == zone_id), None)

    def revoked_kids(self) -> frozenset[bytes]:
        return frozenset(kid_from_text(r.kid) for r in self.revoked)

    def payload(self) -> bytes:
        document = {"type": TYPE, "v": VERSION, "network": self.network, "name": self.name,
                    "version": self.version, "issued": _instant(self.issued), "expires": _instant(self.expires),
                    "zones": [z.to_dict() for z in self.zones], "revoked": [r.to_dict() for r in self.revoked]}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bad(en: str, zh: str) -> DomainError:
    return DomainError("federation.network_unverified", "network", f"网络信任配置未通过验证：{zh}",
                       f"The network configuration is not verified: {en}")


def issue(config: NetworkConfig, key: ZoneSigningKey) -> bytes:
    """The configuration signed by the authority's key."""
    return sign1(config.payload(), key)


def zone_entry(zone_id: str, name: str, url: str, trust: TrustList, revoked: Sequence[Revoked] = ()) -> NetworkZone:
    """A zone as listed: its trust list's keys less any revoked."""
    gone = {r.kid for r in revoked if r.zone == zone_id}
    return NetworkZone(zone_id, name, url, trust.standard_digest,
                       tuple(public_key_to_jwk(k) for k in trust.keys if kid_text(k.kid) not in gone))


def anchor_document(network: str, name: str, key: ZonePublicKey) -> dict[str, Any]:
    return {"network": network, "name": name, "key": public_key_to_jwk(key)}


def read_anchor(document: Any) -> tuple[str, ZonePublicKey]:
    """The network id and the authority's public key of an anchor file."""
    try:
        if not isinstance(document, Mapping) or not isinstance(document.get("network"), str):
            raise MalformedTrustList("the anchor names no network")
        key = public_key_from_jwk(document.get("key"))
    except MalformedTrustList as err:
        raise DomainError("federation.anchor", "anchor", f"锚点文件格式错误：{err.findings[0].en}",
                          f"The anchor file is malformed: {err.findings[0].en}") from err
    if key is None:
        raise DomainError("federation.anchor", "anchor", "锚点文件的密钥类型无法识别",
                          "The anchor's key is of a type this instance does not know")
    return str(document["network"]), key


def verify(data: bytes, network: str, anchor: ZonePublicKey, now: datetime) -> NetworkConfig:
    """The configuration in ``data`` if the anchor signed it, it is of ``network`` and not expired."""
    try:
        message = decode_sign1(data)
    except MalformedLicence as err:
        raise _bad(err.findings[0].en, err.findings[0].zh) from err
    if message.kid != anchor.kid or message.alg != anchor.algorithm.cose_id \
            or not anchor.verify(message.signature, message.to_be_signed()):
        raise _bad("it is not signed by the pinned authority key", "不是由所锚定的网络管理方密钥签名")
    config = parse(message.payload)
    if config.network != network:
        raise _bad(f"it is of network {config.network}, not {network}", f"它属于网络 {config.network}，不是 {network}")
    if config.expires <= now:
        raise DomainError("federation.network_expired", "network",
                          f"网络信任配置第 {config.version} 版已于 {_instant(config.expires)} 过期",
                          f"Version {config.version} of the network configuration expired at "
                          f"{_instant(config.expires)}")
    return config


def parse(payload: bytes) -> NetworkConfig:
    try:
        doc = json.loads(payload)
        if not isinstance(doc, dict) or doc.get("type") != TYPE or doc.get("v") != VERSION:
            raise ValueError("not a version 1 Yima network configuration")
        zones = tuple(NetworkZone(str(z["id"]), str(z["name"]), str(z["url"]), str(z["standard_digest"]),
                                  tuple(z["keys"])) for z in doc["zones"])
        for zone in zones:
            zone.trust_list()  # every key readable, every kid its key's
        revoked = tuple(Revoked(str(r["zone"]), str(r["kid"]), str(r["revoked_at"])) for r in doc["revoked"])
        version = doc["version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValueError("version is not a positive integer")
        return NetworkConfig(str(doc["network"]), str(doc["name"]), version, parse_instant(doc["issued"]),
                             parse_instant(doc["expires"]), zones, revoked)
    except (ValueError, KeyError, TypeError, MalformedTrustList) as err:
        raise _bad(f"its payload is malformed: {err}", f"内容格式错误：{err}") from err


def newer(current: int | None, offered: NetworkConfig) -> bool:
    """A member takes only a newer version than its copy (never a replayed older one)."""
    return current is None or offered.version > current


def expired(expires: datetime | None, now: datetime) -> bool:
    return expires is not None and expires <= now


def instant(moment: datetime) -> str:
    return instant_text(moment)
