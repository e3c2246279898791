"""The declarative base and naming convention every feature's tables share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(cls: type[Base]) -> Table:
    """The ``Table`` a mapped class is mapped to (``__table__`` is typed as any ``FromClause``)."""
    table = cls.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{cls.__name__} is not mapped to a single table")
    return table


def made_on(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's ``include_object`` for a database of ``dialect``: what the tables declare for other
    databases only (``ddl_if(dialect=...)``, such as PostgreSQL's index of names in byte order) is
    neither made nor expected there."""
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)  # SQLAlchemy's record of ``ddl_if``
        return condition is None or condition.dialect in (None, dialect)

    return include
