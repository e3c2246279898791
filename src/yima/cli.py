"""The ``yima`` command: one command group per feature, each calling that feature's service."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from yima.accounts import service as accounts
from yima.accounts.rules import ROLES
from yima.audit import service as audit
from yima.bench.register import run_register_benchmark
from yima.cli_support import DbOption, console, database_url, domain_errors, err_console, open_db
from yima.clock import utcnow
from yima.config import get_settings, serve_at
from yima.db.backup import backup, restore
from yima.db.migrate import upgrade
from yima.demo.seed import seed_demo
from yima.federation.twozones import run_federated_demo
from yima.jobs import run_jobs
from yima.observers.calendar import official_calendar
from yima.registration.namecheck import register_breaches
from yima.standard import configured_standard
from yima.stats.bench import row_progress
from yima.web.server import UnsafeSettings, check_public_settings, run_server
from yima.zones.service import add_zone, ban_address, list_zones

app = typer.Typer(help="Yima 一码 — market-access platform / 市场准入系统", no_args_is_help=True)
zones_app = typer.Typer(help="Zones (开发区)", no_args_is_help=True)
users_app = typer.Typer(help="Users and roles", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks", no_args_is_help=True)
app.add_typer(zones_app, name="zones")
app.add_typer(users_app, name="users")
app.add_typer(jobs_app, name="jobs")
app.add_typer(bench_app, name="bench")

@app.command()
@domain_errors
def init(db: DbOption = None) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    url = database_url(db)
    upgrade(url)
    console.print(f"[green]✓[/green] database ready: {url}")


@zones_app.command("add")
@domain_errors
def zones_add(zone_id: Annotated[str, typer.Argument(metavar="ID")],
              name: Annotated[str, typer.Option(help="Chinese name, e.g. 重庆高新区")],
              division: Annotated[str, typer.Option(help="GB/T 2260 division code")],
              residents: Annotated[int, typer.Option(help="Resident population")],
              name_en: Annotated[str, typer.Option("--name-en")] = "",
              authority: Annotated[str, typer.Option(help="Issuing authority on licences")] = "",
              places: Annotated[str, typer.Option(help="Place names a company name may carry, comma-separated")] = "",
              org_block: Annotated[int | None, typer.Option(help="Organisation-code block number")] = None,
              db: DbOption = None) -> None:
    zone = add_zone(open_db(db), zone_id, name, division, residents, utcnow(), name_en=name_en,
                    authority_name=authority, org_block=org_block,
                    place_names=[p.strip() for p in places.split(",") if p.strip()] or None)
    console.print(f"[green]✓[/green] zone {zone.id} {zone.name} (division {zone.division_code}, "
                  f"codes from {zone.org_block_start:08d})")


@zones_app.command("list")
def zones_list(db: DbOption = None) -> None:
    table = Table("id", "name", "division", "residents", "code block")
    for zone in list_zones(open_db(db)):
        table.add_row(zone.id, zone.name, zone.division_code, f"{zone.residents:,}", f"{zone.org_block_start:08d}")
    console.print(table)


@zones_app.command("ban-address")
@domain_errors
def zones_ban_address(zone_id: Annotated[str, typer.Argument(metavar="ID")],
                      pattern: Annotated[str, typer.Argument(help="Text that marks a banned address")],
                      reason: Annotated[str, typer.Option()] = "", db: DbOption = None) -> None:
    """Add an entry to the zone's address negative list (住所负面清单)."""
    ban_address(open_db(db), zone_id, pattern, reason, utcnow())
    console.print(f"[green]✓[/green] {zone_id}: addresses containing “{pattern}” need proof of use")


@zones_app.command("check-names")
@domain_errors
def zones_check_names(zone_id: Annotated[str, typer.Argument(metavar="ID")], db: DbOption = None) -> None:
    """Flag the zone's active enterprises whose name or persons break the name and person rules
    (registered or imported before them); exit status 1 when any is flagged."""
    flagged = 0
    for uscc, finding in register_breaches(open_db(db), configured_standard(), zone_id):
        flagged += 1
        console.print(f"{uscc}  {finding.rule}  {finding.field}  {finding.zh} / {finding.en}", markup=False)
    if flagged:
        console.print(f"{zone_id}: {flagged} finding(s) for the registration office to correct (变更登记)")
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {zone_id}: every active enterprise's name and persons meet the rules")


