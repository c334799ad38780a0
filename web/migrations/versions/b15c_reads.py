"""The deadline list's keyset order as an index (issue 15): ``deadline (due_at, id)`` replaces ``(due_at)``, of
which it is a prefix, so ``GET /api/v1/deadlines`` reads a page (soonest first, then by id, after a cursor) from
the index instead of sorting every deadline a trust keeps.

Revision ID: b15c_reads
Revises: b15b_next_due
"""
from alembic import op

revision = "b15c_reads"
down_revision = "b15b_next_due"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_deadline_due_at_id", "deadline", ["due_at", "id"])
    op.drop_index("ix_deadline_due_at", table_name="deadline")


def downgrade():
    op.create_index("ix_deadline_due_at", "deadline", ["due_at"])
    op.drop_index("ix_deadline_due_at_id", table_name="deadline")
