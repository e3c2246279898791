"""Runs the app under uvicorn, with the scheduled jobs on a background thread."""

from __future__ import annotations

import importlib
import logging
import os
import threading

import uvicorn

from yima.clock import utcnow
from yima.db import Database
from yima.jobs import run_jobs

log = logging.getLogger("yima.jobs")
# Loops that run beside the server whatever ``--jobs-every`` says: ``module:function(url, stop)``.
LOOPS = ("yima.federation.delivery:delivery_loop",)


def _job_loop(url: str, every: int, stop: threading.Event) -> None:
    db = Database(url)
    while not stop.is_set():
        try:
            for line in run_jobs(db, utcnow()):
                log.info(line)
        except Exception:  # a failing job must not stop the server; it is logged and retried
            log.exception("scheduled jobs failed")
        stop.wait(every)


def run_server(url: str, host: str, port: int, workers: int, jobs_every: int) -> None:
    os.environ["YIMA_DATABASE_URL"] = url  # worker processes build their app from the settings
    stop = threading.Event()
    if jobs_every > 0:
        threading.Thread(target=_job_loop, args=(url, jobs_every, stop), daemon=True).start()
    for spec in LOOPS:
        module, function = spec.split(":")
        try:
            loop = getattr(importlib.import_module(module), function)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
            continue
        threading.Thread(target=loop, args=(url, stop), daemon=True, name=spec).start()
    try:
        uvicorn.run("yima.web.asgi:app", host=host, port=port, workers=workers, log_level="warning",
                    access_log=False)
    finally:
        stop.set()
