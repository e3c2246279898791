"""Revision 0025: the register's counts are built from the enterprises already there, and kept
from then on by the triggers; revision 0035: the year counts likewise, from the month counts."""

from __future__ import annotations

import sqlalchemy as sa
from previous_release import previous_release

from yima.db.migrate import upgrade

AT = "2026-11-01 02:00:00"
INSERT = ("INSERT INTO enterprises (uscc, zone_id, name, entity_type, industry_code, registered_capital, "
          "established_on, cancelled_on, status, scope, legal_representative, shareholders, source, "
          "address_commitment, created_at, updated_at) VALUES (:uscc, 'cq-gxq', :uscc, :type, :industry, :capital, "
          ":on, :off, 'active', '[]', '{}', '[]', 'imported', :commitment, :at, :at)")


def test_the_counts_are_built_from_the_existing_register_on_upgrade(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0024")
    rows = [("A1", "llc", "I6513", 100, "2024-01-10", None, 1), ("A2", "llc", "I6520", 50.5, "2024-01-10", None, 0),
            ("A3", "llc", "I6513", 7, "2023-03-01", "2024-01-31", 0),
            ("A4", "individual_business", "H6210", 1, "2024-02-29", "2024-01-01", 0)]
    with engine.begin() as conn:
        for uscc, kind, industry, capital, on, off, commitment in rows:
            conn.execute(sa.text(INSERT), {"uscc": uscc, "type": kind, "industry": industry, "capital": capital,
                                           "on": on, "off": off, "commitment": commitment, "at": AT})
    upgrade(url)
    query = "SELECT {grain}, entity_type, division, established, cancelled, capital, address_commitment FROM {table}"
    with engine.begin() as conn:
        days = {tuple(r[:3]): tuple(r[3:]) for r in conn.execute(sa.text(query.format(
            grain="day", table="register_day_counts")))}
        months = {tuple(r[:3]): tuple(r[3:]) for r in conn.execute(sa.text(query.format(
            grain="month", table="register_month_counts")))}
        years = {tuple(r[:3]): tuple(r[3:]) for r in conn.execute(sa.text(query.format(
            grain="year", table="register_year_counts")))}
        conn.execute(sa.text(INSERT), {"uscc": "A5", "type": "llc", "industry": "I6513", "capital": 1,
                                       "on": "2024-01-10", "off": None, "commitment": 0, "at": AT})
        after = conn.execute(sa.text("SELECT established, capital FROM register_day_counts WHERE day = '2024-01-10' "
                                     "AND division = 'I65' AND entity_type = 'llc'")).one()
        year_after = conn.execute(sa.text("SELECT established, capital FROM register_year_counts WHERE year = '2024' "
                                          "AND division = 'I65' AND entity_type = 'llc'")).one()
    engine.dispose()
    assert days == {("2024-01-10", "llc", "I65"): (2, 0, 150.5, 1), ("2023-03-01", "llc", "I65"): (1, 0, 7, 0),
                    ("2024-01-31", "llc", "I65"): (0, 1, 0, 0),
                    # cancelled before it was established (bad data): it ends the day it began
                    ("2024-02-29", "individual_business", "H62"): (1, 1, 1, 0)}
    assert months == {("2024-01", "llc", "I65"): (2, 1, 150.5, 1), ("2023-03", "llc", "I65"): (1, 0, 7, 0),
                      ("2024-02", "individual_business", "H62"): (1, 1, 1, 0)}
    assert years == {("2024", "llc", "I65"): (2, 1, 150.5, 1), ("2023", "llc", "I65"): (1, 0, 7, 0),
                     ("2024", "individual_business", "H62"): (1, 1, 1, 0)}
    assert tuple(after) == (3, 151.5)  # and the trigger keeps them from then on
    assert tuple(year_after) == (3, 151.5)  # the month counts' triggers, the year counts
