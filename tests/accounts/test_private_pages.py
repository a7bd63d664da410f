"""Every page behind sign-in, and the sign-in form, is ``Cache-Control: private, no-store`` — for
the signed-in user and for the anonymous visitor sent to sign in alike."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.helpers import make_user, sign_in

PASSWORD = "correct horse battery"
PRIVATE = re.compile(r"^/<lang>/(staff|account|my|login|logout)(/|$)")


def private_urls(app: Flask, method: str) -> list[str]:
    """Every private rule answering *method*, its arguments filled with something plausible."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not PRIVATE.match(rule.rule) or method not in (rule.methods or ()):
            continue
        url = rule.rule.replace("<lang>", "zh")
        url = re.sub(r"<int:[^>]+>", "1", url)
        url = re.sub(r"<(?:[a-z]+:)?[^>]+>", "x", url)
        urls.append(url)
    return sorted(set(urls))


def assert_private(response, url: str) -> None:
    cache_control = response.headers.get("Cache-Control", "")
    assert "no-store" in cache_control and "private" in cache_control, (url, cache_control)


def test_the_walk_finds_the_private_pages(app) -> None:
    urls = private_urls(app, "GET")
    for expected in ("/zh/login", "/zh/account/password", "/zh/staff/", "/zh/my/proposals"):
        assert expected in urls
    assert len(urls) > 10


def test_private_pages_are_never_stored_for_anonymous_visitors(app) -> None:
    client = app.test_client()
    for url in private_urls(app, "GET"):
        response = client.get(url)
        assert response.status_code in (200, 302, 404), url
        assert_private(response, url)
        client.delete_cookie("portal_session")


@pytest.mark.parametrize("role", ["admin", "deputy"])
def test_private_pages_are_never_stored_for_signed_in_users(app, client, session, role) -> None:
    make_user(session, f"private-{role}@example.org", role=role)
    assert sign_in(client, f"private-{role}@example.org", PASSWORD).status_code == 302
    for url in private_urls(app, "GET"):
        response = client.get(url)
        assert response.status_code < 500, url
        assert_private(response, url)
    for url in private_urls(app, "POST"):
        if url.endswith("/logout"):
            continue
        response = client.post(url, data={})
        assert response.status_code < 500, url
        assert_private(response, url)
