"""The case's earliest open clock as a column (issue 15): ``workflow_case.next_due_at``, written with the case's
deadlines by their one writer (``workflow.store.rows``), and the indexes that serve the case list and the inbox
in that order; existing cases are filled in from their deadlines.

Revision ID: b15b_next_due
Revises: b14g_deadline_status_check
"""
import sqlalchemy as sa
from alembic import op

revision = "b15b_next_due"
down_revision = "b17d_round_cover"
branch_labels = None
depends_on = None

NOT_CLOSED = ("open", "breached", "paused")  # workflow.store.deadline_rules.NOT_CLOSED, written out as it is now
INDEXES = [("ix_case_next_due", ["next_due_at", "id"]), ("ix_case_state_next_due", ["state", "next_due_at", "id"])]


def upgrade():
    with op.batch_alter_table("workflow_case") as batch:
        batch.add_column(sa.Column("next_due_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE workflow_case SET next_due_at = (SELECT MIN(d.due_at) FROM deadline d WHERE d.case_id = workflow_case.id"
        f" AND d.status IN ({', '.join(repr(s) for s in NOT_CLOSED)})) WHERE closed_at IS NULL")
    for name, columns in INDEXES:
        op.create_index(name, "workflow_case", columns)


def downgrade():
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="workflow_case")
    with op.batch_alter_table("workflow_case") as batch:
        batch.drop_column("next_due_at")
