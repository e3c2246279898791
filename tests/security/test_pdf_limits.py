"""Issue 20, findings 1 and 5: PDF work bounded in time and size, and malformed PDFs answered 4xx.

Before: the sealing route looked each page up from the root (``find_page_for_modification(i)``
per page), so a PDF listing one page 3,000 times took 6 s and 8,000 times 73 s, holding a server
thread; 80,000 signature fields took ``seals/validate`` 4.8 s; malformed PDFs (no root, a numeric
root, a ``/Prev`` loop, 5,000-deep arrays, a signature ``/V 7``) answered 500. Now every PDF is
checked within limits in one pass before heavy work, and the work runs in a child process that
is stopped when its time runs out (``yima.bounded``).
"""

from __future__ import annotations

import threading
import time

import pytest

from hostile_pdfs import ACTIVE, MALFORMED, build, one_page, one_page_listed, signature_fields
from yima.bench.seals import sample_contract_pdf
from yima.bounded import Budget, run_bounded
from yima.errors import DomainError
from yima.pdfcheck import PDF, PdfLimits, inspect_pdf


def rule_of(pdf: bytes, limits: PdfLimits | None = None, refuse_active: bool = True) -> str:
    with pytest.raises(DomainError) as caught:
        run_bounded(inspect_pdf, pdf, limits or PdfLimits(), refuse_active, budget=Budget(seconds=30), subject=PDF)
    return caught.value.finding.rule


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_pdf_is_refused_with_its_rule(name: str) -> None:
    pdf, rule = MALFORMED[name]
    assert rule_of(pdf) == rule


@pytest.mark.parametrize("times", [3_000, 8_000])
def test_a_page_listed_thousands_of_times_is_refused_in_one_pass(times: int) -> None:
    pdf = one_page_listed(times)
    started = time.monotonic()
    assert rule_of(pdf) in ("pdf.page_tree", "pdf.too_many_pages")
    assert time.monotonic() - started < 10  # was 6 s (3,000) and 73 s (8,000) of server time


def test_80000_signature_fields_are_refused_before_any_is_read() -> None:
    pdf = signature_fields(80_000)
    assert len(pdf) > 5_000_000
    assert rule_of(pdf) == "pdf.too_many_signatures"
    assert rule_of(signature_fields(150), PdfLimits(max_signature_fields=200, max_fields=100)) == "pdf.too_many_fields"


def test_page_and_object_limits() -> None:
    pages = 30
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages}
    objects.update({3 + i: b"<< /Type /Page /Parent 2 0 R >>" for i in range(pages)})
    pdf = build(objects)
    assert len(inspect_pdf(pdf, PdfLimits(), refuse_active=True).pages) == pages
    assert rule_of(pdf, PdfLimits(max_pages=29)) == "pdf.too_many_pages"
    assert rule_of(pdf, PdfLimits(max_objects=20)) == "pdf.too_many_objects"


@pytest.mark.parametrize("name", list(ACTIVE))
def test_active_content_is_found_by_parsing(name: str) -> None:
    assert rule_of(ACTIVE[name]) == "pdf.active_content"
    assert inspect_pdf(ACTIVE[name], PdfLimits(), refuse_active=False).active


def test_an_ordinary_pdf_passes_with_its_pages() -> None:
    facts = inspect_pdf(sample_contract_pdf(), PdfLimits(), refuse_active=True)
    assert len(facts.pages) >= 1 and not facts.active
    assert inspect_pdf(one_page(), PdfLimits(), refuse_active=True).pages == ((0.0, 0.0, 595.0, 842.0),)


def test_work_past_its_budget_is_stopped_with_a_422_and_frees_the_caller() -> None:
    ticks = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    started = time.monotonic()
    try:
        with pytest.raises(DomainError) as caught:
            run_bounded(time.sleep, 600, budget=Budget(seconds=1.0), subject=PDF)
    finally:
        stop.set()
        ticker.join()
    elapsed = time.monotonic() - started
    assert caught.value.finding.rule == "pdf.time_budget" and caught.value.status == 422
    assert "秒" in caught.value.finding.zh and "limit" in caught.value.finding.en
    assert elapsed < 30
    assert len(ticks) > 20  # the waiting thread held neither the interpreter nor the other thread


def test_all_workers_busy_answers_429_with_retry_after() -> None:
    budget = Budget(seconds=1.0, workers=1)
    holder = threading.Thread(target=lambda: pytest.raises(DomainError, run_bounded, time.sleep, 600,
                                                           budget=Budget(seconds=4.0, workers=1), subject=PDF))
    holder.start()
    time.sleep(0.5)
    try:
        with pytest.raises(DomainError) as caught:
            run_bounded(time.sleep, 0, budget=budget, subject=PDF)
    finally:
        holder.join()
    assert caught.value.finding.rule == "pdf.busy" and caught.value.status == 429
    assert getattr(caught.value, "retry_after", 0) >= 1


def test_every_child_starts_with_every_features_parsers_loaded() -> None:
    """The fork server imports the modules of every declared job when it starts (the suite's
    ``registry()`` declared them), whichever job starts it: a seal check forked after an upload
    check does not spend a second importing pyHanko in its child."""
    from bounded_probe import loaded
    from yima.app.features import registry
    from yima.bounded import JOBS

    jobs = {f"{func.__module__}": func for func in registry().items(JOBS)}
    assert {"yima.uploads", "yima.seals.sealing"} <= set(jobs)
    wanted = [*sorted(jobs), "pyhanko.sign.validation", "PIL.Image"]
    run_bounded(time.sleep, 0, budget=Budget(seconds=30), subject=PDF)  # whichever job comes first
    assert run_bounded(loaded, wanted, budget=Budget(seconds=30), subject=PDF) == wanted


MAIN_SCRIPT = """
import bounded_marker
from yima.bounded import Budget, run_bounded
from yima.pdfcheck import PDF

if __name__ == "__main__":
    import os
    print(*(run_bounded(os.getpid, budget=Budget(seconds=60), subject=PDF) for _ in range(3)))
"""


@pytest.mark.parametrize("how", ["script", "module"])
def test_a_child_does_not_import_the_servers_main_program_again(tmp_path, how) -> None:
    """multiprocessing runs the parent's main program again in every child; a server started as
    the ``yima`` script or with ``python -m yima.cli`` imported the whole application again in each
    child (about 3 s of CPU an upload check). The fork server now loads what the main program
    imports, so running it again in a child imports nothing: the marker module's body runs in the
    parent and the fork server, never in a child."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    marks = tmp_path / "marks.txt"
    (tmp_path / "bounded_marker.py").write_text(
        f"import os\nwith open({str(marks)!r}, 'a') as f:\n    f.write(f'{{os.getpid()}}\\n')\n")
    (tmp_path / "bounded_main.py").write_text(MAIN_SCRIPT)
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(src)])}
    command = [sys.executable, "bounded_main.py"] if how == "script" else [sys.executable, "-m", "bounded_main"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    children = set(done.stdout.split())
    assert len(children) == 3
    ran_in = marks.read_text().split()
    assert not children & set(ran_in), f"the main program's imports ran again in a child: {ran_in}"
    assert len(ran_in) <= 2  # the parent, and the fork server that loaded it once
