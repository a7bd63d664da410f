"""The audit log is append-only in the database itself: UPDATE and DELETE are refused on every
backend, and TRUNCATE on PostgreSQL (SQLite has no TRUNCATE)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.audit import record_audit


@pytest.fixture
def entry(app, session):
    with app.app_context():
        record_audit(session, "test.entry", summary="kept", actor="tests")
    session.commit()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET summary = 'forged'", "DELETE FROM audit_entry"],
)
def test_entries_cannot_be_changed_or_removed(session, entry, statement) -> None:
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert session.execute(text("SELECT count(*) FROM audit_entry")).scalar() >= 1


@pytest.mark.parametrize(
    "statement", ["TRUNCATE audit_entry", "TRUNCATE audit_entry RESTART IDENTITY CASCADE"]
)
def test_the_log_cannot_be_truncated(session, backend, entry, statement) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert session.execute(text("SELECT count(*) FROM audit_entry")).scalar() >= 1


def test_the_truncate_trigger_comes_and_goes_with_its_migration(database_url) -> None:
    """0008 adds the trigger and its downgrade removes it (PostgreSQL)."""
    from sqlalchemy import create_engine

    from portal.migrations import downgrade_database, upgrade_database

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE")
    engine = create_engine(database_url)
    query = text(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_entry_no_truncate'"
        " AND tgrelid = to_regclass('audit_entry')"
    )
    try:
        with engine.connect() as connection:
            assert connection.execute(query).scalar() == 1
        downgrade_database(engine, "0007")
        with engine.connect() as connection:
            assert connection.execute(query).scalar() == 0
        upgrade_database(engine)
        with engine.connect() as connection:
            assert connection.execute(query).scalar() == 1
    finally:
        engine.dispose()
