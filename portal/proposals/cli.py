"""``flask --app portal proposals …`` and the link between a deputy's account and a submitter."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.cli import register_deputy_resolver
from portal.datasets.services import bump_data_version
from portal.db import get_session
from portal.proposals.models import ProposalItem, Submitter
from portal.proposals.services import refresh_derived


def resolve_submitter(session: Session, name_or_id: str) -> int | None:
    """A submitter's id from its id, key (e.g. ``D01``) or exact name; None if none or ambiguous."""
    text = name_or_id.strip()
    if text.isdigit() and session.get(Submitter, int(text)) is not None:
        return int(text)
    by_key = session.scalar(select(Submitter.id).where(Submitter.key == text))
    if by_key is not None:
        return int(by_key)
    ids = list(
        session.scalars(
            select(Submitter.id).where(
                (Submitter.name == text) | (func.lower(Submitter.name_en) == text.lower())
            )
        )
    )
    return ids[0] if len(ids) == 1 else None


@click.group("proposals")
def proposals_cli() -> None:
    """Suggestions and proposals."""


@proposals_cli.command("rederive")
@with_appcontext
def rederive_command() -> None:
    """Recompute every item's status, deadlines and search text from its timeline (after the
    rules or the working-day calendar changed), and rebuild the search index."""
    session = get_session()
    count = 0
    for item in session.scalars(select(ProposalItem).order_by(ProposalItem.id)):
        refresh_derived(session, item, reindex=True)
        count += 1
    bump_data_version(session)
    session.commit()
    click.echo(f"Recomputed {count} item(s).")


def register(app: Flask) -> None:
    app.cli.add_command(proposals_cli)
    register_deputy_resolver(app, resolve_submitter)
