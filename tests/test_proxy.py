"""Where the portal lives and who is in front of it: the Host header, absolute URLs from
PORTAL_PUBLIC_URL, X-Forwarded-* believed only from trusted proxies, Secure cookies and HSTS."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.audit.models import AuditEntry
from portal.config import ConfigurationError
from tests.helpers import csrf_token, make_user, sign_in

PUBLIC = "https://spending.example.gov.cn"
FEED = "/zh/proposals/feed.atom"
PASSWORD = "correct horse battery"
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def make_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Another app with some settings changed, on the same database and inside the test's
    transaction (it must be built by ``create_app``: the proxy handling wraps the WSGI app)."""
    made: list[Flask] = []

    def make(**settings: object) -> Flask:
        other = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "DATA_DIR": app.config["DATA_DIR"],
                **settings,
            }
        )
        other.extensions["portal.db"].bind_to(app.extensions["portal.db"].test_connection)
        made.append(other)
        return other

    yield make
    for other in made:
        other.extensions["portal.db"].bind_to(None)
        other.extensions["portal.db"].engine.dispose()


def absolute_urls(body: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', body) + re.findall(r"<id>([^<]+)</id>", body)


# -- Host -------------------------------------------------------------------------------------


def test_a_forged_host_is_refused(client) -> None:
    for url in (FEED, "/en/", "/api/v1/areas"):
        response = client.get(url, headers={"Host": "evil.example"})
        assert response.status_code == 400, url
        assert "evil.example" not in response.get_data(as_text=True)
    assert client.get(FEED, headers={"Host": "evil.example"}).mimetype == "text/html"
    api = client.get("/api/v1/areas", headers={"Host": "evil.example"})
    assert api.mimetype == "application/problem+json" and api.json["status"] == 400
    # The names a developer and the test client use keep working without any setting.
    for host in ("localhost", "127.0.0.1:5000", "localhost:8000"):
        assert client.get(FEED, headers={"Host": host}).status_code == 200, host


def test_absolute_urls_come_from_the_public_url(make_app) -> None:
    portal = make_app(PUBLIC_URL=PUBLIC, TRUSTED_HOSTS="portal.internal, .example.org")
    client = portal.test_client()
    for base, host in (
        (None, None),  # the test client's default: the public address itself
        ("http://portal.internal", None),  # another trusted name, over plain HTTP
        ("http://portal.internal", "mirror.example.org:8080"),  # a subdomain of a trusted one
    ):
        response = client.get(FEED, base_url=base, headers={"Host": host} if host else None)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, (base, host)
        urls = absolute_urls(body)
        assert len(urls) > 3
        for url in urls:
            assert url.startswith((f"{PUBLIC}/zh/proposals", "tag:spending.example.gov.cn,")), url
        assert "portal.internal" not in body and "example.org" not in body
    refused = client.get(FEED, headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.get_data(as_text=True)


def test_the_public_url_is_trusted_and_checked(make_app) -> None:
    portal = make_app(PUBLIC_URL="https://Spending.Example.gov.cn/")
    assert portal.config["PUBLIC_URL"] == PUBLIC
    assert portal.config["SERVER_NAME"] == "spending.example.gov.cn"
    assert portal.config["TRUSTED_HOSTS"] == ["spending.example.gov.cn"]
    assert portal.config["SESSION_COOKIE_SECURE"] is True
    # localhost is no longer trusted once a public address is set
    assert portal.test_client().get(FEED, headers={"Host": "localhost"}).status_code == 400
    for wrong in ("spending.example.gov.cn", "ftp://x.example", "https://x.example/portal"):
        with pytest.raises(ConfigurationError):
            create_app({"TESTING": True, "PUBLIC_URL": wrong})


LONG_HOSTS = ["a" * 4000, "a" * 64 + ".example", "x" * 300]


@pytest.mark.parametrize("host", [*LONG_HOSTS, "bad host", "évil.example", "[::1"])
def test_an_unusable_host_is_a_400(client, host) -> None:
    for url in ("/zh/", FEED, "/api/v1/areas"):
        assert client.get(url, headers={"Host": host}).status_code == 400, (url, host[:20])
    page = client.get("/en/", headers={"Host": host})
    assert "The request could not be understood" in page.get_data(as_text=True)


@pytest.mark.parametrize("host", LONG_HOSTS)
def test_an_overlong_host_is_a_400_without_any_host_setting(app, client, monkeypatch, host) -> None:
    """A deployment with neither PORTAL_PUBLIC_URL nor PORTAL_TRUSTED_HOSTS (any host goes):
    a name no DNS label can hold is still a 400, not a 500."""
    for key, value in (("TRUSTED_HOSTS", None), ("SERVER_NAME", None), ("PUBLIC_URL", "")):
        monkeypatch.setitem(app.config, key, value)
    for url in ("/zh/", FEED, "/api/v1/areas"):
        assert client.get(url, headers={"Host": host}).status_code == 400, (url, host[:20])
    assert client.get("/zh/").status_code == 200


# -- proxies ----------------------------------------------------------------------------------


def last_login(session) -> AuditEntry:
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "login").order_by(AuditEntry.id.desc())
    )
    assert entry is not None
    return entry


