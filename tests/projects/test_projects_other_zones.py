"""The figure definitions give the report's Shenyang and Nanning figures from a small file each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from project_helpers import NOW, TODAY, write

from yima.projects.figures import compute_projects
from yima.projects.importer import import_file
from yima.projects.rows import PROJECT_HEADER
from yima.stats.rules import Period
from yima.zones.service import add_zone

pytestmark = pytest.mark.db


def _row(code: str, amount: int, signed: date, landed: date | None = None, started: date | None = None,
         completed: date | None = None) -> list[str]:
    return [code, f"项目{code}", f"投资方{code}", "", "C3921", str(amount), signed.isoformat(),
            landed.isoformat() if landed else "", started.isoformat() if started else "",
            completed.isoformat() if completed else ""]


def test_shenyang_projects_of_100m_yuan_signed_and_landed(db, tmp_path):
    """Shenyang, January–July 2021: 184 projects of 100 million yuan or more signed (+57%), 105 landed (+16.7%)."""
    add_zone(db, "sy-gxq", "沈阳高新区", "210100", 1_000_000, NOW)
    rows = []
    for year, signed_large, landed_large in ((2021, 184, 105), (2020, 117, 90)):
        for i in range(signed_large):
            signed = date(year, 1, 4) + timedelta(days=i % 200)  # 4 January to 22 July
            landed = signed + timedelta(days=3) if i < landed_large - 20 else None
            rows.append(_row(f"{year}-L{i}", 100_000_000 + i * 1_000_000, signed, landed))
        for i in range(20):  # landed in the period, signed the year before
            rows.append(_row(f"{year}-E{i}", 250_000_000, date(year - 1, 9, 1), date(year, 2, 1) + timedelta(days=i)))
        for i in range(30):  # smaller projects count as signed and landed, not as 100 million or more
            rows.append(_row(f"{year}-S{i}", 99_999_999, date(year, 3, 1), date(year, 4, 1)))
    rows.append(_row("2021-AUG", 300_000_000, date(2021, 8, 2), date(2021, 8, 9)))  # after the period
    summary = import_file(db, "projects", "sy-gxq", write(tmp_path / "sy.csv", PROJECT_HEADER, rows), NOW, TODAY)
    assert summary.bad == 0
    f = compute_projects(db, "sy-gxq", Period(date(2021, 1, 1), date(2021, 7, 31))).as_json()
    assert f["signed_100m_or_more"] == {"value": 184, "year_earlier": 117, "growth_pct": 57.26}  # 57%
    assert f["landed_100m_or_more"] == {"value": 105, "year_earlier": 90, "growth_pct": 16.67}  # 16.7%
    assert f["projects_signed"]["count"]["value"] == 184 + 30


def test_nanning_projects_started_or_completed(db, tmp_path):
    """Nanning: 8 projects started or completed (5 started, 3 completed)."""
    add_zone(db, "nn-gxq", "南宁高新区", "450100", 1_000_000, NOW)
    rows = [_row(f"NS{i}", 500_000_000, date(2020, 5, 1), date(2020, 12, 1), date(2021, 6, 10 + i))
            for i in range(5)]
    rows += [_row(f"NC{i}", 800_000_000, date(2019, 3, 1), date(2019, 6, 1), date(2019, 9, 1), date(2021, 6, 20 + i))
             for i in range(3)]
    rows += [_row("NX", 100_000_000, date(2020, 1, 1), date(2020, 2, 1), date(2020, 3, 1))]  # started earlier
    import_file(db, "projects", "nn-gxq", write(tmp_path / "nn.csv", PROJECT_HEADER, rows), NOW, TODAY)
    f = compute_projects(db, "nn-gxq", Period(date(2021, 6, 1), date(2021, 6, 30))).as_json()
    assert (f["started"]["value"], f["completed"]["value"], f["started_or_completed"]["value"]) == (5, 3, 8)
    # A project started in May and completed in June counts once in May–June.
    both = [_row("NB", 100_000_000, date(2020, 1, 1), date(2020, 2, 1), date(2021, 5, 1), date(2021, 6, 28))]
    import_file(db, "projects", "nn-gxq", write(tmp_path / "nb.csv", PROJECT_HEADER, both), NOW, TODAY)
    g = compute_projects(db, "nn-gxq", Period(date(2021, 5, 1), date(2021, 6, 30))).as_json()
    assert (g["started"]["value"], g["completed"]["value"], g["started_or_completed"]["value"]) == (6, 4, 9)
