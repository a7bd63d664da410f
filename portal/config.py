"""Every setting in one place: a default here, a ``PORTAL_*`` environment variable to override it,
and a mapping passed to :func:`portal.create_app` for tests."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Settings read from the environment, with their defaults. ``None`` means "derived below".
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # default: SQLite under instance/
    "SECRET_KEY": None,
    # Connections each worker process keeps to PostgreSQL (SQLAlchemy's pool; not used on
    # SQLite): POOL_SIZE kept open, up to MAX_OVERFLOW more at a peak, a request waits
    # POOL_TIMEOUT seconds for one (then 503), and each is replaced after POOL_RECYCLE seconds.
    # Every connection is checked before use (pool_pre_ping). README: "Pool sizing".
    "DB_POOL_SIZE": 2,
    "DB_MAX_OVERFLOW": 2,
    "DB_POOL_TIMEOUT": 10.0,
    "DB_POOL_RECYCLE": 3600,
    "REDIS_URL": None,
    "REDIS_TIMEOUT_SECONDS": 2.0,  # connect/read timeout for sessions and login limits in Redis
    "DATA_DIR": str(PROJECT_ROOT / "data"),
    # Load the sample city's data and proposals at setup; 0 for a real deployment (no sample at all).
    "SAMPLE_DATA": True,
    "PAGE_CACHE_SIZE": 512,  # rendered public responses kept per process, keyed by data version
    "PREFERRED_URL_SCHEME": "http",
    # Where the public reaches the portal, e.g. "https://spending.example.gov.cn": every absolute URL
    # (the Atom feed) is built from it, never from the request's Host header. Default: in tests
    # http://localhost, in debug http://127.0.0.1:5000; otherwise none, and a warning at start.
    "PUBLIC_URL": "",
    # Host names a request may name in its Host header (comma-separated; ".example.org" also
    # accepts its subdomains); any other gets a 400. The PUBLIC_URL's host is always one; in
    # debug and tests localhost and 127.0.0.1 are when nothing else is set.
    "TRUSTED_HOSTS": "",
    # The reverse proxies in front: a count N (the client is X-Forwarded-For's N-th address from
    # the right) or a comma-separated list of addresses/CIDRs (X-Forwarded-* honoured only when
    # the peer is one of them; the client is the first address from the right that is not).
    # X-Forwarded-Proto/-Host/-Port: as the nearest proxy sets them. Empty: the headers are ignored.
    "TRUSTED_PROXIES": "",
    "SESSION_COOKIE_SECURE": None,  # default: on when PUBLIC_URL is https
    "HSTS_MAX_AGE": 31536000,  # Strict-Transport-Security on HTTPS responses; 0 leaves it out
    "RETRY_AFTER_SECONDS": 30,  # told to readers (Retry-After) while the database is unreachable
    "LOG_LEVEL": "INFO",
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_MINUTES": 8 * 60,
    "LOGIN_LIMIT_PER_ADDRESS": "20 per minute; 100 per hour",
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute; 20 per hour",
    "MAX_UPLOAD_MB": 20,
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "TODAY": None,  # fixes "today" (ISO date) for deadlines, e.g. for screenshots; None = the real date in China
}

#: Settings whose default is derived but which the environment may switch on or off.
BOOLEANS = {"SESSION_COOKIE_SECURE"}
#: Host names trusted in debug and tests when no other is configured (the test client's is
#: "localhost"; ``make run`` serves on 127.0.0.1).
LOCAL_HOSTS = ["localhost", "127.0.0.1"]
#: The public address in debug mode when none is set: where ``make run`` serves.
DEBUG_PUBLIC_URL = "http://127.0.0.1:5000"

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "test", "development"}
MIN_SECRET_LENGTH = 32


class ConfigurationError(click.ClickException):
    """Raised when the app is asked to start with settings that are unsafe or incomplete. A
    ClickException, so that ``flask --app portal …`` says what to set in one line instead of a
    traceback (gunicorn and tests see an ordinary exception)."""


def _coerce(key: str, value: str, default: Any) -> Any:
    if isinstance(default, bool) or key in BOOLEANS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_config(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration mapping: defaults, then ``PORTAL_*`` variables, then *overrides*."""
    config: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = os.environ.get(f"PORTAL_{key}")
        config[key] = _coerce(key, raw, default) if raw is not None else default
    config["DEBUG"] = os.environ.get("PORTAL_DEBUG", "").lower() in {"1", "true", "yes"}
    config["PORTAL_DEBUG"] = config["DEBUG"]  # the flask command may reset DEBUG; this stays
    config["TESTING"] = False
    if overrides:
        config.update(overrides)

    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"
    config["SQLALCHEMY_ECHO"] = bool(config.get("SQLALCHEMY_ECHO", False))
    config["BABEL_DEFAULT_LOCALE"] = "zh_CN"
    config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    config["JSON_SORT_KEYS"] = False
    config["SESSION_COOKIE_NAME"] = "portal_session"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_UPLOAD_MB"]) * 1024 * 1024
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    if config["TESTING"]:
        # Hashing stays Argon2id, just cheap enough that the suite stays fast.
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"] = 1, 1024
    _check_secret_key(config)
    _public_address(config)
    return config


