"""proposals: a character-bigram index of the public search text, a narrow index of the filters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


FILTER_COLUMNS = (
    "year",
    "status",
    "kind",
    "role",
    "reply_class",
    "current_due",
    "reply_due",
    "first_replied_on",
    "first_reply_on_time",
    "met_on",
    "handling_final",
    "result_final",
)


def _grams(text: str) -> set[str]:
    """As portal.proposals.search.grams when this revision was written."""
    found: set[str] = set()
    for run in text.split():
        found.update(run[i : i + 2] for i in range(len(run) - 1))
        found.add(run[-1])
    return found


def upgrade() -> None:
    gram = op.create_table(
        "proposal_search_gram",
        sa.Column(
            "gram",
            sa.String(length=2).with_variant(sa.String(length=2, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["proposal_item.id"],
            name=op.f("fk_proposal_search_gram_item_id_proposal_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "item_id", name=op.f("pk_proposal_search_gram")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("proposal_search_gram", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_search_gram_item_id"), ["item_id"], unique=False
        )
    with op.batch_alter_table("proposal_item", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_item_filters", list(FILTER_COLUMNS), unique=False)
    items = sa.table("proposal_item", sa.column("id", sa.Integer), sa.column("search_text"))
    connection = op.get_bind()
    rows = [
        {"gram": g, "item_id": item_id}
        for item_id, text in connection.execute(sa.select(items.c.id, items.c.search_text))
        for g in _grams(text or "")
    ]
    for start in range(0, len(rows), 10_000):
        op.bulk_insert(gram, rows[start : start + 10_000])


def downgrade() -> None:
    with op.batch_alter_table("proposal_item", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_item_filters")
    with op.batch_alter_table("proposal_search_gram", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_search_gram_item_id"))
    op.drop_table("proposal_search_gram")
