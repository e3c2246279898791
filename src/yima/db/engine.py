"""Database engines and units of work, for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL``: every commit is fsynced to the write-ahead log
before it returns, so an acknowledged write (a 201 with a credit code) survives power loss, not
only a killed process (``NORMAL`` syncs only at checkpoints and may lose the last commits on power
failure; it can be chosen only to measure what durability costs, ``yima bench register``).
PostgreSQL connections ask for ``synchronous_commit=on`` whatever the server's default, for the
same promise. Statement parameters are kept out of error messages (``hide_parameters``): they
carry ID numbers and phone numbers, and error messages reach the log.

SQLite's write transactions start with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the
busy timeout instead of failing when a read lock cannot be upgraded; reads use a second engine
with ordinary deferred transactions, so they never wait.

``Database.write_grouped`` commits the units of work that wait at the same time together (group
commit, SQLite): each runs in its own savepoint of one transaction, which is committed once, and
each caller returns only after that commit, or raises its own error, its savepoint rolled back
and the others kept. One lock hand-over and one durable commit serve many requests (秒批). While
a group's transaction holds the writer lock, the process's other threads that call
``Database.give_way`` wait for it (briefly, until the durable commit starts), so that the holder
does not wait for the interpreter lock between its statements. A group's units may keep state
for the whole transaction (``group_state``: the audit chain's head, moved once before the commit
instead of once a unit); it goes back to what it was when a unit's savepoint is rolled back.

``Database.one_read`` makes every ``read`` of a block (a page that gathers figures from many
features, each with reads of its own) one read transaction on one connection: on PostgreSQL two
round trips fewer per read (its ``BEGIN`` and ``ROLLBACK``), which on a busy machine cost far more
than the statements, and the page's figures come from one transaction.

``Database.glance`` is a read of one statement: on PostgreSQL it runs without a transaction of its
own (the connection in autocommit), one round trip instead of three (``BEGIN``, the statement,
``ROLLBACK``); the statement sees a snapshot of its own, as it would in a transaction. 秒批 reads
the names alike the applied one so.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.session import JoinTransactionMode

from yima.db.prepared import SESSION_CONNECTION


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


SYNCHRONOUS = ("FULL", "NORMAL")
#: At most this many units of work share one grouped commit (the work a leader does for others is bounded).
GROUP_LIMIT = 32
#: At most this long a thread gives way to its process's grouped write transaction (``Database.give_way``).
GIVE_WAY_SECONDS = 0.05
T = TypeVar("T")
#: ``Connection.info`` key of a grouped write transaction's state (``group_state``).
_GROUP_STATE = "yima.db.group_state"
#: Keys ``(BEFORE_COMMIT, name)`` of a group's state hold callables run before the group's commit.
BEFORE_COMMIT = "before commit"
GroupState = dict[Hashable, Any]


def group_state(connection: Connection) -> GroupState | None:
    """The state the units of a grouped write transaction (``Database.write_grouped``, SQLite)
    share on ``connection``, or None outside one. A unit keeps immutable values in it; when a unit
    fails, its savepoint is rolled back and the state is put back as it was before that unit. A
    callable ``f(connection, state)`` kept under the key ``(BEFORE_COMMIT, name)`` runs once, in
    the order of the names, after the last unit and before the commit (a failure there fails the
    whole group). Outside a group (``Database.write``, PostgreSQL) there is none: the caller does
    at once what it would have left to the end."""
    return connection.info.get(_GROUP_STATE)


class _Waiting(Generic[T]):
    """A unit of work waiting for a grouped commit, and what came of it."""

    __slots__ = ("work", "done", "result", "error", "wake")

    def __init__(self, work: Callable[[Session], T]) -> None:
        self.work = work
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None
        self.wake = threading.Event()  # set when done, or when it is this unit's turn to try to lead


def _sqlite_engine(url: str, begin: str, synchronous: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=20, max_overflow=20, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # On the driver's connection, as the savepoints below: SQLAlchemy's execution of the text cost
        # about a tenth of a millisecond a transaction, three or four transactions an approval (秒批).
        _on_the_driver(connection, begin)

    _savepoints_on_the_driver(engine)
    return engine


def _on_the_driver(connection: Connection, statement: str) -> None:
    """``statement`` run on the driver's connection (SQLite's ``BEGIN`` and savepoints); a driver
    error raised as SQLAlchemy's, as its own execution would raise it."""
    dialect = connection.dialect
    try:
        connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
    except dialect.loaded_dbapi.Error as err:
        raise DBAPIError.instance(statement, None, err, dialect.loaded_dbapi.Error, hide_parameters=True,
                                  dialect=dialect) from err


