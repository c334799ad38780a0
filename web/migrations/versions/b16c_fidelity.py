"""Shared mailboxes for notices by purpose (issue 16 item 9; 002 7.6.7: the care group and Finance receive the
agreed plan): ``notice_address`` holds one address per organisation unit and purpose.

Revision ID: b16c_fidelity
Revises: b15c_reads
"""
import sqlalchemy as sa
from alembic import op

revision = "b16c_fidelity"
down_revision = "b15c_reads"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_address",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_unit_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.UniqueConstraint("org_unit_id", "purpose", name="uq_notice_address"),
    )


def downgrade():
    op.drop_table("notice_address")
