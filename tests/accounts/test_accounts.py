"""Signing in and out with server-side sessions, CSRF, rate limits, safe redirects, the CLI."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from portal.accounts.models import ServerSession, User
from portal.accounts.passwords import verify_password
from portal.audit.models import AuditEntry
from tests.helpers import csrf_token, make_user, sign_in

PASSWORD = "correct horse battery"


def test_sign_in_starts_a_fresh_server_side_session(app, client, session) -> None:
    make_user(session, "clerk@example.org")
    client.get("/zh/login")  # a signed anonymous cookie carries the CSRF token (no record)
    before = client.get_cookie("portal_session").value
    response = sign_in(client, "Clerk@Example.org", PASSWORD)
    assert response.status_code == 302
    cookie = client.get_cookie("portal_session")
    assert cookie.value != before  # a new token at login: no session fixation
    assert cookie.http_only and cookie.same_site == "Lax"
    stored = session.scalars(select(ServerSession)).all()
    assert [s.user_id for s in stored if s.user_id] == [session.scalar(select(User.id))]
    assert all(cookie.value not in s.id for s in stored)  # only the hash is stored
    assert "clerk@example.org" in client.get("/zh/account/password").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, session) -> None:
    make_user(session, "clerk2@example.org")
    response = sign_in(client, "clerk2@example.org", "wrong password!!", lang="en")
    assert response.status_code == 200
    assert "The e-mail address or password is not right." in response.get_data(as_text=True)
    assert client.get("/en/account/password").status_code == 302  # still anonymous


def test_login_without_csrf_token_is_refused(client, session) -> None:
    make_user(session, "clerk3@example.org")
    response = client.post("/en/login", data={"email": "clerk3@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/en/account/password").status_code == 302


def test_logout_kills_a_copied_cookie(app, client, session) -> None:
    make_user(session, "clerk4@example.org")
    sign_in(client, "clerk4@example.org", PASSWORD)
    stolen = client.get_cookie("portal_session").value
    assert client.get("/zh/account/password").status_code == 200
    page = client.get("/zh/account/password").get_data(as_text=True)
    client.post("/zh/logout", data={"csrf_token": csrf_token(page)})
    thief = app.test_client()
    thief.set_cookie("portal_session", stolen)
    assert thief.get("/zh/account/password").status_code == 302


def test_idle_session_expires_on_the_server(app, client, session) -> None:
    make_user(session, "clerk5@example.org")
    sign_in(client, "clerk5@example.org", PASSWORD)
    assert client.get("/zh/account/password").status_code == 200
    session.execute(
        update(ServerSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
    )
    session.commit()
    assert client.get("/zh/account/password").status_code == 302


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/zh/about-data", "/zh/about-data"),
        ("//evil.example/phish", "/zh/"),
        ("https://evil.example/", "/zh/"),
        ("/\\evil.example", "/zh/"),
    ],
)
def test_next_only_redirects_within_the_site(client, session, target, expected) -> None:
    make_user(session, f"deputy-next-{abs(hash(target))}@example.org", role="admin")
    response = sign_in(
        client, f"deputy-next-{abs(hash(target))}@example.org", PASSWORD, next_url=target
    )
    location = response.headers["Location"]
    assert location.startswith(expected) or (
        expected == "/zh/" and not location.startswith(("//", "http"))
    )


def test_too_many_attempts_get_a_429_page(client, session) -> None:
    make_user(session, "target@example.org")
    for _ in range(5):
        assert (
            sign_in(client, "target@example.org", "guess-guess-guess", lang="en").status_code == 200
        )
    response = sign_in(client, "target@example.org", PASSWORD, lang="en")
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_password_change_signs_out_other_sessions(app, client, session) -> None:
    make_user(session, "clerk6@example.org")
    other = app.test_client()
    sign_in(other, "clerk6@example.org", PASSWORD)
    sign_in(client, "clerk6@example.org", PASSWORD, lang="en")
    page = client.get("/en/account/password").get_data(as_text=True)
    response = client.post(
        "/en/account/password",
        data={
            "csrf_token": csrf_token(page),
            "current": PASSWORD,
            "new": "a much better passphrase",
            "confirm": "a much better passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/en/account/password").status_code == 200
    assert other.get("/en/account/password").status_code == 302
    user = session.scalar(select(User).where(User.email == "clerk6@example.org"))
    session.refresh(user)
    with app.app_context():
        assert verify_password(user.password_hash, "a much better passphrase")


def test_signed_in_pages_are_never_shared_from_cache(client, session) -> None:
    make_user(session, "clerk7@example.org")
    sign_in(client, "clerk7@example.org", PASSWORD)
    response = client.get("/zh/")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "clerk7@example.org" in response.get_data(as_text=True)


def test_audit_log_records_login_and_is_append_only(app, client, session) -> None:
    make_user(session, "clerk8@example.org")
    sign_in(client, "clerk8@example.org", PASSWORD)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "login"))
    assert entry is not None and entry.actor == "clerk8@example.org"
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("UPDATE audit_entry SET summary = 'forged'"))
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("DELETE FROM audit_entry"))


def create_via_cli(app, email: str, role: str, password: str):
    args = ["user", "create", "--email", email, "--role", role, "--password-stdin"]
    return app.test_cli_runner().invoke(args=args, input=password + "\n")


def test_cli_creates_an_account_from_stdin(app, session) -> None:
    result = create_via_cli(app, "cli@example.org", "admin", "a long enough secret")
    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    user = session.scalar(select(User).where(User.email == "cli@example.org"))
    with app.app_context():
        assert user is not None and verify_password(user.password_hash, "a long enough secret")
    again = create_via_cli(app, "cli@example.org", "admin", "a long enough secret")
    assert again.exit_code != 0 and "already exists" in again.output
    short = create_via_cli(app, "x@example.org", "editor", "short")
    assert short.exit_code != 0 and "at least" in short.output


@pytest.mark.skipif(
    not os.environ.get("PORTAL_TEST_REDIS_URL"), reason="PORTAL_TEST_REDIS_URL not set"
)
def test_sessions_in_redis(tmp_path) -> None:
    from portal import create_app
    from portal.cli import setup_database
    from portal.db import get_session
    from tests.helpers import DATA_DIR

    redis_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite3",
            "REDIS_URL": os.environ["PORTAL_TEST_REDIS_URL"],
        }
    )
    with redis_app.app_context():
        setup_database(DATA_DIR, log=lambda _m: None)
        make_user(get_session(), "redis@example.org")
    client = redis_app.test_client()
    sign_in(client, "redis@example.org", PASSWORD)
    cookie = client.get_cookie("portal_session")
    assert cookie is not None
    stolen = cookie.value
    assert client.get("/zh/account/password").status_code == 200
    page = client.get("/zh/account/password").get_data(as_text=True)
    client.post("/zh/logout", data={"csrf_token": csrf_token(page)})
    thief = redis_app.test_client()
    thief.set_cookie("portal_session", stolen)
    assert thief.get("/zh/account/password").status_code == 302
    redis_app.extensions["portal.db"].engine.dispose()


def test_demo_accounts_only_in_debug_and_only_once(app, session, monkeypatch) -> None:
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "PORTAL_DEBUG", False)
    assert runner.invoke(args=["user", "demo"]).exit_code != 0
    monkeypatch.setitem(app.config, "PORTAL_DEBUG", True)
    first = runner.invoke(args=["user", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.invalid" in first.output and "editor@demo.invalid" in first.output
    assert session.scalar(select(User).where(User.email == "admin@demo.invalid")) is not None
    second = runner.invoke(args=["user", "demo"])
    assert "no demo accounts created" in second.output


def test_sign_in_and_out_on_a_file_database(tmp_path) -> None:
    """Outside the shared test connection: the session store and the request's own transaction
    must not wait for each other's SQLite write lock."""
    from portal import create_app
    from portal.cli import setup_database
    from portal.db import get_session
    from tests.helpers import DATA_DIR

    file_app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/file.sqlite3"})
    with file_app.app_context():
        setup_database(DATA_DIR, log=lambda _m: None)
        make_user(get_session(), "file@example.org")
    client = file_app.test_client()
    assert sign_in(client, "file@example.org", PASSWORD).status_code == 302
    page = client.get("/zh/account/password")
    assert page.status_code == 200
    client.post("/zh/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert client.get("/zh/account/password").status_code == 302
    file_app.extensions["portal.db"].engine.dispose()
