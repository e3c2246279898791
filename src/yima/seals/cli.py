"""``yima seal sign|check``.

The command line is an operator's tool on the server: ``seal sign`` acts as the platform, which holds
the seal keys, and needs no sign-in. ``--user`` restricts it to the seals of enterprises whose
authorised user that account is, as the web does.
"""

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yima.cli_support import CommandGroups, DbOption, console, domain_errors, err_console, open_db
from yima.clock import utcnow
from yima.config import get_settings
from yima.seals import documents, service


def add_commands(groups: CommandGroups) -> None:
    seal_app = typer.Typer(help="Electronic seals (电子印章)", no_args_is_help=True)
    groups.app.add_typer(seal_app, name="seal")

    @seal_app.command("sign")
    @domain_errors
    def seal_sign(source: Annotated[Path, typer.Argument(metavar="IN.pdf", exists=True, dir_okay=False)],
                  target: Annotated[Path, typer.Argument(metavar="OUT.pdf", dir_okay=False)],
                  seal: Annotated[str, typer.Option("--seal", help="Seal id (see the enterprise's seals page)")],
                  page: Annotated[int, typer.Option(help="Page number, 1-based")] = 1,
                  x: Annotated[float | None, typer.Option(help="Seal centre, mm from the page's left edge")] = None,
                  y: Annotated[float | None, typer.Option(help="Seal centre, mm from the page's top edge")] = None,
                  user: Annotated[str | None, typer.Option(help="Act for this user: only their enterprises' "
                                                           "seals")] = None,
                  db: DbOption = None) -> None:
        """Seal IN.pdf with a visible seal and a PAdES signature; write OUT.pdf. Acts as the platform."""
        database = open_db(db)
        actor = service.operator_actor(database, user) if user else None
        sealed = documents.seal_document(database, actor, source.name, source.read_bytes(),
                                         [documents.Stamp(seal, page, x, y)], utcnow(),
                                         max_bytes=get_settings().max_upload_bytes)
        target.write_bytes(sealed)
        console.print(f"[green]✓[/green] sealed {source} with seal {seal} → {target}")

    @seal_app.command("compact-images")
    @domain_errors
    def compact_images(limit: Annotated[int | None, typer.Option(help="At most this many seals this run")] = None,
                       db: DbOption = None) -> None:
        """Drop the pictures stored with seals made before revision 0019 where the seal redraws to the
        same bytes (it is then drawn on demand); keep the others. Resumable; run it when the zone is quiet.
        On SQLite, VACUUM afterwards gives the space back."""
        dropped, kept = service.compact_seal_images(open_db(db), limit=limit)
        console.print(f"[green]✓[/green] {dropped} stored seal picture(s) dropped (redrawn identically), "
                      f"{kept} kept (they would redraw differently)")

    @seal_app.command("check")
    @domain_errors
    def seal_check(file: Annotated[Path, typer.Argument(metavar="FILE.pdf", exists=True, dir_okay=False)],
                   db: DbOption = None) -> None:
        """Check the seals on a PDF; exit 0 only if every one is valid, intact, trusted and not revoked."""
        for noisy in ("pyhanko", "pyhanko_certvalidator"):  # it logs each failed check with a traceback;
            logging.getLogger(noisy).setLevel(logging.ERROR)  # the verdicts below say the same in words
        checks = documents.check_document(open_db(db), file.name, file.read_bytes(), utcnow(),
                                          max_bytes=get_settings().max_upload_bytes)
        if not checks:
            err_console.print(f"[red]✗[/red] {file}: no seal or signature / 文件没有签章", soft_wrap=True)
            raise typer.Exit(1)
        table = Table(title=str(file))
        for header in ("#", "seal", "enterprise", "seal id", "sealed at (UTC)", "intact", "trusted", "revoked"):
            table.add_column(header, overflow="fold")
        for number, check in enumerate(checks, 1):
            row = check.as_dict()
            table.add_row(str(number), row["seal_type_name"] or row["signer"],
                          f"{row['enterprise'] or ''} {row['uscc'] or ''}", row["seal_id"] or "-",
                          (row["signed_at"] or "")[:19].replace("T", " "), _yes(row["intact"]), _yes(row["trusted"]),
                          _yes(row["revoked"]))
        console.print(table)
        for number, check in enumerate(checks, 1):
            r = check.report
            mark = "[green]✓ valid[/green]" if r.ok else "[red]✗ not valid[/red]"
            console.print(f"{number}. {mark} {r.uscc or ''} serial {r.certificate_serial}: {r.message}",
                          soft_wrap=True)
        if not all(check.report.ok for check in checks):
            raise typer.Exit(1)


def _yes(value: bool) -> str:
    return "yes" if value else "no"
