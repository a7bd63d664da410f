"""Versioned datasets: every upload is a version, one version per dataset is published, and one
monotonic data version number changes whenever anything published changes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The words for kinds, stages and amounts, for every template (``dataset_labels``)."""
    from portal.datasets import labels

    app.jinja_env.globals.update(dataset_labels=labels)
