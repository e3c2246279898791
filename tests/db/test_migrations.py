"""The Alembic migrations build exactly the schema the mapped tables describe (both databases)."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from yima.app.schema import metadata
from yima.db import Database
from yima.db.base import made_on

pytestmark = pytest.mark.db


def test_migrations_match_the_tables(db: Database) -> None:
    with db.engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLite cannot reflect expression indexes; alembic says so
        options = {"compare_type": True, "include_object": made_on(conn.dialect.name)}
        diffs = compare_metadata(MigrationContext.configure(conn, opts=options), metadata)
    assert diffs == []
