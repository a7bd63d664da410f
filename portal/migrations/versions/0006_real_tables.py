"""real bureau tables: money to the 分, levels of government, names as given in the file,
how a file was read, sources of classification names

Amounts were stored as whole yuan (万元 with four places); a table in 元 carries 分, so every
money column now holds whole 分 (万元 with six places): the stored integers are multiplied by 100.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: Every column holding money in 万元 (``portal.spending.models.Money``).
MONEY_COLUMNS = {
    "budget_line": ("budget", "adjusted", "executed"),
    "area_total": (
        "budget",
        "adjusted",
        "executed",
        "staff_budget",
        "staff_adjusted",
        "staff_executed",
    ),
    "code_total": ("budget", "adjusted", "executed"),
    "livelihood_project": ("budget",),
    "city_year": ("general_budget_expenditure_budget", "general_budget_expenditure_final"),
}


def _rescale(operator: str) -> None:
    for table, columns in MONEY_COLUMNS.items():
        assignments = ", ".join(f"{c} = {c} {operator} 100" for c in columns)
        # Table and column names come from MONEY_COLUMNS above, never from input.
        op.execute(f"UPDATE {table} SET {assignments}")  # nosec B608


def upgrade() -> None:
    _rescale("*")
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("level", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_dataset_kind_year_stage", type_="unique")
        batch_op.create_unique_constraint(
            "uq_dataset_kind_year_stage_level", ["kind", "year", "stage", "level"]
        )
    # The spending published so far is the sample city's, as a whole.
    op.execute("UPDATE dataset SET level = 'citywide' WHERE kind = 'spending'")
    with op.batch_alter_table("dataset_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reading", sa.Text(), nullable=True))
    with op.batch_alter_table("code_name", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "file_code_name",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dataset_version.id"],
            name=op.f("fk_file_code_name_version_id_dataset_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "code", name=op.f("pk_file_code_name")),
    )


def downgrade() -> None:
    op.drop_table("file_code_name")
    with op.batch_alter_table("code_name", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("dataset_version", schema=None) as batch_op:
        batch_op.drop_column("reading")
    # Only the broadest level of each spending dataset survives a downgrade.
    op.execute(
        "DELETE FROM dataset WHERE kind = 'spending' AND level <> 'citywide'"
        " AND published_version_id IS NULL AND id NOT IN (SELECT dataset_id FROM dataset_version)"
    )
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dataset_kind_year_stage_level", type_="unique")
        batch_op.create_unique_constraint("uq_dataset_kind_year_stage", ["kind", "year", "stage"])
        batch_op.drop_column("level")
    _rescale("/")
