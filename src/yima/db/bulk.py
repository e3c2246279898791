"""Write new rows for mapped objects with plain Core INSERT statements, one per table.

Written by hand because SQLAlchemy has no public function for it: ``Session.add`` plus a flush
runs the ORM's unit of work, which on the 秒批 (instant approval) path cost about 2 ms for the
eight rows one approval writes, most of the time SQLite's single write lock was held. The
objects here are built with the mapped classes as usual but never enter the session: each table
gets one ``INSERT`` (an ``executemany`` when it has several rows), foreign keys are copied from
the many-to-one relationships the code set (``Permit(enterprise=...)``) or from a ``PendingKey``
given as a foreign key's value, and generated primary keys are read back with ``RETURNING`` and set
on the objects. Later changes to such an object
are not tracked; load it from the session to change it. The statements run on the driver's
cursor (``yima.db.prepared``), without SQLAlchemy's execution layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, insert
from sqlalchemy.orm import Mapper, Session, class_mapper
from sqlalchemy.orm.interfaces import MANYTOONE

from yima.db.base import Base
from yima.db.prepared import Prepared


class PendingKey:
    """The generated primary key of a row that ``insert_new`` inserts, before it is known: given
    as the value of a foreign-key column of another new row (``Permit(application_id=key)``),
    ``insert_new`` puts the key in its place when it inserts that row, parents first. So a feature
    may name a parent that another feature built in the same batch without seeing the row or its
    class. Only ``insert_new`` reads it: a row holding one never enters a session."""

    __slots__ = ("_row", "_attribute")

    def __init__(self, row: Base) -> None:
        plan = _plan(type(row))
        if plan.generated_key is None:
            raise TypeError(f"{type(row).__name__} has no generated key")
        self._row, self._attribute = row, plan.attribute[plan.generated_key.key]

    @property
    def value(self) -> int | None:
        """The key, once the row is inserted (None before)."""
        key = getattr(self._row, self._attribute)
        return None if key is None else int(key)

    def resolved(self) -> int:
        key = self.value
        if key is None:
            raise LookupError(f"the {type(self._row).__name__} row is not inserted yet: insert the parents first")
        return key


def insert_new(session: Session, objects: Iterable[Base]) -> None:
    """Insert the objects' rows in the session's transaction, in the order given (parents first)."""
    batch: list[Base] = []
    for obj in objects:
        if batch and type(obj) is not type(batch[0]):
            _insert_batch(session, batch)
            batch = []
        batch.append(obj)
    if batch:
        _insert_batch(session, batch)


def _insert_batch(session: Session, objects: Sequence[Base]) -> None:
    plan = _plan(type(objects[0]))
    rows = [_row(plan, obj) for obj in objects]
    generated = plan.generated_key is not None and getattr(objects[0], plan.generated_key.key) is None
    statement = plan.returning if generated else plan.insert
    returned = statement.run_many(session, rows)
    if generated:
        assert plan.generated_key is not None
        for obj, (key,) in zip(objects, returned, strict=True):
            setattr(obj, plan.generated_key.key, key)


class _Plan:
    """What inserting one mapped class needs, worked out once per class."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        table = mapper.local_table
        assert isinstance(table, Table)
        self.columns: list[Column[Any]] = list(table.columns)
        auto = [c for c in table.primary_key.columns if c.autoincrement is True
                or (c.autoincrement == "auto" and len(table.primary_key.columns) == 1
                    and c.type._type_affinity is not None and issubclass(c.type._type_affinity, int))]
        self.generated_key: Column[Any] | None = auto[0] if auto else None
        self.insert = Prepared(insert(table))
        self.returning = (Prepared(insert(table).returning(self.generated_key))
                          if self.generated_key is not None else self.insert)
        self.parents = [(rel.key, [(_key(local), _key(remote)) for local, remote in rel.local_remote_pairs])
                        for rel in mapper.relationships if rel.direction is MANYTOONE]
        self.attribute = {c.key: mapper.get_property_by_column(c).key for c in self.columns}
        self.foreign = [c.key for c in self.columns if c.foreign_keys]


def _key(column: ColumnElement[Any]) -> str:
    if column.key is None:  # a relationship joins table columns, which always have a key
        raise TypeError(f"{column!r} is not a table column")
    return column.key


@cache
def _plan(cls: type[Base]) -> _Plan:
    return _Plan(class_mapper(cls))


def _row(plan: _Plan, obj: Base) -> dict[str, Any]:
    state = obj.__dict__
    row: dict[str, Any] = {}
    for column in plan.columns:
        value = state.get(plan.attribute[column.key])
        if value is None and column is plan.generated_key:
            continue
        if value is None and column.default is not None:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
        row[column.key] = value
    for key in plan.foreign:
        value = row.get(key)
        if type(value) is PendingKey:
            row[key] = value.resolved()
    for relationship, pairs in plan.parents:
        parent = state.get(relationship)
        if parent is not None:
            for local, remote in pairs:
                row[local] = getattr(parent, remote)
    return row
