"""Commands: ``yima import projects``, ``project-funds``, ``key-enterprises`` and ``services``.

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
from yima.projects.importer import IMPORTS, import_file
from yima.stats.checker import count_records

HELP = {
    "projects": "Load investment projects (header: {header}); idempotent on the code.",
    "project-funds": "Load funds in place (header: {header}, optionally source); idempotent on code, day and "
                     "amount.",
    "key-enterprises": "Load key enterprises and their specialists (header: {header}).",
    "services": "Load the specialists' service log (header: {header}); kind visit or request.",
}


def run_import(kind: str, file: Path, zone: str, db: str | None) -> None:
    database = open_db(db)
    now = utcnow()
    try:
        total = count_records(file) if file.is_file() else 0
        with row_progress(console) as progress:
            task = progress.add_task(kind, total=total)
            summary = import_file(database, kind, zone, file, now, local_date(now),
                                  on_progress=lambda done: progress.update(task, completed=done))
    finally:
        database.dispose()
    print_import_summary(summary, file, zone, "skipped, already present / 已存在，跳过")


def _command(kind: str) -> Callable[..., None]:
    def command(file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="UTF-8 CSV")],
                zone: Annotated[str, typer.Option("--zone", help="Zone id to import into")],
                db: DbOption = None) -> None:
        run_import(kind, file, zone, db)

    command.__doc__ = HELP[kind].format(header=",".join(IMPORTS[kind][0]))
    return command


def add_commands(groups: CommandGroups) -> None:
    for kind in IMPORTS:
        groups.imports.command(kind)(domain_errors(_command(kind)))