@users_app.command("add")
@domain_errors
def users_add(name: Annotated[str, typer.Argument(metavar="NAME")],
              role: Annotated[str, typer.Option(help=" | ".join(ROLES))],
              zone: Annotated[str | None, typer.Option(help="Zone the account is bound to (every role but "
                                                            "applicant and admin)")] = None,
              password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password "
                                                           "from standard input")] = False,
              display_name: Annotated[str, typer.Option("--display-name")] = "",
              db: DbOption = None) -> None:
    actor = accounts.add_user(open_db(db), name, role, _read_password(password_stdin), utcnow(), zone_id=zone,
                     display_name=display_name)
    bound = f", {actor.zone_id}" if actor.zone_id else ""
    console.print(f"[green]✓[/green] user {actor.username} ({actor.role}{bound})")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("password")
@domain_errors
def users_password(name: Annotated[str, typer.Argument(metavar="NAME")],
                   password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password "
                                                                "from standard input")] = False,
                   db: DbOption = None) -> None:
    """Set a new password; the user's earlier sign-ins stop working."""
    actor = accounts.set_password(open_db(db), name, _read_password(password_stdin), utcnow())
    console.print(f"[green]✓[/green] {actor.username}: new password; signed out everywhere")


ACCOUNT_CHANGES = (  # verb, service function, what it did, help
    ("sign-out", "sign_out_everywhere", "signed out everywhere",
     "Sign the user out everywhere: every token issued so far stops working."),
    ("disable", "disable_user", "disabled",
     "Disable an account (a user who left): no sign-in, tokens refused; their records stay."),
    ("enable", "enable_user", "enabled", "Enable a disabled account again."),
    ("unlock", "unlock_user", "sign-in lock lifted", "Lift the lock that failed sign-ins put on an account."),
)


def _account_command(function: str, done: str, help_text: str) -> Callable[..., None]:
    def command(name: Annotated[str, typer.Argument(metavar="NAME")], db: DbOption = None) -> None:
        actor = getattr(accounts, function)(open_db(db), name, utcnow())
        console.print(f"[green]✓[/green] {actor.username}: {done}")

    command.__doc__ = help_text
    return command


for _verb, _function, _done, _help in ACCOUNT_CHANGES:
    users_app.command(_verb)(domain_errors(_account_command(_function, _done, _help)))


@jobs_app.command("run")
def jobs_run(db: DbOption = None) -> None:
    """Run the scheduled jobs once (lapse overdue deferrals)."""
    for line in run_jobs(open_db(db), utcnow()):
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
    run_server(url, host, port, workers, jobs_every, get_settings())


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
        run_federated_demo(console, db or "sqlite:///var/demo-cq.db", partner_db, host, port, serve_after)
        return
    url = database_url(db)
    serve_at(host, port)  # the demo's licences are issued while seeding: their QR codes name this port
    database = open_db(url)
    with row_progress(console) as progress:
        task = progress.add_task("register", total=None)
        for line in seed_demo(database, utcnow(),
                              on_progress=lambda done, total: progress.update(task, completed=done, total=total)):
            progress.console.print(line)
    database.dispose()
    if serve_after:
        console.print(f"[bold]Yima demo:[/bold] http://{host}:{port}/  (API docs: /docs)")
        run_server(url, host, port, 1, 300, get_settings(), log_format="text")


@bench_app.command("register")
def bench_register(clients: Annotated[int, typer.Option(help="Concurrent clients")] = 16,
                   count: Annotated[int, typer.Option(help="Applications to submit")] = 2000,
                   db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh "
                                                          "SQLite file)")] = None,
                   workers: Annotated[int, typer.Option(help="Server worker processes (one per core)")] = 2,
                   sqlite_synchronous: Annotated[str, typer.Option(
                       "--sqlite-synchronous", help="FULL (durable, the default) or NORMAL, to measure what "
                       "durable commits cost")] = "FULL") -> None:
    """A live server and C clients submitting applications that qualify for 秒批."""
    if sqlite_synchronous.upper() not in ("FULL", "NORMAL"):
        err_console.print("[red]✗ bench.sqlite_synchronous[/red] [--sqlite-synchronous] 须为 FULL 或 NORMAL / "
                          "must be FULL or NORMAL")
        raise typer.Exit(2)
    run_register_benchmark(console, clients=clients, count=count, db_url=db, workers=workers,
                           sqlite_synchronous=sqlite_synchronous.upper())


import_app = typer.Typer(help="Import registers", no_args_is_help=True)
app.add_typer(import_app, name="import")
FEATURE_COMMANDS = ("yima.licences.cli", "yima.seals.cli", "yima.stats.cli", "yima.audit.cli", "yima.federation.cli",
                    "yima.observers.cli", "yima.projects.cli")


def _register_features() -> None:
    """Each feature module adds its commands through ``register(app, import_app, bench_app)``."""
    for module in FEATURE_COMMANDS:
        try:
            importlib.import_module(module).register(app, import_app, bench_app)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise


_register_features()

if __name__ == "__main__":
    app()
