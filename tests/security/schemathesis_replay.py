"""Schemathesis hooks (``SCHEMATHESIS_HOOKS``) that check every generated request's answer as every role.

A ``schemathesis run`` loading this file gets one check, ``EveryRole``, and its settings from the
JSON file named by ``YIMA_SCHEMATHESIS_TARGETS``: ``{"role", "database", "replay", "counts"}``. The
run sends each case as ``role`` (its ``--header``); the check runs the four checks of ``CHECKS`` on
that answer and then sends the same request again as each role of ``replay`` (``[role, token or
null]``: the role's ``Authorization`` header instead of the run's, or none) and runs the four
checks on each answer too. So the cases are drawn once and every role's answers are checked.

A failure's title names the role and the database (``… (as officer on sqlite)``) and its case is
the request that role sent, so the report's ``curl`` reproduces it with that role's token. Only a
replayed request that fails is recorded in the run's report, whose count of cases is therefore the
cases drawn.
The stateful phase is not sent again: its links carry ids from the answers the run's own role
received, so every role runs its own stateful phase. ``counts`` gets the number of answers checked
per role when the run ends.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import requests
import schemathesis
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


@schemathesis.check
class EveryRole:
    """The four checks on the run's own answer and on the same request's answer as every other role."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.sessions: dict[str, requests.Session] = {}

    def _checked(self, ctx: CheckContext, response: Response, case: Case, role: str) -> list[Failure]:
        self.counts[role] += 1
        found = [failure for check in CHECKS for failure in _failures(check, ctx, response, case)]
        for failure in found:
            failure.title = f"{failure.title} (as {role} on {SETTINGS['database']})"
            failure.case_id = failure.case_id or case.id
        return found

    def _send_as(self, ctx: CheckContext, case: Case, role: str, token: str | None) -> tuple[Case, Response]:
        """The same request as ``role``: its own session (cookies are not shared between roles), the run's
        transport settings, the role's ``Authorization`` header or none."""
        from schemathesis.transport.requests import ManagedCookiesSession

        kwargs = dict(ctx.internals.transport_kwargs or {})
        headers = {k: v for k, v in dict(kwargs.get("headers") or {}).items() if k.lower() != "authorization"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs["headers"] = headers
        session = self.sessions.get(role)
        if session is None:
            session = self.sessions[role] = ManagedCookiesSession()
            session.headers = {}  # type: ignore[assignment]
            session.trust_env = False  # no proxy or netrc lookup in the environment per request
        kwargs["session"] = session
        probe = case.derive()
        return probe, case.operation.schema.transport.send(probe, **kwargs)

    def after_response(self, ctx: CheckContext, response: Response, case: Case) -> bool | None:
        found = self._checked(ctx, response, case, SETTINGS["role"])
        stateful = case.meta is not None and case.meta.phase.name.value == "stateful"
        for role, token in [] if stateful else SETTINGS["replay"]:
            probe, answer = self._send_as(ctx, case, role, token)
            wrong = self._checked(ctx, answer, probe, role)
            if wrong:  # the report shows the request this role sent (``curl``)
                ctx.internals.record_case(parent_id=case.id, case=probe)
                ctx.internals.record_response(case_id=probe.id, response=answer)
                found += wrong
        if found:
            raise FailureGroup(found)
        return None

    def after_run(self, ctx: CheckContext) -> None:
        Path(SETTINGS["counts"]).write_text(json.dumps(dict(self.counts)))