def _public_address(config: dict[str, Any]) -> None:
    """Derive Flask's own settings from ``PUBLIC_URL``, ``TRUSTED_HOSTS`` and ``TRUSTED_PROXIES``."""
    public = str(config.get("PUBLIC_URL") or "").strip()
    hosts = _host_list(config.get("TRUSTED_HOSTS"))
    if not public and (config["TESTING"] or config["DEBUG"]):
        public = "http://localhost" if config["TESTING"] else DEBUG_PUBLIC_URL
        hosts = hosts or list(LOCAL_HOSTS)
    if public:
        parts = urlsplit(public)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.hostname
            or parts.path not in {"", "/"}
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise ConfigurationError(
                "PORTAL_PUBLIC_URL must be a scheme and a host, e.g. https://spending.example.gov.cn"
                f" (a path prefix comes from the server's SCRIPT_NAME), not {public!r}."
            )
        config["PUBLIC_URL"] = f"{parts.scheme}://{parts.netloc.lower()}"
        config["SERVER_NAME"] = parts.netloc.lower()
        config["PREFERRED_URL_SCHEME"] = parts.scheme
        if parts.hostname not in hosts:
            hosts.append(parts.hostname)
    else:
        config["PUBLIC_URL"] = ""  # production without one: a warning at start (create_app)
    config["TRUSTED_HOSTS"] = hosts or None  # None: any host (production without either setting)
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config["PUBLIC_URL"].startswith("https:")
    config["TRUSTED_PROXIES"] = parse_trusted_proxies(config.get("TRUSTED_PROXIES"))


def _host_list(value: str | list[str] | None) -> list[str]:
    names = value.split(",") if isinstance(value, str) else value or []
    return [name.strip().lower() for name in names if name.strip()]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(value: Any) -> int | tuple[Network, ...]:
    """A count of proxies, or the networks of the trusted proxies; 0 for none."""
    if value is None or isinstance(value, int):
        return int(value or 0)
    if isinstance(value, tuple):
        return value
    text = str(value).strip()
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in text.split(",")
            if part.strip()
        )
    except ValueError as error:
        raise ConfigurationError(
            "PORTAL_TRUSTED_PROXIES must be a number of proxies or a comma-separated list of"
            f" addresses or networks (e.g. 10.0.0.0/8), not {text!r}: {error}"
        ) from None


def _check_secret_key(config: dict[str, Any]) -> None:
    secret = config.get("SECRET_KEY") or ""
    strong = len(secret) >= MIN_SECRET_LENGTH and secret.lower() not in WEAK_SECRETS
    if strong:
        return
    if config["DEBUG"] or config["TESTING"]:
        # Debug and test runs get a throwaway key: sessions do not survive a restart.
        config["SECRET_KEY"] = os.urandom(32).hex()
        return
    raise ConfigurationError(
        "PORTAL_SECRET_KEY must be set to a random string of at least "
        f"{MIN_SECRET_LENGTH} characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
    )
