"""``yima bench stats`` on a small register: it loads exactly the entities it names, times the
database's own loader on the same file (sqlite3 ``.import``, PostgreSQL ``COPY``) and leaves
neither that loader's table nor, with ``--db``, its entities and their counts behind."""

from __future__ import annotations

import io

import sqlalchemy as sa
from rich.console import Console

from yima.bench.stats import NATIVE_TABLE, run_stats_benchmark
from yima.db.migrate import upgrade
from yima.standard import load_standard


def test_the_benchmark_loads_what_it_names_and_measures_the_native_loader(postgres_url: str) -> None:
    upgrade(postgres_url)
    for url, loader in ((None, "sqlite3 .import"), (postgres_url, "PostgreSQL COPY")):
        out = io.StringIO()
        result = run_stats_benchmark(Console(file=out, width=160), load_standard(), n=1_500, db_url=url)
        assert result.rows == 1_500 and result.native_loader == loader and result.native_rows_per_second > 0
        assert "import ÷ native loader" in out.getvalue() and "peak memory" in out.getvalue()
        if url:  # the figures are printed before the clean-up, which on a large register takes a while
            assert out.getvalue().index("peak memory") < out.getvalue().index("removing the benchmark's rows")
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert NATIVE_TABLE not in sa.inspect(conn).get_table_names()
        for table in ("enterprises", "register_day_counts", "register_month_counts", "register_year_counts"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE zone_id LIKE 'bench-%'")).scalar_one() == 0
    engine.dispose()
