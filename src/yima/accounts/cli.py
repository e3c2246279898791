"""Commands: ``yima users add|password|sign-out|disable|enable|unlock``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from yima.accounts import service as accounts
from yima.actors import ROLES, Actor
from yima.cli_support import CommandGroups, DbOption, console, domain_errors, open_db
from yima.clock import utcnow


def users_add(name: Annotated[str, typer.Argument(metavar="NAME")],
              role: Annotated[str, typer.Option(help=" | ".join(ROLES))],
              zone: Annotated[str | None, typer.Option(help="Zone the account is bound to (every role but "
                                                            "applicant and admin)")] = None,
              password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password "
                                                           "from standard input")] = False,
              display_name: Annotated[str, typer.Option("--display-name")] = "",
              db: DbOption = None) -> None:
    actor = accounts.add_user(open_db(db), name, role, _read_password(password_stdin), utcnow(), zone_id=zone,
                              display_name=display_name)
    bound = f", {actor.zone_id}" if actor.zone_id else ""
    console.print(f"[green]✓[/green] user {actor.username} ({actor.role}{bound})")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def users_password(name: Annotated[str, typer.Argument(metavar="NAME")],
                   password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password "
                                                                "from standard input")] = False,
                   db: DbOption = None) -> None:
    """Set a new password; the user's earlier sign-ins stop working."""
    actor = accounts.set_password(open_db(db), name, _read_password(password_stdin), utcnow())
    console.print(f"[green]✓[/green] {actor.username}: new password; signed out everywhere")


ACCOUNT_CHANGES = (  # verb, service function, what it did, help
    ("sign-out", accounts.sign_out_everywhere, "signed out everywhere",
     "Sign the user out everywhere: every token issued so far stops working."),
    ("disable", accounts.disable_user, "disabled",
     "Disable an account (a user who left): no sign-in, tokens refused; their records stay."),
    ("enable", accounts.enable_user, "enabled", "Enable a disabled account again."),
    ("unlock", accounts.unlock_user, "sign-in waits lifted", "Lift the waits that failed sign-ins put on an account."),
)


def _account_command(function: Callable[..., Actor], done: str, help_text: str) -> Callable[..., None]:
    def command(name: Annotated[str, typer.Argument(metavar="NAME")], db: DbOption = None) -> None:
        actor = function(open_db(db), name, utcnow())
        console.print(f"[green]✓[/green] {actor.username}: {done}")

    command.__doc__ = help_text
    return command


def add_commands(groups: CommandGroups) -> None:
    users_app = typer.Typer(help="Users and roles", no_args_is_help=True)
    users_app.command("add")(domain_errors(users_add))
    users_app.command("password")(domain_errors(users_password))
    for verb, function, done, help_text in ACCOUNT_CHANGES:
        users_app.command(verb)(domain_errors(_account_command(function, done, help_text)))
    groups.app.add_typer(users_app, name="users")
