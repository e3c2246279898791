"""The one hand-off of blocking work from the event loop to a thread (``yima.web.handoff``)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from yima.web import handoff

T = TypeVar("T")
ASKED_BY: contextvars.ContextVar[str] = contextvars.ContextVar("asked_by", default="nobody")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the worker's thread may hold a running loop of an
    earlier test (Playwright's synchronous API keeps one), which ``asyncio.run`` refuses to nest in."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _where(value: int) -> tuple[int, int, str]:
    return value * 2, threading.get_ident(), ASKED_BY.get()


def test_work_runs_in_another_thread_with_the_callers_context_and_answers():
    async def main() -> tuple[int, int, str, int]:
        ASKED_BY.set("request 7")
        doubled, thread, asked_by = await handoff.in_thread(_where, 21)
        return doubled, thread, asked_by, threading.get_ident()

    doubled, thread, asked_by, loop_thread = _run(main())
    assert doubled == 42 and asked_by == "request 7" and thread != loop_thread


def test_an_error_in_the_thread_is_raised_to_the_caller():
    def refuse() -> None:
        raise LookupError("refused in the thread")

    with pytest.raises(LookupError, match="refused in the thread"):
        _run(handoff.in_thread(refuse))


def test_no_more_threads_than_the_setting_run_at_once():
    running, most = 0, 0
    lock = threading.Lock()
    gate = threading.Event()

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        gate.wait(0.2)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(handoff.in_thread(work) for _ in range(12)))

    handoff.use_threads(3)
    try:
        _run(main())
    finally:
        handoff.use_threads(handoff.DEFAULT_THREADS)
    assert most == 3
    with pytest.raises(ValueError):
        handoff.use_threads(0)
