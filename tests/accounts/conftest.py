"""Fixtures for accounts tests that need real commits: an app on a database of its own (a SQLite
file, or a PostgreSQL schema), where the session store, the login limits and the request's own
transaction meet as they do in production — the suite's rolled-back transaction hides that."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from portal import create_app
from portal.cli import setup_database
from tests.helpers import DATA_DIR

COMMITTING_BACKENDS = ["sqlite"] + (
    ["postgresql"] if os.environ.get("PORTAL_TEST_DATABASE_URL") else []
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file with the curated data, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("accounts") / "template.sqlite3"
    _setup(f"sqlite:///{path}")  # the last connection to close checkpoints the WAL
    return path


@pytest.fixture(params=COMMITTING_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test; its URL."""
    if request.param == "sqlite":
        path = tmp_path / "accounts.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    base = os.environ["PORTAL_TEST_DATABASE_URL"]
    schema = f"test_accounts_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        _setup(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _setup(url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        setup_database(DATA_DIR, log=lambda _m: None)
    dispose(app)


def dispose(app: Flask) -> None:
    """Close the app's connections (its engine, and this thread's reader of the data version)."""
    db = app.extensions["portal.db"]
    reader = getattr(db._reader, "connection", None)
    if reader is not None:
        reader.close()
        db._reader.connection = None
    db.engine.dispose()


@pytest.fixture
def committing_app(database_url: str) -> Iterator[Flask]:
    """An app whose requests commit for real."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    yield app
    dispose(app)


@pytest.fixture
def backend_of():
    def backend(app: Flask) -> str:
        return "sqlite" if app.config["DATABASE_URL"].startswith("sqlite") else "postgresql"

    return backend
