"""Fixtures for accounts tests that need real commits (``committing_app``, from the root
conftest: an app on a database of its own), where the session store, the login limits and the
request's own transaction meet as they do in production — the suite's rolled-back transaction
hides that."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture
def backend_of():
    def backend(app: Flask) -> str:
        return "sqlite" if app.config["DATABASE_URL"].startswith("sqlite") else "postgresql"

    return backend
