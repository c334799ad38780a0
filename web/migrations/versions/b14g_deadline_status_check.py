"""deadline status consistent with closed_at, paused_at and next_check_at (issue 14 item 7)

Revision ID: b14g_deadline_status_check
Revises: b17_sign_in_links
Create Date: 2026-11-27 17:30:00

The statuses and their meaning are ``workflow.store.deadline_rules``; the model's CHECK is generated from its
enum. The text is written out here so this migration stays what it was when it ran;
tests/integration/test_deadline_rules.py checks it still equals what the enum generates.
"""
from alembic import op

revision = "b14g_deadline_status_check"
down_revision = "b17_sign_in_links"
branch_labels = None
depends_on = None

NAME = "deadline_status_consistent"
CONSISTENT = ("(status not in ('met', 'expired', 'cancelled') or closed_at is not null)"
              " and (status not in ('open', 'paused') or closed_at is null)"
              " and (status <> 'paused' or paused_at is not null)"
              " and (status in ('open', 'breached') or next_check_at is null)")


def upgrade():
    # SQLite cannot add a constraint to a table: batch mode copies the table with it (render_as_batch).
    with op.batch_alter_table("deadline", recreate="auto") as batch:
        batch.create_check_constraint(NAME, CONSISTENT)


def downgrade():
    with op.batch_alter_table("deadline", recreate="auto") as batch:
        batch.drop_constraint(NAME, type_="check")
