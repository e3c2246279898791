"""Commands: ``yima import projects``, ``project-funds``, ``key-enterprises`` and ``services``.

Files in UTF-8 or GBK, dates and numbers as Excel writes them; the whole file in one transaction.
``--update --reason …`` corrects the records a row differs from (audited, as a correction on the
page) instead of leaving them.

``feature.install`` adds ``add_commands``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from yima.cli_support import (
    CommandGroups,
    DbOption,
    console,
    domain_errors,
    open_db,
    print_import_summary,
    row_progress,
)
from yima.clock import local_date, utcnow
from yima.projects.importer import IMPORTS, Correction, import_file
from yima.projects.rules import check_reason
from yima.stats.checker import count_records

HELP = {
    "projects": "Load investment projects (header: {header}); idempotent on the code; --update corrects them.",
    "project-funds": "Load funds in place (header: {header}, optionally source); idempotent on code, day and "
                     "amount.",
    "key-enterprises": "Load key enterprises and their specialists (header: {header}).",
    "services": "Load the specialists' service log (header: {header}); kind visit or request.",
}


def run_import(kind: str, file: Path, zone: str, db: str | None, update: bool = False, reason: str = "") -> None:
    database = open_db(db)
    now = utcnow()
    correction = Correction(None, check_reason(reason)) if update else None
    try:
        total = count_records(file) if file.is_file() else 0
        with row_progress(console) as progress:
            task = progress.add_task(kind, total=total)
            report = import_file(database, kind, zone, file, now, local_date(now), correction=correction,
                                 on_progress=lambda done: progress.update(task, completed=done))
            progress.update(task, completed=total)
    finally:
        database.dispose()
    extra = [("corrected / 已更正", f"{report.updated:,}")] if update else []
    if report.differs:
        extra.append(("differ, not corrected (--update) / 与现有记录不同，未更正", f"{report.differs:,}"))
    print_import_summary(report, file, zone, "skipped, already present / 已存在，跳过", tuple(extra))


def _command(kind: str) -> Callable[..., None]:
    def command(file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="CSV in UTF-8 or GBK")],
                zone: Annotated[str, typer.Option("--zone", help="Zone id to import into")],
                update: Annotated[bool, typer.Option("--update", help="Correct the records a row differs from "
                                                     "(needs --reason; audited)")] = False,
                reason: Annotated[str, typer.Option("--reason", help="Why the records are corrected")] = "",
                db: DbOption = None) -> None:
        run_import(kind, file, zone, db, update, reason)

    command.__doc__ = HELP[kind].format(header=",".join(IMPORTS[kind][0]))
    return command


def add_commands(groups: CommandGroups) -> None:
    for kind in IMPORTS:
        groups.imports.command(kind)(domain_errors(_command(kind)))
