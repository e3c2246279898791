"""Structured logs: one JSON line per request and per job run, with a request id.

``yima serve`` writes JSON lines (``YIMA_LOG_FORMAT=json``, for a log collector); ``yima demo``
writes the same records as short lines people read in a terminal (``text``), unless the setting
says otherwise.

Every request gets an id: a sane incoming ``X-Request-ID`` (8–128 letters, digits and ``._:-``) is
kept, anything else is replaced by a new one, and the response carries it back. The request's line
names the route by its path template (``/api/v1/applications/{app_id}``), never the path as sent
and never the query string, so what a client typed into a URL (an ID number, a phone number) does
not reach the log; the actor is named by their account id.

As a second guard every line goes through ``redact``: anything that is a valid resident ID number
(GB 11643, checked by ``yima.identity``) or looks like a mainland mobile number is masked with
``yima.privacy`` before it is written, whatever logged it. The JSON formatter is a few lines on the
standard library's ``logging``, which uvicorn's own loggers already use; a logging library would add
a dependency for what ``json.dumps`` does here.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yima.clock import china_time
from yima.errors import DomainError
from yima.identity import validate_id_number
from yima.privacy import mask_id_number, mask_phone

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
#: What both patterns need: eleven digits in a row (a mobile number is 11, an ID number 18). One
#: search for it spares a line without any (nearly every line) the two substitutions.
_DIGIT_RUN = re.compile(r"\d{11}")
requests_log = logging.getLogger("yima.requests")
#: One encoder for every line (``json.dumps`` with options builds a new one each call).
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def request_id(incoming: str | None) -> str:
    """The incoming id when it is sane, else a new one."""
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _is_id_number(text: str) -> bool:
    try:
        validate_id_number(text)
    except DomainError:
        return False
    return True


def redact(line: str) -> str:
    """Mask ID numbers and mobile numbers anywhere in ``line``."""
    if _DIGIT_RUN.search(line) is None:
        return line
    line = _ID_NUMBER.sub(lambda m: mask_id_number(m[0]) if _is_id_number(m[0]) else m[0], line)
    return _PHONE.sub(lambda m: mask_phone(m[0]), line)


def _utc_second(second: int, _cache: dict[int, str] = {}) -> str:  # noqa: B006 - a cache on purpose
    """``2026-12-05T08:01:27`` for a whole second since the epoch, each second worked out once."""
    text = _cache.get(second)
    if text is None:
        if len(_cache) > 64:
            _cache.clear()
        text = _cache[second] = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return text


def utc_time(created: float) -> str:
    """``created`` (seconds since the epoch) as ``2026-12-05T08:01:27.933+00:00``: what
    ``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")`` writes (rounded to
    the microsecond, then cut to the millisecond), without building the datetime."""
    second = math.floor(created)
    micro = round((created - second) * 1_000_000)
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    return f"{_utc_second(second)}.{micro // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "event", …fields}`` on one line; ``fields`` from ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": utc_time(record.created), "level": record.levelname.lower(),
                                 "logger": record.name, "event": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return redact(_JSON.encode(entry))


class TextFormatter(logging.Formatter):
    """One short line per record, in China Standard Time: ``01:06:53 GET /api/v1/… 200 56.9 ms``."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        when = china_time(datetime.fromtimestamp(record.created, UTC)).strftime("%H:%M:%S")
        if record.name == "yima.requests" and "status" in fields:
            line = (f"{when} {fields.get('method')} {fields.get('path')} {fields.get('status')} "
                    f"{fields.get('duration_ms')} ms")
        elif record.name == "yima.jobs" and "report" in fields:
            line = f"{when} jobs {fields.get('status')} ({fields.get('duration_ms')} ms): " + "; ".join(
                str(item) for item in fields.get("report") or ["nothing to do"])
        else:
            line = f"{when} {record.levelname.lower()} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


#: For ``logging.config.dictConfig`` and uvicorn's ``log_config``: every logger writes JSON lines
#: to standard error; uvicorn's own access log stays off (the request lines replace it).
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "yima.web.logs.JsonFormatter"}, "text": {"()": "yima.web.logs.TextFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "yima": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "uvicorn.error": {"level": "WARNING"},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}


def log_config(log_format: str = "json") -> dict[str, Any]:
    """``LOG_CONFIG`` with every line in ``log_format`` (``json`` or ``text``)."""
    config = copy.deepcopy(LOG_CONFIG)
    config["handlers"]["stderr"]["formatter"] = log_format
    return config


def route_template(scope: Scope) -> str:
    """The matched route's path template; ``(unmatched)`` when no route matched."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    root, app_root = scope.get("root_path", ""), scope.get("app_root_path", scope.get("root_path", ""))
    if root != app_root:  # a mounted app (the static files): its prefix
        return f"{root[len(app_root):]}/{{path}}"
    return "(unmatched)"


class RequestLog:
    """ASGI middleware: the request id, and the request's log line once the response is sent.

    Pure ASGI rather than Starlette's ``BaseHTTPMiddleware``, which would cost a task per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
        rid = request_id(incoming)
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if requests_log.isEnabledFor(logging.INFO):
                # The record made here and handed to the handlers: ``Logger.info`` would first look
                # for the calling frame (``findCaller``), which this line never shows.
                record = requests_log.makeRecord(requests_log.name, logging.INFO, __file__, 0, "request", (), None)
                record.fields = {
                    "request_id": rid, "method": scope["method"], "path": route_template(scope), "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1), "actor": state.get("actor_id")}
                requests_log.handle(record)


def log_job_run(lines: list[str], started: float, error: BaseException | None = None) -> None:
    """One line per run of the scheduled jobs, with its own id."""
    fields = {"run_id": uuid.uuid4().hex, "duration_ms": round((time.perf_counter() - started) * 1000, 1),
              "status": "failed" if error else "ok", "report": lines}
    logging.getLogger("yima.jobs").log(logging.ERROR if error else logging.INFO, "jobs.run", extra={"fields": fields},
                                       exc_info=error)
