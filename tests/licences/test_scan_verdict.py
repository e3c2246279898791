"""The typed answer to a scanned QR keeps the v1 body of ``POST /api/v1/verify`` (no database)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields, replace

import pytest

from yima.licences.api import VerifyOut
from yima.licences.verdict import ScanVerdict
from yima.licences.verify import SignatureCheck

MALFORMED = ScanVerdict(False, "malformed", "无法识别 / unreadable", "无法识别", "unreadable")


def test_a_verdict_has_the_fields_of_verify_out_with_the_payload_as_its_licence():
    assert {f.name for f in fields(ScanVerdict)} - {"payload"} | {"licence"} == set(VerifyOut.model_fields)
    body = MALFORMED.as_json()
    assert set(body) == set(VerifyOut.model_fields)
    out = VerifyOut.model_validate(body)
    assert out.reason == "malformed" and not (out.valid or out.in_force or out.current) and out.licence is None


def test_a_verdict_in_force_says_so_and_is_never_patched():
    standing = replace(MALFORMED, valid=True, reason="ok", in_force=True, current=True, status="active",
                       current_version=2, superseded=False, permit_status_now={"卫-1": "active"},
                       signatures=(SignatureCheck("k1", "EdDSA", True, True),))
    out = VerifyOut.model_validate(standing.as_json())
    assert out.in_force and out.permit_status_now == {"卫-1": "active"} and out.signatures[0].verified
    with pytest.raises(FrozenInstanceError):
        standing.valid = False  # type: ignore[misc]
