"""Accounts shared by the back office and the deputies: users, roles, login, server-side sessions."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext as _l

from portal.extensions import csrf, limiter, login_manager


def init_app(app: Flask) -> None:
    from portal.accounts.admin import admin
    from portal.accounts.cli import user_cli
    from portal.accounts.models import User
    from portal.accounts.sessions import ServerSideSessionInterface, make_store
    from portal.accounts.views import accounts
    from portal.audit.views import audit
    from portal.db import get_session

    app.session_interface = ServerSideSessionInterface(make_store(app))
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    # Only decorated views (the login form) are limited, and their decorators check the limits
    # themselves. The extension's per-request hook would evaluate every request of every public
    # page for nothing, and costs a third of a cached page's time: take it out.
    app.before_request_funcs[None] = [
        f for f in app.before_request_funcs.get(None, []) if f != limiter._check_request_limit
    ]

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        if "_portal_user" not in g:
            g._portal_user = get_session().get(User, int(user_id))
        user: User | None = g._portal_user
        return user if user is not None and user.active else None

    app.register_blueprint(accounts)
    app.register_blueprint(admin)
    app.register_blueprint(audit)
    app.cli.add_command(user_cli)
