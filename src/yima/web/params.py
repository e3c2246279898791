"""Bounded query parameters shared by every route: pages, record ids, entry numbers and days.

A route names its parameter with one of these types and FastAPI refuses a value outside the
bounds of :mod:`yima.ranges` with a 422 naming the parameter, before the handler runs.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from yima.ranges import FIRST_DAY, LAST_DAY, MAX_PAGE, MAX_ROW_ID, MAX_SEQ

RULE_DATE_RANGE = "date_range"


def _in_range(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(RULE_DATE_RANGE, "must lie between {first} and {last}",
                                  {"first": str(FIRST_DAY), "last": str(LAST_DAY)})
    return day


#: A day (``YYYY-MM-DD``) within ``FIRST_DAY``..``LAST_DAY``.
Day = Annotated[date, AfterValidator(_in_range)]
#: A page number of a listing, 1 to ``MAX_PAGE``.
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE}")]
#: A record id in a query (a department, …), 1 to ``MAX_ROW_ID``.
RowIdParam = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
#: An audit chain's entry number, 0 to ``MAX_SEQ``.
SeqParam = Annotated[int, Field(ge=0, le=MAX_SEQ)]
