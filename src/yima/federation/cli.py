"""Commands: ``yima partners add|list|refresh``; ``feature.install`` adds ``add_commands``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from yima.cli_support import CommandGroups, DbOption, console, domain_errors, open_db
from yima.clock import utcnow
from yima.federation import partners
from yima.standard import configured_standard
from yima.standard.model import MatterStandard


def _standard() -> MatterStandard:
    return configured_standard()


def add_commands(groups: CommandGroups) -> None:
    partners_app = typer.Typer(help="Partner zones for cross-region registration (跨省异地办照)", no_args_is_help=True)
    groups.app.add_typer(partners_app, name="partners")

    @partners_app.command("add")
    def partners_add(zone_id: Annotated[str, typer.Argument(metavar="ZONE_ID")],
                     url: Annotated[str, typer.Option(help="Base URL of the partner's instance")],
                     trust_list: Annotated[str, typer.Option("--trust-list", help="The partner's published trust "
                                                             "list: a file or a URL")],
                     as_zone: Annotated[str | None, typer.Option("--as", help="The local zone that works with "
                                                                 "the partner (default: the only one)")] = None,
                     db: DbOption = None) -> None:
        """Record a partner zone: its instance's URL and its trust list (keys and standard digest)."""
        view = domain_errors(partners.add_partner)(open_db(db), _standard(), zone_id, url, trust_list, utcnow(),
                                                   as_zone)
        console.print(f"[green]✓[/green] partner {escape(view.zone)} at {escape(view.url)} for {view.local_zone} "
                      f"({view.keys} key(s), standard {view.standard_digest[:16]}…)")

    @partners_app.command("refresh")
    def partners_refresh(zone_id: Annotated[str, typer.Argument(metavar="ZONE_ID")], db: DbOption = None) -> None:
        """Read the partner's trust list again (new keys, a retired key, the standard digest)."""
        view = domain_errors(partners.refresh_partner)(open_db(db), _standard(), zone_id, utcnow())
        console.print(f"[green]✓[/green] partner {escape(view.zone)}: {view.keys} key(s), standard "
                      f"{view.standard_digest[:16]}…")

    @partners_app.command("list")
    def partners_list(db: DbOption = None) -> None:
        """Each partner, its standard digest, the last delivery, what waits in the outbox and the
        dead letters (messages refused for good or expired)."""
        table = Table("partner", "for", "url", "standard digest", "keys", "last delivery", "waiting", "dead")
        for p in partners.list_partners(open_db(db)):
            table.add_row(p.zone, p.local_zone, p.url, p.standard_digest, str(p.keys),
                          (p.last_delivery or "—")[:19], str(p.waiting), str(p.dead))
        console.print(table)
