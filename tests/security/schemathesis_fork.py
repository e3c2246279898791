"""Start several ``schemathesis run`` commands from one process that imports schemathesis once.

``python schemathesis_fork.py JOBS RESULTS``: JOBS is a JSON list of ``{"argv", "cwd", "env",
"log"}``; each job runs in a child forked after the imports, as the ``schemathesis`` script would
run it (its working directory, its environment, its output to its log), and RESULTS gets each
job's exit status and CPU seconds (``{"exit", "cpu"}``). A run imports about 900 modules first
(about 0.9 CPU seconds); forked, the runs import them once. What a run generates does not depend on
it: Hypothesis's storage directory is the job's own (``HYPOTHESIS_STORAGE_DIRECTORY``, read when
first used) and the script runs as ``__main__`` from its own file, as it does when started by itself.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("schemathesis")


def _preload() -> None:
    """What a run imports before it sends its first request (no threads started, nothing read)."""
    import hypothesis  # noqa: F401
    import jsonschema_rs  # noqa: F401
    import requests  # noqa: F401
    import schemathesis.cli  # noqa: F401
    import schemathesis.engine  # noqa: F401
    import schemathesis.openapi  # noqa: F401
    import schemathesis.specs.openapi.checks  # noqa: F401
    import schemathesis.specs.openapi.schemas  # noqa: F401


def _child(job: dict[str, object]) -> int:
    os.chdir(str(job["cwd"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(job["env"]).items()})  # type: ignore[call-overload]
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(Path(str(job["cwd"])) / ".hypothesis")
    log = os.open(str(job["log"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.argv = [str(SCRIPT), *list(job["argv"])]  # type: ignore[call-overload]
    try:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


def main(jobs_file: str, results_file: str) -> int:
    jobs = json.loads(Path(jobs_file).read_text())
    _preload()
    children: dict[int, int] = {}
    for n, job in enumerate(jobs):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(job)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = n
    results: list[dict[str, float | int] | None] = [None] * len(jobs)
    while children:
        pid, status, usage = os.wait4(-1, 0)
        if pid in children:
            results[children.pop(pid)] = {"exit": os.waitstatus_to_exitcode(status),
                                          "cpu": round(usage.ru_utime + usage.ru_stime, 2)}
    Path(results_file).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
