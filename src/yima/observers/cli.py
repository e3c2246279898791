"""Commands: ``yima observers add|list|department|bind|calendar``.

``feature.install`` adds ``add_commands``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from yima.cli_support import CommandGroups, DbOption, console, domain_errors, open_db
from yima.clock import local_date, utcnow
from yima.errors import DomainError
from yima.observers import rules, service, views
from yima.observers.calendar import load_calendar, official_calendar


def parse_day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise DomainError(f"{field}.date", field, f"日期格式应为 YYYY-MM-DD：{value}",
                          f"A date is written YYYY-MM-DD: {value}") from err


def add_commands(groups: CommandGroups) -> None:
    observers_app = typer.Typer(help="Business-environment observers (营商环境观察员) and their departments",
                                no_args_is_help=True)
    groups.app.add_typer(observers_app, name="observers")

    @observers_app.command("add")
    def observers_add(name: Annotated[str, typer.Argument(metavar="NAME")],
                      zone: Annotated[str, typer.Option(help="The zone that appoints")],
                      sector: Annotated[str, typer.Option(help="enterprise | industry_association | lawyer | "
                                                          "accountant | media | deputy | other")],
                      term_from: Annotated[str, typer.Option("--term-from", help="First day of the term")],
                      term_to: Annotated[str, typer.Option("--term-to", help="Last day of the term")],
                      organisation: Annotated[str, typer.Option(help="Organisation the observer comes from")] = "",
                      user: Annotated[str | None, typer.Option(help="An existing account of role observer; "
                                                               "else one is made")] = None,
                      db: DbOption = None) -> None:
        """Appoint an observer for a term. Without --user an account is made; it can sign in once
        ``yima users password`` sets a password."""
        def run() -> None:
            database = open_db(db)
            observer_id = service.appoint_observer(database, None, zone, name, sector,
                                                   parse_day(term_from, "term_from"), parse_day(term_to, "term_to"),
                                                   utcnow(), organisation, user)
            found = next(o for o in views.observers(database, None, zone) if o.id == observer_id)
            console.print(f"[green]✓[/green] observer {observer_id} {escape(name)} ({sector}) in {zone}, "
                          f"{found.term_from} – {found.term_to}, account {escape(found.username)}")

        domain_errors(run)()

    @observers_app.command("list")
    def observers_list(zone: Annotated[str, typer.Option(help="The zone")],
                       on: Annotated[str | None, typer.Option(help="Who serves on this day (default: today)")] = None,
                       all_terms: Annotated[bool, typer.Option("--all", help="Every appointment, "
                                                               "serving or not")] = False,
                       db: DbOption = None) -> None:
        """Who serves as an observer on a day."""
        def run() -> None:
            day = parse_day(on, "on") if on else local_date(utcnow())
            found = views.observers(open_db(db), None, zone, None if all_terms else day)
            shown = "(all terms)" if all_terms else f"serving on {day}"
            table = Table("#", "姓名 / name", "界别 / sector", "单位 / organisation", "任期 / term", "账号 / account",
                          title=f"{zone}: {len(found)} observer(s) {shown}")
            for o in found:
                zh, en = rules.SECTORS[o.sector]
                table.add_row(str(o.id), escape(o.name), f"{zh} {en}", escape(o.organisation),
                              f"{o.term_from} – {o.term_to}", escape(o.username))
            console.print(table)

        domain_errors(run)()

    @observers_app.command("department")
    def observers_department(name: Annotated[str, typer.Argument(metavar="NAME")],
                             zone: Annotated[str, typer.Option(help="The zone that keeps the list")],
                             name_en: Annotated[str, typer.Option("--name-en")] = "", db: DbOption = None) -> None:
        """Add a department that handles suggestions (承办部门) to the zone's list."""
        department_id = domain_errors(service.add_department)(open_db(db), None, zone, name, utcnow(), name_en)
        console.print(f"[green]✓[/green] department {department_id} {escape(name)} in {zone}")

    @observers_app.command("bind")
    def observers_bind(username: Annotated[str, typer.Argument(metavar="USERNAME")],
                       department: Annotated[int, typer.Option(help="The department's id")],
                       db: DbOption = None) -> None:
        """Bind a user of role department to the department they act for."""
        domain_errors(service.bind_department_user)(open_db(db), None, username, department, utcnow())
        console.print(f"[green]✓[/green] {escape(username)} acts for department {department}")

    @observers_app.command("calendar")
    def observers_calendar(file: Annotated[Path | None, typer.Argument(
            metavar="[FILE]", help="A supplement to check (default: YIMA_CALENDAR_FILE, if set)")] = None) -> None:
        """The official calendar deadlines are counted on: the years it covers and, for a supplement,
        each year's notice, holidays and exchanged working days. Exit 1 when the file is refused."""
        def run() -> None:
            calendar = load_calendar(file) if file else official_calendar()
            first, last = calendar.covered_years()
            console.print(f"{escape(calendar.version())}: {first}–{last}")
            for year, arrangement in sorted(calendar.supplement.items()):
                console.print(f"  {year}: {escape(arrangement.notice)} — {len(arrangement.holidays)} holiday(s), "
                              f"{len(arrangement.workdays)} exchanged working day(s)")
            ahead = calendar.uncovered_year_ahead(local_date(utcnow()))
            if ahead is not None:
                console.print(f"[yellow]![/yellow] {ahead} is not covered yet: enter its arrangement in a "
                              "supplement once it is announced")

        domain_errors(run)()
