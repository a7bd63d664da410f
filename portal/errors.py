"""Error pages: localised HTML for pages, RFC 7807 problem+json for the API."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.i18n import LANGUAGES, best_language


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
    code = error.code or 500
    if "lang" not in g:
        first = request.path.strip("/").split("/", 1)[0]
        g.lang = first if first in LANGUAGES else best_language()
    title = _titles().get(code, error.name)
    # Werkzeug's stock descriptions are English-only; ours are passed in already translated.
    detail = error.description if getattr(error, "portal_message", False) else _default_detail(code)
    if wants_json():
        response = jsonify(type="about:blank", title=title, status=code, detail=detail)
        response.status_code = code
        response.mimetype = "application/problem+json"
        return response, code
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=error)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)


def user_error(exception_class: type[HTTPException], message: str) -> HTTPException:
    """An HTTP error whose message (already translated) is shown to the reader as it is."""
    error = exception_class(description=message)
    error.portal_message = True  # type: ignore[attr-defined]
    return error
