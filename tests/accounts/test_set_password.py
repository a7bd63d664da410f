"""`flask --app portal user set-password`: demo access again (or a locked-out administrator) from
the command line, with the password from standard input; the account's sessions end, it is audited."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEntry
from tests.helpers import make_user, sign_in


def test_a_new_password_from_standard_input(app, client, session) -> None:
    make_user(session, "demo@example.org", role="editor", password="an old password 1")
    assert sign_in(client, "demo@example.org", "an old password 1").status_code == 302
    result = app.test_cli_runner().invoke(
        args=["user", "set-password", "--email", "Demo@Example.org", "--password-stdin"],
        input="a brand new password\n",
    )
    assert result.exit_code == 0, result.output
    assert "New password set for demo@example.org" in result.output
    assert client.get("/en/staff/").status_code in (302, 303)  # the old session has ended
    session.expire_all()
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "account.password_reset")
    ).first()
    assert entry is not None and entry.summary == "demo@example.org" and entry.actor == "cli"
    fresh = app.test_client()
    assert sign_in(fresh, "demo@example.org", "a brand new password").status_code == 302


def test_an_unknown_account_or_a_short_password_is_refused(app, session) -> None:
    make_user(session, "short@example.org", role="editor")
    runner = app.test_cli_runner()
    unknown = runner.invoke(
        args=["user", "set-password", "--email", "nobody@example.org", "--password-stdin"],
        input="a brand new password\n",
    )
    assert unknown.exit_code != 0 and "no account" in unknown.output
    short = runner.invoke(
        args=["user", "set-password", "--email", "short@example.org", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0 and "too short" in short.output


def test_the_accounts_list_refuses_a_page_beyond_the_last(client, session) -> None:
    make_user(session, "pages-admin@example.org", role="admin")
    assert sign_in(client, "pages-admin@example.org", "correct horse battery").status_code == 302
    assert client.get("/en/staff/users/?page=1").status_code == 200
    for page in ("2", str(10**20), "①", "-1"):
        assert client.get(f"/en/staff/users/?page={page}").status_code in (400, 404), page


def test_the_sign_in_page_in_the_other_language_keeps_where_the_reader_was_going(client) -> None:
    html = client.get("/zh/login?next=/zh/staff/&utm_source=x").get_data(as_text=True)
    assert 'href="/en/login?next=/zh/staff/"' in html
