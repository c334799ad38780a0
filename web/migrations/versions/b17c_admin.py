"""administration: leave dates, dated role assignments, panel list reviews, risk owners, disabled accounts,
row versions for If-Match on edits (issue 17 items 2, 3)

Revision ID: b17c_admin
Revises: b14g_deadline_status_check
"""
from alembic import op
import sqlalchemy as sa

import workflow.store.models  # noqa: F401  (custom column types)

revision = "b17c_admin"
down_revision = "b14g_deadline_status_check"
branch_labels = None
depends_on = None


def _row_version():
    return sa.Column("row_version", sa.Integer(), nullable=False, server_default="1")


def upgrade():
    with op.batch_alter_table("org_unit") as batch:
        batch.add_column(_row_version())
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("leave_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("sign_in_disabled", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(_row_version())
    with op.batch_alter_table("role_assignment") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch.add_column(_row_version())
        batch.create_check_constraint("role_assignment_dates",
                                      "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from")
    with op.batch_alter_table("job_planning_risk") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_job_planning_risk_owner_id_person", "person", ["owner_id"], ["id"])
    op.create_table(
        "panel_list_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=60), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", workflow.store.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("panel_list_review") as batch:
        batch.create_index(batch.f("ix_panel_list_review_role"), ["role"], unique=False)


def downgrade():
    with op.batch_alter_table("panel_list_review") as batch:
        batch.drop_index(batch.f("ix_panel_list_review_role"))
    op.drop_table("panel_list_review")
    with op.batch_alter_table("job_planning_risk") as batch:
        batch.drop_constraint("fk_job_planning_risk_owner_id_person", type_="foreignkey")
        batch.drop_column("owner_id")
    with op.batch_alter_table("role_assignment") as batch:
        batch.drop_constraint("role_assignment_dates", type_="check")
        for column in ("row_version", "valid_to", "valid_from"):
            batch.drop_column(column)
    with op.batch_alter_table("person") as batch:
        for column in ("row_version", "sign_in_disabled", "leave_date"):
            batch.drop_column(column)
    with op.batch_alter_table("org_unit") as batch:
        batch.drop_column("row_version")
