"""``yima serve --workers N``: the application built once, its N worker processes forked from it.

uvicorn's own supervisor (``uvicorn.run(..., workers=N)``) starts each worker as a fresh interpreter
(multiprocessing's ``spawn``), which imports and builds the whole application again: about three
CPU-seconds a worker, and on a loaded machine some twenty seconds before the first answer, paid
again by every worker it restarts. Here the supervisor loads the application once (imports, routes
prepared, templates compiled, mappers configured: ``uvicorn.Config.load``) and forks the workers
from it, the way gunicorn's ``--preload`` does; each worker runs ``uvicorn.Server`` on the
listening socket the supervisor bound (``uvicorn.Config.bind_socket``), and a worker started again
costs a fork.

The supervisor is written here rather than taken from uvicorn because uvicorn's
(``uvicorn.supervisors.Multiprocess``) creates its workers through a spawn context of a private
module, with no way to ask for a fork. It does what that one does for ``yima serve``: a worker
that dies is replaced; SIGTERM or SIGINT is passed on to every worker, which finishes the requests
it has begun, and the supervisor exits 0 once they all have; a worker that fails its start
(uvicorn's exit status 3) stops the server with that status; SIGHUP replaces every worker (the
new ones are forked first, then the old ones are told to finish their requests and go, so the
socket is never left without a worker accepting on it), SIGTTIN adds one and SIGTTOU retires one.
A worker the supervisor retired (SIGHUP, SIGTTOU) is logged as ``serve.worker_retired`` at info
level; any other exit of a worker is ``serve.worker_exited`` at error level. The new workers are
forked from the same built application: SIGHUP does not read the configuration or the code again.
It does not ping the workers (uvicorn's ping is
answered by a thread of the worker, not by its event loop, so it finds a process that is gone, as
the supervisor's ``waitpid`` does, rather than one that is stuck).

What must not be shared across a fork does not exist in the supervisor when it forks: ``release``
disposes of the application's database engines (their pooled connections, SQLite's writer-lock
file) once the start-up warm-up has used them, so that each worker opens its own; the supervisor
runs no thread (its signals are blocked and taken with ``sigtimedwait``), and what would run
beside the server in a thread (the scheduled jobs, the features' loops) runs in a process of its
own, forked like the workers and supervised alike; nothing has started the bounded jobs' fork
server or an event loop. Python reseeds ``random`` in each child; tokens and keys come from
``os.urandom``. The objects built before the fork are frozen out of the garbage collector
(``gc.freeze``), so that a worker's collections neither walk them nor copy their pages.

A worker, or the process of the jobs, whose supervisor dies (SIGKILL of the supervisor alone) is
sent SIGTERM by the kernel (Linux ``PR_SET_PDEATHSIG``) rather than left serving as an orphan.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger("yima.serve")

#: The signals the supervisor takes (blocked, then read with ``sigtimedwait``).
SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD, signal.SIGTTIN, signal.SIGTTOU})
#: A worker that dies sooner than this after its fork is started again only this long after it
#: started: a worker that cannot live does not make the supervisor fork in a loop.
RESTART_PAUSE_SECONDS = 1.0
#: How long a stopping worker that no longer accepts waits for the connections it accepted last to
#: send their request, before it closes the idle ones.
ACCEPTED_LINGER_SECONDS = 0.25
PR_SET_PDEATHSIG = 1


def supported() -> bool:
    """Whether this platform can fork and wait for signals (Linux, the BSDs), else uvicorn's supervisor."""
    return hasattr(os, "fork") and hasattr(signal, "sigtimedwait")


def serve_forked(config: uvicorn.Config, workers: int, *, release: Callable[[Any], None],
                 beside: Callable[[threading.Event], None] | None) -> int:
    """Serve ``config``'s application with ``workers`` forked worker processes until SIGTERM or
    SIGINT; the exit status. ``release(app)`` is called once the application is built, before the
    first fork; ``beside(stop)``, if any, runs in a process of its own next to the workers (it
    starts its threads and returns; ``stop`` is set when the server stops)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        sock = config.bind_socket()
        config.load()
        release(_unwrapped(config.loaded_app))
        stopping = signal.sigpending() & {signal.SIGTERM, signal.SIGINT}
        if stopping:  # asked to stop while the application was being built
            log.info("serve.stopped", extra={"fields": {"signal": signal.Signals(min(stopping)).name}})
            return 0
        gc.freeze()
        return _Supervisor(config, sock, workers, beside).run()
    finally:
        # Taken here, a signal still pending (the SIGTERM that stopped it, a SIGHUP meanwhile) does
        # not end the process by its default action once unblocked.
        while signal.sigpending() & SIGNALS:
            signal.sigtimedwait(SIGNALS, 0)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def _unwrapped(app: Any) -> Any:
    """The application under uvicorn's wrappers (its proxy-headers middleware keeps it as ``app``)."""
    while not hasattr(app, "state") and hasattr(app, "app"):
        app = app.app
    return app


