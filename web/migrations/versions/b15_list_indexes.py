"""Indexes the lists need (issue 15): a case's earliest open clock, open cases, the cases a person sits on,
and the audit log's keyset pages.

Revision ID: b15_list_indexes
Revises: b13b_sessions
"""
from alembic import op

revision = "b15_list_indexes"
down_revision = "b13b_sessions"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_deadline_case_open", "deadline", ["case_id", "status", "due_at"]),
    ("ix_case_open", "workflow_case", ["closed_at", "id"]),
    ("ix_participant_person_status", "case_participant", ["person_id", "status"]),
    ("ix_event_at_id", "event", ["at", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
