"""Fixtures of the spending tests: running code in a request context in a chosen language, and
counting dataset versions (to show that a refused upload writes nothing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetVersion


@pytest.fixture
def version_count(session: Session) -> Callable[[], int]:
    """How many dataset versions the database holds now."""

    def read() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(DatasetVersion)) or 0

    return read
