"""``yima bench pages`` at its smallest scale: the demo's zone behind a real ``yima serve``, every
page of the installed routers visited as a role that may see it, the slowest listed with timings
against the /healthz floor."""

from __future__ import annotations

import io
import tempfile

import pytest
from fastapi.routing import APIRoute
from rich.console import Console

from yima.app.features import registry
from yima.app.jobs import job_run
from yima.bench.pages import fill, page_paths, run_pages_benchmark
from yima.standard import load_standard
from yima.web.app import ROUTERS

pytestmark = [pytest.mark.e2e]


def test_page_paths_leave_out_the_api_documents_and_downloads_and_fill_parameters():
    assert page_paths(["/", "/api/v1/applications", "/licences/{uscc}.pdf", "/healthz", "/projects", "/"]) == \
        ["/", "/projects"]
    assert fill("/key-enterprises/{uscc}", {"uscc": "A", "/key-enterprises/{uscc}:uscc": "B"}) == "/key-enterprises/B"
    assert fill("/applications/{app_id}", {"uscc": "A"}) is None


def test_every_page_is_visited_and_the_slowest_are_printed_against_the_floor(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    paths = [route.path for router in registry().items(ROUTERS) for route in router.routes
             if isinstance(route, APIRoute) and "GET" in (route.methods or ())]
    out = io.StringIO()
    standard = load_standard()
    result = run_pages_benchmark(Console(file=out, width=200), paths, standard, job_run(standard), entities=0,
                                 runs=1, observers=False)
    visited = {page.path: page for page in result.pages}
    for path in ("/", "/apply", "/applications/{app_id}", "/enterprises/{uscc}", "/licences/{uscc}", "/v/{segment}",
                 "/dashboard", "/projects", "/projects/{project_id}", "/key-enterprises/{uscc}", "/queue"):
        assert path in visited, (path, result.not_visited)
    assert visited["/"].role == "anonymous" and visited["/queue"].role == "officer"
    assert visited["/projects"].role == "investment_office"
    assert all(page.first_ms > 0 and len(page.runs_ms) == 1 for page in result.pages)
    assert result.floor_ms > 0
    text = out.getvalue()
    assert "slowest ten" in text and "/healthz" in text and "× floor" in text
    slowest = max(result.pages, key=lambda p: max(p.median_ms, p.first_ms))
    assert slowest.url[:57] in text
    assert "not visited: /enterprises (no role got a 200; answers 303)" in text  # a redirect, not a page
    assert list(tmp_path.iterdir()) == []  # its database and files are gone
