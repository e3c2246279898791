"""``yima bench seals``: seal operations and validations per second on a one-page PDF (ECDSA P-256,
PAdES) and, beside them, on a one-page OFD with the seal's GB/T 38540 form (SM2 with SM3).

Runs on a throwaway SQLite database with one zone, one enterprise and its issued seal set, through
the same use cases as the API (``seal_document``, ``check_document``), so the figures include
loading the seal and its chain, drawing the seal image into the PDF and writing the incremental
update; only HTTP is left out.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from rich.console import Console
from rich.table import Table

from yima.clock import local_date
from yima.db import Database
from yima.db.migrate import upgrade
from yima.errors import NotFound
from yima.fonts import cjk_font_path
from yima.keys import service as keys
from yima.keys.model import SigningAlgorithm
from yima.pki.service import create_zone_pki, load_zone_pki
from yima.register.tables import Enterprise
from yima.registration.codes import make_uscc
from yima.seals import documents, national, service
from yima.seals.model import SealType
from yima.zones.service import add_zone

BENCH_ENTERPRISE = "重庆山城科技有限公司"
BENCH_PERSON = "张小明"


def sample_contract_pdf(enterprise_name: str = BENCH_ENTERPRISE, person_name: str = BENCH_PERSON,
                        pages: int = 1) -> bytes:
    """A short A4 contract in Chinese with a signature block at the bottom right of its last page."""
    pdfmetrics.registerFont(TTFont("YimaCJK", str(cjk_font_path()), subfontIndex=0))
    buf = BytesIO()
    page = canvas.Canvas(buf, pagesize=A4)
    for number in range(1, pages + 1):
        page.setFont("YimaCJK", 20)
        page.drawCentredString(A4[0] / 2, 780, "采购合同")
        page.setFont("YimaCJK", 11)
        page.drawString(60, 740, "甲乙双方经友好协商，就采购事宜达成如下协议。")
        page.drawString(60, 720, "一、乙方向甲方供应办公设备一批，详见附件清单。")
        page.drawString(60, 700, "二、本合同自双方盖章之日起生效。")
        if number == pages:
            page.drawString(330, 170, f"甲方（盖章）：{enterprise_name}")
            page.drawString(330, 150, f"法定代表人：{person_name}")
        page.drawCentredString(A4[0] / 2, 40, f"第 {number} 页 共 {pages} 页")
        page.showPage()
    page.save()
    return buf.getvalue()


@dataclass(frozen=True)
class BenchResult:
    operation: str
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")


def prepare(db: Database, now: datetime) -> str:
    """A zone with its CA, an enterprise and its issued seal set; the contract seal's id."""
    zone = add_zone(db, "bench", "基准测试区", "500107", 100_000, now)
    with db.write() as session:
        try:
            load_zone_pki(session, zone.id)
        except NotFound:  # older zones: the CA is made with the zone from now on
            create_zone_pki(session, zone.id, zone.name, zone.authority_name, now)
        uscc = make_uscc("llc", zone.division_code, 1, zone.org_block_start)
        session.add(Enterprise(uscc=uscc, zone_id=zone.id, name=BENCH_ENTERPRISE, entity_type="llc",
                               industry_code="I6513", registered_capital=Decimal("1000000"),
                               established_on=local_date(now), legal_representative={"name": BENCH_PERSON},
                               created_at=now, updated_at=now))
        session.flush()
        service.enqueue_seal_set(session, uscc, now)
    service.issue_pending_seal_sets(db, now)
    with db.write() as session:
        keys.rotate(session, zone.id, now, SigningAlgorithm.SM2)  # the national profile: seals as SESeal too
    keys.forget_cached()
    seals = service.list_seals(db, None, uscc, now)
    return next(seal.id for seal in seals if seal.type is SealType.CONTRACT)


def measure(db: Database, seal_id: str, n: int, now: datetime) -> list[BenchResult]:
    pdf = sample_contract_pdf()
    limit = 50 * 1024 * 1024
    stamp = [documents.Stamp(seal_id)]
    sealed = documents.seal_document(db, None, "bench.pdf", pdf, stamp, now, max_bytes=limit)  # warm caches
    documents.check_document(db, "bench.pdf", sealed, now, max_bytes=limit)
    start = time.perf_counter()
    for _ in range(n):
        documents.seal_document(db, None, "bench.pdf", pdf, stamp, now, max_bytes=limit)
    sealing = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(n):
        checks = documents.check_document(db, "bench.pdf", sealed, now, max_bytes=limit)
        assert checks and all(c.report.ok for c in checks), "a freshly sealed PDF must validate"
    checking = time.perf_counter() - start
    parts = sample_contract_ofd_parts()
    sealed_ofd = national.seal_ofd_document(db, None, seal_id, parts, now)  # makes the national form
    start = time.perf_counter()
    for _ in range(n):
        national.seal_ofd_document(db, None, seal_id, parts, now)
    sm2_sealing = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(n):
        checks = documents.check_document(db, "bench.ofd", sealed_ofd, now, max_bytes=limit)
        assert checks and all(c.report.ok for c in checks), "a freshly sealed OFD must validate"
    sm2_checking = time.perf_counter() - start
    return [BenchResult("seal (sign one-page PDF)", n, sealing), BenchResult("validate (one seal)", n, checking),
            BenchResult("seal SM2 (GB/T 38540, one-page OFD)", n, sm2_sealing),
            BenchResult("validate SM2 (one OFD seal)", n, sm2_checking)]


def sample_contract_ofd_parts() -> dict[str, bytes]:
    """The unsigned parts of a one-page OFD contract (GB/T 33190), to seal with ``seal_ofd_document``."""
    ns = "http://www.ofdspec.org/2016"
    text = "采购合同：甲乙双方经友好协商，就采购事宜达成如下协议。本合同自双方盖章之日起生效。"
    return {
        "OFD.xml": (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{ns}" Version="1.0" DocType="OFD">'
                    "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
                    "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>").encode(),
        "Doc_0/Document.xml": (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{ns}">'
                               "<ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
                               '</ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" '
                               'BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>').encode(),
        "Doc_0/Pages/Page_0/Content.xml": (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{ns}">'
                                           f"<ofd:Content><ofd:Layer ID=\"2\"><ofd:TextObject ID=\"3\" "
                                           f'Boundary="20 20 170 10" Font="4" Size="4"><ofd:TextCode X="0" Y="4">'
                                           f"{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content>"
                                           "</ofd:Page>").encode(),
    }


def run_seal_benchmark(console: Console, n: int, now: datetime) -> list[BenchResult]:
    with tempfile.TemporaryDirectory(prefix="yima-bench-seals-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        try:
            seal_id = prepare(db, now)
            results = measure(db, seal_id, n, now)
        finally:
            db.dispose()
    table = Table("operation", "n", "seconds", "ms / op", "ops / s", title="Seal benchmark (one-page A4 PDF)")
    for r in results:
        table.add_row(r.operation, str(r.count), f"{r.seconds:.2f}", f"{1000 * r.seconds / r.count:.1f}",
                      f"{r.per_second:.1f}")
    console.print(table)
    return results
