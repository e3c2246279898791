"""The schemathesis test draws its cases as one role and sends each as every role
(``schemathesis_replay.py``): a wrong answer to a role that only receives the replayed requests must
fail the run, naming that role and the database, with the request that role sent.

A tiny app on a real uvicorn server answers its one operation as documented, except to one token,
which gets a body its schema refuses.
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
from security.test_schemathesis import Target, run_as_every_role, tightened, unicode_tables


class Greeting(BaseModel):
    text: str


def tiny_app() -> FastAPI:
    app = FastAPI()

    @app.get("/greeting", responses={200: {"model": Greeting}})
    def greeting(request: Request) -> JSONResponse:
        if request.headers.get("authorization") == "Bearer broken":
            return JSONResponse({"text": 5})  # not a string: the schema refuses it
        return JSONResponse({"text": "你好"})

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
    tables = unicode_tables(tmp_path_factory.getbasetemp() / "hypothesis-home")
    with served(tiny_app()) as url:
        schema = json.dumps(tightened(httpx.get(f"{url}/openapi.json").json()))
        target = Target(url, {"applicant": "fine", "officer": "broken"}, "the tiny app's database",
                        "[phases.coverage]\nunexpected-methods = []\n", schema)
        outcome = run_as_every_role(target, ("applicant", "anonymous", "officer"), tmp_path, tables)
    drawn = next(failure for failure in outcome.failures if failure.startswith("--- drawn-as-applicant"))
    assert "(as officer on the tiny app's database)" in drawn, drawn
    assert "Reproduce with:" in drawn and "curl -X GET -H 'Authorization: " in drawn, drawn  # the officer's request
    assert "Response violates schema" in drawn, drawn
    for failure in outcome.failures:  # the run's own role and anonymous got the documented answer
        assert "(as applicant on" not in failure and "(as anonymous on" not in failure, failure
