"""The staff domain; `init_app` registers its blueprints and CLI commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this domain's blueprints and commands (called by ``create_app``)."""