def _savepoints_on_the_driver(engine: Engine) -> None:
    """Savepoints (``SAVEPOINT``, ``ROLLBACK TO``, ``RELEASE``) sent on the driver's connection, not
    through SQLAlchemy's execution of a compiled clause: each of a group commit's units (秒批) has
    one, begun and released while the group holds the writer lock, and SQLAlchemy's way costs a
    tenth of a millisecond or more a statement, the driver's a few microseconds. Only this engine's
    dialect changes; what is sent is the same SQL."""
    dialect = engine.dialect
    quote = dialect.identifier_preparer.quote_identifier

    def send(sql: str) -> Callable[[Connection, str], None]:
        def run(connection: Connection, name: str) -> None:
            _on_the_driver(connection, f"{sql} {quote(name)}")
        return run

    # The dialect instance is this engine's own: its methods are replaced on it, not on the class.
    setattr(dialect, "do_savepoint", send("SAVEPOINT"))  # noqa: B010
    setattr(dialect, "do_rollback_to_savepoint", send("ROLLBACK TO SAVEPOINT"))  # noqa: B010
    setattr(dialect, "do_release_savepoint", send("RELEASE SAVEPOINT"))  # noqa: B010


#: The read transaction a ``Database.one_read`` block shares, and its database.
_SHARED_READ: ContextVar[tuple[Database, Session] | None] = ContextVar("yima_shared_read", default=None)


