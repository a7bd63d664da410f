"""Error pages: localised HTML for pages, RFC 7807 problem+json for the API.

A database that cannot be reached is not a bug: it is answered with a 503 and ``Retry-After``,
on a page that needs neither the database nor the session, and the next request after the
database is back is served as usual (connections are re-established, nothing needs a restart)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.http import http_date

from portal.db import database_unavailable, rollback_at_edge
from portal.extensions import login_manager
from portal.i18n import LANGUAGES, best_language


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached or used at the moment."""


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("The file is too large"),
        429: _("Too many requests"),
        500: _("Something went wrong on our side"),
        503: _("The service is temporarily unavailable"),
    }


def _default_detail(code: int) -> str:
    return {
        400: _("Please check the address and try again."),
        404: _(
            "The page you asked for does not exist. Check the address, or start from the home page."
        ),
        405: _("This address does not accept that kind of request."),
        413: _("The file is larger than the allowed size."),
        429: _("Please wait a moment before trying again."),
        500: _("The error has been logged. Please try again later."),
        503: _("Please try again in a few minutes."),
    }.get(code, _("Please try again."))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> tuple[Response | str, int]:
    original = getattr(error, "original_exception", None)
    if isinstance(error, InternalServerError) and original and database_unavailable(original):
        # Raised outside a view (opening the session, committing at the edge): Flask hands it
        # over as a 500.
        return handle_unavailable(original)
    code = error.code or 500
    _ensure_language()
    _ensure_url_adapter()
    title = _titles().get(code, error.name)
    # Werkzeug's stock descriptions are English-only; ours are passed in already translated.
    detail = error.description if getattr(error, "portal_message", False) else _default_detail(code)
    if wants_json():
        response = jsonify(type="about:blank", title=title, status=code, detail=detail)
        response.status_code = code
        response.mimetype = "application/problem+json"
    else:
        if code == 503:
            _without_the_database()
        body = render_template("errors/error.html", code=code, title=title, detail=detail)
        response = current_app.make_response((body, code))
    if code == 503:
        wait = getattr(error, "retry_after", None) or current_app.config["RETRY_AFTER_SECONDS"]
        response.headers["Retry-After"] = (
            http_date(wait) if isinstance(wait, datetime) else str(wait)
        )
        response.headers["Cache-Control"] = "no-store"
    return response, code


def handle_unavailable(error: BaseException) -> tuple[Response | str, int]:
    _ensure_language()
    current_app.logger.error("database unavailable: %s", error)
    message = _(
        "The portal cannot reach its data at the moment. Nothing is lost: please try again in a"
        " few minutes."
    )
    return handle_http_error(user_error(DatabaseUnavailable, message))


def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    if database_unavailable(error):
        return handle_unavailable(error)
    current_app.logger.exception("unhandled error", exc_info=error)
    # A write that failed halfway leaves the request's session needing a rollback: roll it back
    # first, or rendering the error page (which reads the city's name) fails in turn.
    with suppress(Exception):
        rollback_at_edge()
    return handle_http_error(InternalServerError())


def _ensure_language() -> None:
    """The reader's language, from the address when the request failed before it was read (the
    first message translated fixes the language of the whole response)."""
    if "lang" not in g:
        first = request.path.strip("/").split("/", 1)[0]
        g.lang = first if first in LANGUAGES else best_language()


def _without_the_database() -> None:
    """Let the layout of a 503 page render with neither the database nor the session store:
    nobody is signed in (the user would be read from them) and no message is flashed (those
    are kept in the session)."""
    g._login_user = login_manager.anonymous_user()  # what Flask-Login's current_user returns
    context = request_ctx._get_current_object()  # type: ignore[attr-defined]
    context.flashes = []
    if context._session is None:  # opening the session failed: nothing is saved either
        context._session = current_app.session_interface.make_null_session(current_app)


def _ensure_url_adapter() -> None:
    """A request whose ``Host`` was refused (not a trusted host, or not a host name at all) has no
    URL adapter, and its error page could not build a single link: give it one for the public
    address (the links are relative anyway)."""
    context = request_ctx._get_current_object()  # type: ignore[attr-defined]
    if context.url_adapter is None:
        context.url_adapter = current_app.url_map.bind(
            current_app.config["SERVER_NAME"] or "localhost",
            script_name=request.script_root or "/",
            url_scheme=current_app.config["PREFERRED_URL_SCHEME"],
        )


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)


def user_error(exception_class: type[HTTPException], message: str) -> HTTPException:
    """An HTTP error whose message (already translated) is shown to the reader as it is."""
    error = exception_class(description=message)
    error.portal_message = True  # type: ignore[attr-defined]
    return error
