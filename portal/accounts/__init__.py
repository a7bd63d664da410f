"""Accounts shared by the back office and the deputies: users, roles, login, server-side sessions."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import lazy_gettext as _l

from portal.extensions import csrf, limiter, login_manager


def init_app(app: Flask) -> None:
    from portal.accounts.cli import user_cli
    from portal.accounts.models import User
    from portal.accounts.sessions import ServerSideSessionInterface, make_store
    from portal.accounts.views import accounts
    from portal.db import get_session

    app.session_interface = ServerSideSessionInterface(make_store(app))
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

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
    app.cli.add_command(user_cli)
