"""Work on untrusted input with a budget: in a child process, ended when its time runs out.

A PDF or an image from the outside world is parsed by libraries (pyHanko, Pillow) whose running
time and memory on a hostile file Yima cannot bound from the inside: a thread cannot be stopped,
and a parser stuck in a loop holds the interpreter lock. So each such job runs in a child process
forked from a ``forkserver`` (started once, single-threaded, so a fork never inherits a lock held
by a server thread) with a cap on its address space. The fork server imports the modules of every
job function the features declare (``JOBS``, plugged in by the composition root with ``use``) when
it starts, so that no child pays for importing a parser itself: a PDF seal check forked from a
server started for an upload check took a second of imports before its forty milliseconds of work.
It also imports what the server's main program imports: multiprocessing runs the parent's main
program again in every child (as ``__mp_main__``, so that its functions unpickle), and a server
started as ``yima serve`` or ``python -m yima.cli`` imported the whole application again in each
child, about three seconds of CPU per upload check; with those modules loaded in the fork server,
running the main program again finds them loaded. (Python 3.11's fork server would load the main
program itself, but asks for it under a key the preparation data does not have.)
The calling thread waits on a pipe, which frees the event loop and the interpreter lock; when the
time is up the child is killed and the caller gets a 422 naming the rule. At most ``workers``
children run at once per server process; a request that finds them all busy for longer than the
budget is answered 429 with ``Retry-After``.

What the child raises comes back as what it is: a ``DomainError`` with its rule and status; a
``RecursionError`` (structures nested deeper than the parser can follow) or ``MemoryError`` as
their own rules; anything else, the library failing on a malformed file, as "unreadable", logged
with the child's traceback. Never a 500.
"""

from __future__ import annotations

import ast
import logging
import multiprocessing
import resource
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from yima.errors import DomainError, Finding, TooManyRequests
from yima.registry import Registry, Slot

log = logging.getLogger("yima.bounded")

T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    """How long one job may run, how much memory it may map, and how many run at once."""

    seconds: float = 20.0
    memory_bytes: int = 1024 * 1024 * 1024
    workers: int = 2


@dataclass(frozen=True)
class Subject:
    """What the work is on, to name in the refusals: a rule prefix and a noun in both languages."""

    rule: str
    zh: str
    en: str

    def over_time(self, seconds: float) -> DomainError:
        return DomainError(f"{self.rule}.time_budget", "file",
                           f"{self.zh}处理超过 {seconds:g} 秒时限，已停止（文件结构过于复杂）",
                           f"processing {self.en} took longer than the {seconds:g} s limit and was "
                           "stopped (its structure is too complex)")

    def too_deep(self) -> DomainError:
        return DomainError(f"{self.rule}.too_deep", "file", f"{self.zh}中的结构嵌套过深",
                           f"{self.en} nests its structures too deeply")

    def too_big(self) -> DomainError:
        return DomainError(f"{self.rule}.memory", "file", f"{self.zh}解析所需内存超过上限",
                           f"{self.en} needs more memory to read than allowed")

    def unreadable(self) -> DomainError:
        return DomainError(f"{self.rule}.unreadable", "file", f"{self.zh}无法读取（文件结构有误）",
                           f"{self.en} cannot be read (its structure is malformed)")

    def busy(self, seconds: float) -> TooManyRequests:
        return TooManyRequests(f"{self.rule}.busy", "file", "服务器正忙于处理其他文件，请稍后再试",
                               "the server is busy with other files; try again shortly",
                               retry_after=max(1, round(seconds)))


_CONTEXT = multiprocessing.get_context("forkserver")
#: The functions that features run within a budget; the fork server preloads their modules.
JOBS: Slot[Callable[..., Any]] = Slot("bounded jobs")
_preloaded = False
_modules: set[str] = set()
_lock = threading.Lock()


def use(registry: Registry) -> None:
    """The job functions of every feature: their modules are imported by the fork server when it starts
    (one that is already running keeps what it has)."""
    with _lock:
        _modules.update(func.__module__ for func in registry.items(JOBS))
