"""Two zones' instances as real processes: Chongqing on SQLite, Chengdu on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from instances import Instance, throwaway_postgres

from factories import NOW
from yima.federation import partners, service
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.keys.trustlist import trust_list_for


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


@pytest.fixture
def guangzhou(db, people, standard) -> ZoneKeyring:
    """Guangzhou (gz-gxq), a partner of cq-gxq on another instance: its trust list is recorded here
    and its keys kept, for a test to sign Guangzhou's messages with."""
    partners._cache.clear()
    service._local_cache.clear()
    ring = ZoneKeyring.start("gz-gxq", generate_signing_key(NOW))
    partners.record_partner(db, standard, "gz-gxq", "http://127.0.0.1:9", "test", trust_list_for(ring, standard.digest),
                            NOW, "cq-gxq")
    return ring
