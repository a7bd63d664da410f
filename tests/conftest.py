"""Fixtures: one app per database backend for the whole session (SQLite always; PostgreSQL when
``PORTAL_TEST_DATABASE_URL`` is set), schema migrated and curated data loaded once, and every test
inside a transaction that is rolled back at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app
from portal.cli import setup_database
from portal.extensions import limiter
from portal.spending.queries import Snapshot, published_snapshot
from tests.servers import (
    BACKENDS,
    REDIS_SERVER,
    RedisServer,
    dispose,
    empty_database,
    migrate,
    migrated_database,
)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


#: Tests that take seconds each, by node-id prefix: servers or processes of their own (several
#: workers, a database or Redis taken away), killed on purpose, inputs of millions of cells, a
#: wheel build, a fresh database set up from data/ for one test, a crawl of every address; and
#: every browser test. They are marked ``slow`` here, in one place: `make test-fast` leaves them
#: out, `make test` runs them.
SLOW_TESTS = (
    "tests/staff/test_upload_bombs.py::",
    "tests/staff/test_robustness.py::",
    "tests/test_faults.py::",
    "tests/accounts/test_redis_outage.py::",
    "tests/accounts/test_login_limits.py::test_concurrent_workers_allow_exactly_the_limit",
    "tests/accounts/test_login_limits.py::test_per_address_attempts_count_across_workers",
    "tests/accounts/test_login_limits.py::test_per_account_attempts_count_across_workers",
    "tests/spending/test_multi_server.py::",
    "tests/test_packaging.py::test_a_built_wheel_carries_the_compiled_catalogue",
    "tests/test_packaging.py::test_a_missing_secret_is_one_line_on_the_command_line",
    "tests/test_error_pages.py::test_a_failed_write_gets_the_localised_error_page",
    "tests/test_backup.py::test_backup_and_restore",
    "tests/accounts/test_accounts.py::test_sign_in_and_out_on_a_file_database",
    "tests/test_no_sample.py::test_a_missing_or_empty_sample_file_does_not_stop_setup",
    "tests/test_no_sample.py::test_the_setting_turns_the_sample_off",
    "tests/accounts/test_audit_log.py::test_the_truncate_trigger_comes_and_goes_with_its_migration",
    "tests/test_url_fuzz.py::",  # crawls every address as three visitors
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("browser") or item.nodeid.startswith(SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", params=BACKENDS)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    path = tmp_path_factory.mktemp("db") / "portal.sqlite3"
    with empty_database(request.param, path) as url:
        flask_app = create_app({"TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(DATA_DIR)})
        with flask_app.app_context():
            setup_database(DATA_DIR, log=lambda _message: None)
        yield flask_app
        flask_app.extensions["portal.db"].engine.dispose()


# -- what a test that commits for real, or takes Redis away, starts for itself (tests/servers.py)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file with the curated data, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate(f"sqlite:///{path}")  # the last connection to close checkpoints the WAL
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database with the curated data for one test (whose requests commit for
    real, unlike the suite's rolled-back transaction); its URL."""
    template = request.getfixturevalue("sqlite_template") if request.param == "sqlite" else None
    with migrated_database(request.param, tmp_path, template) as url:
        yield url


@pytest.fixture
def committing_app(database_url: str) -> Iterator[Flask]:
    """An app whose requests commit for real, on a database of the test's own."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    yield app
    dispose(app)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of the test's own on a spare port (it may stop and start it)."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


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
        for cache in ("portal.snapshot", "proposals.by_data_version", "proposals.list_cards"):
            flask_app.extensions.pop(cache, None)
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