_slots: dict[int, threading.BoundedSemaphore] = {}


def _slots_for(workers: int) -> threading.BoundedSemaphore:
    with _lock:
        return _slots.setdefault(workers, threading.BoundedSemaphore(max(1, workers)))


def main_imports() -> set[str]:
    """The modules a child imports when it runs the parent's main program again: the main module
    itself when it was run with ``-m``, or what a main script imports at its top level."""
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if name:
        return set() if name == "__main__" or name.endswith(".__main__") else {name}
    path = getattr(main, "__file__", None)
    if not path:
        return set()
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _prepare(func: Callable[..., Any]) -> None:
    """Before the fork server starts, have it import every job's module once (``use``), this
    job's, and the main program's imports, so that each child starts with them loaded."""
    global _preloaded
    # a library function (a test's time.sleep) says nothing about what to preload
    own = {func.__module__} if func.__module__.split(".")[0] == __name__.split(".")[0] else set()
    with _lock:
        if not _preloaded:
            _CONTEXT.set_forkserver_preload(sorted(_modules | own | main_imports()))
            _preloaded = True


def _child(conn: Connection, func: Callable[..., Any], args: tuple[Any, ...], memory_bytes: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        answer: tuple[Any, ...] = ("ok", func(*args))
    except DomainError as err:
        answer = ("domain", type(err), err.findings, getattr(err, "retry_after", None))
    except RecursionError:
        answer = ("recursion",)
    except MemoryError:
        answer = ("memory",)
    except Exception as exc:  # a library failing on a malformed file: reported, never a 500
        answer = ("fault", type(exc).__name__, traceback.format_exc(limit=-8))
    try:
        conn.send(answer)
    except Exception as exc:  # an answer that cannot be sent (too large for the memory left)
        conn.send(("fault", type(exc).__name__, traceback.format_exc(limit=-4)))
    finally:
        conn.close()


def _rebuild(kind: type[DomainError], findings: list[Finding], retry_after: int | None) -> DomainError:
    if issubclass(kind, TooManyRequests):
        first = findings[0]
        return TooManyRequests(first.rule, first.field, first.zh, first.en, retry_after=retry_after or 60)
    try:
        return kind.of(findings)
    except TypeError:  # a subclass with its own constructor: keep the rule and the status
        err = DomainError.of(findings)
        err.status = kind.status
        return err


def run_bounded(func: Callable[..., T], *args: Any, budget: Budget, subject: Subject) -> T:
    """``func(*args)`` in a child process within ``budget``; its result, or a ``DomainError``.

    ``func`` must be a module-level function; its arguments and result must pickle.
    """
    slots = _slots_for(budget.workers)
    if not slots.acquire(timeout=budget.seconds):
        raise subject.busy(budget.seconds)
    try:
        return _run(func, args, budget, subject)
    finally:
        slots.release()


def _run(func: Callable[..., T], args: tuple[Any, ...], budget: Budget, subject: Subject) -> T:
    _prepare(func)
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(sender, func, args, budget.memory_bytes), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(budget.seconds):
            log.warning("%s: %s stopped after %.1f s", subject.rule, func.__name__, budget.seconds)
            raise subject.over_time(budget.seconds)
        try:
            answer = receiver.recv()
        except EOFError:  # the child died without answering: killed for its memory, or crashed
            log.warning("%s: %s ended without an answer (exit code %s)", subject.rule, func.__name__,
                        child.exitcode)
            raise subject.too_big() from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    kind = answer[0]
    if kind == "ok":
        result: T = answer[1]
        return result
    if kind == "domain":
        raise _rebuild(answer[1], answer[2], answer[3])
    if kind == "recursion":
        raise subject.too_deep()
    if kind == "memory":
        raise subject.too_big()
    log.warning("%s: %s failed on its input with %s\n%s", subject.rule, func.__name__, answer[1], answer[2])
    raise subject.unreadable()
