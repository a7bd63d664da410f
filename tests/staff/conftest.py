"""Fixtures of the staff tests: running the importer inside a request context in a chosen language,
and counting what is in the database (to show that a rejected file writes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry
from portal.datasets.models import Dataset, DatasetVersion, DataState
from portal.spending.models import AreaTotal, BudgetLine, Indicator, LivelihoodProject


def database_counts(session: Session) -> dict[str, Any]:
    """Everything an import or a publish could write."""
    return {
        "datasets": session.scalar(select(func.count()).select_from(Dataset)),
        "versions": session.scalar(select(func.count()).select_from(DatasetVersion)),
        "lines": session.scalar(select(func.count()).select_from(BudgetLine)),
        "indicators": session.scalar(select(func.count()).select_from(Indicator)),
        "projects": session.scalar(select(func.count()).select_from(LivelihoodProject)),
        "area_totals": session.scalar(select(func.count()).select_from(AreaTotal)),
        "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
        "data_version": session.scalar(select(DataState.version)),
        "published": sorted(
            session.execute(select(Dataset.id, Dataset.published_version_id)).all()
        ),
    }


@pytest.fixture
def counts(session: Session) -> Callable[[], dict[str, Any]]:
    def read() -> dict[str, Any]:
        session.expire_all()
        return database_counts(session)

    return read


@pytest.fixture
def draft(session: Session, in_lang: Callable[..., Any]) -> DatasetVersion:
    """A draft of the 2023 final accounts (the valid sample table), not published."""
    from portal.spending.upload import import_spending
    from portal.uploads.files import TableSource
    from tests.helpers import spending_request
    from tests.staff.files import VALID_2023, csv_bytes

    with in_lang("en"):
        result = import_spending(
            session,
            TableSource.from_bytes(csv_bytes(VALID_2023), "draft.csv"),
            spending_request("someone@example.org", title="草稿", source_doc="测试"),
        )
    session.commit()
    version = session.get(DatasetVersion, result.version_id)
    assert version is not None
    return version
