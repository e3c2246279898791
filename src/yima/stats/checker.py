"""Reads a register file and checks its rows, in batches; also runs as its own process.

``python -m yima.stats.checker FILE TODAY BATCH_SIZE counts|rows`` writes the batches to standard output as a
stream of ``marshal`` frames (plain tuples, lists, dicts, bytes, text and integers: the checked rows, the
bad rows' findings, the count of records read and the batch's register counts), each after its
length, then an empty frame (or a header error as ``("error", rule, field, zh, en)``). For
PostgreSQL the checked rows travel as the ``COPY`` text the storing process hands the server
(``copytext``), made here: that process then neither reads the rows in again nor writes them out
once more (measured: a third of its CPU a row). The
importer starts it with ``subprocess`` rather than ``multiprocessing`` so that no caller's main
module is imported again and no threads are forked; the frames come only from this program,
started by the importer itself. (``marshal`` writes and reads such data three to four times
faster than ``pickle``, which the standard still travels in.)

For PostgreSQL each batch carries the register counts of its good rows (``tally``), added up here
so that the storing process only writes them (SQLite adds them up from the rows it inserted, in
SQL, for less).
"""

from __future__ import annotations

import csv
import marshal
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, cast

from yima.errors import DomainError, Finding
from yima.standard.model import MatterStandard
from yima.stats.copytext import CopyConstants, CopyRows, copy_rows
from yima.stats.rows import BadRow, RowText, check_header, check_values, wrong_width
from yima.stats.tally import DayCounts, tally

BATCH_SIZE = 10_000
_LENGTH = struct.Struct("<Q")

#: Checked rows (as text, or as ``COPY`` text from the checking process when asked for), bad rows,
#: how many records of the file have been read so far, and the register counts of the checked rows
#: when asked for (``tally``; the storing process writes them when it inserts every one of the rows).
Batch = tuple[list[RowText] | CopyRows, list[BadRow], int, DayCounts | None]


def read_batches(path: Path, today: date, standard: MatterStandard, batch_size: int = BATCH_SIZE, *,
                 counts: bool = False) -> Iterator[Batch]:
    """The file's records, checked, in batches (with their register counts if ``counts``); blank
    lines are ignored. A file that is not UTF-8 text or not CSV stops with a DomainError naming the
    line (rows before it have been handed on)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            yield from _batches(reader, today, standard, batch_size, counts)
        except (UnicodeDecodeError, csv.Error) as err:
            line = reader.line_num + 1
            raise DomainError("import.file_format", "file", f"第{line}行无法读取：文件须为 UTF-8 编码的 CSV（{err}）",
                              f"Line {line} cannot be read: the file must be UTF-8 CSV ({err})") from None


def _batches(reader: Any, today: date, standard: MatterStandard, batch_size: int, counts: bool) -> Iterator[Batch]:
    header = next(reader, None)
    positions = check_header(header)
    width = len(header or ())
    good: list[RowText] = []
    bad: list[BadRow] = []
    handled = 0
    in_order = positions == list(range(len(positions))) and width == len(positions)
    for record in reader:
        if len(record) != width:
            if not any(value.strip() for value in record):
                continue
            bad.append(wrong_width(reader.line_num, len(record), width))
        else:
            row = check_values(reader.line_num, record if in_order else [record[i] for i in positions], today,
                               standard)
            if isinstance(row, BadRow):
                bad.append(row)
            else:
                good.append(row)
        handled += 1
        if handled % batch_size == 0:
            yield good, bad, handled, tally(good) if counts else None
            good, bad = [], []
    if good or bad or handled == 0:
        yield good, bad, handled, tally(good) if counts else None


def count_records(path: Path) -> int:
    """Lines after the header: the progress bar's total (exact unless fields hold line breaks)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def _write_frame(out: BinaryIO, item: Any) -> None:
    data = marshal.dumps(item)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)


def _read_frame(stream: BinaryIO) -> object:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    size = _LENGTH.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return marshal.loads(data) if size else None


def checked_in_worker(path: Path, today: date, standard: MatterStandard, batch_size: int = BATCH_SIZE, *,
                      counts: bool = False, copy: CopyConstants | None = None) -> Iterator[Batch]:
    """``read_batches`` run in a second process, so that checking and storing overlap; the process
    reads the standard to check by (and ``copy``) from its standard input. With ``copy`` the
    checked rows come as ``CopyRows``, written with those constants."""
    worker = subprocess.Popen([sys.executable, "-m", "yima.stats.checker", str(path), today.isoformat(),
                               str(batch_size), "counts" if counts else "rows"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    stream: BinaryIO = worker.stdout  # type: ignore[assignment]
    given: BinaryIO = worker.stdin  # type: ignore[assignment]
    try:
        with given:
            pickle.dump((standard, copy), given, protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            try:
                item: Any = _read_frame(stream)
            except EOFError:
                raise RuntimeError(f"the row-checking process ended unexpectedly (exit code {worker.wait()})") \
                    from None
            if item is None:
                break
            if item[0] == "error":
                raise DomainError(*item[1:])
            good, bad, handled, counted = item
            if isinstance(good, tuple):
                good = CopyRows(*good)
            yield good, [BadRow(line, Finding(*finding)) for line, *finding in bad], handled, counted
    finally:
        if worker.poll() is None:
            worker.kill()
        stream.close()
        worker.wait()


def main(argv: list[str]) -> int:
    path, today, batch_size, counts = Path(argv[0]), date.fromisoformat(argv[1]), int(argv[2]), argv[3] == "counts"
    given: tuple[MatterStandard, CopyConstants | None] = pickle.load(sys.stdin.buffer)
    standard, copy = given
    out = sys.stdout.buffer
    try:
        for good, bad, handled, counted in read_batches(path, today, standard, batch_size, counts=counts):
            rows = good if copy is None else copy_rows(cast(list[RowText], good), copy)
            _write_frame(out, (rows, [(b.line, b.finding.rule, b.finding.field, b.finding.zh, b.finding.en)
                                      for b in bad], handled, counted))
    except DomainError as err:
        f = err.finding
        _write_frame(out, ("error", f.rule, f.field, f.zh, f.en))
    out.write(_LENGTH.pack(0))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
