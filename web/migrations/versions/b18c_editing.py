"""A sitting of edits is one version (issue 18 item 5): the plan remembers its open sitting, the version being
edited, by whom and when it last changed, so the same editor's saves within the sitting amend that version
instead of adding one per row.

Revision ID: b18c_editing
Revises: b17e_deputies
"""
import sqlalchemy as sa
from alembic import op

import workflow.store.models  # noqa: F401  (custom column types)

revision = "b18c_editing"
down_revision = "b17e_deputies"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_plan") as batch:
        batch.add_column(sa.Column("sitting_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sitting_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sitting_touched_at", workflow.store.models.UTCDateTime(), nullable=True))
        batch.create_foreign_key("fk_job_plan_sitting_by_id_person", "person", ["sitting_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("job_plan") as batch:
        batch.drop_constraint("fk_job_plan_sitting_by_id_person", type_="foreignkey")
        batch.drop_column("sitting_touched_at")
        batch.drop_column("sitting_by_id")
        batch.drop_column("sitting_version")
