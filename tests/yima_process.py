"""``yima`` commands as real processes, without paying the import of the whole application each time.

A command of the suite runs as its own process: its own arguments, environment, working directory,
stdin, stdout, stderr and exit status, exactly as a user's shell would start it. What is shared is
the start: each pytest worker keeps one "zygote", a Python process that has imported ``yima.cli``
once and forks a child per command (the way a pre-fork server or Python's forkserver does). The
child sets the command's environment and directory, puts its stdin, stdout and stderr on files,
runs the console script's ``app`` and exits with its status, running the exit handlers a normal
interpreter exit would. A command costs a fork instead of about three CPU-seconds of imports, and
nothing of one command outlives it, as with ``subprocess.run``.

``run_yima`` answers like ``subprocess.run(..., capture_output=True, text=True)``; its timeout
kills the command and raises ``subprocess.TimeoutExpired`` as ``subprocess.run`` does.

Before its first fork the zygote also does, once, what every ``yima serve`` does at its start without
its database (``yima.web.app.prepare``: every route prepared, sharing the preparation as the suite's
own apps do, ``route_preparation.py``; every page template compiled): a forked server's start costs
about half a CPU second instead of two.

``spawn_yima`` starts a command that keeps running, ``yima serve``, the same way and answers like
``subprocess.Popen``: ``pid``, ``poll``, ``wait``, ``send_signal``, ``terminate``, ``kill``. The zygote
forks twice and the middle process exits at once, so the server is handed to this process, which
declares itself a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``): the server is this process's
child, whose exit status it reads as ``Popen`` does, and the zygote is free for the next command.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from gc_thresholds import GC_THRESHOLDS

#: The zygote: import the command once, then one forked child per request line on stdin; each
#: request is answered with the child's pid, then with its exit status (for a command left running,
#: ``detach``, with the status of the middle process that handed it over). Its password hashing
#: is the suite's (``conftest``): Argon2id at the lowest cost, since the commands' users and sign-ins
#: (the demo's, the federation instances') are not what any test measures; a hash keeps its
#: parameters, so a server started elsewhere checks it as written.
ZYGOTE = f"import gc\ngc.set_threshold{GC_THRESHOLDS!r}  # the suite's (gc_thresholds.py)\n" + r"""
import atexit, io, json, os, sys, tempfile, traceback
from yima.cli import app
from yima.accounts.service import configure_hasher

configure_hasher(time_cost=1, memory_kib=1024)

def prepare():
    # What every forked `yima serve` does at its start without its database (yima.web.app.prepare:
    # its routes prepared, its templates compiled), done here once: each server forked from here
    # finds it done, as the suite's own apps share their routes' preparation.
    sys.path.insert(0, sys.argv[2])  # the suite's folder, for route_preparation.py; not the commands'
    try:
        from route_preparation import share
    finally:
        sys.path.remove(sys.argv[2])
    from yima.app.web import create_app
    from yima.config import Settings, use_settings
    from yima.db import Database
    from yima.web.app import prepare

    share()
    with tempfile.TemporaryDirectory() as folder:  # a database never opened: nothing here queries it
        url = f"sqlite:///{folder}/unused.db"
        database = Database(url)
        prepare(create_app(Settings(database_url=url, data_dir=folder), database))
        use_settings(None)  # the commands' settings are their environment's
        database.dispose()

prepare()

def run(request):
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    written = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if request.get("append") else os.O_TRUNC)
    for fd, path, flags in ((0, request["stdin"], os.O_RDONLY), (1, request["stdout"], written),
                            (2, request["stderr"], written)):
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    encoding = "utf-8"
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding=encoding)
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding=encoding)
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding=encoding,
                                  line_buffering=True)
    sys.argv = ["yima", *request["args"]]
    code = 0
    try:
        app(args=request["args"], prog_name="yima")
    except SystemExit as exit:
        if exit.code is None:
            code = 0
        elif isinstance(exit.code, int):
            code = exit.code
        else:
            print(exit.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    return code

def command(request):
    code = 1
    try:
        code = run(request)
        atexit._run_exitfuncs()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)

requests = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
answers = io.TextIOWrapper(io.FileIO(int(sys.argv[1]), "w", closefd=False), encoding="utf-8",
                           line_buffering=True)
