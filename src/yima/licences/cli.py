"""``yima verify``, ``yima keys`` and ``yima bench verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.table import Table

from yima.cli_support import DbOption, console, domain_errors, err_console, open_db, read_text_source
from yima.clock import utcnow
from yima.errors import DomainError
from yima.keys import service as keys
from yima.keys.trustlist import TrustList
from yima.licences.bench import run_verify_benchmark
from yima.licences.qr import decode_qr_image
from yima.licences.service import rotate_key
from yima.licences.verify import verify_licence
from yima.standard import load_standard


def verify(qr: Annotated[str, typer.Argument(metavar="QR_TEXT_OR_IMAGE", help="QR text, or a PNG/JPEG photo")],
           trust_list: Annotated[str, typer.Option("--trust-list", help="Trust-list JSON file or URL")]) -> None:
    """Verify a licence QR offline with the zone's published trust list; exit 0 only when valid."""
    try:
        trust = TrustList.from_json(read_text_source(trust_list))
    except (OSError, httpx.HTTPError) as err:
        err_console.print(f"[red]✗ cannot read the trust list / 无法读取信任列表[/red]: {err}")
        raise typer.Exit(2) from err
    except DomainError as err:
        err_console.print(f"[red]✗ {err.finding.zh} / {err.finding.en}[/red]")
        raise typer.Exit(2) from err
    text = qr
    path = Path(qr)
    if len(qr) < 4096 and path.suffix.lower() in (".png", ".jpg", ".jpeg") and path.exists():
        try:
            text = decode_qr_image(path.read_bytes())
        except DomainError as err:
            err_console.print(f"[red]✗ {err.finding.zh} / {err.finding.en}[/red]")
            raise typer.Exit(1) from err
    result = verify_licence(text, trust, utcnow())
    if not result.valid:
        err_console.print(f"[red]✗ {result.reason.value}: {result.message_zh} / {result.message_en}[/red]")
        raise typer.Exit(1)
    payload = result.payload
    assert payload is not None
    table = Table(title=f"✓ {result.message_zh} / {result.message_en}", show_header=False)
    for label, value in (("统一社会信用代码 USCC", payload.uscc), ("名称 Name", payload.name),
                         ("法定代表人 Legal rep.", payload.legal_representative),
                         ("注册资本 Capital", f"{payload.registered_capital} 元"), ("住所 Domicile", payload.domicile),
                         ("签发 Issued", f"{payload.zone} v{payload.version} {payload.issued_at:%Y-%m-%d}"),
                         ("密钥 kid", result.kid or "")):
        table.add_row(label, str(value))
    for permit in payload.permits:
        table.add_row(f"许可 {permit.type}", f"{permit.number} · {permit.status.value} · {permit.valid_to or '长期'}")
    console.print(table)


def keys_rotate(zone: Annotated[str, typer.Argument(metavar="ZONE")], db: DbOption = None) -> None:
    """Rotate the zone's signing key: the new key signs, the old one keeps verifying."""
    old, new = rotate_key(open_db(db), zone, utcnow())
    console.print(f"[green]✓[/green] {zone}: key {old} retired, {new} now signs")


def keys_trust_list(zone: Annotated[str, typer.Argument(metavar="ZONE")], db: DbOption = None) -> None:
    """Print the zone's trust list (JWK set, zone id, standard digest) for offline verifiers."""
    print(keys.trust_list(open_db(db), load_standard(), zone).to_json())


def bench_verify(n: Annotated[int, typer.Option(help="Verifications to time")] = 5000) -> None:
    """Offline verifications per second against raw signature checks of the same algorithm."""
    run_verify_benchmark(console, n)


def register(app: typer.Typer, import_app: typer.Typer, bench_app: typer.Typer) -> None:
    app.command("verify")(verify)
    keys_app = typer.Typer(help="The zone's signing keys (licences, audit checkpoints)", no_args_is_help=True)
    keys_app.command("rotate")(domain_errors(keys_rotate))
    keys_app.command("trust-list")(domain_errors(keys_trust_list))
    app.add_typer(keys_app, name="keys")
    bench_app.command("verify")(bench_verify)

