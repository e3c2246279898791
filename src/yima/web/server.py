"""Runs the app under uvicorn, with the scheduled jobs on a background thread (with several
workers, in a process beside them: ``yima.web.prefork``).

Every process logs JSON lines to standard error (``yima.web.logs``). A server bound to any
address other than loopback refuses to start while a secret still has its development default.
"""

from __future__ import annotations

import ipaddress
import logging
import logging.config
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import uvicorn

from yima.clock import utcnow
from yima.config import Settings, set_database_url
from yima.db import Database
from yima.jobs import JobRun
from yima.registry import Slot
from yima.standard.model import MatterStandard
from yima.web import prefork
from yima.web.logs import log_config, log_job_run

#: Seconds a worker process may take to answer its supervisor. uvicorn's default (5 s) is shorter
#: than a worker's start on a busy machine; the supervisor then kills it and starts another, over
#: and over, and the server never serves.
WORKER_HEALTHCHECK_SECONDS = 60

#: The settings that must not keep their development default on a public address.
SECRETS = ("secret_key", "key_encryption_key")


class UnsafeSettings(Exception):
    """The server would be reachable from other hosts with a development secret."""

    def __init__(self, setting: str) -> None:
        self.setting = setting
        super().__init__(f"{setting} 仍为开发用默认值或强度不足（至少 {SECRET_MIN_LENGTH} 个字符、"
                         f"{SECRET_MIN_DISTINCT} 种不同字符），不能在非本机地址上提供服务，请设置一个随机的长密钥 / "
                         f"{setting} still has its development default or is too weak (at least {SECRET_MIN_LENGTH} "
                         f"characters of {SECRET_MIN_DISTINCT} kinds); set a long random value before serving "
                         f"on an address other than loopback")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_public_settings(host: str, settings: Settings) -> None:
    """Raise ``UnsafeSettings`` naming the first development secret when ``host`` is not loopback."""
    if is_loopback(host):
        return
    for name in SECRETS:
        value = getattr(settings, name)
        if not value or value == Settings.model_fields[name].default or not strong_secret(value):
            raise UnsafeSettings(f"YIMA_{name.upper()}")


#: A secret of real strength: at least this long, with at least this many different characters
#: (``python -c "import secrets; print(secrets.token_urlsafe(32))"`` gives 43 of some 30 kinds).
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 12


def strong_secret(value: str) -> bool:
    """Whether ``value`` could be a random key rather than a word, a default or a placeholder."""
    return (len(value) >= SECRET_MIN_LENGTH and len(set(value)) >= SECRET_MIN_DISTINCT
            and "dev-only" not in value and "change-me" not in value.lower())


log = logging.getLogger("yima.jobs")
#: Loops that run beside the server whatever ``--jobs-every`` says, each as ``loop(url, standard, stop)``.
Loop = Callable[[str, MatterStandard, threading.Event], None]
LOOPS: Slot[Loop] = Slot("loops beside the server")


def _job_loop(url: str, every: int, stop: threading.Event, jobs: JobRun) -> None:
    db = Database(url)
    while not stop.is_set():
        started = time.perf_counter()
        try:
            lines = jobs(db, utcnow())
        except Exception as err:  # a failing job must not stop the server; it is logged and retried
            log_job_run([], started, err)
        else:
            log_job_run(lines, started)
        stop.wait(every)


def run_server(asgi: str, url: str, host: str, port: int, workers: int, jobs_every: int, settings: Settings, *,
               standard: MatterStandard, jobs: JobRun, loops: Sequence[Loop], log_format: str = "json") -> None:
    """Serve the app that ``asgi`` (``module:attribute``) builds, until stopped; lines in
    ``settings.log_format``, else in ``log_format``. The jobs every ``jobs_every`` seconds and the
    ``loops`` run beside it: in this process with one worker, in a process of their own with more
    (``yima.web.prefork``: the app built once here, its workers forked from it)."""
    check_public_settings(host, settings)
    set_database_url(url)  # the app builds itself from the settings
    config = log_config(settings.log_format or log_format)
    logging.config.dictConfig(config)

    def beside(stop: threading.Event) -> None:
        if jobs_every > 0:
            threading.Thread(target=_job_loop, args=(url, jobs_every, stop, jobs), daemon=True).start()
        for loop in loops:
            threading.Thread(target=loop, args=(url, standard, stop), daemon=True,
                             name=f"{loop.__module__}.{loop.__name__}").start()

    if workers > 1 and prefork.supported():
        status = prefork.serve_forked(
            uvicorn.Config(asgi, host=host, port=port, workers=workers, log_config=config, access_log=False),
            workers, release=_release, beside=beside if jobs_every > 0 or loops else None)
        if status:
            raise SystemExit(status)
        return
    stop = threading.Event()
    beside(stop)
    try:
        uvicorn.run(asgi, host=host, port=port, workers=workers, log_config=config,
                    access_log=False, timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)
    finally:
        stop.set()


def _release(app: Any) -> None:
    """Before the workers are forked: the app's database engines let go of the connections the
    warm-up opened (and of SQLite's writer-lock file), so that each worker opens its own."""
    app.state.db.dispose()
