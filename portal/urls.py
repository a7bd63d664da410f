"""Absolute URLs. With ``PORTAL_PUBLIC_URL`` set they are built from it alone, never from the
request (a forged ``Host`` must not end up in a cached feed); without it (debug, tests) from the
request's host, which only the trusted local names can then be."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for


def public_url_for(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL at the portal's public address."""
    if current_app.config["PUBLIC_URL"]:
        # SERVER_NAME (derived from PUBLIC_URL) gives the host; the scheme is given too, since the
        # request's own may be plain HTTP behind a proxy that terminates TLS.
        values["_scheme"] = current_app.config["PREFERRED_URL_SCHEME"]
    return url_for(endpoint, _external=True, **values)


def public_host() -> str:
    """The portal's host name, for identifiers such as the feed's tag URIs."""
    public = current_app.config["PUBLIC_URL"]
    return urlsplit(public or f"//{request.host}").hostname or "localhost"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(public_url_for=public_url_for, public_host=public_host)
