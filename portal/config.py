"""Every setting in one place: a default here, a ``PORTAL_*`` environment variable to override it,
and a mapping passed to :func:`portal.create_app` for tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Settings read from the environment, with their defaults. ``None`` means "derived below".
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # default: SQLite under instance/
    "SECRET_KEY": None,
    "REDIS_URL": None,
    "DATA_DIR": str(PROJECT_ROOT / "data"),
    # Load the sample city's data and proposals at setup; 0 for a real deployment (no sample at all).
    "SAMPLE_DATA": True,
    "PAGE_CACHE_SIZE": 512,  # rendered public responses kept per process, keyed by data version
    "PREFERRED_URL_SCHEME": "http",
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

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "test", "development"}
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """Raised when the app is asked to start with settings that are unsafe or incomplete."""


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


def load_config(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration mapping: defaults, then ``PORTAL_*`` variables, then *overrides*."""
    config: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = os.environ.get(f"PORTAL_{key}")
        config[key] = _coerce(raw, default) if raw is not None else default
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
    return config


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
