"""Alembic migrations, run through :func:`upgrade_database` (``flask --app portal setup``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

HERE = Path(__file__).parent


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(bind: Engine | Connection, revision: str = "heads") -> None:
    """Migrate the database behind *bind* to *revision* (every branch's newest by default)."""
    config = alembic_config()
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    else:
        config.attributes["connection"] = bind
        command.upgrade(config, revision)
