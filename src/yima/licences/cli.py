"""``yima verify`` and ``yima keys``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import httpx
import typer
from rich.table import Table

from yima.cli_support import (
    CommandGroups,
    DbOption,
    StandardSource,
    console,
    domain_errors,
    err_console,
    given_standard,
    open_db,
    read_text_source,
)
from yima.clock import utcnow
from yima.errors import DomainError
from yima.keys.model import SigningAlgorithm
from yima.keys.trustlist import TrustList
from yima.licences.qr import decode_qr_image
from yima.licences.service import rotate_key
from yima.licences.standing import STATUS_NAMES, offline_summary
from yima.licences.verify import SignatureCheck, verify_licence
from yima.outbound import tls
from yima.zones.service import published_trust_list

VERIFY_HELP = (
    "Verify a licence QR offline with the zone's published trust list.\n\n"
    "Offline, the signature and the status the licence was signed with are checked; whether it was revoked "
    "since is the issuing zone's answer: --online asks it (POST /api/v1/verify at the QR's address, or "
    "--zone-url).\n\n"
    "Exit codes: 0 genuine (with --online: and in force now); 1 not genuine (malformed, unknown key, bad "
    "signature, tampered, expired, unreadable image); 2 the trust list cannot be read; 3 genuine but NOT in "
    "force (revoked 吊销, cancelled 注销 or suspended: as signed, or as the zone answers online); 4 the zone "
    "could not be asked (--online only).")

EXIT_NOT_GENUINE, EXIT_TRUST_LIST, EXIT_NOT_IN_FORCE, EXIT_ZONE_UNREACHABLE = 1, 2, 3, 4


def online_base(qr_text: str, trust_list_source: str, zone_url: str | None) -> str | None:
    """Where to ask the issuing zone: ``--zone-url``, else the QR's own address (the URL form), else
    the host the trust list came from."""
    for candidate in (zone_url, qr_text.strip(), trust_list_source):
        if candidate and candidate.lower().startswith(("http://", "https://")):
            parts = urlsplit(candidate.strip())
            return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    return None


def ask_zone(base: str, qr_text: str) -> dict[str, object]:
    response = httpx.post(f"{base}/api/v1/verify", json={"qr": qr_text}, timeout=10, verify=tls())
    if response.status_code not in (200, 422):
        response.raise_for_status()
    answer = response.json()
    if not isinstance(answer, dict) or "valid" not in answer:
        raise ValueError("the zone's answer is not a verification result")
    return answer


def verify(qr: Annotated[str, typer.Argument(metavar="QR_TEXT_OR_IMAGE", help="QR text, or a PNG/JPEG photo")],
           trust_list: Annotated[str, typer.Option("--trust-list", help="Trust-list JSON file or URL")],
           online: Annotated[bool, typer.Option("--online", help="Also ask the issuing zone whether the "
                                                "licence is in force now (exit 3 when not)")] = False,
           zone_url: Annotated[str | None, typer.Option("--zone-url", help="The zone's address for --online, "
                                                        "if not the QR's own")] = None) -> None:

    try:
        trust = TrustList.from_json(read_text_source(trust_list))
    except (OSError, httpx.HTTPError) as err:
        err_console.print(f"[red]✗ cannot read the trust list / 无法读取信任列表[/red]: {err}")
        raise typer.Exit(EXIT_TRUST_LIST) from err
    except DomainError as err:
        err_console.print(f"[red]✗ {err.finding.zh} / {err.finding.en}[/red]")
        raise typer.Exit(EXIT_TRUST_LIST) from err
    text = qr
    path = Path(qr)
    if len(qr) < 4096 and path.suffix.lower() in (".png", ".jpg", ".jpeg") and path.exists():
        try:
            text = decode_qr_image(path.read_bytes())
        except DomainError as err:
            err_console.print(f"[red]✗ {err.finding.zh} / {err.finding.en}[/red]")
            raise typer.Exit(EXIT_NOT_GENUINE) from err
    result = verify_licence(text, trust, utcnow())
    if not result.valid:
        err_console.print(f"[red]✗ {result.reason.value}: {result.message_zh} / {result.message_en}[/red]")
        raise typer.Exit(EXIT_NOT_GENUINE)
    payload = result.payload
    assert payload is not None
    base = online_base(text, trust_list, zone_url)
    page = text.strip() if text.strip().lower().startswith(("http://", "https://")) else (
        f"{base}/api/v1/verify" if base else None)
    summary_zh, summary_en = offline_summary(payload.status, page)
    mark = "[green]✓[/green]" if payload.status.in_force else "[red]✗[/red]"
    console.print(f"{mark} {summary_en}", soft_wrap=True, markup=True, highlight=False)
    console.print(f"  {summary_zh}", soft_wrap=True, highlight=False)
    table = Table(show_header=False)
    status_zh, status_en = STATUS_NAMES[payload.status]
    for label, value in (("统一社会信用代码 USCC", payload.uscc), ("名称 Name", payload.name),
                         ("法定代表人 Legal rep.", payload.legal_representative),
                         ("注册资本 Capital", f"{payload.registered_capital} 元"), ("住所 Domicile", payload.domicile),
                         ("签发 Issued", f"{payload.zone} v{payload.version} {payload.issued_at:%Y-%m-%d}"),
                         ("签发时状态 Status as of issue", f"{status_zh} {status_en}"),
                         ("密钥 kid", result.kid or "")):
        table.add_row(label, str(value))
    for permit in payload.permits:
        table.add_row(f"许可 {permit.type}", f"{permit.number} · {permit.status.value} · {permit.valid_to or '长期'}")
    console.print(table)
    for check in result.signatures:
        console.print(f"  签名 signature: {signature_line(check)}", soft_wrap=True, highlight=False, markup=False)
    if not online:
        if not payload.status.in_force:
            err_console.print(f"[red]✗ not in force as signed: {status_en} / 签发时即{status_zh}[/red]")
            raise typer.Exit(EXIT_NOT_IN_FORCE)
        return
    if base is None:
        err_console.print("[red]✗ --online needs the zone's address: the QR is not the URL form; give --zone-url[/red]")
        raise typer.Exit(EXIT_ZONE_UNREACHABLE)
    try:
        answer = ask_zone(base, text)
    except (httpx.HTTPError, ValueError) as err:
        err_console.print(f"[red]✗ the zone at {base} could not be asked / 无法在线查询签发区[/red]: {err}")
        raise typer.Exit(EXIT_ZONE_UNREACHABLE) from err
    message = str(answer.get("message", ""))
    if not answer.get("valid"):
        err_console.print(f"[red]✗ the zone at {base} does not confirm the licence: {message}[/red]")
        raise typer.Exit(EXIT_NOT_GENUINE)
    if not answer.get("in_force"):
        err_console.print(f"[red]✗ NOT in force, the zone at {base} answers: {message}[/red]")
        raise typer.Exit(EXIT_NOT_IN_FORCE)
    console.print(f"[green]✓[/green] in force, the zone at {base} answers: {message}")


verify.__doc__ = VERIFY_HELP


def signature_line(check: SignatureCheck) -> str:
    """Whether one signature was checked: "SM2 <kid> – 未验证 not checked (key not in the trust list)"."""
    return f"{check.alg} {check.kid} " + (
        "✓ 已验证 verified" if check.verified else
        "✗ 未通过 failed" if check.checked else "– 未验证 not checked (key not in the trust list)")


ROTATE_ALGORITHMS = {"ed25519": SigningAlgorithm.EDDSA, "es256": SigningAlgorithm.ES256,
                     "sm2": SigningAlgorithm.SM2}


def keys_rotate(zone: Annotated[str, typer.Argument(metavar="ZONE")],
                alg: Annotated[str | None, typer.Option(
                    "--alg", help="ed25519 or es256 (the international key), or sm2 (the national profile's "
                                  "SM2 key, signing beside the international one); default: the international "
                                  "key's own algorithm")] = None,
                db: DbOption = None) -> None:
    """Rotate the zone's signing key: the new key signs, the old one keeps verifying."""
    algorithm = None
    if alg is not None:
        algorithm = ROTATE_ALGORITHMS.get(alg.lower())
        if algorithm is None:
            raise DomainError("keys.unknown_algorithm", "alg", f"未知的签名算法：{alg}（可选 ed25519、es256、sm2）",
                              f"unknown signing algorithm {alg!r} (choose ed25519, es256 or sm2)")
    old, new = rotate_key(open_db(db), zone, utcnow(), algorithm)
    if old is None:
        console.print(f"[green]✓[/green] {zone}: SM2 key {new} now signs beside the international key")
    else:
        console.print(f"[green]✓[/green] {zone}: key {old} retired, {new} now signs")


def keys_trust_list(standard: StandardSource, zone: Annotated[str, typer.Argument(metavar="ZONE")],
                    db: DbOption = None) -> None:
    """Print the zone's trust list (JWK set, zone id, standard digest) for offline verifiers."""
    print(published_trust_list(open_db(db), standard(), zone).to_json())


def add_commands(groups: CommandGroups) -> None:
    groups.app.command("verify")(verify)
    keys_app = typer.Typer(help="The zone's signing keys (licences, audit checkpoints)", no_args_is_help=True)
    keys_app.command("rotate")(domain_errors(keys_rotate))
    keys_app.command("trust-list")(domain_errors(given_standard(keys_trust_list, groups.standard)))
    groups.app.add_typer(keys_app, name="keys")

