"""Statements of the hot write path run straight on the database driver's cursor.

SQLAlchemy's execution layer (the compiled-statement cache, the execution context, the result
object, events) costs about a tenth of a millisecond of CPU a statement, more than SQLite takes to
run one, and an approval (秒批) runs about a dozen. A ``Prepared`` statement is a Core statement
compiled once per dialect (and per set of inserted columns), with its bind processors looked up
once (the types' own: JSON serialised, dates formatted, as SQLAlchemy would send them); running it
converts the parameters with them and calls the driver's ``execute`` or ``executemany`` in the
session's connection and transaction. Driver errors are raised as SQLAlchemy's (``IntegrityError``
and the like), so callers handle them as before. Rows come back as plain tuples, without result
processing: use it for statements whose results are numbers and text.

An ``INSERT`` of several rows without ``RETURNING`` is one statement with a row of values per row
(``VALUES (?, ?), (?, ?)``, up to ``MAX_VALUES`` values a statement, as SQLAlchemy's
"insertmanyvalues" does), not an ``executemany``. On SQLite the driver gives up the interpreter
lock around each statement it runs, and a thread holding SQLite's writer lock (the 秒批 group
commit) then waits to get the interpreter back once per statement, which on a busy machine costs
far more than the statement. On PostgreSQL psycopg's ``executemany`` sends a command a row, each
with its own exchange in pipeline mode (an approval's five audit entries were five); the row's named
parameters (``%(chain)s``) are written as positional ones (``%s``) repeated per row.

Statements with parameters expanded at execution (``IN`` over a list given when run) are not
prepared; they go through SQLAlchemy.

On PostgreSQL the statements ``send_many`` sends inside a ``pipeline`` block go to the server
together (psycopg's pipeline mode) and their results are read when asked for or after the block:
one round trip for a use case's inserts instead of one per table. A statement's error is raised
when its results are read or, at the latest, when the block ends, before anything is committed.
Elsewhere ``send_many`` runs the statement at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert

#: ``Session.info`` key of the connection a session's unit of work runs on, when its caller knows it
#: (``Database.write_grouped``): ``Session.connection()`` works it out anew each time it is asked,
#: at about a fortieth of a millisecond, a dozen times an approval.
SESSION_CONNECTION = "yima.db.connection"
_Bind = tuple[str, str, Any, Callable[[Any], Any] | None]  # compiled name, parameter key, default, processor
#: At most this many bound values in one multi-row ``INSERT`` (SQLite allows 32,766, PostgreSQL 65,535).
MAX_VALUES = 900
#: A named parameter in PostgreSQL's SQL as SQLAlchemy writes it for psycopg (``%(name)s``).
_NAMED = re.compile(r"%\((\w+)\)s")


#: How SQLAlchemy's SQLite ``DATETIME`` stores a time by default (naive, to the microsecond).
_SQLITE_DATETIME_FORMAT = SQLITE_DATETIME()._storage_format
_last_datetime: tuple[datetime, str] | None = None


def _sqlite_datetime(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLite's ``DATETIME`` text of a ``datetime`` as SQLAlchemy's processor writes it (the same
    text, the offset left out: ``isoformat`` pads the year to four digits as its format does), in a
    third of its time; anything else (a ``date``) goes to SQLAlchemy's."""

    def process(value: Any) -> Any:
        global _last_datetime
        if type(value) is not datetime:
            return slow(value)
        last = _last_datetime  # one read: another thread may replace it meanwhile
        if last is not None and last[0] is value:  # a use case's rows mostly share one moment
            return last[1]
        text = value.isoformat(" ", "microseconds")[:26]
        _last_datetime = (value, text)
        return text

    return process


def connection_of(where: Session | Connection) -> Connection:
    """The connection ``where`` runs its statements on (for a session, in its transaction)."""
    if not isinstance(where, Session):
        return where
    known = where.info.get(SESSION_CONNECTION)
    return known if known is not None else where.connection()


