"""The floor ``yima bench register`` compares 秒批 with: the same body parsed by ``ApplicationIn``
and stored by one INSERT, nothing else; a body the model refuses stores nothing."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from yima.bench.floor import TABLE, create_floor_table, drop_floor_table, floor_app
from yima.bench.register import body
from yima.db import Database


def test_the_floor_parses_the_application_and_inserts_one_row(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'floor.db'}")
    try:
        create_floor_table(db)
        with TestClient(floor_app(db)) as client:
            assert client.post("/api/v1/applications", json=body(7)).json() == {"status": "approved"}
            assert client.post("/api/v1/applications", json={**body(8), "zone": None}).status_code == 422
        with db.read() as session:
            rows = session.execute(sa.text(f"SELECT body FROM {TABLE}")).scalars().all()
        assert len(rows) == 1 and "重庆" in rows[0]
        drop_floor_table(db)
    finally:
        db.dispose()
