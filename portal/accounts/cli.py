"""``flask --app portal user …``: accounts from the command line. Passwords are read from a prompt
or standard input, never from the command line."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from portal.accounts.services import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    create_user,
    find_user,
    set_password,
)
from portal.db import get_session
from portal.roles import Actor, Role

#: Maps a deputy's name or id to the submitter id an account speaks for, or None.
DeputyResolver = Callable[[Session, str], int | None]
RESOLVERS = "portal.deputy_resolvers"


def register_deputy_resolver(app: Flask, resolver: DeputyResolver) -> None:
    """Say how `user create --deputy NAME_OR_ID` finds a deputy (the proposals domain does, in its
    ``init_app``); the first resolver that returns an id wins."""
    resolvers: list[DeputyResolver] = app.extensions.setdefault(RESOLVERS, [])
    if resolver not in resolvers:
        resolvers.append(resolver)


def resolve_deputy(session: Session, name_or_id: str) -> int | None:
    resolvers: list[DeputyResolver] = current_app.extensions.get(RESOLVERS, [])
    return next((found for r in resolvers if (found := r(session, name_or_id)) is not None), None)


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
        if role != Role.DEPUTY:
            raise click.UsageError("--deputy only applies to --role deputy")
        submitter_id = resolve_deputy(session, deputy)
        if submitter_id is None:
            raise click.ClickException(f"no deputy or CPPCC member matches {deputy!r}")
    elif role == Role.DEPUTY:
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
            actor=Actor.system("cli"),
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")


@user_cli.command("set-password")
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password for an account (e.g. the demo accounts of `make run` again); its
    sessions end and the change is audited."""
    session = get_session()
    user = find_user(session, email)
    if user is None:
        raise click.ClickException(f"no account with the e-mail address {email!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(session, user, password, actor=Actor.system("cli"))
    except AccountError as error:
        raise click.ClickException(
            f"the password is too short: at least {MIN_PASSWORD_LENGTH} characters"
            if str(error) == "new-password-too-short"
            else str(error)
        ) from error
    session.commit()
    click.echo(f"New password set for {user.email}; their sessions have ended.")


@user_cli.command("demo")
@with_appcontext
def demo_command() -> None:
    """For a local demo (`make run`): create an administrator, an editor and a deputy with random
    passwords printed once — only when debug is on and no account exists yet."""
    from flask import current_app
    from sqlalchemy import func, select

    from portal.accounts.models import User

    if not current_app.config.get("PORTAL_DEBUG"):
        raise click.ClickException("demo accounts are only created in debug mode (PORTAL_DEBUG=1)")
    session = get_session()
    if session.scalar(select(func.count()).select_from(User)):
        click.echo("Accounts exist already; no demo accounts created.")
        return
    people: list[tuple[str, Role, str, int | None]] = [
        ("admin@demo.invalid", Role.ADMIN, "演示管理员 Demo admin", None),
        ("editor@demo.invalid", Role.EDITOR, "演示编辑 Demo editor", None),
    ]
    deputy_id = resolve_deputy(session, "1")
    if deputy_id is not None:
        people.append(("deputy@demo.invalid", Role.DEPUTY, "演示代表 Demo deputy", deputy_id))
    click.echo("Demo accounts (shown once; sign in at /zh/login):")
    for email, role, name, submitter_id in people:
        password = secrets.token_urlsafe(12)
        create_user(
            session,
            email=email,
            role=role,
            name=name,
            password=password,
            submitter_id=submitter_id,
            actor=Actor.system("cli:demo"),
        )
        click.echo(f"  {role.value:7} {email:24} {password}")
    session.commit()
