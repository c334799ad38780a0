"""the annual round: one row per unit and year, one per person it handled

Revision ID: b17d_round_cover
Revises: b14g_deadline_status_check
"""
from alembic import op
import sqlalchemy as sa

import workflow.store.models  # noqa: F401  (custom column types)

revision = "b17d_round_cover"
down_revision = "b17c_admin"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_plan_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", workflow.store.models.UTCDateTime(), nullable=False),
        sa.Column("finished_at", workflow.store.models.UTCDateTime(), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["started_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_unit_id", "year", name="uq_job_plan_round_unit_year"),
    )
    with op.batch_alter_table("job_plan_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_plan_round_org_unit_id"), ["org_unit_id"], unique=False)
    op.create_table(
        "round_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("outcome in ('started', 'skipped')", name="round_member_outcome"),
        sa.CheckConstraint("(outcome = 'started') = (case_id IS NOT NULL)", name="round_member_started_case"),
        sa.ForeignKeyConstraint(["case_id"], ["workflow_case.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["job_plan_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "person_id", name="uq_round_member"),
    )
    with op.batch_alter_table("round_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_member_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_round_member_round_id"), ["round_id"], unique=False)


def downgrade():
    op.drop_table("round_member")
    op.drop_table("job_plan_round")
