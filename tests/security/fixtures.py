"""The populated zone the security tests aim at (see ``world.py``); a test module imports the
fixture (``from security.fixtures import world_fixture``). Not a conftest.py: the suite imports the top
conftest by name, which a second one would shadow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factories import NOW, PASSWORD
from security.route_matrix import PARTNER
from security.world import World, add_feature_people, build_world, populate_features
from yima.accounts.service import add_user
from yima.clock import utcnow
from yima.db import Database
from yima.federation import network, partners
from yima.keys.model import SigningAlgorithm
from yima.keys.trustlist import trust_list_for
from yima.licences.service import rotate_key
from yima.standard import load_standard


def furnish(url: str, secret_key: str, data_dir: Path, db: Database) -> World:
    """The world on the server at ``url`` serving ``db`` (whose zones and people are made already)."""
    add_user(db, "carol", "applicant", PASSWORD, NOW)  # the account the account-management rows act on
    partners._cache.clear()
    partners.record_partner(db, load_standard(), "gz-gxq", "http://127.0.0.1:9", "route matrix",
                            trust_list_for(PARTNER, load_standard().digest), NOW, "cq-gxq")
    network.init_network(db, "matrix", "路由矩阵网络", utcnow())  # a host: its network.json is public
    add_feature_people(db, PASSWORD, NOW)
    rotate_key(db, "cq-gxq", NOW, SigningAlgorithm.SM2)  # the national profile: licences signed twice, OFD
    built = build_world(url, PASSWORD, secret_key)
    populate_features(built, db, PASSWORD, data_dir)
    return built


@pytest.fixture(name="world")
def world_fixture(server, db) -> Iterator[World]:
    settings = server.app.state.settings
    built = furnish(server.url, settings.secret_key, settings.data_dir, db)
    yield built
    built.close()
