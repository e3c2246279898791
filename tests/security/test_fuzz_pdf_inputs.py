"""Issue 20: a fuzz target for the PDF inputs. Mutated PDFs (bytes flipped, cut, spliced into the
red team's files) go through the upload check, the sealing and the checking work exactly as the
routes run it (in the bounded child): the answer is a result or a 4xx ``DomainError``, never
another exception, and it comes within the budget."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import tiny_pdf
from hostile_pdfs import ACTIVE, MALFORMED
from yima.bench.seals import sample_contract_pdf
from yima.bounded import Budget, run_bounded
from yima.errors import DomainError
from yima.pdfcheck import PDF, PdfLimits
from yima.seals.sealing import check_pdf_seals
from yima.uploads import check_upload

SEEDS = [tiny_pdf(), sample_contract_pdf(), *ACTIVE.values(), *(pdf for pdf, _ in MALFORMED.values())]
LIMITS = PdfLimits(budget=Budget(seconds=10))


@st.composite
def mutated_pdfs(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at: at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.sampled_from([b"[", b"<<", b" 0 R", b"/Kids [3 0 R 3 0 R]", b"/V 7", b"9999999",
                                                b"/Prev 0", b"/S /JavaScript", b"(", b"\x00"]))
        if len(data) < 8:
            break
    return b"%PDF-" + bytes(data[5:]) if len(data) >= 5 else b"%PDF-"


def answered(call) -> None:
    started = time.monotonic()
    try:
        call()
    except DomainError as err:
        assert 400 <= err.status < 500, err
    assert time.monotonic() - started < 60


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_pdfs())
def test_mutated_pdfs_as_uploads_get_a_result_or_a_4xx(pdf: bytes) -> None:
    answered(lambda: check_upload("fuzz.pdf", pdf, 1024 * 1024))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_pdfs())
def test_mutated_pdfs_checked_for_seals_get_a_result_or_a_4xx(pdf: bytes) -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    answered(lambda: run_bounded(check_pdf_seals, pdf, [], [], now, LIMITS, budget=LIMITS.budget, subject=PDF))
