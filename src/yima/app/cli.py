"""The ``yima`` command: the operations of the whole installation (``init``, ``serve``, ``jobs run``,
``backup``, ``restore``, ``demo``) and the commands every feature adds through its ``install``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from yima.app.features import registry
from yima.app.jobs import job_run, run_jobs
from yima.app.standard import the_standard
from yima.audit import service as audit
from yima.cli_support import (
    COMMANDS,
    CommandGroups,
    DbOption,
    console,
    database_url,
    domain_errors,
    err_console,
    open_db,
    row_progress,
)
from yima.clock import utcnow
from yima.config import Settings, get_settings, serve_at
from yima.db.backup import backup, restore
from yima.db.migrate import upgrade
from yima.demo.seed import seed_demo
from yima.demo.twozones import run_federated_demo
from yima.observers.calendar import official_calendar
from yima.seals.national import make_national_forms_job
from yima.web.server import LOOPS, UnsafeSettings, check_public_settings, run_server

#: What uvicorn imports to serve (with several workers, once, before they are forked from it).
ASGI = "yima.app.asgi:app"
app = typer.Typer(help="Yima 一码 — market-access platform / 市场准入系统", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
app.add_typer(bench_app, name="bench")

@app.command()
@domain_errors
def init(db: DbOption = None) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    url = database_url(db)
    upgrade(url)
    console.print(f"[green]✓[/green] database ready: {url}")


@jobs_app.command("run")
def jobs_run(db: DbOption = None) -> None:
    """Run the scheduled jobs once (lapse overdue deferrals)."""
    for line in run_jobs(open_db(db), utcnow(), the_standard()):
        console.print(line)


@app.command("backup")
@domain_errors
def backup_database(file: Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False)],
                    db: DbOption = None) -> None:
    """An online, consistent backup of the database while it serves (SQLite's backup API; pg_dump
    for PostgreSQL). Uploaded files in the data directory are copied separately."""
    url = database_url(db)
    size = backup(url, file)
    console.print(f"[green]✓[/green] backup of {escape(_shown(url))} → {escape(str(file))} ({size:,} bytes)")


@app.command("restore")
@domain_errors
def restore_database(file: Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False)],
                     db: DbOption = None,
                     replace: Annotated[bool, typer.Option("--replace", help="Overwrite a database that already "
                                                           "holds tables")] = False) -> None:
    """Restore a backup made by yima backup, bring its schema up to date and verify every audit
    chain; exit 0 only when every chain verifies."""
    url = database_url(db)
    kind = restore(file, url, replace)
    database = open_db(url)
    console.print(f"[green]✓[/green] restored {escape(str(file))} ({kind}) into {escape(_shown(url))}")
    broken = 0
    for chain in audit.chains(database):
        check = audit.verify_chain(database, chain)
        if check.ok:
            console.print(f"[green]✓[/green] audit {escape(chain)}: {check.entries:,} entries verify")
        else:
            broken += 1
            err_console.print(f"[red]✗ {escape(chain)}[/red]: 审计链断裂于第 {check.broken_at} 条 / the audit chain "
                              f"is broken at entry {check.broken_at}: {escape(check.reason)}")
    database.dispose()
    if broken:
        raise typer.Exit(1)


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


@app.command()
def serve(db: DbOption = None, host: Annotated[str, typer.Option()] = "127.0.0.1",
          port: Annotated[int, typer.Option()] = 8000,
          workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
          jobs_every: Annotated[int, typer.Option(help="Seconds between job runs; 0 disables")] = 300) -> None:
    """Serve the web app and API; scheduled jobs run in the background."""
    _refuse_unsafe(host)
    domain_errors(official_calendar)()  # a supplement that cannot be read stops the start, named
    url = database_url(db)
    upgrade(url)
    serve_at(host, port)
    serve_app(url, host, port, workers, jobs_every, get_settings())


def serve_app(url: str, host: str, port: int, workers: int, jobs_every: int, settings: Settings,
              log_format: str = "json") -> None:
    standard = the_standard(settings)
    run_server(ASGI, url, host, port, workers, jobs_every, settings, standard=standard, jobs=job_run(standard),
               loops=registry().items(LOOPS), log_format=log_format)


def _refuse_unsafe(host: str) -> None:
    """Exit 2 naming the setting when a development secret would be served beyond loopback."""
    try:
        check_public_settings(host, get_settings())
    except UnsafeSettings as err:
        err_console.print(f"[red]✗ serve.{err.setting}[/red] [--host {escape(host)}] {escape(str(err))}")
        raise typer.Exit(2) from err


@app.command()
@domain_errors
def demo(db: DbOption = None, host: Annotated[str, typer.Option()] = "127.0.0.1",
         port: Annotated[int, typer.Option()] = 8000,
         serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after seeding")] = True,
         federated: Annotated[bool, typer.Option("--federated", help="The two zones as two instances (two "
                                                 "databases, ports PORT and PORT+1), partners of each other")] = False,
         partner_db: Annotated[str, typer.Option("--partner-db", help="With --federated: Chengdu's database "
                                                 "(Chongqing's is --db, default var/demo-cq.db)")]
         = "sqlite:///var/demo-cd.db") -> None:
    """Create the demo zones, users and data (once), then serve the web app."""
    if serve_after:
        _refuse_unsafe(host)
    if federated:
        run_federated_demo(console, db or "sqlite:///var/demo-cq.db", partner_db, host, port,
                           serve_app if serve_after else None, the_standard())
        return
    url = database_url(db)
    serve_at(host, port)  # the demo's licences are issued while seeding: their QR codes name this port
    database = open_db(url)
    with row_progress(console) as progress:
        task = progress.add_task("register", total=None)
        standard = the_standard()
        # The seals' national forms (each draws the seal's picture and makes an SM2 certificate, about
        # 0.16 CPU s a seal) are left to the server's job runner, whose first run is at its start, or
        # to the seals page, which makes any that are missing.
        for line in seed_demo(database, standard, utcnow(), job_run(standard, leave_out=(make_national_forms_job,)),
                              on_progress=lambda done, total: progress.update(task, completed=done, total=total)):
            progress.console.print(line)
    database.dispose()
    if serve_after:
        console.print(f"[bold]Yima demo:[/bold] http://{host}:{port}/  (API docs: /docs)")
        serve_app(url, host, port, 1, 300, get_settings(), log_format="text")


import_app = typer.Typer(help="Import registers", no_args_is_help=True)
app.add_typer(import_app, name="import")
for add_commands in registry().items(COMMANDS):
    add_commands(CommandGroups(app, import_app, bench_app, registry(), the_standard))
