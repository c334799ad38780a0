"""one-time sign-in links (trust bootstrap, invitations, password resets)

Revision ID: b17_sign_in_links
Revises: b15_list_indexes
"""
from alembic import op
import sqlalchemy as sa

import workflow.store.models  # noqa: F401  (custom column types)

revision = "b17_sign_in_links"
down_revision = "b15_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", workflow.store.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", workflow.store.models.UTCDateTime(), nullable=False),
        sa.Column("used_at", workflow.store.models.UTCDateTime(), nullable=True),
        sa.CheckConstraint("purpose in ('bootstrap', 'invite', 'reset')", name="sign_in_link_purpose"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("sign_in_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_link_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sign_in_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_link_person_id"))
    op.drop_table("sign_in_link")
