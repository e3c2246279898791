"""Commands: ``yima audit verify`` and ``yima audit show``.

``yima.cli`` calls ``register(app, import_app, bench_app)``; its helpers are imported inside the
functions, as ``yima.cli`` imports this module while it is being loaded.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err_console = Console(stderr=True)
DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default: YIMA_DATABASE_URL or SQLite)")]


def register(app: typer.Typer, import_app: typer.Typer, bench_app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The hash-chained audit log", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify")
    def audit_verify(zone: Annotated[str | None, typer.Option(help="One chain: a zone id, or 'platform'")] = None,
                     db: DbOption = None) -> None:
        """Recompute every chain (or one); exit 0 only when none is broken."""
        from yima.audit import service
        from yima.cli import open_db

        database = open_db(db)
        names = [zone] if zone else service.chains(database)
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
        from yima.accounts.rules import Actor
        from yima.audit import service
        from yima.cli import open_db

        operator = Actor(id=0, username="operator", role="admin", zone_id=None)
        rows = service.recent_entries(open_db(db), operator, zone, limit=limit, subject=subject)
        if as_json:
            for row in rows:
                console.print_json(json.dumps(row, ensure_ascii=False))
            return
        table = Table(title=f"audit: {zone}")
        for header in ("#", "at (UTC)", "actor", "action", "subject", "detail"):
            table.add_column(header, overflow="fold")
        for row in rows:
            actor = row["actor_role"] + (f" {row['actor_id']}" if row["actor_id"] is not None else "")
            detail = json.dumps(row["detail"], ensure_ascii=False)
            table.add_row(str(row["seq"]), row["at"][:19], actor, row["action"], row["subject"],
                          escape(detail if len(detail) <= 100 else detail[:99] + "…"))
        console.print(table)
