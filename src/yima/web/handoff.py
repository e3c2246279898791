"""Blocking work handed from the event loop to a thread, in one hand-off that costs little.

A ``def`` route (and Starlette's ``run_in_threadpool``) hands its work to AnyIO's worker threads:
a capacity limiter taken and given back, the root task looked up, a job put on a ``queue.Queue``
(a Python condition) and its result sent back, about 60–100 µs of the interpreter a request
(measured: 16 tasks handing off a 10 µs function, 63–97 µs against 21–25 µs here). :func:`in_thread`
does the same through ``loop.run_in_executor`` on one thread pool of the process (its queue is the
C ``SimpleQueue``), with the caller's context variables, so a hot route that is ``async`` and hands
all its blocking work over in one call (秒批's submission, the sign-in check that must read the
database) pays a quarter of that.

The pool has ``Settings.worker_threads`` threads, like AnyIO's limiter, which the ``def`` routes
keep using; the two pools together may run twice that many requests' work at once. A cancelled
caller (the server shutting down) no longer waits for the result; work already running finishes
in its thread (as it does in AnyIO's, whose caller waits for it).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_THREADS = 4
_pools: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()
_threads = DEFAULT_THREADS


def use_threads(threads: int) -> None:
    """How many threads :func:`in_thread` hands work to in this process (``Settings.worker_threads``)."""
    global _threads
    if threads < 1:
        raise ValueError("at least one thread")
    _threads = threads


def _pool() -> ThreadPoolExecutor:
    pool = _pools.get(_threads)
    if pool is None:
        with _lock:
            pool = _pools.get(_threads)
            if pool is None:
                pool = _pools[_threads] = ThreadPoolExecutor(_threads, thread_name_prefix="yima-request")
    return pool


async def in_thread(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)`` in a thread of the process's pool, awaited on the event loop."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_pool(), call)
