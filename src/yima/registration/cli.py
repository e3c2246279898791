"""Commands: ``yima zones check-names``."""

from __future__ import annotations

from typing import Annotated

import typer

from yima.cli_support import CommandGroups, DbOption, StandardSource, console, domain_errors, given_standard, open_db
from yima.registration.namecheck import register_breaches
from yima.zones.cli import zones_app


def zones_check_names(standard: StandardSource, zone_id: Annotated[str, typer.Argument(metavar="ID")],
                      db: DbOption = None) -> None:
    """Flag the zone's active enterprises whose name or persons break the name and person rules
    (registered or imported before them); exit status 1 when any is flagged."""
    flagged = 0
    for uscc, finding in register_breaches(open_db(db), standard(), zone_id):
        flagged += 1
        console.print(f"{uscc}  {finding.rule}  {finding.field}  {finding.zh} / {finding.en}", markup=False)
    if flagged:
        console.print(f"{zone_id}: {flagged} finding(s) for the registration office to correct (变更登记)")
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {zone_id}: every active enterprise's name and persons meet the rules")


def add_commands(groups: CommandGroups) -> None:
    zones_app.command("check-names")(domain_errors(given_standard(zones_check_names, groups.standard)))
