"""``yima bench verify``: offline licence verifications per second next to the raw signature check
of the same algorithm (the upper limit), and the QR size of a licence with three permits.

The SM2 row times a licence signed twice (Ed25519 and SM2, the national profile), verified with both
keys; its raw column is the SM2 check alone. ``openssl speed sm2`` on the same machine is printed
below as the floor an SM2 implementation can be measured against (when the ``openssl`` command is
there)."""

from __future__ import annotations

import re
import shutil
import subprocess
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
from yima.licences.cose import decode_cose, sign_licence
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
        for algorithm in (SigningAlgorithm.EDDSA, SigningAlgorithm.ES256, SigningAlgorithm.SM2):
            created = now - timedelta(days=1)
            if algorithm is SigningAlgorithm.SM2:  # the national profile: signed twice, both checked
                ring = ZoneKeyring("cq-gxq", (generate_signing_key(created), generate_signing_key(created, algorithm)))
                label = "EdDSA + SM2 (signed twice)"
            else:
                ring = ZoneKeyring.start("cq-gxq", generate_signing_key(created, algorithm))
                label = algorithm.value
            trust = trust_list_for(ring, "0" * 64)
            cose = sign_licence(payload, ring)
            signature = next(s for s in decode_cose(cose).signatures
                             if SigningAlgorithm.from_cose_id(s.alg) is algorithm)
            public = next(k for k in ring.public_keys() if k.kid == signature.kid)
            raw = _rate(n, partial(public.verify, signature.signature, signature.to_be_signed), progress,
                        f"raw {algorithm.name}")
            for form, text in (("URL", licence_url(cose, BASE_URL)), ("base45", licence_base45(cose))):
                assert verify_licence(text, trust, now).valid
                full = _rate(n, partial(verify_licence, text, trust, now), progress,
                             f"{algorithm.name} {form}")
                table.add_row(label, form, f"{full:,.0f}", f"{raw:,.0f}", f"{full / raw:.0%}")
    console.print(table)
    floor = openssl_sm2_speed()
    if floor is not None:
        console.print(f"OpenSSL's own SM2 on this machine (openssl speed sm2, the floor): "
                      f"{floor[0]:,.0f} signatures/s, {floor[1]:,.0f} verifications/s")
    one = ZoneKeyring.start("cq-gxq", generate_signing_key(now))
    two = ZoneKeyring("cq-gxq", (*one.keys, generate_signing_key(now, SigningAlgorithm.SM2)))
    sizes = Table(title="QR code of a licence with three permits (error correction M)")
    for column in ("signatures", "form", "characters", "QR version", "modules"):
        sizes.add_column(column)
    for signed, ring in (("Ed25519", one), ("Ed25519 + SM2", two)):
        cose = sign_licence(payload, ring)
        for form, text in (("URL", licence_url(cose, BASE_URL)), ("base45", licence_base45(cose))):
            facts = qr_facts(text)
            sizes.add_row(signed, form, str(facts.characters), str(facts.version),
                          f"{facts.modules}×{facts.modules}")
    console.print(sizes)


def openssl_sm2_speed(seconds: int = 2) -> tuple[float, float] | None:
    """(signatures/s, verifications/s) of ``openssl speed sm2``, None without the command."""
    if shutil.which("openssl") is None:
        return None
    done = subprocess.run(["openssl", "speed", "-seconds", str(seconds), "sm2"], capture_output=True, text=True,
                          timeout=60 + 4 * seconds, check=False)
    match = re.search(r"SM2 \(CurveSM2\)\s+\S+s\s+\S+s\s+([0-9.]+)\s+([0-9.]+)", done.stdout)
    return (float(match.group(1)), float(match.group(2))) if match else None
