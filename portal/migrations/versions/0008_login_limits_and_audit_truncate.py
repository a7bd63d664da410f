"""login limits in the database; the audit log refuses TRUNCATE

- ``rate_limit_counter``: the login limits' fixed-window counters when there is no Redis, so that
  every worker counts the same attempts (in memory each worker allowed the limit again);
- PostgreSQL: a statement-level ``BEFORE TRUNCATE`` trigger on ``audit_entry`` (the row triggers of
  0002 refuse UPDATE and DELETE, but TRUNCATE fires no row trigger). SQLite has no TRUNCATE.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counter",
        sa.Column("limit_key", sa.String(length=255), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("limit_key", name=op.f("pk_rate_limit_counter")),
    )
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_limit_counter_expires_at"), ["expires_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # The function of 0002 raises "the audit log is append-only" whatever the event.
        op.execute(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_counter_expires_at"))
    op.drop_table("rate_limit_counter")
