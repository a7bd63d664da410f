"""Accounts shared by the back office and the deputies: users, roles, login, server-side sessions."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from limits.storage import Storage

from portal.extensions import csrf, limiter, login_manager
from portal.roles import needs_sign_in

#: Methods that change nothing, so need no CSRF token (and no session store).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def init_app(app: Flask) -> None:
    from portal.accounts.admin import admin
    from portal.accounts.cli import user_cli
    from portal.accounts.models import User
    from portal.accounts.sessions import ServerSideSessionInterface, make_store
    from portal.accounts.throttle import make_rate_limit_storage
    from portal.accounts.views import accounts
    from portal.db import get_session

    # Registered before CSRFProtect and Flask-Login on purpose (see _init_session_hooks).
    app.session_interface = ServerSideSessionInterface(make_store(app))
    _init_session_hooks(app)
    csrf.init_app(app)
    _init_rate_limits(app, make_rate_limit_storage(app, app.extensions["portal.db"]))

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
    app.cli.add_command(user_cli)


def _init_session_hooks(app: Flask) -> None:
    """Hooks around the session. Flask runs ``before_request`` hooks in the order they were
    registered and ``after_request`` hooks in the reverse order, so:

    - the store check runs before CSRFProtect's (a POST while Redis is down is a 503, not a
      missing CSRF token), and before any page behind sign-in (``portal.roles.roles_required``);
    - the session is written after Flask-Login's hook (which may still change it) and every hook
      registered later, but before ``portal.web`` commits the request: signing in and out commit or
      roll back together with their audit entries."""
    from portal.accounts.sessions import PortalSession, SessionStoreUnavailable

    @app.before_request
    def _refuse_without_store() -> None:
        current = session._get_current_object()  # type: ignore[attr-defined]
        if getattr(current, "unavailable", False) and (
            request.method not in SAFE_METHODS
            or needs_sign_in(app.view_functions.get(request.endpoint or ""))
        ):
            g.private_page = True
            raise SessionStoreUnavailable()

    @app.after_request
    def _write_session(response: Response) -> Response:
        current = session._get_current_object()  # type: ignore[attr-defined]
        if isinstance(current, PortalSession) and response.status_code < 400:
            try:
                current_app.session_interface.write_identity_change(  # type: ignore[attr-defined]
                    current_app, current
                )
            except SessionStoreUnavailable as error:
                response = unavailable_response(error)
        if is_private(current):
            response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Cookie")
        return response

    app.register_error_handler(SessionStoreUnavailable, unavailable_response)


def is_private(current: object) -> bool:
    """Does this response depend on who asks? Yes for a page behind sign-in or a sign-in form
    (``g.private_page``), and for any request that carries or gets a session cookie."""
    from portal.accounts.sessions import PortalSession

    return bool(
        g.get("private_page")
        or current_app.config["SESSION_COOKIE_NAME"] in request.cookies
        or (isinstance(current, PortalSession) and (current.modified or current.signed_in))
    )


def unavailable_response(error: Exception) -> Response:
    """The localised 503 page, with ``Retry-After`` (portal.errors renders it)."""
    from werkzeug.exceptions import HTTPException

    from portal.errors import handle_http_error

    assert isinstance(error, HTTPException)
    body, code = handle_http_error(error)
    response = current_app.make_response((body, code))
    for name, value in error.get_headers():
        if name == "Retry-After":
            response.headers[name] = value
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _init_rate_limits(app: Flask, storage: Storage) -> None:
    """Login limits counted where every worker sees them (see ``throttle``). A storage that fails
    lets the attempt through unlimited rather than answering 500: without Redis there is no sign-in
    anyway (503), and without the database neither."""
    app.extensions["portal.rate_limits"] = storage
    app.config["RATELIMIT_STORAGE_URI"] = "portal://"
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    # Only decorated views (the login form) are limited, and their decorators check the limits
    # themselves. The extension's per-request hook would evaluate every request of every public
    # page for nothing, and costs a third of a cached page's time: take it out.
    app.before_request_funcs[None] = [
        f for f in app.before_request_funcs.get(None, []) if f != limiter._check_request_limit
    ]
