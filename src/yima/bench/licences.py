"""``yima bench verify``: offline licence verifications per second next to the raw signature check
of the same algorithm (the upper limit), and the QR size of a licence with three permits."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from yima.keys.model import SigningAlgorithm, ZoneKeyring, generate_signing_key
from yima.keys.trustlist import trust_list_for
from yima.licences.cose import decode_sign1, sig_structure, sign_licence
from yima.licences.payload import LicencePayload, PermitEntry, PermitStatus
from yima.licences.qr import licence_base45, licence_url, qr_facts
from yima.licences.verify import verify_licence

BASE_URL = "https://yima.example.gov.cn"


def sample_licence(now: datetime) -> LicencePayload:
    """A realistic licence with three permits (hygiene, food business, pre-packaged food filing)."""
    start = now.date()
    return LicencePayload(
        uscc="91500107000000019C", name="重庆嘉陵餐饮酒店管理有限公司", entity_type="有限责任公司",
        legal_representative="姚红艳", registered_capital=Decimal("1000000.00"),
        domicile="重庆市九龙坡区科城路60号康田西锦荟3栋", business_sites=("重庆市九龙坡区石桥铺88号",),
        scope=("catering", "hotel", "convenience_store"), established_on=start, zone="cq-gxq",
        permits=(PermitEntry(type="food_business", number="JY50010720260000001", items=("catering",),
                             valid_from=start, valid_to=date(start.year + 5, 1, 1)),
                 PermitEntry(type="public_place_hygiene", number="卫公证字50010720260000002", items=("hotel",),
                             valid_from=start, valid_to=date(start.year + 4, 1, 1)),
                 PermitEntry(type="prepackaged_food_filing", number="YB50010720260000003",
                             items=("convenience_store",), valid_from=start, status=PermitStatus.FILED)),
        issued_at=now.replace(microsecond=0), version=1)


def _rate(count: int, work: Callable[[], object], progress: Progress, label: str) -> float:
    task = progress.add_task(label, total=count)
    start = time.perf_counter()
    for i in range(count):
        work()
        if i % 250 == 0:
            progress.update(task, completed=i)
    elapsed = time.perf_counter() - start
    progress.update(task, completed=count)
    return count / elapsed


def run_verify_benchmark(console: Console, n: int) -> None:
    now = datetime.now(UTC)
    payload = sample_licence(now)
    table = Table(title=f"Licence verification, {n:,} each (offline, one core)")
    for column in ("algorithm", "form", "verify licence /s", "raw signature /s", "share of raw"):
        table.add_column(column, justify="right" if column.endswith(("/s", "raw")) else "left")
    with Progress(console=console, transient=True) as progress:
        for algorithm in (SigningAlgorithm.EDDSA, SigningAlgorithm.ES256):
            ring = ZoneKeyring.start("cq-gxq", generate_signing_key(now - timedelta(days=1), algorithm))
            trust = trust_list_for(ring, "0" * 64)
            cose = sign_licence(payload, ring)
            message = decode_sign1(cose)
            to_be_signed = sig_structure(message.protected_bytes, message.payload)
            public = ring.active.public()
            raw = _rate(n, partial(public.verify, message.signature, to_be_signed), progress, f"raw {algorithm.name}")
            for form, text in (("URL", licence_url(cose, BASE_URL)), ("base45", licence_base45(cose))):
                assert verify_licence(text, trust, now).valid
                full = _rate(n, partial(verify_licence, text, trust, now), progress,
                             f"{algorithm.name} {form}")
                table.add_row(algorithm.name, form, f"{full:,.0f}", f"{raw:,.0f}", f"{full / raw:.0%}")
    console.print(table)
    ring = ZoneKeyring.start("cq-gxq", generate_signing_key(now))
    cose = sign_licence(payload, ring)
    sizes = Table(title="QR code of a licence with three permits (error correction M)")
    for column in ("form", "characters", "QR version", "modules"):
        sizes.add_column(column)
    for form, text in (("URL", licence_url(cose, BASE_URL)), ("base45", licence_base45(cose))):
        facts = qr_facts(text)
        sizes.add_row(form, str(facts.characters), str(facts.version), f"{facts.modules}×{facts.modules}")
    console.print(sizes)
