"""A search of the key enterprises by name reads each listed enterprise's own register entry, by its
credit code, not the names of the whole register (millions at a province's scale)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from yima.actors import Actor
from yima.db import Database
from yima.projects import key_enterprises

pytestmark = pytest.mark.db


def test_a_search_by_name_looks_the_register_up_by_credit_code(db: Database) -> None:
    office = Actor(1, "investment-cq", "investment_office", "cq-gxq")
    query = key_enterprises._key_query(office, "cq-gxq", "云帆")
    sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.is_sqlite:
            plan = " | ".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "SEARCH enterprises USING INDEX sqlite_autoindex_enterprises_1 (uscc=?)" in plan, plan
            assert "SCAN enterprises" not in plan, plan
        else:
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " | ".join(str(row[0]) for row in connection.exec_driver_sql("EXPLAIN " + sql))
            # an index scan or, with statistics that make a table look small, a bitmap scan of the same index
            assert "Index Scan using pk_enterprises on enterprises" in plan \
                or "Bitmap Index Scan on pk_enterprises" in plan, plan
            assert "Index Cond: ((uscc)::text = (key_enterprises.uscc)::text)" in plan, plan
