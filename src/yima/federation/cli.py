"""Commands: ``yima partners add|list|refresh`` and ``yima network init|add-zone|remove-zone|revoke-key|
anchor|join|status``; ``feature.install`` adds ``add_commands``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from yima.cli_support import CommandGroups, DbOption, console, domain_errors, open_db
from yima.clock import utcnow
from yima.federation import network, partners
from yima.federation.network_rules import NetworkConfig


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
        view = domain_errors(partners.add_partner)(open_db(db), groups.standard(), zone_id, url, trust_list, utcnow(),
                                                   as_zone)
        console.print(f"[green]✓[/green] partner {escape(view.zone)} at {escape(view.url)} for {view.local_zone} "
                      f"({view.keys} key(s), standard {view.standard_digest[:16]}…)")

    @partners_app.command("refresh")
    def partners_refresh(zone_id: Annotated[str, typer.Argument(metavar="ZONE_ID")], db: DbOption = None) -> None:
        """Read the partner's trust list again (new keys, a retired key, the standard digest)."""
        view = domain_errors(partners.refresh_partner)(open_db(db), groups.standard(), zone_id, utcnow())
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

    _network_commands(groups)


def _done(config: NetworkConfig) -> None:
    console.print(f"[green]✓[/green] network {escape(config.network)} version {config.version}: "
                  f"{len(config.zones)} zone(s), {len(config.revoked)} revoked key(s), valid until "
                  f"{config.expires:%Y-%m-%d %H:%M:%S}Z")


def _network_commands(groups: CommandGroups) -> None:
    app = typer.Typer(help="The network configuration (信任配置): host a network as its authority, or join one",
                      no_args_is_help=True)
    groups.app.add_typer(app, name="network")

    @app.command("init")
    def network_init(network_id: Annotated[str, typer.Argument(metavar="NETWORK_ID")],
                     name: Annotated[str, typer.Option(help="The network's name, e.g. 成渝地区双城经济圈")],
                     db: DbOption = None) -> None:
        """Host a network: a new authority key and the first signed configuration."""
        _done(domain_errors(network.init_network)(open_db(db), network_id, name, utcnow()))

    @app.command("add-zone")
    def network_add_zone(zone_id: Annotated[str, typer.Argument(metavar="ZONE_ID")],
                         url: Annotated[str, typer.Option(help="Base URL of the zone's instance")],
                         trust_list: Annotated[str, typer.Option("--trust-list", help="The zone's trust list: a "
                                                                 "file or a URL")],
                         name: Annotated[str | None, typer.Option(help="The zone's name (default: as this "
                                                                  "instance knows it, or its id)")] = None,
                         db: DbOption = None) -> None:
        """List a member zone (same matter standard, https URL) and sign the next version."""
        _done(domain_errors(network.add_zone)(open_db(db), groups.standard(), zone_id, url, trust_list, utcnow(), name))

    @app.command("remove-zone")
    def network_remove_zone(zone_id: Annotated[str, typer.Argument(metavar="ZONE_ID")], db: DbOption = None) -> None:
        """Remove a member zone: members drop it as a partner and refuse its messages."""
        _done(domain_errors(network.remove_zone)(open_db(db), zone_id, utcnow()))

    @app.command("revoke-key")
    def network_revoke_key(zone_id: Annotated[str, typer.Argument(metavar="ZONE_ID")],
                           kid: Annotated[str, typer.Argument(metavar="KID")], db: DbOption = None) -> None:
        """Withdraw a member's key (compromise): members refuse messages signed with it at once."""
        _done(domain_errors(network.revoke_key)(open_db(db), zone_id, kid, utcnow()))

    @app.command("anchor")
    def network_anchor(out: Annotated[Path, typer.Option("--out", help="Where to write the anchor (JSON)")],
                       db: DbOption = None) -> None:
        """Write the authority's public key, which members pin (yima network join --anchor)."""
        document = domain_errors(network.anchor)(open_db(db))
        out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
        console.print(f"[green]✓[/green] anchor of network {escape(document['network'])} written to {escape(str(out))}")

    @app.command("join")
    def network_join(url: Annotated[str, typer.Argument(metavar="URL", help="The authority's base URL, or the "
                                                        "configuration's URL")],
                     anchor: Annotated[str, typer.Option("--anchor", help="The authority's anchor file")],
                     db: DbOption = None) -> None:
        """Join a network: verify its configuration with the anchor and take the partners it lists."""
        _done(domain_errors(network.join)(open_db(db), groups.standard(), url, anchor, utcnow()))

    @app.command("status")
    def network_status(db: DbOption = None) -> None:
        """The network joined, the version held, when it expires, and why nothing is exchanged if so."""
        database = open_db(db)
        state = network.member_state(database)
        if state is None:
            console.print("本平台未加入网络 / this instance has joined no network")
            return
        console.print(f"network {escape(state.network)} version {state.version}, expires "
                      f"{state.expires_at:%Y-%m-%d %H:%M:%S}Z, read {state.fetched_at:%Y-%m-%d %H:%M:%S}Z")
        if state.last_error:
            console.print(f"[yellow]last reading: {escape(state.last_error)}[/yellow]")
        reason = network.closed_reason(database, utcnow())
        if reason:
            console.print(f"[red]{escape(reason)}[/red]")
            raise typer.Exit(1)