def behind(client, peer: str, forwarded_for: str, proto: str = "https") -> None:
    client.environ_base.update(
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded_for,
        HTTP_X_FORWARDED_PROTO=proto,
        HTTP_X_FORWARDED_HOST="localhost",
        # Over HTTPS, the CSRF check wants a same-origin Referer, as a browser sends.
        HTTP_REFERER=f"{proto}://localhost/zh/login",
    )


def test_forwarded_headers_are_ignored_by_default(client, session) -> None:
    make_user(session, "proxy0@example.org")
    behind(client, "127.0.0.1", "203.0.113.9")
    assert sign_in(client, "proxy0@example.org", PASSWORD).status_code == 302
    assert last_login(session).ip == "127.0.0.1"
    assert not client.get_cookie("portal_session").secure
    assert "Strict-Transport-Security" not in client.get("/zh/").headers


def test_a_count_of_trusted_proxies(make_app, session) -> None:
    portal = make_app(TRUSTED_PROXIES="1")
    client = portal.test_client()
    make_user(session, "proxy1@example.org")
    # The client forged an address; our proxy (10.0.0.2) appended the one it saw.
    behind(client, "10.0.0.2", "198.51.100.66, 203.0.113.9")
    assert sign_in(client, "proxy1@example.org", PASSWORD).status_code == 302
    assert last_login(session).ip == "203.0.113.9"
    assert client.get_cookie("portal_session").secure  # the proxy said HTTPS
    for url in ("/zh/", "/static/css/portal.css", "/zh/nope"):
        response = client.get(url)
        response.close()
        assert response.headers["Strict-Transport-Security"] == HSTS, url
    behind(client, "10.0.0.2", "203.0.113.9", proto="http")
    assert "Strict-Transport-Security" not in client.get("/zh/").headers


def test_a_list_of_trusted_proxies(make_app, session) -> None:
    portal = make_app(TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.7")
    make_user(session, "proxy2@example.org")
    # Two of ours in a row: the load balancer 192.0.2.7, then 10.1.2.3 in front of the app.
    ours = portal.test_client()
    behind(ours, "10.1.2.3", "198.51.100.66, 203.0.113.9, 192.0.2.7")
    assert sign_in(ours, "proxy2@example.org", PASSWORD).status_code == 302
    assert last_login(session).ip == "203.0.113.9"
    assert ours.get_cookie("portal_session").secure
    assert ours.get("/zh/").headers["Strict-Transport-Security"] == HSTS
    # A dual-stack socket names the same proxy ::ffff:10.1.2.3.
    mapped = portal.test_client()
    behind(mapped, "::ffff:10.1.2.3", "203.0.113.10")
    assert sign_in(mapped, "proxy2@example.org", PASSWORD).status_code == 302
    assert last_login(session).ip == "203.0.113.10"
    # Straight from the internet: the same headers are the client's own invention.
    direct = portal.test_client()
    behind(direct, "198.51.100.20", "203.0.113.9")
    assert sign_in(direct, "proxy2@example.org", PASSWORD).status_code == 302
    assert last_login(session).ip == "198.51.100.20"
    assert not direct.get_cookie("portal_session").secure
    assert "Strict-Transport-Security" not in direct.get("/zh/").headers


def test_each_client_behind_the_proxy_has_its_own_login_limit(make_app, session) -> None:
    portal = make_app(TRUSTED_PROXIES="1", LOGIN_LIMIT_PER_ADDRESS="2 per minute")
    first, second = portal.test_client(), portal.test_client()
    behind(first, "10.0.0.2", "203.0.113.1")
    behind(second, "10.0.0.2", "203.0.113.2")
    for attempt in range(2):
        response = sign_in(first, f"nobody{attempt}@example.org", "wrong password!!")
        assert response.status_code == 200
    assert sign_in(first, "nobody2@example.org", "wrong password!!").status_code == 429
    assert sign_in(second, "nobody3@example.org", "wrong password!!").status_code == 200


def test_hsts_on_https_only(client) -> None:
    secure = client.get("/zh/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in client.get("/zh/").headers


def test_secure_cookie_settings(make_app, monkeypatch, session) -> None:
    make_user(session, "proxy3@example.org")
    portal = make_app(PUBLIC_URL=PUBLIC)
    client = portal.test_client()
    # Plain HTTP between a TLS-terminating proxy and the app, no X-Forwarded-Proto: still Secure.
    plain = "http://spending.example.gov.cn"
    page = client.get("/zh/login", base_url=plain).get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "email": "proxy3@example.org", "password": PASSWORD}
    assert client.post("/zh/login", base_url=plain, data=form).status_code == 302
    assert client.get_cookie("portal_session", domain="spending.example.gov.cn").secure
    monkeypatch.setenv("PORTAL_SESSION_COOKIE_SECURE", "0")
    assert make_app(PUBLIC_URL=PUBLIC).config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("PORTAL_SESSION_COOKIE_SECURE", "1")
    assert make_app().config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.delenv("PORTAL_SESSION_COOKIE_SECURE")
    assert make_app().config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("value", ["banana", "10.0.0.0/33", "1.2.3"])
def test_a_wrong_proxy_setting_refuses_to_start(value) -> None:
    with pytest.raises(ConfigurationError):
        create_app({"TESTING": True, "TRUSTED_PROXIES": value})
