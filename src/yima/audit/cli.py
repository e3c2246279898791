"""Commands: ``yima audit checkpoint``, ``yima audit verify`` and ``yima audit show``.

``feature.install`` adds ``add_commands``. ``audit verify --zone`` of a zone whose chain is kept
elsewhere asks a ``Witness`` (cross-region partners add theirs to ``WITNESSES``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.markup import escape
from rich.table import Table

from yima.actors import Actor
from yima.audit import service
from yima.cli_support import (
    CommandGroups,
    DbOption,
    StandardSource,
    console,
    domain_errors,
    err_console,
    open_db,
    read_text_source,
)
from yima.clock import utcnow
from yima.db import Database
from yima.errors import DomainError
from yima.keys import service as keys
from yima.keys.trustlist import TrustList
from yima.registry import Slot


class WitnessCheck(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...


class Witness(Protocol):
    """Another zone's chain, which this zone witnesses (cross-region partners, in ``federation``)."""

    def is_partner(self, db: Database, zone_id: str) -> bool: ...

    def verify_partner(self, db: Database, zone_id: str) -> WitnessCheck: ...


WITNESSES: Slot[Witness] = Slot("witnesses of other zones' audit chains")


def add_commands(groups: CommandGroups) -> None:
    audit_app = typer.Typer(help="The hash-chained audit log", no_args_is_help=True)
    groups.app.add_typer(audit_app, name="audit")

    @audit_app.command("checkpoint")
    def audit_checkpoint(zone: Annotated[str, typer.Option(help="The zone whose chain head to sign")],
                         out: Annotated[Path | None, typer.Option(help="Write to FILE instead of printing")] = None,
                         db: DbOption = None) -> None:
        """Sign the zone's chain head with the zone's key; keep the JSON somewhere else (a partner
        zone, an archive) to show later that the chain was not rewritten."""
        checkpoint = domain_errors(service.signed_checkpoint)(open_db(db), zone, utcnow())
        text = json.dumps(checkpoint.as_json(), ensure_ascii=False, indent=2)
        if out is None:
            print(text)
        else:
            out.write_text(text + "\n", "utf-8")
            console.print(f"[green]✓[/green] {escape(zone)}: checkpoint of entry {checkpoint.seq} → {out}")

    @audit_app.command("verify")
    def audit_verify(zone: Annotated[str | None, typer.Option(help="One chain: a zone id, or 'platform'")] = None,
                     checkpoint: Annotated[Path | None, typer.Option(help="A checkpoint kept earlier (JSON)",
                                                                     exists=True, dir_okay=False)] = None,
                     trust_list: Annotated[str | None, typer.Option("--trust-list", help="With --checkpoint: the "
                                                                    "zone's published trust list, file or URL "
                                                                    "(default: this database's)")] = None,
                     db: DbOption = None) -> None:
        """Recompute every chain (or one); exit 0 only when none is broken (and, with
        --checkpoint, the chain still passes through the checkpoint's head)."""
        database = open_db(db)
        if checkpoint is not None:
            _check_checkpoint(database, checkpoint, trust_list, groups.standard)
            return
        chains = service.chains(database)
        witness = next((w for w in groups.registry.items(WITNESSES) if zone and w.is_partner(database, zone)), None)
        if zone and zone not in chains and witness is not None:
            _verify_partner(witness, database, zone)
            return
        names = [zone] if zone else chains
        broken = 0
        for name in names:
            check = service.verify_chain(database, name)
            if check.ok:
                console.print(f"[green]✓[/green] {escape(name)}: {check.entries:,} entries, head {check.head[:16]}…")
            else:
                broken += 1
                err_console.print(f"[red]✗ {escape(name)}[/red]: 断裂于第 {check.broken_at} 条："
                                  f"{escape(check.reason_zh)} / broken at entry {check.broken_at}: "
                                  f"{escape(check.reason)}", soft_wrap=True)
        if broken:
            raise typer.Exit(1)

    @audit_app.command("show")
    def audit_show(zone: Annotated[str, typer.Option(help="A zone id, or 'platform'")],
                   subject: Annotated[str | None, typer.Option(help="e.g. application:42, "
                                                               "enterprise:91500107…")] = None,
                   limit: Annotated[int, typer.Option(help="Newest entries to show")] = 50,
                   as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
                   db: DbOption = None) -> None:
        """The newest entries of a chain, newest first."""
        operator = Actor(id=0, username="operator", role="admin", zone_id=None)
        rows = service.recent_entries(open_db(db), operator, zone, limit=limit, subject=subject)
        if as_json:
            for row in rows:
                console.print_json(json.dumps(row.as_json(), ensure_ascii=False))
            return
        table = Table(title=f"audit: {zone}")
        for header in ("#", "at (UTC)", "actor", "action", "subject", "detail"):
            table.add_column(header, overflow="fold")
        for row in rows:
            actor = row.actor_role + (f" {row.actor_id}" if row.actor_id is not None else "")
            detail = json.dumps(dict(row.detail), ensure_ascii=False)
            table.add_row(str(row.seq), row.at[:19], actor, row.action, row.subject,
                          escape(detail if len(detail) <= 100 else detail[:99] + "…"))
        console.print(table)


def _verify_partner(witness: Witness, database: Database, zone: str) -> None:
    """A partner zone's published chain against the checkpoints this zone witnessed."""
    check = witness.verify_partner(database, zone)
    if not check.ok:
        err_console.print(f"[red]✗ {escape(zone)}[/red]: {escape(check.zh)} / {escape(check.en)}", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {escape(zone)}: {escape(check.zh)} / {escape(check.en)}", soft_wrap=True)


def _check_checkpoint(database: Database, checkpoint: Path, trust_list: str | None,
                      standard: StandardSource) -> None:
    try:
        document = json.loads(checkpoint.read_text("utf-8"))
        zone = str(document.get("chain", "")) if isinstance(document, dict) else ""
        trust = (TrustList.from_json(read_text_source(trust_list)) if trust_list
                 else keys.trust_list(database, standard(), zone))
    except (OSError, ValueError, DomainError) as err:
        err_console.print(f"[red]✗ 无法读取检查点或信任列表 / cannot read the checkpoint or the trust list[/red]: "
                          f"{escape(str(err))}", soft_wrap=True)
        raise typer.Exit(2) from err
    ok, zh, en = service.check_checkpoint(database, document, trust)
    if not ok:
        err_console.print(f"[red]✗ {escape(zone)}[/red]: {escape(zh)} / {escape(en)}", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {escape(zone)}: {escape(zh)} / {escape(en)}", soft_wrap=True)
