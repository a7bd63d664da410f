"""proposals: suggestions and proposals, their append-only timelines, replies and feedback

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:55:38.683658
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: Tables holding the timeline: rows are only ever added.
APPEND_ONLY = ("proposal_event", "proposal_reply", "proposal_feedback")


def upgrade() -> None:
    op.create_table(
        "proposal_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_import")),
        sa.UniqueConstraint("sha256", name=op.f("uq_proposal_import_sha256")),
    )
    op.create_table(
        "proposal_reply_class",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_proposal_reply_class")),
    )
    op.create_table(
        "proposal_submitter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("deputy", "member", name="submitterkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("affiliation", sa.String(length=200), nullable=False),
        sa.Column("affiliation_en", sa.String(length=200), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_submitter")),
        sa.UniqueConstraint("key", name=op.f("uq_proposal_submitter_key")),
    )
    with op.batch_alter_table("proposal_submitter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_submitter_name"), ["name"], unique=False)

    op.create_table(
        "proposal_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("session_label", sa.String(length=100), nullable=False),
        sa.Column("session_label_en", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("suggestion", "proposal", name="itemkind", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=400), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("lead_submitter_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "sole", "lead", "co", "split", name="handlingrole", native_enum=False, length=8
            ),
            nullable=False,
        ),
        sa.Column("other_units", sa.String(length=300), nullable=False),
        sa.Column("other_units_en", sa.String(length=400), nullable=False),
        sa.Column("areas", sa.String(length=200), nullable=False),
        sa.Column("budget_codes", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "in_hand",
                "extended",
                "replied",
                "rehandling",
                "following_up",
                "feedback",
                "opinion_sent",
                "closed",
                name="status",
                native_enum=False,
                length=14,
            ),
            nullable=False,
        ),
        sa.Column("assigned_on", sa.Date(), nullable=True),
        sa.Column("reply_due", sa.Date(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("current_due", sa.Date(), nullable=True),
        sa.Column("first_replied_on", sa.Date(), nullable=True),
        sa.Column("first_reply_on_time", sa.Boolean(), nullable=True),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("reply_class", sa.String(length=8), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.Column(
            "handling_first",
            sa.Enum("satisfied", "basic", "dissatisfied", name="satisfaction", native_enum=False),
            nullable=True,
        ),
        sa.Column(
            "result_first",
            sa.Enum("satisfied", "basic", "dissatisfied", name="satisfaction", native_enum=False),
            nullable=True,
        ),
        sa.Column(
            "handling_final",
            sa.Enum("satisfied", "basic", "dissatisfied", name="satisfaction", native_enum=False),
            nullable=True,
        ),
        sa.Column(
            "result_final",
            sa.Enum("satisfied", "basic", "dissatisfied", name="satisfaction", native_enum=False),
            nullable=True,
        ),
        sa.Column(
            "disclosure",
            sa.Enum("full", "summary", "withheld", name="disclosure", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("disclosure_due", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("last_event_on", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_submitter_id"],
            ["proposal_submitter.id"],
            name=op.f("fk_proposal_item_lead_submitter_id_proposal_submitter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_item")),
        sa.UniqueConstraint(
            "session_label",
            "kind",
            "number",
            name=op.f("uq_proposal_item_session_label_kind_number"),
        ),
    )
    with op.batch_alter_table("proposal_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_item_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_proposal_item_last_event_on"), ["last_event_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_proposal_item_lead_submitter_id"), ["lead_submitter_id"], unique=False
        )
        batch_op.create_index("ix_proposal_item_list_order", ["year", "number", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_proposal_item_published_on"), ["published_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_proposal_item_reply_class"), ["reply_class"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_proposal_item_role"), ["role"], unique=False)
        batch_op.create_index(
            "ix_proposal_item_status_due", ["status", "current_due"], unique=False
        )

    op.create_table(
        "proposal_cosigner",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["proposal_item.id"],
            name=op.f("fk_proposal_cosigner_item_id_proposal_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitter_id"],
            ["proposal_submitter.id"],
            name=op.f("fk_proposal_cosigner_submitter_id_proposal_submitter"),
        ),
        sa.PrimaryKeyConstraint("item_id", "submitter_id", name=op.f("pk_proposal_cosigner")),
    )
    with op.batch_alter_table("proposal_cosigner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_cosigner_submitter_id"), ["submitter_id"], unique=False
        )

    op.create_table(
        "proposal_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "assigned",
                "extended",
                "met",
                "replied",
                "feedback",
                "rehandled",
                "published",
                "followed_up",
                "closed",
                name="eventkind",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["proposal_item.id"], name=op.f("fk_proposal_event_item_id_proposal_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_event")),
        sa.UniqueConstraint("item_id", "seq", name=op.f("uq_proposal_event_item_id_seq")),
    )
    with op.batch_alter_table("proposal_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_event_item_id"), ["item_id"], unique=False)
        batch_op.create_index("ix_proposal_event_kind_on", ["kind", "occurred_on"], unique=False)

    op.create_table(
        "proposal_item_area",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["proposal_item.id"],
            name=op.f("fk_proposal_item_area_item_id_proposal_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "area", name=op.f("pk_proposal_item_area")),
    )
    with op.batch_alter_table("proposal_item_area", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_item_area_area_item", ["area", "item_id"], unique=False)

    op.create_table(
        "proposal_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("replied_on", sa.Date(), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("reply_class", sa.String(length=8), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["proposal_event.id"],
            name=op.f("fk_proposal_reply_event_id_proposal_event"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["proposal_item.id"], name=op.f("fk_proposal_reply_item_id_proposal_item")
        ),
        sa.ForeignKeyConstraint(
            ["reply_class"],
            ["proposal_reply_class.code"],
            name=op.f("fk_proposal_reply_reply_class_proposal_reply_class"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_reply")),
        sa.UniqueConstraint("event_id", name=op.f("uq_proposal_reply_event_id")),
        sa.UniqueConstraint("item_id", "round", name=op.f("uq_proposal_reply_item_id_round")),
    )
    with op.batch_alter_table("proposal_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_reply_item_id"), ["item_id"], unique=False)

    op.create_table(
        "proposal_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column(
            "handling",
            sa.Enum("satisfied", "basic", "dissatisfied", name="satisfaction", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.Enum("satisfied", "basic", "dissatisfied", name="satisfaction", native_enum=False),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["proposal_event.id"],
            name=op.f("fk_proposal_feedback_event_id_proposal_event"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["proposal_item.id"],
            name=op.f("fk_proposal_feedback_item_id_proposal_item"),
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["proposal_reply.id"],
            name=op.f("fk_proposal_feedback_reply_id_proposal_reply"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_feedback")),
        sa.UniqueConstraint("event_id", name=op.f("uq_proposal_feedback_event_id")),
        sa.UniqueConstraint("item_id", "round", name=op.f("uq_proposal_feedback_item_id_round")),
    )
    with op.batch_alter_table("proposal_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_feedback_item_id"), ["item_id"], unique=False)

    # The timeline is append-only: the database itself refuses to change or remove a step.
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        else:
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )


def downgrade() -> None:
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    with op.batch_alter_table("proposal_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_feedback_item_id"))

    op.drop_table("proposal_feedback")
    with op.batch_alter_table("proposal_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_reply_item_id"))

    op.drop_table("proposal_reply")
    with op.batch_alter_table("proposal_item_area", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_item_area_area_item")

    op.drop_table("proposal_item_area")
    with op.batch_alter_table("proposal_event", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_event_kind_on")
        batch_op.drop_index(batch_op.f("ix_proposal_event_item_id"))

    op.drop_table("proposal_event")
    with op.batch_alter_table("proposal_cosigner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_cosigner_submitter_id"))

    op.drop_table("proposal_cosigner")
    with op.batch_alter_table("proposal_item", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_item_status_due")
        batch_op.drop_index(batch_op.f("ix_proposal_item_role"))
        batch_op.drop_index(batch_op.f("ix_proposal_item_reply_class"))
        batch_op.drop_index(batch_op.f("ix_proposal_item_published_on"))
        batch_op.drop_index("ix_proposal_item_list_order")
        batch_op.drop_index(batch_op.f("ix_proposal_item_lead_submitter_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_item_last_event_on"))
        batch_op.drop_index(batch_op.f("ix_proposal_item_kind"))

    op.drop_table("proposal_item")
    with op.batch_alter_table("proposal_submitter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_submitter_name"))

    op.drop_table("proposal_submitter")
    op.drop_table("proposal_reply_class")
    op.drop_table("proposal_import")
