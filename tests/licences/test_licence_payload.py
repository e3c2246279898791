"""The licence payload and its CWT claims set (RFC 8392)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import cbor2
import pytest
from cbor2 import CBORTag
from licence_samples import ISSUED, LICENCE, three_permit_licence
from pydantic import ValidationError

from yima.licences.errors import MalformedLicence
from yima.licences.payload import (
    CLAIM_EXP,
    CLAIM_IAT,
    CLAIM_ISS,
    CLAIM_LICENCE,
    CLAIM_SUB,
    LICENCE_KEYS,
    PERMIT_KEYS,
    LicencePayload,
    PermitEntry,
    expiry_of,
    from_claims,
    to_claims,
)


def test_claims_round_trip_through_cbor() -> None:
    claims = cbor2.loads(cbor2.dumps(to_claims(LICENCE)))
    assert from_claims(claims) == LICENCE


def test_registered_claims_carry_zone_credit_code_and_issue_time() -> None:
    claims = to_claims(LICENCE, expires_at=ISSUED + timedelta(days=365))
    assert claims[CLAIM_ISS] == "cq-gxq"
    assert claims[CLAIM_SUB] == LICENCE.uscc
    assert claims[CLAIM_IAT] == int(ISSUED.timestamp())
    assert claims[CLAIM_EXP] == int((ISSUED + timedelta(days=365)).timestamp())
    assert expiry_of(claims) == ISSUED + timedelta(days=365)


def test_licence_claim_uses_small_integer_keys_and_tag_100_dates() -> None:
    inner = to_claims(LICENCE)[CLAIM_LICENCE]
    assert CLAIM_LICENCE < -65536  # RFC 8392 §9.1 private use
    assert inner[LICENCE_KEYS["registered_capital"]] == "1000000"
    assert inner[LICENCE_KEYS["established_on"]] == CBORTag(100, (date(2024, 9, 2) - date(1970, 1, 1)).days)
    filing = inner[LICENCE_KEYS["permits"]][2]
    assert PERMIT_KEYS["valid_to"] not in filing  # no end date
    assert filing[PERMIT_KEYS["status"]] == "filed"


def test_empty_sites_and_permits_are_left_out_and_come_back_empty() -> None:
    bare = three_permit_licence().model_copy(update={"business_sites": (), "permits": ()})
    inner = to_claims(bare)[CLAIM_LICENCE]
    assert LICENCE_KEYS["business_sites"] not in inner and LICENCE_KEYS["permits"] not in inner
    assert from_claims(cbor2.loads(cbor2.dumps(to_claims(bare)))) == bare


def test_issue_time_is_kept_in_utc_to_the_second() -> None:
    shanghai = ISSUED.astimezone(ZoneInfo("Asia/Shanghai"))
    sample = three_permit_licence(issued_at=shanghai.replace(microsecond=123456))
    assert sample.issued_at == ISSUED and sample.issued_at.tzinfo == UTC


def test_naive_issue_time_is_refused() -> None:
    with pytest.raises(ValidationError):
        three_permit_licence(issued_at=datetime(2024, 9, 2, 8, 30))


def test_credit_code_must_have_gb32100_shape() -> None:
    with pytest.raises(ValidationError):
        LicencePayload.model_validate({**three_permit_licence().model_dump(), "uscc": "91500107MA5U7G3XIO"})


def test_permit_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError):
        PermitEntry(type="food_business", number="JY1",
                    valid_from=date(2024, 9, 2), valid_to=date(2024, 9, 1))


def test_capital_keeps_decimal_places_without_exponent() -> None:
    exponent = three_permit_licence().model_copy(update={"registered_capital": Decimal("1E+6")})
    assert to_claims(exponent)[CLAIM_LICENCE][LICENCE_KEYS["registered_capital"]] == "1000000"
    cents = three_permit_licence().model_copy(update={"registered_capital": Decimal("12.50")})
    back = from_claims(cbor2.loads(cbor2.dumps(to_claims(cents))))
    assert back.registered_capital == Decimal("12.50")


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c.pop(CLAIM_LICENCE),
        lambda c: c.pop(CLAIM_IAT),
        lambda c: c.__setitem__(CLAIM_SUB, 42),
        lambda c: c[CLAIM_LICENCE].__setitem__(LICENCE_KEYS["registered_capital"], "1e6"),
        lambda c: c[CLAIM_LICENCE].__setitem__(LICENCE_KEYS["established_on"], "2024-09-02"),
        lambda c: c[CLAIM_LICENCE][LICENCE_KEYS["permits"]][0].__setitem__(PERMIT_KEYS["status"], "bogus"),
        lambda c: c[CLAIM_LICENCE].__setitem__(LICENCE_KEYS["version"], 0),
    ],
)
def test_broken_claims_are_malformed(damage: object) -> None:
    claims = cbor2.loads(cbor2.dumps(to_claims(LICENCE)))
    assert callable(damage)
    damage(claims)
    with pytest.raises(MalformedLicence):
        from_claims(claims)


def test_expiry_must_follow_issue() -> None:
    with pytest.raises(ValueError):
        to_claims(LICENCE, expires_at=ISSUED)