class _Supervisor:
    def __init__(self, config: uvicorn.Config, sock: socket.socket, workers: int,
                 beside: Callable[[threading.Event], None] | None) -> None:
        self.config, self.sock, self.wanted, self.beside = config, sock, workers, beside
        self.workers: dict[int, float] = {}  # pid -> when it was forked (monotonic)
        self.retiring: set[int] = set()  # workers told to finish and go (SIGHUP, SIGTTOU)
        self.beside_pid: int | None = None
        self.beside_not_before = 0.0
        self.pid = os.getpid()
        self.not_before = 0.0  # no worker is forked before this (``RESTART_PAUSE_SECONDS``)
        self.stopping: signal.Signals | None = None
        self.status = 0

    def run(self) -> int:
        log.info("serve.started", extra={"fields": {"pid": self.pid, "workers": self.wanted}})
        if self.beside is not None:
            self._fork_beside()
        while True:
            self._reap()
            if self.stopping is not None:
                if not self.workers and self.beside_pid is None:
                    break
            else:
                self._keep_up()
            wait = max(0.05, min(1.0, self.not_before - time.monotonic())) if self._short() else 1.0
            received = signal.sigtimedwait(SIGNALS, wait)
            if received is not None:
                self._on(signal.Signals(received.si_signo))
        self.sock.close()
        log.info("serve.stopped", extra={"fields": {"pid": self.pid, "status": self.status}})
        return self.status

    def _short(self) -> bool:
        return self.stopping is None and len(self.workers) - len(self.retiring) < self.wanted

    def _keep_up(self) -> None:
        while self._short() and time.monotonic() >= self.not_before:
            self._fork_worker()
        if self.beside is not None and self.beside_pid is None and time.monotonic() >= self.beside_not_before:
            self._fork_beside()

    def _on(self, sig: signal.Signals) -> None:
        if sig in (signal.SIGTERM, signal.SIGINT):
            if self.stopping is None:
                log.info("serve.stopping", extra={"fields": {"signal": sig.name}})
            self.stopping = sig
            self._signal_all(signal.SIGTERM)  # as uvicorn does: a second SIGINT would cut requests short
        elif sig == signal.SIGHUP and self.stopping is None:
            # The replacements first, then each old worker finishes its requests and goes.
            old = sorted(set(self.workers) - self.retiring)
            log.info("serve.restarting_workers", extra={"fields": {"workers": old}})
            self.retiring.update(old)
            while self._short():
                self._fork_worker()
            for pid in old:
                self._send(pid, signal.SIGTERM)
        elif sig == signal.SIGTTIN and self.stopping is None:
            self.wanted += 1
        elif sig == signal.SIGTTOU and self.wanted > 1 and len(self.workers) > len(self.retiring):
            self.wanted -= 1
            pid = max(set(self.workers) - self.retiring)
            self.retiring.add(pid)
            self._send(pid, signal.SIGTERM)

    def _signal_all(self, sig: signal.Signals) -> None:
        for pid in [*self.workers, *([self.beside_pid] if self.beside_pid else [])]:
            self._send(pid, sig)

    @staticmethod
    def _send(pid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            if pid == self.beside_pid:
                self.beside_pid = None
                if self.stopping is None:
                    log.error("serve.jobs_died", extra={"fields": {"pid": pid, "status": code}})
                    self.beside_not_before = time.monotonic() + RESTART_PAUSE_SECONDS
                continue
            forked = self.workers.pop(pid, None)
            if pid in self.retiring:  # told to go (SIGHUP, SIGTTOU): its place is already taken
                self.retiring.discard(pid)
                # uvicorn re-raises the SIGTERM it handled once its requests are done: -SIGTERM is the normal end.
                log.log(logging.INFO if code in (0, -signal.SIGTERM) else logging.WARNING, "serve.worker_retired",
                        extra={"fields": {"pid": pid, "status": code}})
                continue
            if forked is None or self.stopping is not None:
                continue
            if code == STARTUP_FAILURE:  # the application cannot start: another worker would fail alike
                log.error("serve.worker_failed_to_start", extra={"fields": {"pid": pid, "status": code}})
                self.status = STARTUP_FAILURE
                self.stopping = signal.SIGTERM
                self._signal_all(signal.SIGTERM)
                continue
            log.error("serve.worker_exited", extra={"fields": {"pid": pid, "status": code}})
            if time.monotonic() - forked < RESTART_PAUSE_SECONDS:
                self.not_before = forked + RESTART_PAUSE_SECONDS

    def _fork_worker(self) -> None:
        pid = os.fork()
        if pid == 0:
            self._child(lambda: _Worker(self.config).run(sockets=[self.sock]))
        self.workers[pid] = time.monotonic()
        log.info("serve.worker_started", extra={"fields": {"pid": pid}})

    def _fork_beside(self) -> None:
        assert self.beside is not None
        beside = self.beside
        pid = os.fork()
        if pid == 0:
            self.sock.close()  # the jobs take no connections
            self._child(lambda: _run_beside(beside))
        self.beside_pid = pid
        log.info("serve.jobs_started", extra={"fields": {"pid": pid}})

    def _child(self, body: Callable[[], None]) -> None:
        """In a forked process: the signals back to normal, SIGTERM if the supervisor dies, ``body``;
        never returns (exits without running the supervisor's exit handlers)."""
        code = 1
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            _terminate_with_parent(self.pid)
            body()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except KeyboardInterrupt:
            code = 0
        except BaseException:
            log.exception("serve.child_failed")
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)


class _Worker(uvicorn.Server):
    """A worker that, told to stop, first stops accepting and gives the connections it accepted
    last a moment to send their request, so that each of them is answered.

    uvicorn's shutdown stops accepting and at once closes every connection with no request under
    way; on a socket that other workers go on serving (a SIGHUP, a SIGTTOU), a client that had just
    been accepted by the retiring worker would have its connection reset instead of answered."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        await asyncio.sleep(ACCEPTED_LINGER_SECONDS)
        await super().shutdown(sockets)


class _Stop(Exception):
    """SIGTERM or SIGINT in the process of the jobs."""


def _run_beside(beside: Callable[[threading.Event], None]) -> None:
    def stop_now(sig: int, frame: object) -> None:
        raise _Stop

    stop = threading.Event()
    signal.signal(signal.SIGTERM, stop_now)
    signal.signal(signal.SIGINT, stop_now)
    try:
        beside(stop)
        while True:
            time.sleep(3600)
    except _Stop:
        stop.set()


def _terminate_with_parent(parent: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # it died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)
