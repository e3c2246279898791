"""``yima import entities``: load an existing register of market entities (历史登记数据) from CSV.

The file is UTF-8 CSV with the header ``uscc,name,entity_type,industry_code,registered_capital,
established_on,cancelled_on,address``; every row is checked by ``yima.stats.rows`` and a bad row
is reported with its line number and reason and skipped. Good rows are inserted in batches
(``storage``: on SQLite with ``executemany`` of ``INSERT ... ON CONFLICT (uscc) DO NOTHING``, on
PostgreSQL with ``COPY`` after one look-up of the batch's codes), so that importing a file again
changes nothing: a credit code already in the register (or earlier in the same batch) counts as
existing. Each imported entity gets its domicile in ``enterprise_addresses`` (proof: a lease, the
norm before address commitments).

Speed: for a large file the checks run in a second process (``checker``) that hands batches of
checked rows (for PostgreSQL with their register counts added up, ``tally``) to this one, which
only stores them (``storage``). For PostgreSQL the checking process writes each batch as the
``COPY`` text the server is given (``copytext``), and a thread of this process reads the batches
and sorts each one's entities by name (``read_ahead``) while the server stores the batch before it
(the driver lets other threads run while it waits for the server); the connection is used by one
thread only.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import cast

from yima.db import Database
from yima.errors import DomainError, NotFound
from yima.standard.model import MatterStandard
from yima.stats.checker import BATCH_SIZE, Batch, checked_in_worker, read_batches
from yima.stats.rows import BadRow, EntityRow, RowText
from yima.stats.storage import CopyText, Rows, copy_where_checked, counts_where_checked, register_writer
from yima.zones.tables import Zone

#: Files smaller than this are checked in this process; starting a second one costs about half a second.
PIPELINE_MIN_BYTES = 4_000_000
MAX_REPORTED_BAD_ROWS = 1_000
COMMIT_ROWS = 500_000
#: How many batches the reading thread may hold ready: enough that the checking process goes on
#: while the server writes a transaction's counts before its commit (about a second for 500,000 rows).
READ_AHEAD = 12
#: The ``source`` of an entity a register file brought.
SOURCE = "imported"


@dataclass
class ImportSummary:
    loaded: int = 0
    existing: int = 0
    bad: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.loaded + self.existing + self.bad

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


# --- storing ------------------------------------------------------------------------------------

def require_zone(db: Database, zone_id: str) -> None:
    with db.read() as session:
        if session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")


def store_batches(db: Database, zone_id: str, batches: Iterable[Batch], now: datetime, *, source: str = SOURCE,
                  on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    require_zone(db, zone_id)
    summary = ImportSummary()
    started = time.perf_counter()
    with db.engine.connect() as conn:
        writer = register_writer(conn, zone_id, source, now)
        items: Generator[Prepared, None, None] = read_ahead(batches, writer.prepare) if writer.ahead \
            else ((batch, None) for batch in batches)
        try:
            uncommitted = 0
            for (good, bad, handled, counts), prepared in items:
                if good:
                    loaded, existing = writer.store(good, counts, prepared)
                    summary.loaded += loaded
                    summary.existing += existing
                    uncommitted += loaded
                    if uncommitted >= COMMIT_ROWS:
                        writer.commit()
                        uncommitted = 0
                summary.bad += len(bad)
                summary.bad_rows.extend(bad[:MAX_REPORTED_BAD_ROWS - len(summary.bad_rows)])
                if on_progress:
                    on_progress(handled)
            writer.commit()
        finally:
            items.close()  # stops the reading thread, if any, before the writer
            writer.close()
    summary.seconds = time.perf_counter() - started
    return summary


_END = object()
#: A batch and what the writer made of it ahead (``RegisterWriter.prepare``).
Prepared = tuple[Batch, CopyText | None]


def read_ahead(batches: Iterable[Batch], prepare: Callable[[Rows], CopyText | None],
               depth: int = READ_AHEAD) -> Generator[Prepared, None, None]:
    """The batches with each one's ``prepare``d text, read and prepared in a thread of their own,
    up to ``depth`` batches ahead of the caller. An error there (a bad file, the checking process
    gone) is raised here, in order; closing this generator stops the thread (after the batch it
    is reading) and closes ``batches``."""
    ready: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = iter(batches)
        try:
            for batch in source:
                if not offer((batch, prepare(batch[0]) if batch[0] else None)):
                    return
            offer(_END)
        except BaseException as err:  # handed to the caller's thread, which raises it
            offer(err)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="yima-import-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield cast(Prepared, item)
    finally:
        stop.set()
        reader.join()


def batched(rows: Iterable[EntityRow | BadRow], batch_size: int = BATCH_SIZE) -> Iterator[Batch]:
    good: list[RowText] = []
    bad: list[BadRow] = []
    handled = 0
    for row in rows:
        handled += 1
        if isinstance(row, BadRow):
            bad.append(row)
        else:
            good.append(row.as_text())
        if handled % batch_size == 0:
            yield good, bad, handled, None
            good, bad = [], []
    if good or bad:
        yield good, bad, handled, None


def load_entities(db: Database, zone_id: str, rows: Iterable[EntityRow | BadRow], now: datetime, *,
                  source: str = SOURCE, on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Store rows made in this process (synthetic registers, tests)."""
    return store_batches(db, zone_id, batched(rows), now, source=source, on_progress=on_progress)


def import_register(db: Database, standard: MatterStandard, zone_id: str, path: Path, now: datetime, today: date, *,
                    on_progress: Callable[[int], None] | None = None,
                    pipeline: bool | None = None) -> ImportSummary:
    """Check and load one register file into a zone. ``pipeline`` forces (or forbids) the
    second checking process; by default it is used for files of a few megabytes or more."""
    if not path.is_file():
        raise DomainError("import.file", "file", f"找不到文件：{path}", f"No such file: {path}")
    require_zone(db, zone_id)
    if pipeline is None:
        pipeline = path.stat().st_size >= PIPELINE_MIN_BYTES
    counts = counts_where_checked(db)
    batches = checked_in_worker(path, today, standard, counts=counts,
                                copy=copy_where_checked(db, zone_id, SOURCE, now)) if pipeline \
        else read_batches(path, today, standard, counts=counts)
    return store_batches(db, zone_id, batches, now, source=SOURCE, on_progress=on_progress)
