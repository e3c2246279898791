"""Commands: ``yima zones add|list|ban-address``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yima.cli_support import CommandGroups, DbOption, console, domain_errors, open_db
from yima.clock import utcnow
from yima.zones.service import add_zone, ban_address, list_zones


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


def zones_list(db: DbOption = None) -> None:
    table = Table("id", "name", "division", "residents", "code block")
    for zone in list_zones(open_db(db)):
        table.add_row(zone.id, zone.name, zone.division_code, f"{zone.residents:,}", f"{zone.org_block_start:08d}")
    console.print(table)


def zones_ban_address(zone_id: Annotated[str, typer.Argument(metavar="ID")],
                      pattern: Annotated[str, typer.Argument(help="Text that marks a banned address")],
                      reason: Annotated[str, typer.Option()] = "", db: DbOption = None) -> None:
    """Add an entry to the zone's address negative list (住所负面清单)."""
    ban_address(open_db(db), zone_id, pattern, reason, utcnow())
    console.print(f"[green]✓[/green] {zone_id}: addresses containing “{pattern}” need proof of use")


#: ``yima zones``; registration adds ``check-names`` to it.
zones_app = typer.Typer(help="Zones (开发区)", no_args_is_help=True)


def add_commands(groups: CommandGroups) -> None:
    zones_app.command("add")(domain_errors(zones_add))
    zones_app.command("list")(zones_list)
    zones_app.command("ban-address")(domain_errors(zones_ban_address))
    groups.app.add_typer(zones_app, name="zones")
