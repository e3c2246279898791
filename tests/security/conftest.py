"""The populated zone the security tests aim at (see ``world.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from factories import NOW, PASSWORD
from security.world import World, build_world
from yima.accounts.service import add_user


@pytest.fixture
def world(server, db) -> Iterator[World]:
    add_user(db, "carol", "applicant", PASSWORD, NOW)  # the account the account-management rows act on
    built = build_world(server.url, PASSWORD, server.app.state.settings.secret_key)
    yield built
    built.close()
