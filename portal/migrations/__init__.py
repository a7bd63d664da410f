"""Alembic migrations, run through :func:`upgrade_database` (``flask --app portal setup``)."""

from __future__ import annotations

from collections.abc import Callable
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
    if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        _migrate_sqlite(bind, config, lambda: command.upgrade(config, revision))
    elif isinstance(bind, Engine):
        with bind.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    else:
        config.attributes["connection"] = bind
        command.upgrade(config, revision)


def downgrade_database(engine: Engine, revision: str) -> None:
    """Migrate the database back to *revision* (for rolling a deployment back)."""
    config = alembic_config()
    if engine.dialect.name == "sqlite":
        _migrate_sqlite(engine, config, lambda: command.downgrade(config, revision))
        return
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _migrate_sqlite(engine: Engine, config: Config, migrate: Callable[[], None]) -> None:
    """SQLite changes a constraint by rebuilding the table, which its foreign-key checks refuse
    while other tables refer to it: they are switched off for the migration (they cannot be,
    inside a transaction), and every reference is checked before they are switched on again."""
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                migrate()
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke references: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
