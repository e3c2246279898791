"""Sample licence data for the licence tests: a payload with three permits, fixed keys."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yima.keys.model import ZoneKeyring, ZoneSigningKey
from yima.keys.trustlist import trust_list_for
from yima.licences.payload import LicencePayload, PermitEntry, PermitStatus

ZONE = "cq-gxq"
BASE_URL = "https://yima.cqgxq.gov.cn"
STANDARD_DIGEST = "5d41402abc4b2a76b9719d911017c592" * 2
ISSUED = datetime(2024, 9, 2, 8, 30, tzinfo=UTC)


def seeded_key(seed: int, created_at: datetime = ISSUED) -> ZoneSigningKey:
    return ZoneSigningKey(Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32), created_at=created_at)


def three_permit_licence(issued_at: datetime = ISSUED, zone: str = ZONE) -> LicencePayload:
    return LicencePayload(
        uscc="91500107MA5U7G3X26",
        name="重庆一码餐饮管理有限公司",
        entity_type="有限责任公司（自然人投资或控股）",
        legal_representative="张三",
        registered_capital=Decimal("1000000"),
        domicile="重庆市九龙坡区高新区科园一路3号",
        business_sites=("重庆市九龙坡区高新区科园二路8号1-2",),
        scope=("H6210", "F5225", "H6110"),
        established_on=date(2024, 9, 2),
        zone=zone,
        permits=(
            PermitEntry(type="food_business", number="JY15001070123456",
                        items=("热食类食品制售", "预包装食品销售"),
                        valid_from=date(2024, 9, 2), valid_to=date(2029, 9, 1)),
            PermitEntry(type="public_place_hygiene", number="渝卫公证字[2024]第000123号", items=("住宿",),
                        valid_from=date(2024, 9, 2), valid_to=date(2028, 9, 1)),
            PermitEntry(type="prepackaged_food_filing", number="YB15001070000123", items=("预包装食品销售",),
                        valid_from=date(2024, 9, 2), status=PermitStatus.FILED),
        ),
        issued_at=issued_at,
        version=1,
    )


# Immutable (frozen) samples shared by the tests: a payload, a keyring, its published trust list.
LICENCE = three_permit_licence()
KEYRING = ZoneKeyring.start(ZONE, seeded_key(1))
TRUST_LIST = trust_list_for(KEYRING, STANDARD_DIGEST)
