"""``flask --app portal …`` commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import exists, select

from portal.datasets.models import Dataset, DatasetVersion, DataState
from portal.db import database, get_session
from portal.migrations import (
    create_revision,
    current_revisions,
    downgrade_database,
    head_revisions,
    upgrade_database,
)
from portal.proposals.curated import load_curated_proposals
from portal.spending.curated import CuratedDataError, load_curated_data

#: A dataset whose live version is sample data.
SAMPLE_PUBLISHED = (
    Dataset.published_version_id == DatasetVersion.id,
    DatasetVersion.sample.is_(True),
)


def setup_database(
    data_dir: Path, log: Callable[[str], None] = click.echo, *, sample: bool = True
) -> int:
    """Migrate to the newest schema and load the curated data not loaded yet — without the sample
    city and sample proposals if *sample* is false. Idempotent."""
    upgrade_database(database().engine)
    session = get_session()
    if session.get(DataState, 1) is None:
        session.add(DataState(id=1, version=0))
        session.flush()
    published = load_curated_data(session, data_dir, log=log, sample=sample)
    published += load_curated_proposals(session, data_dir, log=log, sample=sample)
    if not sample and session.scalar(select(exists().where(*SAMPLE_PUBLISHED))):
        log("Note: sample data loaded earlier is still published; replace it with real data.")
    session.commit()
    return published


@click.command("setup")
@click.option(
    "--sample/--no-sample",
    default=None,
    help="Load the sample city and sample proposals (default: the PORTAL_SAMPLE_DATA setting, on). "
    "--no-sample starts a real deployment with no sample data at all.",
)
@with_appcontext
def setup_command(sample: bool | None) -> None:
    """Create or migrate the database and load the curated data in data/ (safe to run again)."""
    if sample is None:
        sample = bool(current_app.config["SAMPLE_DATA"])
    try:
        published = setup_database(Path(current_app.config["DATA_DIR"]), sample=sample)
    except CuratedDataError as error:
        raise click.ClickException(str(error)) from error
    if published:
        click.echo(f"Loaded {published} dataset version(s) from data/.")
    else:
        click.echo("Database is up to date; curated data already loaded.")


@click.group("db")
def db_cli() -> None:
    """Schema migrations (Alembic, portal/migrations/) of the configured database."""


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade_command(revision: str) -> None:
    """Migrate to REVISION (default: the newest). `flask setup` does this and loads the data."""
    upgrade_database(database().engine, revision)
    click.echo(f"Database at {_revisions_text(current_revisions(database().engine))}.")


@db_cli.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@with_appcontext
def db_downgrade_command(revision: str) -> None:
    """Migrate back to REVISION (e.g. 0007, -1, or base for an empty schema), to roll back a
    deployment. Data held only by the newer schema is lost."""
    downgrade_database(database().engine, revision)
    click.echo(f"Database at {_revisions_text(current_revisions(database().engine))}.")


@db_cli.command("current")
@with_appcontext
def db_current_command() -> None:
    """Show the revision the database is at, and whether that is the newest."""
    current = current_revisions(database().engine)
    newest = "" if set(current) == set(head_revisions()) else " (not the newest: flask db upgrade)"
    click.echo(f"{_revisions_text(current)}{newest}")


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes (its file name).")
@click.option(
    "--autogenerate/--empty",
    default=True,
    help="Write the operations that bring the database (at the newest revision) to the models.",
)
@with_appcontext
def db_revision_command(message: str, autogenerate: bool) -> None:
    """Write a new migration in portal/migrations/versions/; read and edit it before committing."""
    path = create_revision(database().engine, message, autogenerate=autogenerate)
    click.echo(f"Wrote {path}")


def _revisions_text(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) if revisions else "no revision (empty schema)"


def register_commands(app: Flask) -> None:
    from portal.backup import backup_command

    app.cli.add_command(setup_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(db_cli)
