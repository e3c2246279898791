"""Schemathesis hooks (``SCHEMATHESIS_HOOKS``) that check every generated request's answer as every role,
on every server.

A ``schemathesis run`` loading this file gets one check, ``EveryRole``, and its settings from the
JSON file named by ``YIMA_SCHEMATHESIS_TARGETS``: ``{"role", "database", "replay", "counts"}``. The
run sends each case as ``role`` (its ``--header``) to its own server (``database``); the check runs
the four checks of ``CHECKS`` on that answer and then sends the same request again to each target
of ``replay`` (``{"role", "database", "url", "token", "map"}``: a server, the role's
``Authorization`` header instead of the run's, or none, and the values of the run's world to write
as that server's world's) and runs the four checks on each answer too. So the cases are drawn once
and every role's answers on every server are checked.

A failure's title names the role and the database (``… (as officer on sqlite)``) and its case is
the request that role sent, so the report's ``curl`` reproduces it with that role's token on that
server. Only a replayed request that fails is recorded in the run's report, whose count of cases is
therefore the cases drawn.
The stateful phase is not sent again: its links carry ids from the answers the run's own role
received, so every role runs its own stateful phase on each server. ``counts`` gets the number of
answers checked per role and database when the run ends.

The replayed requests do not go through ``requests``: the case is prepared once (``requests``'
``PreparedRequest``, as schemathesis' own transport prepares it: the same URL, body and headers) and
written on a kept-alive ``http.client`` connection per target, each answer read into schemathesis'
``Response``. That is what ``requests`` did per target (a session per role whose cookies are
dropped after every request, so nothing carries over between requests or roles: the case's own
cookies are in its prepared headers), without merging the session's settings and urllib3's pool on
every request. Redirects are followed as the transport follows them (not when the operation documents
a 3xx or redirects are off; on the same host and port only; 301/302/303 turn into a ``GET`` without
a body, except a ``HEAD``).
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.failures import CustomFailure, Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SETTINGS: dict[str, Any] = json.loads(Path(os.environ["YIMA_SCHEMATHESIS_TARGETS"]).read_text())
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
TIMEOUT = 60  # the run's --request-timeout
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 30  # requests' default


def _failures(check: Any, ctx: CheckContext, response: Response, case: Case) -> list[Failure]:
    """What one check finds wrong with one answer (as schemathesis' own runner collects it)."""
    try:
        check(ctx, response, case)
    except FailureGroup as group:
        return [f for f in group.exceptions if isinstance(f, Failure)]
    except Failure as failure:
        return [failure]
    except AssertionError as error:
        return [CustomFailure(operation=case.operation.label, title=f"Custom check failed: `{check.__name__}`",
                              message=str(error), exception=error)]
    return []


def prepared(case: Case, headers: dict[str, str]) -> requests.PreparedRequest:
    """The case as ``requests`` would send it (schemathesis' transport serialises it), once for every target."""
    data = case.operation.schema.transport.serialize_case(case, headers=headers)
    return requests.Request(method=data["method"], url=data["url"], headers=data.get("headers"),
                            files=data.get("files"), data=data.get("data"), params=data.get("params"),
                            auth=data.get("auth"), cookies=data.get("cookies"), json=data.get("json")).prepare()


class Target:
    """One server as one role: a kept-alive connection, and the values to write as that server's world's."""

    def __init__(self, role: str, database: str, url: str, token: str | None, mapping: list[list[str]]) -> None:
        self.role, self.database, self.token = role, database, token
        self.base = url.rstrip("/")
        parts = urlsplit(self.base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.mapping = [(old, new) for old, new in mapping if old != new]
        self.connection: http.client.HTTPConnection | None = None

    def request(self, drawn: requests.PreparedRequest, case_id: str) -> requests.PreparedRequest:
        """The drawn request as this target sends it: its server, its world's values, its role's token."""
        request = drawn.copy()
        url, body = str(drawn.url), drawn.body
        for old, new in self.mapping:
            url = url.replace(old, new)
            if isinstance(body, str):
                body = body.replace(old, new)
            elif isinstance(body, bytes):
                body = body.replace(old.encode(), new.encode())
        request.url = self.base + url[len(_base(url)):]
        request.body = body
        headers = CaseInsensitiveDict({k: v for k, v in drawn.headers.items() if k.lower() != "authorization"})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if "X-Schemathesis-TestCaseId" in headers:
            headers["X-Schemathesis-TestCaseId"] = case_id
        if body is not None and "Content-Length" in headers:
            headers["Content-Length"] = str(len(body.encode() if isinstance(body, str) else body))
        request.headers = headers
        return request

    def as_sent(self, probe: Case) -> None:
        """The probe as this target sent it, for the report (``curl``): its server, its world's values."""
        object.__setattr__(probe, "_base_url", self.base)
        for name in ("path_parameters", "query", "headers", "cookies", "body"):
            object.__setattr__(probe, name, _mapped(getattr(probe, name), self.mapping))

    def _exchange(self, method: str, url: str, body: Any, headers: CaseInsensitiveDict[str]) -> tuple[
            http.client.HTTPResponse, bytes]:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):  # a kept-alive connection the server closed: once more on a fresh one
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            try:
                self.connection.request(method, target, body=body, headers=dict(headers))
                answer = self.connection.getresponse()
                content = answer.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    ConnectionAbortedError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if answer.will_close:
                self.connection.close()
                self.connection = None
            return answer, content
        raise AssertionError("unreachable")

    def send(self, request: requests.PreparedRequest, follow: bool) -> Response:
        started = time.perf_counter()
        method, url, body, headers = str(request.method), str(request.url), request.body, request.headers
        answer, content = self._exchange(method, url, body, headers)
        for _ in range(MAX_REDIRECTS):
            location = answer.getheader("Location")
            if not follow or answer.status not in REDIRECTS or not location:
                break
            following = urljoin(url, location)
            if urlsplit(following)[:2] != urlsplit(url)[:2]:  # another host or port: not followed
                break
            if answer.status in (301, 302, 303) and method != "HEAD" and (answer.status != 301 or method == "POST"):
                method = "GET"
            if answer.status not in (307, 308):
                body = None
                headers = CaseInsensitiveDict({k: v for k, v in headers.items()
                                               if k.lower() not in ("content-length", "content-type",
                                                                    "transfer-encoding")})
            request = request.copy()
            request.method, request.url, request.body, request.headers = method, following, body, headers
            url = following
            answer, content = self._exchange(method, url, body, headers)
        grouped: dict[str, list[str]] = {}
        for name, value in answer.getheaders():
            grouped.setdefault(name.lower(), []).append(value)
        content_type = grouped.get("content-type", [None])[0]
        return Response(status_code=answer.status, headers=grouped, content=content, request=request,
                        elapsed=time.perf_counter() - started, verify=True, message=answer.reason,
                        http_version="1.0" if answer.version == 10 else "1.1",
                        encoding=get_encoding_from_headers({"content-type": content_type}) if content_type else None)


def _mapped(value: Any, mapping: list[tuple[str, str]]) -> Any:
    """``value`` with every string's values of one world written as the other's."""
    if isinstance(value, str):
        for old, new in mapping:
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return type(value)({key: _mapped(item, mapping) for key, item in value.items()})
    if isinstance(value, list):
        return [_mapped(item, mapping) for item in value]
    return value


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _follows_redirects(case: Case) -> bool:
    """Whether schemathesis' transport would follow a redirect for this operation (``RequestsTransport.send``)."""
    config = case.operation.schema.config
    limit = config.max_redirects_for(operation=case.operation)
    documented = any(code.startswith("3") for code in case.operation.responses.status_codes)
    return limit != 0 and not (limit is None and documented)


@schemathesis.check
class EveryRole:
    """The four checks on the run's own answer and on the same request's answer as every other role on
    every server."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.targets = [Target(t["role"], t["database"], t["url"], t["token"], t["map"]) for t in SETTINGS["replay"]]

    def _checked(self, ctx: CheckContext, response: Response, case: Case, role: str, database: str,
                 passed: set[tuple[Any, ...]]) -> list[Failure]:
        """The four checks on one answer to ``case``. They are functions of the case's operation and of the
        answer's status, content type and body alone, so an answer equal in these to one of the same case
        that passed them (``passed``: most roles get the same refusal, both databases the same
        validation error) passes as that one did, without running them again."""
        self.counts[f"{role} on {database}"] += 1
        key = (response.status_code, tuple(response.headers.get("content-type", ())), response.content)
        if key in passed:
            return []
        found = [failure for check in CHECKS for failure in _failures(check, ctx, response, case)]
        if not found:
            passed.add(key)
        for failure in found:
            failure.title = f"{failure.title} (as {role} on {database})"
            failure.case_id = failure.case_id or case.id
        return found

    def after_response(self, ctx: CheckContext, response: Response, case: Case) -> bool | None:
        passed: set[tuple[Any, ...]] = set()
        found = self._checked(ctx, response, case, SETTINGS["role"], SETTINGS["database"], passed)
        stateful = case.meta is not None and case.meta.phase.name.value == "stateful"
        if not stateful and self.targets:
            kwargs = dict(ctx.internals.transport_kwargs or {})
            headers = {k: v for k, v in dict(kwargs.get("headers") or {}).items() if k.lower() != "authorization"}
            drawn = prepared(case, headers)
            follow = _follows_redirects(case)
            for target in self.targets:
                answer = target.send(target.request(drawn, case.id), follow)
                wrong = self._checked(ctx, answer, case, target.role, target.database, passed)
                if wrong:  # the report shows the request this role sent to this server (``curl``)
                    probe = case.derive()  # under an id of its own: the case's answer is the run's role's
                    target.as_sent(probe)
                    answer.request.headers["X-Schemathesis-TestCaseId"] = probe.id
                    for failure in wrong:
                        failure.case_id = probe.id
                    ctx.internals.record_case(parent_id=case.id, case=probe)
                    ctx.internals.record_response(case_id=probe.id, response=answer)
                    found += wrong
        if found:
            raise FailureGroup(found)
        return None

    def after_run(self, ctx: CheckContext) -> None:
        for target in self.targets:
            if target.connection is not None:
                target.connection.close()
        Path(SETTINGS["counts"]).write_text(json.dumps(dict(self.counts)))
