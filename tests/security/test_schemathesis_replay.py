"""The schemathesis test draws its cases as one role against one server and sends each as every role
to every server (``schemathesis_replay.py``): a wrong answer to a role that only receives the
replayed requests must fail the run, naming that role and the database, with the request that role
sent to that server; and a value of the first world drawn into a case must reach the other server as
that world's.

Two tiny apps on real uvicorn servers (two "databases", each with its own tokens) answer as
documented, except to one token of the second, which gets a body its schema refuses.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from live import free_port
from security.test_schemathesis import Target, WorldValues, config, run_as_every_role, tightened, unicode_tables


class Greeting(BaseModel):
    text: str


def tiny_app(seen: list[str] | None = None) -> FastAPI:
    app = FastAPI()

    @app.get("/greeting", responses={200: {"model": Greeting}})
    def greeting(request: Request) -> JSONResponse:
        if request.headers.get("authorization") == "Bearer broken":
            return JSONResponse({"text": 5})  # not a string: the schema refuses it
        return JSONResponse({"text": "你好"})

    @app.get("/api/v1/seals/{seal_id}", responses={200: {"model": Greeting}})
    def seal(seal_id: str) -> JSONResponse:
        if seen is not None:
            seen.append(seal_id)
        return JSONResponse({"text": seal_id})

    return app


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the tiny app did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_wrong_answer_to_a_replayed_role_fails_naming_that_role_and_the_database(tmp_path, tmp_path_factory):
    """Two worlds (two servers, each with its own tokens): the officer's token of the second world gets
    the refused body; only that role on that server may fail, with its own request."""
    tables = unicode_tables(tmp_path_factory.getbasetemp() / "hypothesis-home")
    first_seen: list[str] = []
    second_seen: list[str] = []
    with served(tiny_app(first_seen)) as first_url, served(tiny_app(second_seen)) as second_url:
        schema = json.dumps(tightened(httpx.get(f"{first_url}/openapi.json").json()))
        first = WorldValues(first_url, {"applicant": "fine", "officer": "fine too"}, "U1", "S1", "seal-one", 1, 1)
        second = WorldValues(second_url, {"applicant": "fine", "officer": "broken"}, "U2", "S2", "seal-two", 1, 1)
        targets = [Target("the first database", first, config(first)),
                   Target("the second database", second, config(second))]
        outcome = run_as_every_role(targets, schema, ("applicant", "anonymous", "officer"), tmp_path, tables)
    drawn = next(failure for failure in outcome.failures if failure.startswith("--- drawn-as-applicant"))
    assert "(as officer on the second database)" in drawn, drawn
    assert "Reproduce with:" in drawn and "curl -X GET -H 'Authorization: " in drawn, drawn  # the officer's request
    assert f"{second_url}/greeting" in drawn, drawn  # sent to that server
    assert "Response violates schema" in drawn, drawn
    for failure in outcome.failures:  # every other role and server got the documented answer
        assert "(as officer on the first database)" not in failure, failure
        assert "(as applicant on" not in failure and "(as anonymous on" not in failure, failure
    # the first world's seal id, drawn from the configuration's dictionary, reached the second server as its own
    assert "seal-one" in first_seen and "seal-two" not in first_seen, first_seen
    assert "seal-two" in second_seen and not any("seal-one" in value for value in second_seen), second_seen
