"""Nobody is their own clinical manager, on the person and on a case (issue 13 item 1)

One open sign-off per person (item 9) is enforced by locking the person's row when a case is opened
(workflow/service/starts.py), so it needs no schema change.

Revision ID: b13a_one_open_case
Revises: 88a3e0fcdfff
Create Date: 2026-11-27 17:00:00

"""
from alembic import op

revision = "b13a_one_open_case"
down_revision = "88a3e0fcdfff"
branch_labels = None
depends_on = None


def upgrade():
    # Rows the old code let through: a person recorded as their own manager has no manager on record; a case
    # whose "manager" was its own practitioner (a self-appointment) gets the practitioner's manager on record.
    op.execute("UPDATE person SET manager_id = NULL WHERE manager_id = id")
    op.execute("UPDATE workflow_case SET manager_id = (SELECT p.manager_id FROM person p WHERE p.id = "
               "workflow_case.subject_id) WHERE manager_id = subject_id")
    with op.batch_alter_table("person") as batch_op:
        batch_op.create_check_constraint("person_not_own_manager", "manager_id IS NULL OR manager_id <> id")
    with op.batch_alter_table("workflow_case") as batch_op:
        batch_op.create_check_constraint("case_manager_not_subject", "manager_id IS NULL OR manager_id <> subject_id")


def downgrade():
    with op.batch_alter_table("workflow_case") as batch_op:
        batch_op.drop_constraint("case_manager_not_subject", type_="check")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_constraint("person_not_own_manager", type_="check")
