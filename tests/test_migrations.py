"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import portal.accounts.models
import portal.datasets.models
import portal.proposals.models
import portal.spending.models
import portal.staff.models  # noqa: F401
from portal.db import Base


def test_models_and_migrations_agree(app) -> None:
    engine = app.extensions["portal.db"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
