"""deputy cover: a clinical manager who is away names a deputy for a date range (issue 17 item 7)

Revision ID: b17e_deputies
Revises: b16c_fidelity
"""
from alembic import op
import sqlalchemy as sa

import workflow.store.models  # noqa: F401  (custom column types)

revision = "b17e_deputies"
down_revision = "b16c_fidelity"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("covered_until", sa.Date(), nullable=True))
    op.create_table(
        "deputy_cover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("arranged_by_id", sa.Integer(), nullable=True),
        sa.Column("arranged_at", workflow.store.models.UTCDateTime(), nullable=False),
        sa.Column("ended_at", workflow.store.models.UTCDateTime(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("starts_on <= ends_on", name="deputy_cover_dates"),
        sa.CheckConstraint("deputy_id <> manager_id", name="deputy_cover_not_own_deputy"),
        sa.ForeignKeyConstraint(["manager_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["deputy_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["arranged_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["ended_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deputy_cover_deputy", "deputy_cover", ["deputy_id", "ends_on"])
    op.create_index("ix_deputy_cover_manager", "deputy_cover", ["manager_id", "ends_on"])


def downgrade():
    op.drop_index("ix_deputy_cover_manager", table_name="deputy_cover")
    op.drop_index("ix_deputy_cover_deputy", table_name="deputy_cover")
    op.drop_table("deputy_cover")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("covered_until")
