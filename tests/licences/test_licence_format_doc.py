"""docs/licence-qr-format.md stays true: its worked example is what the code produces and verifies."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from licence_samples import ZONE, seeded_key

from yima.keys.model import ZoneKeyring
from yima.keys.trustlist import TrustList
from yima.licences.cose import sign_licence
from yima.licences.payload import LicencePayload, PermitEntry
from yima.licences.qr import extract_cose_bytes
from yima.licences.verify import verify_licence

DOC = Path(__file__).resolve().parents[2] / "docs" / "licence-qr-format.md"


def _block(marker: str) -> str:
    match = re.search(rf"<!-- example:{marker} -->\n```[a-z]*\n(.*?)\n```", DOC.read_text("utf-8"), re.DOTALL)
    assert match, marker
    return match.group(1)


@pytest.fixture
def documented_trust_list() -> TrustList:
    return TrustList.from_json(_block("trust-list"))


def test_documented_texts_verify_with_the_documented_trust_list(documented_trust_list: TrustList) -> None:
    later = datetime(2030, 1, 1, tzinfo=UTC)
    for marker in ("url", "base45"):
        result = verify_licence(_block(marker), documented_trust_list, later)
        assert result.valid, (marker, result.reason, result.detail)
        assert result.payload is not None and result.payload.uscc == "91500107MA5U7G3X26"
        assert result.kid == "_RENMB0vB30"


def test_documented_cose_is_what_the_code_signs() -> None:
    example = LicencePayload(
        uscc="91500107MA5U7G3X26", name="重庆一码餐饮管理有限公司", entity_type="有限责任公司",
        legal_representative="张三", registered_capital=Decimal("1000000"), domicile="重庆市九龙坡区科园一路3号",
        scope=("H6210",), established_on=date(2024, 9, 2), zone=ZONE,
        permits=(PermitEntry(type="food_business", number="JY15001070123456", items=("热食类食品制售",),
                             valid_from=date(2024, 9, 2), valid_to=date(2029, 9, 1)),),
        issued_at=datetime(2024, 9, 2, 8, 30, tzinfo=UTC), version=1,
    )
    cose = sign_licence(example, ZoneKeyring.start(ZONE, seeded_key(1)))
    documented = bytes.fromhex("".join(_block("cose-hex").split()))
    assert cose == documented
    assert extract_cose_bytes(_block("url")) == documented == extract_cose_bytes(_block("base45"))


def test_documented_pycose_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = re.search(r"a few lines;.*?```python\n(.*?)\n```", DOC.read_text("utf-8"), re.DOTALL)
    assert snippet
    (tmp_path / "trust-list.json").write_text(_block("trust-list"), "utf-8")
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet.group(1), "licence-qr-format.md", "exec"), {"text": _block("url").lower()})
