"""Account management and the audit log: admins only, every change audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from tests.helpers import csrf_token, make_user, sign_in

PASSWORD = "correct horse battery"
ADMIN_PAGES = ["/zh/staff/users/", "/en/staff/audit/"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", ["editor", "deputy"])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_editors_and_deputies_cannot_reach_admin_pages(client, session, role, url) -> None:
    make_user(
        session,
        f"{role}@example.org",
        role=role,
        submitter_id=1 if role == "deputy" else None,
    )
    sign_in(client, f"{role}@example.org", PASSWORD)
    response = client.get(url)
    assert response.status_code == 403
    page = client.get("/zh/account/password").get_data(as_text=True)
    post = client.post(
        "/zh/staff/users/",
        data={"csrf_token": csrf_token(page), "email": "x@example.org", "role": "admin"},
    )
    assert post.status_code == 403
    assert session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_admin_creates_an_account_with_a_one_time_password(client, session) -> None:
    make_user(session, "root@example.org", role="admin")
    sign_in(client, "root@example.org", PASSWORD, lang="en")
    page = client.get("/en/staff/users/").get_data(as_text=True)
    response = client.post(
        "/en/staff/users/",
        data={
            "csrf_token": csrf_token(page),
            "email": "New.Clerk@example.org",
            "name": "New clerk",
            "role": "editor",
        },
    )
    body = response.get_data(as_text=True)
    secret = re.search(r'<code class="secret">([^<]+)</code>', body)
    assert secret is not None
    password = secret.group(1)
    assert "new.clerk@example.org" in body
    other = client.application.test_client()
    assert sign_in(other, "new.clerk@example.org", password).status_code == 302
    assert password not in client.get("/en/staff/users/").get_data(as_text=True)  # shown once
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "account.create", AuditEntry.summary.contains("new.clerk")
        )
    )
    assert entry.actor == "root@example.org" and "new.clerk@example.org" in entry.after


def test_deactivating_signs_the_account_out(client, session) -> None:
    make_user(session, "root2@example.org", role="admin")
    clerk = make_user(session, "leaving@example.org")
    other = client.application.test_client()
    sign_in(other, "leaving@example.org", PASSWORD)
    assert other.get("/zh/account/password").status_code == 200
    sign_in(client, "root2@example.org", PASSWORD)
    page = client.get("/zh/staff/users/").get_data(as_text=True)
    client.post(f"/zh/staff/users/{clerk.id}/active", data={"csrf_token": csrf_token(page)})
    assert other.get("/zh/account/password").status_code == 302
    assert sign_in(other, "leaving@example.org", PASSWORD).status_code == 200  # refused
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deactivate"))


def test_audit_log_filters_and_rejects_bad_dates(client, session) -> None:
    make_user(session, "root3@example.org", role="admin")
    sign_in(client, "root3@example.org", PASSWORD, lang="en")
    body = client.get("/en/staff/audit/?action=login").get_data(as_text=True)
    assert "root3@example.org" in body and "account.create" not in body.split("<tbody>")[1]
    response = client.get("/en/staff/audit/?since=yesterday")
    assert response.status_code == 400 and "is not a date" in response.get_data(as_text=True)