class _Compiled:
    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None) -> None:
        # An ``INSERT`` compiled as for ``executemany``: without the ``RETURNING`` of its generated key
        # that PostgreSQL's dialect adds to a one-row insert (a key wanted is asked for by ``returning``).
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None,
                                     for_executemany=isinstance(statement, Insert))
        assert isinstance(compiled, SQLCompiler)
        given = {name for name, bind in compiled.binds.items() if bind.required}
        if any(compiled.binds[name].expanding for name in given):
            raise ValueError("a list expanded when run: run this statement through SQLAlchemy")
        # Lists of constants (``IN (...)``) are expanded now, once; the given parameters stand in as None.
        expanded = compiled.construct_expanded_state(dict.fromkeys(given), escape_names=False)
        self.sql = expanded.statement
        self.positional = bool(compiled.positional)
        self.returns = bool(compiled.effective_returning)
        names = list(expanded.positiontup or []) if self.positional else list(expanded.parameters)
        self.binds: list[_Bind] = []
        for name in names:
            bind = compiled.binds.get(name)
            key = bind.key if bind is not None else name
            default = None if name in given else expanded.parameters.get(name)
            if isinstance(default, Enum):  # a driver may send an enum's name, SQLAlchemy sends its value
                default = default.value
            # A list's members' processor; the others' by their type.
            processor: Callable[[Any], Any] | None = expanded.processors.get(name)
            if processor is None and bind is not None:
                impl = bind.type.dialect_impl(dialect)
                processor = impl.bind_processor(dialect)
                if type(impl) is SQLITE_DATETIME and processor is not None \
                        and impl._storage_format == _SQLITE_DATETIME_FORMAT:
                    processor = _sqlite_datetime(processor)
            self.binds.append((name, key, default, processor))
        # ``INSERT ... VALUES (...)``: the head and one row's values, for several rows at once; on
        # PostgreSQL the row's named parameters become positional ones (``%s``), in ``row_names``' order.
        self.values_row: tuple[str, str] | None = None
        self.row_names: tuple[str, ...] | None = None
        if compiled.isinsert and not self.returns:
            head, keyword, row = self.sql.rpartition(" VALUES ")
            if keyword and row.startswith("(") and row.endswith(")") and "SELECT" not in head.upper():
                if self.positional and dialect.name == "sqlite" and row.count("?") == len(self.binds):
                    self.values_row = (head + keyword, row)
                elif not self.positional and dialect.name == "postgresql":
                    named = _NAMED.findall(row)
                    if sorted(named) == sorted(bind[0] for bind in self.binds) and "%s" not in row:
                        self.values_row = (head + keyword, _NAMED.sub("%s", row))
                        self.row_names = tuple(named)
        self._many_sql: dict[int, str] = {}

    def rows_sql(self, rows: int) -> str:
        """This ``INSERT`` with ``rows`` rows of values (SQLite)."""
        found = self._many_sql.get(rows)
        if found is None:
            assert self.values_row is not None
            head, row = self.values_row
            found = self._many_sql[rows] = head + ", ".join([row] * rows)
        return found

    @property
    def rows_per_statement(self) -> int:
        return max(1, MAX_VALUES // max(1, len(self.binds)))

    def flat(self, rows: Sequence[Any]) -> list[Any]:
        """The values of ``rows`` (as ``parameters`` gave them) in the order of ``rows_sql``."""
        names = self.row_names
        if names is None:
            return [value for row in rows for value in row]
        return [row[name] for row in rows for name in names]

    def run_rows(self, cursor: Any, parameters: Sequence[Any]) -> None:
        """Run this ``INSERT`` for ``parameters``, up to ``rows_per_statement`` rows a statement."""
        step = self.rows_per_statement
        for start in range(0, len(parameters), step):
            chunk = parameters[start:start + step]
            cursor.execute(self.rows_sql(len(chunk)), self.flat(chunk))

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        converted = []
        for name, key, default, processor in self.binds:
            value = values[name] if name in values else values.get(key, default)
            converted.append(processor(value) if processor is not None and value is not None else value)
        if self.positional:
            return converted
        return dict(zip((b[0] for b in self.binds), converted, strict=True))


class Prepared:
    """A Core statement to run on the driver's cursor (see the module)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...] | None], _Compiled] = {}

    def compiled(self, dialect: Dialect, column_keys: Sequence[str] | None = None) -> _Compiled:
        key = (dialect.name, tuple(column_keys) if column_keys is not None else None)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _Compiled(self.statement, dialect, column_keys)
        return found

    def run(self, where: Session | Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run once with ``values``; the rows it returns (``RETURNING`` or a query), else []."""
        connection = connection_of(where)
        compiled = self.compiled(connection.dialect)
        return _execute(connection, compiled, [compiled.parameters(values)], many=False)

    def count(self, where: Session | Connection, values: Mapping[str, Any]) -> int:
        """Run once with ``values`` (an ``INSERT``, ``UPDATE`` or ``DELETE``); how many rows it touched."""
        connection = connection_of(where)
        compiled = self.compiled(connection.dialect)
        touched: list[int] = []
        _execute(connection, compiled, [compiled.parameters(values)], many=False, touched=touched)
        return touched[0]

    def run_many(self, where: Session | Connection, rows: Sequence[Mapping[str, Any]],
                 column_keys: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
        """Run for each of ``rows`` (an ``INSERT`` of the columns ``column_keys``, or of every key of
        the first row); the rows returned, one per row given, in order."""
        connection = connection_of(where)
        compiled = self.compiled(connection.dialect, column_keys if column_keys is not None else list(rows[0]))
        return _execute(connection, compiled, [compiled.parameters(row) for row in rows], many=True)


    def send_many(self, where: Session | Connection, rows: Sequence[Mapping[str, Any]],
                  column_keys: Sequence[str] | None = None) -> Sent:
        """``run_many``, its results read later (``Sent.rows``): inside a ``pipeline`` block on
        PostgreSQL the statement is only queued; otherwise it runs now."""
        connection = connection_of(where)
        compiled = self.compiled(connection.dialect, column_keys if column_keys is not None else list(rows[0]))
        parameters: list[Any] = [compiled.parameters(row) for row in rows]
        if not _PIPELINED.get(id(connection.connection.dbapi_connection), False):
            return Sent(connection, compiled, None, _execute(connection, compiled, parameters, many=True))
        cursor = connection.connection.cursor()
        try:
            if compiled.returns and len(parameters) > 1:
                cursor.executemany(compiled.sql, parameters, returning=True)  # type: ignore[call-arg]
            elif len(parameters) > 1 and compiled.values_row is not None:
                compiled.run_rows(cursor, parameters)
            elif len(parameters) > 1:
                cursor.executemany(compiled.sql, parameters)
            else:
                cursor.execute(compiled.sql, parameters[0])
        except connection.dialect.loaded_dbapi.Error as err:
            cursor.close()
            raise _wrapped(connection, compiled.sql, err) from err
        return Sent(connection, compiled, cursor, [])


class Sent:
    """A statement ``Prepared.send_many`` sent; ``rows`` reads what it returned (RETURNING), once
    the server has answered (inside the ``pipeline`` block this waits for it)."""

    __slots__ = ("_connection", "_compiled", "_cursor", "_rows")

    def __init__(self, connection: Connection, compiled: _Compiled, cursor: Any, rows: list[tuple[Any, ...]]) -> None:
        self._connection, self._compiled, self._cursor, self._rows = connection, compiled, cursor, rows

    def rows(self) -> list[tuple[Any, ...]]:
        cursor = self._cursor
        if cursor is None:
            return self._rows
        self._cursor = None
        try:
            if self._compiled.returns:
                while True:
                    self._rows.extend(tuple(row) for row in cursor.fetchall())
                    if not cursor.nextset():
                        break
        except self._connection.dialect.loaded_dbapi.Error as err:
            raise _wrapped(self._connection, self._compiled.sql, err) from err
        finally:
            cursor.close()
        return self._rows


#: The driver connections (by ``id``) inside a ``pipeline`` block.
_PIPELINED: dict[int, bool] = {}


@contextmanager
def pipeline(where: Session | Connection) -> Iterator[None]:
    """On PostgreSQL, what ``Prepared.send_many`` sends in the block goes to the server in one
    round trip at the block's end (or when a result is read); an error of any of it is raised here.
    Elsewhere, and inside a block already, nothing changes."""
    connection = connection_of(where)
    dbapi_connection = connection.connection.dbapi_connection
    key = id(dbapi_connection)
    if connection.dialect.name != "postgresql" or key in _PIPELINED:
        yield
        return
    _PIPELINED[key] = True
    try:
        with dbapi_connection.pipeline():  # type: ignore[union-attr]
            yield
    except connection.dialect.loaded_dbapi.Error as err:
        raise _wrapped(connection, "(statements sent together)", err) from err
    finally:
        del _PIPELINED[key]


def _wrapped(connection: Connection, sql: str, err: Exception) -> StatementError:
    dialect = connection.dialect
    return DBAPIError.instance(sql, None, err, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect)


def _execute(connection: Connection, compiled: _Compiled, parameters: list[Any], *, many: bool,
             touched: list[int] | None = None) -> list[tuple[Any, ...]]:
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        if not compiled.returns and (not many or len(parameters) == 1):  # one row: no pipeline to set up
            cursor.execute(compiled.sql, parameters[0])
            if touched is not None:
                touched.append(cursor.rowcount)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        if not compiled.returns and compiled.values_row is not None and len(parameters) > 1:
            compiled.run_rows(cursor, parameters)
            return []
        if not compiled.returns:
            cursor.executemany(compiled.sql, parameters)
            return []
        if dialect.name == "postgresql" and len(parameters) > 1:
            cursor.executemany(compiled.sql, parameters, returning=True)  # type: ignore[call-arg]
            rows: list[tuple[Any, ...]] = []
            while True:
                rows.extend(tuple(row) for row in cursor.fetchall())
                if not cursor.nextset():
                    return rows
        rows = []
        for one in parameters:  # SQLite returns no rows from executemany
            cursor.execute(compiled.sql, one)
            rows.extend(tuple(row) for row in cursor.fetchall())
        return rows
    except dialect.loaded_dbapi.Error as err:
        raise DBAPIError.instance(compiled.sql, None, err, dialect.loaded_dbapi.Error, hide_parameters=True,
                                  dialect=dialect) from err
    finally:
        cursor.close()
