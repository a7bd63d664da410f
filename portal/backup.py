"""``flask --app portal backup DEST``: a consistent copy of the database, uploaded files included
(they are stored in it). SQLite uses its online backup API, so the site can keep serving; for
PostgreSQL use ``pg_dump`` (see README)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url


def backup_sqlite(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)  # page by page, consistent even while others write
        finally:
            dst.close()
    finally:
        src.close()


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Copy the database (with every uploaded original file) to DESTINATION."""
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "For PostgreSQL use pg_dump: pg_dump -Fc DATABASE > portal.dump "
            "(restore with pg_restore -d DATABASE portal.dump); see README, Backups."
        )
    if destination.exists():
        raise click.ClickException(f"{destination} exists already; choose a new file name.")
    backup_sqlite(Path(url.database), destination)
    click.echo(f"Backed up {url.database} to {destination}.")
