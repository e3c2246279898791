"""Two zones' instances as real processes: Chongqing on SQLite, Chengdu on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from instances import Instance, throwaway_postgres


@pytest.fixture(scope="module")
def chengdu_postgres_url() -> Iterator[str]:
    yield from throwaway_postgres("yima_fed")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, chengdu_postgres_url: str) -> Iterator[tuple[Instance, Instance]]:
    """Chongqing accepts (SQLite), Chengdu issues (PostgreSQL); partners of each other."""
    home_a, home_b = tmp_path_factory.mktemp("cq"), tmp_path_factory.mktemp("cd")
    chongqing = Instance("cq-gxq", f"sqlite:///{Path(home_a) / 'cq.db'}", Path(home_a))
    chengdu = Instance("cd-gxq", chengdu_postgres_url, Path(home_b))
    chongqing.set_up([("alice", "applicant", None), ("officer-cq", "officer", "cq-gxq")])
    chengdu.set_up([("officer-cd", "officer", "cd-gxq")])
    chongqing.start()
    chengdu.start()
    try:
        chongqing.cli("partners", "add", "cd-gxq", "--url", chengdu.url, "--trust-list",
                      chengdu.url + "/.well-known/yima/trust-list.json")
        chengdu.cli("partners", "add", "cq-gxq", "--url", chongqing.url, "--trust-list",
                    chongqing.url + "/.well-known/yima/trust-list.json")
        yield chongqing, chengdu
    finally:
        chongqing.stop()
        chengdu.stop()
