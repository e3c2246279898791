"""Deadlines of tests that run at today's date can reach a year the ``chinese-calendar`` package
does not carry yet: each year's arrangement is announced late in the year before, and reaches the
package some time after. For those years only, the run counts on a calendar supplement that knows
the weekends and nothing else. It is test data, marked so in its notice, never an official
arrangement; the tests of the real holidays use years the package carries.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from yima.clock import local_date, utcnow
from yima.observers.calendar import package_years

HORIZON = timedelta(days=120)  # beyond the longest deadline a test asks for (60 working days)
NOTICE = "测试用：仅区分周末，并非国务院办公厅公布的节假日安排 (test data, weekends only)"


def years_needed() -> list[int]:
    last = package_years()[1]
    return list(range(last + 1, (local_date(utcnow()) + HORIZON).year + 1))


def use_weekend_calendar_where_needed() -> Path | None:
    """Set ``YIMA_CALENDAR_FILE`` for this run (and the servers it starts) when it is needed."""
    years = years_needed()
    if not years or "YIMA_CALENDAR_FILE" in os.environ:
        return None
    folder = tempfile.mkdtemp(prefix="yima-calendar-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "test-calendar.toml"
    path.write_text("".join(f'[years.{year}]\nnotice = "{NOTICE}"\n\n' for year in years), encoding="utf-8")
    os.environ["YIMA_CALENDAR_FILE"] = str(path)
    return path
