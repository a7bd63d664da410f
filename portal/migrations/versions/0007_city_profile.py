"""city facts: the names of the city and of its finance bureau, kept with each city version

The names are published like the population and the total spending: a new version of the city
dataset. A database upgraded from 0006 gets them the next time ``flask --app portal setup`` loads
the curated data (the sample city's names); until then the site shows the portal's generic name.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "city_profile",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("city_name_zh", sa.String(length=100), nullable=False),
        sa.Column("city_name_en", sa.String(length=200), nullable=False),
        sa.Column("bureau_name_zh", sa.String(length=100), nullable=False),
        sa.Column("bureau_name_en", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dataset_version.id"],
            name=op.f("fk_city_profile_version_id_dataset_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_city_profile")),
    )


def downgrade() -> None:
    op.drop_table("city_profile")
