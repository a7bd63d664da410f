"""Account changes on a database with real commits (a SQLite file, or PostgreSQL): the session
store writes with the request's transaction, so nothing waits for a lock the request itself holds,
and a change, its audit entry and the sessions it ends commit — or roll back — together."""

from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import func, select, text

from portal.accounts.models import ServerSession, User
from portal.audit.models import AuditEntry
from portal.db import get_session
from tests.helpers import csrf_token, make_user, sign_in

PASSWORD = "correct horse battery"
#: The old code waited for SQLite's busy timeout (10 s) before failing.
QUICK = 5.0


def _users(app: Flask, *specs: tuple[str, str]) -> dict[str, int]:
    with app.app_context():
        return {email: make_user(get_session(), email, role=role).id for email, role in specs}


def _count(app: Flask, model: type, *where) -> int:
    with app.app_context():
        count = get_session().scalar(select(func.count()).select_from(model).where(*where))
        assert count is not None
        return int(count)


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _post(client, page_url: str, url: str, **data):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    started = time.monotonic()
    response = client.post(url, data={"csrf_token": token, **data})
    return response, time.monotonic() - started


def test_changing_the_password_commits_with_the_other_sessions_ended(committing_app) -> None:
    app = committing_app
    ids = _users(app, ("clerk@example.org", "editor"))
    elsewhere, here = app.test_client(), app.test_client()
    assert sign_in(elsewhere, "clerk@example.org", PASSWORD).status_code == 302
    assert sign_in(here, "clerk@example.org", PASSWORD, lang="en").status_code == 302
    new = "a much better passphrase"
    response, took = _post(
        here, "/en/account/password", "/en/account/password", current=PASSWORD, new=new, confirm=new
    )
    assert response.status_code == 302 and took < QUICK
    assert here.get("/en/account/password").status_code == 200  # this session stays
    assert elsewhere.get("/en/account/password").status_code == 302  # the other one is gone
    assert _count(app, ServerSession, ServerSession.user_id == ids["clerk@example.org"]) == 1
    assert _actions(app)[-1] == "account.password"
    assert sign_in(app.test_client(), "clerk@example.org", new).status_code == 302


def test_deactivating_a_signed_in_user_is_whole(committing_app) -> None:
    app = committing_app
    ids = _users(app, ("root@example.org", "admin"), ("leaving@example.org", "editor"))
    leaving, admin = app.test_client(), app.test_client()
    assert sign_in(leaving, "leaving@example.org", PASSWORD).status_code == 302
    assert sign_in(admin, "root@example.org", PASSWORD).status_code == 302
    user_id = ids["leaving@example.org"]
    response, took = _post(admin, "/zh/staff/users/", f"/zh/staff/users/{user_id}/active")
    assert response.status_code == 302 and took < QUICK
    with app.app_context():
        user = get_session().get(User, user_id)
        assert user is not None
        assert user.active is False
    assert _count(app, ServerSession, ServerSession.user_id == user_id) == 0
    assert _actions(app)[-1] == "account.deactivate"
    assert leaving.get("/zh/account/password").status_code == 302


def test_resetting_a_password_signs_the_user_out(committing_app) -> None:
    app = committing_app
    ids = _users(app, ("root@example.org", "admin"), ("forgetful@example.org", "deputy"))
    forgetful, admin = app.test_client(), app.test_client()
    assert sign_in(forgetful, "forgetful@example.org", PASSWORD).status_code == 302
    assert sign_in(admin, "root@example.org", PASSWORD, lang="en").status_code == 302
    user_id = ids["forgetful@example.org"]
    response, took = _post(admin, "/en/staff/users/", f"/en/staff/users/{user_id}/password")
    assert response.status_code == 200 and took < QUICK
    assert _count(app, ServerSession, ServerSession.user_id == user_id) == 0
    assert _actions(app)[-1] == "account.password_reset"
    assert forgetful.get("/zh/account/password").status_code == 302
    assert sign_in(app.test_client(), "forgetful@example.org", PASSWORD).status_code == 200


def test_a_sign_in_is_whole_or_not_at_all(committing_app, backend_of) -> None:
    """If the session cannot be stored, the sign-in is not recorded either (and the other way
    round: the session is written in the transaction that writes the audit entry)."""
    app = committing_app
    _users(app, ("clerk@example.org", "editor"))
    with app.app_context():
        session = get_session()
        if backend_of(app) == "sqlite":
            session.execute(
                text(
                    "CREATE TRIGGER refuse_session BEFORE INSERT ON server_session "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE FUNCTION refuse_session() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN RAISE EXCEPTION 'refused'; END $$"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse_session BEFORE INSERT ON server_session "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_session()"
                )
            )
        session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error is a 500 page
    client = app.test_client()
    assert sign_in(client, "clerk@example.org", PASSWORD).status_code == 500
    assert "login" not in _actions(app)
    assert client.get("/zh/account/password").status_code == 302


def test_signing_out_commits_the_audit_entry_and_ends_the_session(committing_app) -> None:
    app = committing_app
    _users(app, ("clerk@example.org", "editor"))
    client = app.test_client()
    assert sign_in(client, "clerk@example.org", PASSWORD, lang="en").status_code == 302
    stolen = client.get_cookie("portal_session").value
    response, took = _post(client, "/en/account/password", "/en/logout")
    assert response.status_code == 302 and took < QUICK
    assert _actions(app)[-2:] == ["login", "logout"]
    assert _count(app, ServerSession) == 0
    thief = app.test_client()
    thief.set_cookie("portal_session", stolen)
    assert thief.get("/en/account/password").status_code == 302
    home = client.get(response.headers["Location"])
    assert "You have signed out." in home.get_data(as_text=True)
