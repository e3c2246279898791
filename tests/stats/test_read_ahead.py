"""The importer's reading thread (``read_ahead``): batches in order with what the writer made of
them, an error from the reading side raised in the caller's thread after the batches before it,
and closing early stops the thread and closes the source (which ends the checking process)."""

from __future__ import annotations

import threading

import pytest

from yima.errors import DomainError
from yima.stats.importer import read_ahead


def _batch(n: int) -> tuple:
    return ([(f"code{n}",)], [], n, None)


def test_batches_come_in_order_with_their_text_and_an_error_after_them():
    def source():
        for n in range(1, 6):
            yield _batch(n)
        raise DomainError("import.file_format", "file", "第6行无法读取", "Line 6 cannot be read")

    seen = []
    with pytest.raises(DomainError) as raised:
        for batch, prepared in read_ahead(source(), lambda rows: (rows[0][0].encode(), b"")):
            seen.append((batch[2], prepared))
    assert seen == [(n, (f"code{n}".encode(), b"")) for n in range(1, 6)]
    assert raised.value.finding.rule == "import.file_format"


def test_closing_early_stops_the_thread_and_closes_the_source():
    closed = threading.Event()

    def source():
        try:
            n = 0
            while True:
                n += 1
                yield _batch(n)
        finally:
            closed.set()

    items = read_ahead(source(), lambda rows: None, depth=2)
    assert next(items)[0][2] == 1
    items.close()
    assert closed.is_set()
    assert not any(t.name == "yima-import-read-ahead" for t in threading.enumerate())
