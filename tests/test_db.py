"""Database helpers shared by the domains."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.db import distinct_values
from portal.proposals.models import ProposalItem


def test_distinct_values_match_select_distinct(session) -> None:
    for column, descending in (
        (ProposalItem.year, True),
        (ProposalItem.year, False),
        (AuditEntry.action, False),
        (AuditEntry.target_type, False),
    ):
        expected = sorted(
            (v for v in session.scalars(select(column).distinct()) if v is not None),
            reverse=descending,
        )
        assert expected, column
        assert distinct_values(session, column, descending=descending) == expected