class Database:
    """One database: a write engine, a read engine, and units of work on them."""

    def __init__(self, url: str, synchronous: str = "FULL") -> None:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(self.url, "BEGIN IMMEDIATE", synchronous)
            self.read_engine = _sqlite_engine(self.url, "BEGIN", synchronous)
        else:
            # No ping per checkout (a tenth of an approval's time): a connection that PostgreSQL dropped
            # (a restart, a terminated backend) fails its statement with a disconnect error, on which
            # SQLAlchemy invalidates the whole pool, so that the next units of work get new connections.
            self.engine = create_engine(self.url, pool_size=20, max_overflow=20, pool_pre_ping=False,
                                        hide_parameters=True, connect_args={
                                            "options": "-c synchronous_commit=on", "connect_timeout": 10})
            self.read_engine = self.engine
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._writer_lock: AbstractContextManager[object] = threading.Lock() if self.is_sqlite else nullcontext()
        database = make_url(self.url).database if self.is_sqlite else None
        self._lock_path = f"{database}.writer-lock" if database and database != ":memory:" else None
        self._lock_fd: int | None = None
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._glance = self._read if self.is_sqlite else sessionmaker(
            self.read_engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
        self._leader = threading.Lock()  # one grouped commit at a time in this process
        self._queue_guard = threading.Lock()
        self._queue: list[_Waiting[Any]] = []
        # The thread of this process committing a group while it holds SQLite's writer lock (see ``give_way``).
        self._writer: int | None = None
        self._writer_done = threading.Condition()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction for one use case: committed on success, rolled back on any error.

        On SQLite, writers queue on a lock first — a thread lock within the process and an advisory
        file lock (flock) across worker processes: SQLite's own busy handler backs off in sleeps of
        up to 100 ms, which under load costs far more than waiting in line.
        """
        with self._writer_lock, self._file_lock(), self._write() as session, session.begin():
            yield session

    def write_grouped(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a write transaction shared with the other grouped units of work that
        wait meanwhile, committed once for all of them (group commit); returns once that commit is
        durable. ``work`` runs in a savepoint in its own session, maybe on another thread: when it
        raises, its savepoint is rolled back, the others are committed, and the error is raised here.
        ``work`` must not use the session after returning, nor rely on thread-local state.

        On PostgreSQL each unit of work has a transaction of its own, as with ``write``: writers
        there do not queue on one lock, and units grouped in two processes in different orders
        could deadlock on each other's uncommitted unique keys (the same idempotency key sent to
        two servers)."""
        if not self.is_sqlite:
            with self.write() as session:
                session.info[SESSION_CONNECTION] = session.connection()  # as in a group (below)
                return work(session)
        waiting: _Waiting[T] = _Waiting(work)
        with self._queue_guard:
            self._queue.append(waiting)
        # A thread whose work a leader carried is woken by that leader alone; it does not queue for
        # the leader's lock behind the others of its group, each woken in turn only to find its work
        # done while the next group's leader waits behind them all.
        while not waiting.done:
            if not self._leader.acquire(blocking=False):
                waiting.wake.wait()  # done, or the leader before has finished: try to lead
                waiting.wake.clear()
                continue
            try:
                if not waiting.done:
                    self._lead(waiting)
            finally:
                self._leader.release()
                self._wake_next()
        if waiting.error is not None:
            raise waiting.error
        return waiting.result  # type: ignore[return-value]

    def _lead(self, waiting: _Waiting[Any]) -> None:
        """Take the writer lock, then the group: the units that came while another process held
        the lock join this commit instead of waiting for the next. The connection is taken from the
        pool before the lock, so the lock's hold does not include it."""
        try:
            with ExitStack() as taken:
                connection = taken.enter_context(self.engine.connect())
                locks = ExitStack()
                locks.enter_context(self._writer_lock)
                locks.enter_context(self._file_lock())
                taken.pop_all()
        except BaseException:
            with self._queue_guard:
                self._queue.remove(waiting)
            raise
        with connection, locks:
            with self._queue_guard:
                self._queue.remove(waiting)  # its own first, then the oldest of the others
                group, self._queue = [waiting, *self._queue[:GROUP_LIMIT - 1]], self._queue[GROUP_LIMIT - 1:]
            self._commit_group(connection, group)

    def _wake_next(self) -> None:
        """The oldest unit still waiting tries to lead next (a leader has let go of ``_leader``)."""
        with self._queue_guard:
            first = self._queue[0] if self._queue else None
        if first is not None:
            first.wake.set()

    def give_way(self, timeout: float = GIVE_WAY_SECONDS) -> None:
        """Wait, at most ``timeout`` seconds, while another thread of this process runs a grouped
        write transaction holding SQLite's writer lock (until it commits).

        That transaction gives up the interpreter lock around every statement and gets it back only
        when the thread that took it meanwhile lets go, up to the switch interval later (and then the
        operating system's scheduling): every other writer of both processes waits for that. A
        thread about to do a stretch of Python work that can wait (a request's rules, its answer)
        calls this first, so the holder runs its statements without waiting for the interpreter."""
        writer = self._writer
        if writer is None or writer == threading.get_ident():
            return
        with self._writer_done:
            self._writer_done.wait_for(lambda: self._writer is None, timeout)

    def _commit_group(self, connection: Connection, group: list[_Waiting[Any]]) -> None:
        """The group's units in one transaction on ``connection``; the caller holds the writer lock."""
        try:
            transaction = connection.begin()
            self._writer = threading.get_ident()
            state: GroupState = {}
            connection.info[_GROUP_STATE] = state
            try:
                # Alone, a unit needs no savepoint: its error rolls the whole transaction back.
                joining: JoinTransactionMode = "create_savepoint" if len(group) > 1 else "rollback_only"
                for waiting in group:
                    before = dict(state)
                    try:
                        with Session(connection, join_transaction_mode=joining,
                                     expire_on_commit=False) as session, session.begin():
                            # The unit's savepoint is begun here; its statements then find the connection at once.
                            session.info[SESSION_CONNECTION] = session.connection()
                            waiting.result = waiting.work(session)
                    except Exception as err:  # handed to the thread whose work it was
                        waiting.error = err
                        state.clear()
                        state.update(before)
                if transaction.is_active:
                    for key in sorted((k for k in state if isinstance(k, tuple) and k[:1] == (BEFORE_COMMIT,)),
                                      key=str):
                        state[key](connection, state)
            except BaseException:
                self._writer_gone()
                transaction.rollback()
                raise
            finally:
                connection.info.pop(_GROUP_STATE, None)
            self._writer_gone()  # the durable commit mostly waits for the disk: others may run meanwhile
            transaction.commit()
        except BaseException as err:  # the commit (or the lock, the connection) failed: nothing was stored
            for waiting in group:
                if waiting.error is None:
                    waiting.error = err
        finally:
            for waiting in group:
                waiting.done = True
                waiting.wake.set()

    def _writer_gone(self) -> None:
        with self._writer_done:
            self._writer = None
            self._writer_done.notify_all()

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self._lock_path is None:
            yield
            return
        if self._lock_fd is None:  # opened once per process; threads are already serialised above
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction; inside ``one_read`` (the same thread or task) the block's own."""
        shared = _SHARED_READ.get()
        if shared is not None and shared[0] is self:
            yield shared[1]
            return
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def glance(self) -> Iterator[Session]:
        """A read of one statement (see the module): on PostgreSQL without ``BEGIN`` and ``ROLLBACK``;
        inside ``one_read`` the block's transaction. Each statement run in it sees its own snapshot."""
        shared = _SHARED_READ.get()
        if shared is not None and shared[0] is self:
            yield shared[1]
            return
        with self._glance() as session, session.begin():
            yield session

    @contextmanager
    def one_read(self, *, serial: bool = False) -> Iterator[None]:
        """Every ``read`` of this database within the block, in this thread or task, is one read
        transaction on one connection, ended with the block (writes are their own, as ever; on
        SQLite a read does not see what a write in the block committed after the block's first
        read, so the block should not read what it wrote).

        ``serial``: on PostgreSQL the block's statements are planned without parallel workers
        (``SET LOCAL max_parallel_workers_per_gather = 0``, for this transaction only), for a block
        of many small aggregates (a page's figures, a few thousand counts each): starting the
        workers cost more than they saved (the dashboard's counts statement 30–50 ms with two
        workers, 6–17 ms without, at 10 million entities on the 2-core machine at load 8)."""
        if (shared := _SHARED_READ.get()) is not None and shared[0] is self:
            yield
            return
        with self._read() as session, session.begin():
            if serial and not self.is_sqlite:
                session.connection().exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
            token = _SHARED_READ.set((self, session))
            try:
                yield
            finally:
                _SHARED_READ.reset(token)

    def dispose(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
