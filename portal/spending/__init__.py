"""Livelihood spending: the public pages, the aggregates computed at publish time, and the upload
kinds of spending tables, indicators and practical projects."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this domain's pages, template globals, upload kinds and what publishing does."""
    from portal.spending import aggregation, upload
    from portal.spending.views import pages

    app.register_blueprint(pages)
    aggregation.init_app(app)
    upload.init_app(app)
