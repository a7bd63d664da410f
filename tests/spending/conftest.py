"""Fixtures of the spending tests: running code in a request context in a chosen language, and
counting dataset versions (to show that a refused upload writes nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from flask import Flask, g
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetVersion


@pytest.fixture
def in_lang(app: Flask) -> Callable[[str], AbstractContextManager[None]]:
    """``with in_lang("en"): …`` runs code in a request context whose messages are in English."""

    @contextmanager
    def context(lang: str = "en") -> Iterator[None]:
        with app.test_request_context(f"/{lang}/"):
            g.lang = lang
            yield

    return context


@pytest.fixture
def version_count(session: Session) -> Callable[[], int]:
    """How many dataset versions the database holds now."""

    def read() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(DatasetVersion)) or 0

    return read
