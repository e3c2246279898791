"""What every command module shares: the consoles, the ``--db`` option, opening the database, and
printing a rule failure in both languages instead of a traceback.

Each feature's ``cli`` module imports this module (it imports no feature) and adds its commands
through a function in ``COMMANDS``, which the composition root calls with the command groups.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from yima.config import get_settings
from yima.db import Database
from yima.db.migrate import upgrade
from yima.errors import DomainError, MissingPart
from yima.outbound import fetch
from yima.registry import Registry, Slot
from yima.standard.model import MatterStandard

console = Console()
err_console = Console(stderr=True)
DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default: YIMA_DATABASE_URL or SQLite)")]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CommandGroups:
    """Where a feature adds commands: ``yima`` itself, ``yima import`` and ``yima bench``; the
    registry, where a command finds what a higher feature added to its slot; and ``standard``, the
    composition root's one way to the matter standard the installation is configured with, which a
    command calls when it runs (the settings of that run decide which standard it is)."""

    app: typer.Typer
    imports: typer.Typer
    bench: typer.Typer
    registry: Registry
    standard: StandardSource


StandardSource = Callable[[], MatterStandard]


def given_standard(command: Callable[..., Any], standard: StandardSource) -> Callable[..., Any]:
    """``command``, whose first parameter is a ``StandardSource``, as a command without it: it gets
    ``standard`` (``CommandGroups.standard``), and calls it when it needs the standard."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        return command(standard, *args, **kwargs)

    signature = inspect.signature(command, eval_str=True)
    first = next(iter(signature.parameters))
    run.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
    run.__annotations__ = {name: hint for name, hint in command.__annotations__.items() if name != first}
    return run


COMMANDS: Slot[Callable[[CommandGroups], None]] = Slot("commands")


def database_url(db: str | None) -> str:
    return db or get_settings().database_url


def open_db(db: str | None) -> Database:
    """The database, its schema brought up to date; one that cannot be opened is a clear error."""
    url = database_url(db)
    try:
        upgrade(url)
    except (SQLAlchemyError, ArgumentError) as err:
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except ArgumentError:
            shown = "(unreadable URL)"
        reason = str(getattr(err, "orig", None) or err).splitlines()[0]
        err_console.print(f"[red]✗ database.open[/red] [--db] 无法打开数据库 {escape(shown)} / cannot open the "
                          f"database: {escape(reason)}")
        raise typer.Exit(2) from err
    return Database(url)


def domain_errors(func: F) -> F:
    """Print a rule failure in both languages and exit 1, instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DomainError as err:
            for finding in err.findings:
                detail = escape(f"[{finding.field}] {finding.zh} / {finding.en}")
                err_console.print(f"[red]✗ {escape(finding.rule)}[/red] {detail}")
            raise typer.Exit(1) from err
        except MissingPart as err:
            err_console.print(f"[red]✗ {escape(err.part)} missing[/red] {escape(f'{err.zh} / {err.en}')}\n"
                              f"  to install: {escape(err.install)}")
            raise typer.Exit(1) from err

    return wrapper  # type: ignore[return-value]


def read_text_source(source: str) -> str:
    """The text of a file, or of an http(s) URL (a zone's published trust list) read through the
    bounded fetch (``yima.outbound``: 2 MiB, 10 s in all, no redirect elsewhere)."""
    if source.startswith(("http://", "https://")):
        try:
            fetched = fetch(source, max_bytes=2 * 1024 * 1024, timeout_s=10, accept="application/json")
        except DomainError as err:  # the callers report an unreadable source as such
            raise OSError(err.findings[0].en) from err
        if fetched.status != 200:
            raise OSError(f"HTTP {fetched.status} from {source}")
        return fetched.content.decode("utf-8", errors="replace")
    return Path(source).read_text("utf-8")


def print_import_summary(summary: Any, file: Path, zone: str, existing: str,
                         extra: tuple[tuple[str, str], ...] = ()) -> None:
    """What an import did: its first 50 bad rows (line and reason), then the loaded, skipped and
    bad counts; ``existing`` names the rows skipped as already there, ``extra`` adds rows."""
    for bad in summary.bad_rows[:50]:
        err_console.print(f"[red]✗[/red] {escape(bad.message)}")
    if summary.bad > 50:
        err_console.print(f"… {summary.bad - 50} more bad rows / 另有{summary.bad - 50}行有误")
    table = Table("", "rows / 行", title=f"{file.name} → {zone}")
    table.add_row("loaded / 已导入", f"{summary.loaded:,}")
    table.add_row(existing, f"{summary.existing:,}")
    table.add_row("bad, skipped / 有误，跳过", f"{summary.bad:,}")
    for label, value in extra:
        table.add_row(label, value)
    console.print(table)


class RowsPerSecond(ProgressColumn):
    """Rows a second over the task so far."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0
        rate = task.completed / elapsed if elapsed > 0 else 0
        return Text(f"{rate:,.0f} rows/s", style="progress.data.speed")


def row_progress(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), RowsPerSecond(),
                    TimeElapsedColumn(), console=console)
