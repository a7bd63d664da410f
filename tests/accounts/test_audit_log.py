"""The audit log is append-only in the database itself: UPDATE and DELETE are refused on every
backend, and TRUNCATE on PostgreSQL (SQLite has no TRUNCATE)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.audit import record_audit
from portal.roles import Actor


@pytest.fixture
def entry(app, session):
    with app.app_context():
        record_audit(session, "test.entry", summary="kept", actor=Actor.system("tests"))
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


#: The grants the README gives the application's role (PostgreSQL), for a schema someone else owns.
APPLICATION_ROLE_GRANTS = [
    'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
    'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
    'REVOKE UPDATE, DELETE, TRUNCATE ON "{schema}".audit_entry FROM "{role}"',
]


def test_the_application_role_can_only_append_to_the_log(database_url) -> None:
    """Run as a role that owns nothing, the portal cannot empty the log by any means: not by
    TRUNCATE, nor by switching the triggers off or dropping them (only an owner may)."""
    import uuid

    from sqlalchemy import create_engine

    if not database_url.startswith("postgresql"):
        pytest.skip("roles and grants: PostgreSQL")
    engine = create_engine(database_url)
    role = f"portal_app_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
        connection.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        for grant in APPLICATION_ROLE_GRANTS:
            connection.execute(text(grant.format(schema=schema, role=role)))

    def as_application(statement: str) -> None:
        with engine.connect() as connection, connection.begin():
            connection.execute(text(f'SET LOCAL ROLE "{role}"'))
            connection.execute(text(statement))

    try:
        as_application(
            "INSERT INTO audit_entry (actor, action, summary) VALUES ('tests', 'test.role', '')"
        )
        as_application("SELECT count(*) FROM audit_entry")
        as_application("UPDATE server_session SET data = data")
        for statement in (
            "TRUNCATE audit_entry",
            "DELETE FROM audit_entry",
            "UPDATE audit_entry SET summary = 'forged'",
            "ALTER TABLE audit_entry DISABLE TRIGGER USER",
            "DROP TRIGGER audit_entry_append_only ON audit_entry",
        ):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                as_application(statement)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        engine.dispose()
