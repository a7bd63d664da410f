"""``flask --app portal user …``: accounts from the command line. Passwords are read from a prompt
or standard input, never from the command line."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.accounts.services import AccountError, create_user
from portal.db import get_session

#: Functions mapping a deputy's name or id to the submitter id an account speaks for (registered
#: by the proposals domain); the first that returns an id wins.
DEPUTY_RESOLVERS: list[Callable[[Session, str], int | None]] = []


@click.group("user")
def user_cli() -> None:
    """Manage accounts."""


@user_cli.command("create")
@click.option("--email", required=True, help="The e-mail address used to sign in.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="", help="The name shown in the back office.")
@click.option("--deputy", "deputy", default=None, help="For deputies: the submitter's name or id.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_command(
    email: str, role: str, name: str, deputy: str | None, password_stdin: bool
) -> None:
    """Create an account."""
    session = get_session()
    submitter_id = None
    if deputy is not None:
        if role != Role.DEPUTY.value:
            raise click.UsageError("--deputy only applies to --role deputy")
        submitter_id = next(
            (r(session, deputy) for r in DEPUTY_RESOLVERS if r(session, deputy)), None
        )
        if submitter_id is None:
            raise click.ClickException(f"no deputy or CPPCC member matches {deputy!r}")
    elif role == Role.DEPUTY.value:
        raise click.UsageError("a deputy account needs --deputy NAME_OR_ID")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            session,
            email=email,
            role=role,
            name=name,
            password=password,
            submitter_id=submitter_id,
            actor="cli",
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")
