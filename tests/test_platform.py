"""Cross-cutting promises: security headers, caching by data version, health, configuration."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigurationError


@pytest.mark.parametrize(
    "url", ["/zh/", "/api/v1/areas", "/static/css/portal.css", "/zh/nope", "/healthz"]
)
def test_security_headers_everywhere(client, url) -> None:
    response = client.get(url)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in (
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


@pytest.mark.parametrize(
    "url",
    [
        "/zh/",
        "/en/areas/housing?year=2022",
        "/api/v1/areas",
        "/zh/about-data",
        "/zh/download/areas.csv?year=2023",
    ],
)
def test_etag_and_304(client, url) -> None:
    first = client.get(url)
    etag = first.headers["ETag"]
    assert "must-revalidate" in first.headers["Cache-Control"]
    assert etag.strip('"').startswith(f"v{first.headers['X-Data-Version']}-")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_etag_differs_by_language_and_query(client) -> None:
    assert client.get("/zh/").headers["ETag"] != client.get("/en/").headers["ETag"]
    assert (
        client.get("/zh/?year=2022").headers["ETag"] != client.get("/zh/?year=2023").headers["ETag"]
    )


def test_health_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_health_503_when_database_unreachable(tmp_path) -> None:
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json is not None
    assert response.json["database"] != "ok"


def test_pages_fail_politely_when_database_unreachable(tmp_path) -> None:
    """An outage, not a bug: 503 with Retry-After (tests/test_faults.py stops a real database)."""
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"}
    )
    response = app.test_client().get("/en/")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "cannot reach its data" in response.get_data(as_text=True)


@pytest.mark.parametrize("secret", [None, "", "dev", "short-key"])
def test_refuses_to_start_without_a_strong_secret(monkeypatch, secret) -> None:
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_DEBUG", raising=False)
    config = {} if secret is None else {"SECRET_KEY": secret}
    with pytest.raises(ConfigurationError):
        create_app(config)


def test_starts_with_a_strong_secret_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PORTAL_DEBUG", raising=False)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 20 + "9f8e7d6c5b4a39281706")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    app = create_app()
    assert app.config["DATABASE_URL"].endswith("db.sqlite3")
    assert app.config["SECRET_KEY"].startswith("xxxx")


def test_data_version_reader_survives_a_dropped_connection(app) -> None:
    """The hot-path reader keeps its own connection per thread and replaces a broken one."""
    from sqlalchemy.orm import sessionmaker

    from portal.db import DATA_VERSION_SQL, Database

    engine = app.extensions["portal.db"].engine
    reader = Database(engine=engine, sessionmaker=sessionmaker(bind=engine))
    first = reader.read_scalar(DATA_VERSION_SQL)
    assert first >= 19  # every curated dataset published once
    reader._reader.connection.close()  # e.g. the database server restarted
    assert reader.read_scalar(DATA_VERSION_SQL) == first
    reader._reader.connection.close()
