"""民生支出公开平台 — the livelihood spending portal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from portal import db, extensions, i18n, proxy_cache, static_files, urls
from portal.config import PROJECT_ROOT, load_config
from portal.security import SecurityHeaders, behind_proxies


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → error handlers → CLI → WhiteNoise."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.from_mapping(load_config(app.instance_path, config))
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _warn_about_the_public_address(app)

    # Each part registers itself, in this order: the plumbing every page needs, then the domains
    # (their pages, template globals, upload kinds, what publishing does, commands), then the
    # back office that lists them, then the error pages and the command line.
    from portal import (
        accounts,
        audit,
        datasets,
        errors,
        layout,
        opendata,
        proposals,
        spending,
        staff,
        web,
    )
    from portal.cli import register_commands

    db.init_app(app)
    extensions.babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    urls.init_app(app)
    web.init_app(app)
    datasets.init_app(app)
    spending.init_app(app)
    layout.init_app(app)  # the layout's navigation names the areas
    proposals.init_app(app)
    opendata.init_app(app)
    accounts.init_app(app)
    audit.init_app(app)
    staff.init_app(app)
    errors.init_app(app)
    register_commands(app)

    fingerprints = static_files.init_app(app)
    static = static_files.FingerprintedCaching(
        static_files.FreshWhiteNoise(app.wsgi_app, root=app.static_folder, prefix="static/"),
        fingerprints,
    )
    secured = SecurityHeaders(
        proxy_cache.ProxyCacheHints(static), hsts_max_age=app.config["HSTS_MAX_AGE"]
    )
    # Outermost: everything inside sees the client's address, scheme and host as our proxies
    # state them (and only ours).
    app.wsgi_app = behind_proxies(secured, app.config["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    return app


def _warn_about_the_public_address(app: Flask) -> None:
    if app.config["DEBUG"] or app.config["TESTING"]:
        return
    if not app.config["PUBLIC_URL"]:
        app.logger.warning(
            "PORTAL_PUBLIC_URL is not set: absolute URLs (the Atom feed) name whatever host a "
            "request gives. Set it to the address the public uses, e.g. https://spending.example.gov.cn"
        )
    if app.config["TRUSTED_HOSTS"] is None:
        app.logger.warning(
            "Any Host header is accepted: set PORTAL_PUBLIC_URL or PORTAL_TRUSTED_HOSTS."
        )
