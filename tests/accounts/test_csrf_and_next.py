"""CSRF tokens rotate with the session; anonymous visitors cost the session store nothing; ``next``
after sign-in is a path on this site and nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import ServerSession
from portal.accounts.permissions import safe_next
from portal.audit.models import AuditEntry
from tests.helpers import csrf_token, make_user, sign_in

PASSWORD = "correct horse battery"


def _rows(session) -> int:
    return session.scalar(select(func.count()).select_from(ServerSession))


def test_a_token_from_before_sign_in_is_refused_after(client, session) -> None:
    make_user(session, "clerk@example.org")
    early = csrf_token(client.get("/en/login").get_data(as_text=True))
    response = client.post(
        "/en/login", data={"csrf_token": early, "email": "clerk@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    refused = client.post("/en/logout", data={"csrf_token": early})
    assert refused.status_code == 400
    assert client.get("/en/account/password").status_code == 200  # still signed in
    fresh = csrf_token(client.get("/en/account/password").get_data(as_text=True))
    assert fresh != early
    assert client.post("/en/logout", data={"csrf_token": fresh}).status_code == 302
    assert client.get("/en/account/password").status_code == 302


def test_a_token_from_a_signed_in_page_is_refused_after_sign_out(client, session) -> None:
    make_user(session, "clerk2@example.org")
    sign_in(client, "clerk2@example.org", PASSWORD)
    token = csrf_token(client.get("/en/account/password").get_data(as_text=True))
    assert client.post("/en/logout", data={"csrf_token": token}).status_code == 302
    response = client.post(
        "/en/login", data={"csrf_token": token, "email": "clerk2@example.org", "password": PASSWORD}
    )
    assert response.status_code == 400


def test_anonymous_visitors_store_no_session(app, client, session) -> None:
    before = _rows(session)
    for _ in range(5):
        page = app.test_client().get("/zh/login")
        assert page.status_code == 200 and "csrf_token" in page.get_data(as_text=True)
    client.get("/en/login")
    assert _rows(session) == before


def test_the_login_form_still_needs_a_valid_token(app, client, session) -> None:
    make_user(session, "clerk3@example.org")
    data = {"email": "clerk3@example.org", "password": PASSWORD}
    assert client.post("/en/login", data=data).status_code == 400  # no token at all
    mine = csrf_token(client.get("/en/login").get_data(as_text=True))
    other = app.test_client()
    theirs = csrf_token(other.get("/en/login").get_data(as_text=True))
    assert client.post("/en/login", data={**data, "csrf_token": theirs}).status_code == 400
    forged = app.test_client()  # a token without the cookie it belongs to
    assert forged.post("/en/login", data={**data, "csrf_token": mine}).status_code == 400
    tampered = app.test_client()
    tampered.set_cookie("portal_session", client.get_cookie("portal_session").value[:-2] + "xx")
    assert tampered.post("/en/login", data={**data, "csrf_token": mine}).status_code == 400
    assert client.post("/en/login", data={**data, "csrf_token": mine}).status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "/zh/\r\nSet-Cookie: planted=1",
        "/zh/about-data\n",
        "/\t/evil.example",
        "/zh/\x00",
        "/zh/\u2028",
        "/zh/\x7f",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "zh/about-data",
        "/" + "a" * 3000,
    ],
)
def test_next_refuses_anything_but_a_plain_path(client, session, target) -> None:
    assert safe_next(target) is None
    email = f"next-{abs(hash(target))}@example.org"
    make_user(session, email, role="admin")
    response = sign_in(client, email, PASSWORD, next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "planted" not in location and "evil" not in location and "\n" not in location
    assert client.get_cookie("planted") is None
    assert client.get("/zh/account/password").status_code == 200  # signed in ...
    entry = session.scalar(select(AuditEntry).where(AuditEntry.summary == email))
    assert entry is not None and entry.action == "login"  # ... and recorded


@pytest.mark.parametrize("target", ["/zh/about-data", "/en/proposals/?year=2024&q=%E6%89%98"])
def test_next_keeps_a_path_of_this_site(target) -> None:
    assert safe_next(target) == target
