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
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

#: The zygote: import the command once, then one forked child per request line on stdin; each
#: request is answered with the child's pid, then with its exit status.
ZYGOTE = r"""
import atexit, io, json, os, sys, traceback
from yima.cli import app

def run(request):
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, flags in ((0, request["stdin"], os.O_RDONLY),
                            (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                            (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
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

requests = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
answers = io.TextIOWrapper(io.FileIO(int(sys.argv[1]), "w", closefd=False), encoding="utf-8",
                           line_buffering=True)
while True:
    line = requests.readline()
    if not line:
        break
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
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
    answers.write(json.dumps({"pid": pid}) + "\n")
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
"""


class _Zygote:
    def __init__(self) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen([sys.executable, "-c", ZYGOTE, str(write)], stdin=subprocess.PIPE,
                                        pass_fds=(write,), text=True, env=dict(os.environ))
        os.close(write)
        self.answers = os.fdopen(read, "r", encoding="utf-8")
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def _answer(self, timeout: float | None) -> dict[str, int] | None:
        ready, _, _ = select.select([self.answers], [], [], timeout)
        if not ready:
            return None
        line = self.answers.readline()
        if not line:
            raise RuntimeError(f"the yima zygote exited ({self.process.poll()})")
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


_zygote: _Zygote | None = None
_start_lock = threading.Lock()


def run_yima(args: Sequence[str | os.PathLike[str]], *, input: str | None = None,
             env: Mapping[str, str] | None = None, cwd: str | os.PathLike[str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``yima ARGS`` as a process of its own (see the module's docstring)."""
    global _zygote
    with _start_lock:
        if _zygote is None or not _zygote.alive():
            _zygote = _Zygote()
        zygote = _zygote
    return zygote.run([str(a) for a in args], os.environ if env is None else env,
                      str(cwd) if cwd is not None else os.getcwd(), input or "", timeout)
