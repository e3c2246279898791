"""``yima bench lists`` on a few hundred projects: it times each view, prints them, and leaves no
temporary directory behind (the zone helper it shares with ``yima bench stats``)."""

from __future__ import annotations

import io
import tempfile

from rich.console import Console

from yima.bench.lists import run_lists_benchmark


def test_the_lists_benchmark_times_each_view_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = io.StringIO()
    result = run_lists_benchmark(Console(file=out, width=160), n=300)
    assert set(result) == {"insert", "first page", "last page", "search", "figures", "export"}
    assert all(seconds > 0 for seconds in result.values())
    assert "300 projects" in out.getvalue() and "last page (3)" in out.getvalue()
    assert list(tmp_path.iterdir()) == []
