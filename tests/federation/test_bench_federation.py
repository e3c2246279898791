"""``yima bench federation`` at a tiny scale: three ``yima serve`` processes in one network hosted
by the first, each forwarding to the next; every licence comes back, every zone both accepted and
issued, and the figures (absolute and against the targets) are printed."""

from __future__ import annotations

import io
import math

from rich.console import Console
from sqlalchemy import func, select

from yima.bench.federation import ZONES, run_federation_benchmark
from yima.db import Database
from yima.federation.tables import Case, InboxMessage, OutboxMessage
from yima.standard import load_standard


def test_three_zones_in_a_network_deliver_every_licence_back(tmp_path) -> None:
    out = io.StringIO()
    figures = run_federation_benchmark(Console(file=out, width=200), load_standard(), count=3, clients=3, local=1,
                                       zones=3, home=tmp_path, idle_s=1)
    printed = out.getvalue()
    for said in ("licences delivered back per second", "licence PDFs delivered back per second",
                 "submission → delivered licence PDF", "value ÷ target", "added by the forward",
                 "network configuration, 3 zones", "resident memory per instance",
                 "CPU per idle instance"):
        assert said in printed, printed
    assert figures["delivered_per_s"] > 0 and figures["p95_ms"] >= figures["p50_ms"] > 0
    assert figures["pdf_per_s"] > 0 and figures["pdf_p95_ms"] >= figures["pdf_p50_ms"] > 0
    assert figures["idle_pdf_p50_ms"] > 0
    assert figures["forward_p50_ms"] > 0 and figures["local_p50_ms"] > 0 and math.isfinite(figures["added_ms"])
    assert figures["document_bytes"] > 0 and figures["rss_mib"] > 50 and figures["idle_cpu_pct"] >= 0
    for number, zone in enumerate(ZONES[:3]):
        db = Database(f"sqlite:///{tmp_path / (zone.id + '.db')}")
        try:
            with db.read() as session:
                count = func.count()
                accepted = session.scalar(select(count).select_from(Case).where(
                    Case.role == "accepting", Case.licence_delivered_at.is_not(None), Case.licence_pdf.is_not(None)))
                issued = session.scalar(select(count).select_from(Case).where(Case.role == "issuing"))
                sent = session.scalar(select(count).select_from(OutboxMessage)
                                      .where(OutboxMessage.state != "delivered"))
                received = session.scalar(select(count).select_from(InboxMessage))
        finally:
            db.dispose()
        # the first zone also made the idle pair's forward to the second
        assert accepted == 1 + (number == 0) and issued == 1 + (number == 1), zone.id
        assert sent == 0 and received and received >= 2, zone.id
