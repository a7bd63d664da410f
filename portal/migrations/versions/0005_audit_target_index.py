"""audit: an index of the entries' targets (the filter menu and the filter read it)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in batch mode: the table keeps its append-only triggers.
    op.create_index("ix_audit_entry_target", "audit_entry", ["target_type", "target_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_target", table_name="audit_entry")
