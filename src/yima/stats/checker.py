"""Reads a register file and checks its rows, in batches; also runs as its own process.

``python -m yima.stats.checker FILE TODAY BATCH_SIZE`` writes the batches to standard output as a
stream of pickles, then ``None`` (or a header error as ``("error", rule, field, zh, en)``). The
importer starts it with ``subprocess`` rather than ``multiprocessing`` so that no caller's main
module is imported again and no threads are forked; the pickles come only from this program,
started by the importer itself.
"""

from __future__ import annotations

import csv
import pickle
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from yima.errors import DomainError
from yima.standard.model import MatterStandard
from yima.stats.rows import BadRow, RowText, check_header, check_values, wrong_width

BATCH_SIZE = 10_000

#: Checked rows (as text), bad rows, and how many records of the file have been read so far.
Batch = tuple[list[RowText], list[BadRow], int]


def read_batches(path: Path, today: date, standard: MatterStandard, batch_size: int = BATCH_SIZE) -> Iterator[Batch]:
    """The file's records, checked, in batches; blank lines are ignored. A file that is not UTF-8
    text or not CSV stops with a DomainError naming the line (rows before it have been handed on)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            yield from _batches(reader, today, standard, batch_size)
        except (UnicodeDecodeError, csv.Error) as err:
            line = reader.line_num + 1
            raise DomainError("import.file_format", "file", f"第{line}行无法读取：文件须为 UTF-8 编码的 CSV（{err}）",
                              f"Line {line} cannot be read: the file must be UTF-8 CSV ({err})") from None


def _batches(reader: Any, today: date, standard: MatterStandard, batch_size: int) -> Iterator[Batch]:
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
            yield good, bad, handled
            good, bad = [], []
    if good or bad or handled == 0:
        yield good, bad, handled


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


def checked_in_worker(path: Path, today: date, standard: MatterStandard,
                      batch_size: int = BATCH_SIZE) -> Iterator[Batch]:
    """``read_batches`` run in a second process, so that checking and storing overlap; the process
    reads the standard to check by from its standard input."""
    worker = subprocess.Popen([sys.executable, "-m", "yima.stats.checker", str(path), today.isoformat(),
                               str(batch_size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    stream: BinaryIO = worker.stdout  # type: ignore[assignment]
    given: BinaryIO = worker.stdin  # type: ignore[assignment]
    try:
        with given:
            pickle.dump(standard, given, protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            try:
                item = pickle.load(stream)
            except EOFError:
                raise RuntimeError(f"the row-checking process ended unexpectedly (exit code {worker.wait()})") \
                    from None
            if item is None:
                break
            if item[0] == "error":
                raise DomainError(*item[1:])
            yield item
    finally:
        if worker.poll() is None:
            worker.kill()
        stream.close()
        worker.wait()


def main(argv: list[str]) -> int:
    path, today, batch_size = Path(argv[0]), date.fromisoformat(argv[1]), int(argv[2])
    standard: MatterStandard = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    try:
        for batch in read_batches(path, today, standard, batch_size):
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    except DomainError as err:
        f = err.finding
        pickle.dump(("error", f.rule, f.field, f.zh, f.en), out)
    pickle.dump(None, out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
