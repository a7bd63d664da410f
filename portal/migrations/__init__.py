"""Alembic migrations, run through :func:`upgrade_database` (``flask --app portal setup``) and the
``flask --app portal db`` commands."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported by the functions that use it: every process of the portal loads this module
# (its commands), and only a migration needs Alembic (about 0.15 s to import).

HERE = Path(__file__).parent
PORTAL = HERE.parent


def import_all_models() -> MetaData:
    """Import every domain's ``models`` module (``portal/<domain>/models.py``), so that each has
    registered its tables, and return the metadata that holds them all. Found by walking the
    package rather than listed by hand: a new domain cannot be forgotten."""
    from portal.db import Base

    for module in pkgutil.iter_modules([str(PORTAL)]):
        if module.ispkg and (PORTAL / module.name / "models.py").is_file():
            importlib.import_module(f"portal.{module.name}.models")
    return Base.metadata


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(bind: Engine | Connection, revision: str = "heads") -> None:
    """Migrate the database behind *bind* to *revision* (every branch's newest by default)."""
    from alembic import command

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
    from alembic import command

    config = alembic_config()
    if engine.dialect.name == "sqlite":
        _migrate_sqlite(engine, config, lambda: command.downgrade(config, revision))
        return
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions the database behind *engine* is at (empty before the first migration)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def head_revisions() -> tuple[str, ...]:
    """The newest revision of every branch in ``versions/``."""
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def create_revision(engine: Engine, message: str, *, autogenerate: bool) -> Path:
    """Write ``versions/<next number>_<slug>.py`` and return its path; with *autogenerate*, its
    operations are what the models differ from the database behind *engine* (which must be at the
    newest revision)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config()
    numbers = [int(rev) for rev in ScriptDirectory.from_config(config).get_heads() if rev.isdigit()]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff:  # the new file is formatted like the rest (make lint checks it)
        config.set_section_option("post_write_hooks", "hooks", "ruff_format")
        config.set_section_option("post_write_hooks", "ruff_format.type", "exec")
        config.set_section_option("post_write_hooks", "ruff_format.executable", ruff)
        config.set_section_option(
            "post_write_hooks", "ruff_format.options", "format REVISION_SCRIPT_FILENAME"
        )
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        script = command.revision(config, message, autogenerate=autogenerate, rev_id=rev_id)
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


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