while True:
    line = requests.readline()
    if not line:
        break
    request = json.loads(line)
    if request.get("detach"):  # a server: the middle child hands it over and exits at once
        middle = os.fork()
        if middle == 0:
            try:
                pid = os.fork()
                if pid == 0:
                    os.close(int(sys.argv[1]))  # the zygote's answers are not the server's to hold open
                    os.setsid()
                    command(request)
                os.write(int(sys.argv[1]), (json.dumps({"pid": pid}) + "\n").encode())
            finally:
                os._exit(0)
        os.waitpid(middle, 0)
        answers.write(json.dumps({"status": 0}) + "\n")
        continue
    pid = os.fork()
    if pid == 0:
        command(request)
    answers.write(json.dumps({"pid": pid}) + "\n")
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
"""


class _Zygote:
    def __init__(self) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen([sys.executable, "-c", ZYGOTE, str(write), str(Path(__file__).parent)],
                                        stdin=subprocess.PIPE,
                                        pass_fds=(write,), text=True, env=dict(os.environ))
        os.close(write)
        self.answers = read
        self.pending = b""  # read from the answers, not yet a whole line
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def _answer(self, timeout: float | None) -> dict[str, int] | None:
        """The next answer line, or None after ``timeout`` seconds. Read unbuffered: two answers may
        arrive at once (a command left running is answered twice in a moment)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.pending:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.answers], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.answers, 4096)
            if not chunk:
                raise RuntimeError(f"the yima zygote exited ({self.process.poll()})")
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return json.loads(line)  # type: ignore[no-any-return]

    def run(self, args: list[str], env: Mapping[str, str], cwd: str, stdin: str, timeout: float
            ) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="yima-run-") as scratch, self.lock:
            files = {name: Path(scratch) / name for name in ("stdin", "stdout", "stderr")}
            files["stdin"].write_text(stdin, encoding="utf-8")
            request = {"args": args, "env": dict(env), "cwd": cwd, **{k: str(v) for k, v in files.items()}}
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            started = self._answer(600)  # the first command waits for the zygote's imports
            if started is None:
                self.process.kill()  # its answers would no longer match the requests
                raise RuntimeError("the yima zygote did not fork within 600 s")
            done = self._answer(timeout)
            if done is None:
                os.kill(started["pid"], signal.SIGKILL)
                self._answer(None)
                raise subprocess.TimeoutExpired(["yima", *args], timeout,
                                                output=files["stdout"].read_text("utf-8", "replace"),
                                                stderr=files["stderr"].read_text("utf-8", "replace"))
            return subprocess.CompletedProcess(["yima", *args], done["status"],
                                               files["stdout"].read_text("utf-8", "replace"),
                                               files["stderr"].read_text("utf-8", "replace"))

    def spawn(self, args: list[str], env: Mapping[str, str], cwd: str, stdout: str, stderr: str) -> Spawned:
        _become_subreaper()
        request = {"args": args, "env": dict(env), "cwd": cwd, "stdin": os.devnull, "stdout": stdout,
                   "stderr": stderr, "append": True, "detach": True}
        with self.lock:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            started = self._answer(600)  # the first command waits for the zygote's imports
            if started is None or self._answer(60) is None:
                self.process.kill()
                raise RuntimeError("the yima zygote did not start the command")
        return Spawned(["yima", *args], started["pid"])


_subreaper = False


def _become_subreaper() -> None:
    """Orphaned descendants of this process become its children (not init's): a server the zygote
    starts and leaves is then this process's child, as if it had started it itself."""
    global _subreaper
    if not _subreaper:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        _subreaper = True


PR_SET_CHILD_SUBREAPER = 36


class Spawned:
    """A running ``yima`` command started by ``spawn_yima``: a child of this process, with the part of
    ``subprocess.Popen`` the suite uses."""

    def __init__(self, args: list[str], pid: int) -> None:
        self.args, self.pid = args, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(0.02)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


_zygote: _Zygote | None = None
_start_lock = threading.Lock()


def _the_zygote() -> _Zygote:
    global _zygote
    with _start_lock:
        if _zygote is None or not _zygote.alive():
            _zygote = _Zygote()
        return _zygote


def spawn_yima(args: Sequence[str | os.PathLike[str]], *, log: str | os.PathLike[str],
               stdout: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
               cwd: str | os.PathLike[str] | None = None) -> Spawned:
    """``yima ARGS`` left running in a session of its own (its process group: ``os.killpg(pid)``
    reaches its workers too), its stderr and, unless ``stdout`` names another file, its stdout
    appended to ``log`` (see the module's docstring)."""
    return _the_zygote().spawn([str(a) for a in args], os.environ if env is None else env,
                               str(cwd) if cwd is not None else os.getcwd(), str(stdout or log), str(log))


def run_yima(args: Sequence[str | os.PathLike[str]], *, input: str | None = None,
             env: Mapping[str, str] | None = None, cwd: str | os.PathLike[str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``yima ARGS`` as a process of its own (see the module's docstring)."""
    return _the_zygote().run([str(a) for a in args], os.environ if env is None else env,
                      str(cwd) if cwd is not None else os.getcwd(), input or "", timeout)
