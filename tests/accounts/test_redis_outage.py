"""When Redis (sessions and login limits) is down: public pages keep working, treating a reader
with a cookie as anonymous; sign-in and the pages that need a session answer a localised 503 with
Retry-After; nothing is half done; and everything recovers without a restart when Redis is back.

A Redis server of the test's own, on a spare port, is stopped and started again (never the
shared one)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.audit.models import AuditEntry
from portal.db import get_session
from tests.helpers import csrf_token, make_user, sign_in
from tests.servers import REDIS_SERVER, RedisServer, dispose

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


@pytest.fixture
def redis_app(database_url: str, redis_server: RedisServer) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_server.url})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a bug is a 500 page
    with app.app_context():
        make_user(get_session(), "clerk@example.org")
    yield app
    dispose(app)


def _audit_count(app: Flask) -> int:
    with app.app_context():
        return len(get_session().query(AuditEntry.id).all())


def assert_unavailable(response, language: str = "en") -> None:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    expected = "Signing in is not possible at the moment" if language == "en" else "暂时无法登录"
    assert expected in body


def test_public_pages_work_and_sign_in_says_503_while_redis_is_down(
    redis_app: Flask, redis_server: RedisServer
) -> None:
    app = redis_app
    reader, clerk = app.test_client(), app.test_client()
    assert sign_in(clerk, "clerk@example.org", PASSWORD, lang="en").status_code == 302
    token = csrf_token(clerk.get("/en/account/password").get_data(as_text=True))
    typing = csrf_token(reader.get("/en/login").get_data(as_text=True))  # then Redis goes down
    before = _audit_count(app)

    redis_server.stop()
    started = time.monotonic()
    home = clerk.get("/en/")  # a stale cookie: the public page, as for anyone
    assert home.status_code == 200
    assert "clerk@example.org" not in home.get_data(as_text=True)
    assert clerk.get_cookie("portal_session") is not None  # kept for when Redis is back
    assert reader.get("/en/").status_code == 200
    assert reader.get("/api/v1/areas?year=2023").status_code == 200
    assert_unavailable(reader.get("/en/login"))
    assert_unavailable(reader.get("/zh/login"), "zh")
    attempt = sign_in_without_page(reader, typing, "clerk@example.org", PASSWORD)
    assert_unavailable(attempt)  # the login limits (Redis too) do not turn it into a 500
    assert_unavailable(clerk.get("/en/account/password"))
    assert_unavailable(clerk.get("/en/staff/"))
    assert_unavailable(clerk.post("/en/logout", data={"csrf_token": token}))
    assert time.monotonic() - started < 20  # each failure is quick, not a long retry
    assert _audit_count(app) == before  # nothing half done

    redis_server.start()  # empty: its sessions are gone, signing in again works
    assert clerk.get("/en/account/password").status_code == 302
    assert sign_in(clerk, "clerk@example.org", PASSWORD, lang="en").status_code == 302
    assert clerk.get("/en/account/password").status_code == 200
    assert "clerk@example.org" in clerk.get("/en/").get_data(as_text=True)


def test_a_session_kept_through_a_short_outage_works_again(
    redis_app: Flask, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Redis restarted with its data (here: the same server, not stopped but unreachable for a
    moment is hard to fake; a restart with a snapshot is the honest version)."""
    app = redis_app
    clerk = app.test_client()
    assert sign_in(clerk, "clerk@example.org", PASSWORD, lang="en").status_code == 302
    assert clerk.get("/en/account/password").status_code == 200
    subprocess.run(
        ["redis-cli", "-p", str(redis_server.port), "save"], check=True, capture_output=True
    )
    redis_server.stop()
    assert_unavailable(clerk.get("/en/account/password"))
    redis_server.start()  # loads dump.rdb from its directory
    assert clerk.get("/en/account/password").status_code == 200


def sign_in_without_page(client, token: str, email: str, password: str):
    return client.post(
        "/en/login", data={"csrf_token": token, "email": email, "password": password}
    )


def test_anonymous_visitors_store_no_key(redis_app: Flask, redis_server: RedisServer) -> None:
    import redis

    keys = redis.Redis.from_url(redis_server.url)
    for _ in range(5):
        assert redis_app.test_client().get("/zh/login").status_code == 200
    assert keys.keys("portal:session:*") == []
    client = redis_app.test_client()
    assert sign_in(client, "clerk@example.org", PASSWORD).status_code == 302
    assert len(keys.keys("portal:session:*")) == 2  # the session and the user's index
    keys.close()
