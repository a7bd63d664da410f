"""Fixtures: one app per database backend for the whole session (SQLite always; PostgreSQL when
``PORTAL_TEST_DATABASE_URL`` is set), schema migrated and curated data loaded once, and every test
inside a transaction that is rolled back at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from portal import create_app
from portal.cli import setup_database
from portal.extensions import limiter
from portal.spending.queries import Snapshot, published_snapshot

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("PORTAL_TEST_DATABASE_URL") else [])


def _postgres_schema_url(base_url: str, schema: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=BACKENDS)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
    else:
        base = os.environ["PORTAL_TEST_DATABASE_URL"]
        schema = f"test_{uuid.uuid4().hex[:12]}"  # a schema of our own: parallel runs never clash
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _postgres_schema_url(base, schema)
    flask_app = create_app({"TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(DATA_DIR)})
    with flask_app.app_context():
        setup_database(DATA_DIR, log=lambda _message: None)
    yield flask_app
    database_engine = flask_app.extensions["portal.db"].engine
    database_engine.dispose()
    if schema is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def backend(app: Flask) -> str:
    return "sqlite" if app.config["DATABASE_URL"].startswith("sqlite") else "postgresql"


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each test that uses the app inside a transaction rolled back afterwards."""
    if "app" not in request.fixturenames:
        yield
        return
    flask_app: Flask = request.getfixturevalue("app")
    db = flask_app.extensions["portal.db"]
    connection = db.engine.connect()
    transaction = connection.begin()
    db.bind_to(connection)
    try:
        yield
    finally:
        db.bind_to(None)
        transaction.rollback()
        connection.close()
        # Caches are keyed by data version; a rolled-back publish must not leave entries behind.
        flask_app.extensions.pop("portal.snapshot", None)
        flask_app.extensions["portal.response_cache"]._items.clear()
        limiter.reset()  # rate-limit counters are per test


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the test's transaction, for arranging data. No app context stays pushed, so
    each client request still gets its own context (and its own ``g``)."""
    db_session = app.extensions["portal.db"].sessionmaker()
    db_session.info["app"] = app  # for helpers that need an app context (e.g. password hashing)
    yield db_session
    db_session.close()


@pytest.fixture
def snapshot(app: Flask, session: Session) -> Callable[[], Snapshot]:
    def read() -> Snapshot:
        with app.app_context():
            return published_snapshot(session)

    return read


@pytest.fixture
def in_lang(app: Flask) -> Callable[[str], AbstractContextManager[None]]:
    """``with in_lang("en"): …`` runs code in a request context whose messages are in English."""

    @contextmanager
    def context(lang: str = "en") -> Iterator[None]:
        with app.test_request_context(f"/{lang}/"):
            g.lang = lang
            yield

    return context
