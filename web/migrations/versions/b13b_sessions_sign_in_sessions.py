"""sign-in sessions the server can end (issue 13 item 5)

Revision ID: b13b_sessions
Revises: b13d_append_only_audit
Create Date: 2026-11-27 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import workflow.store.models  # noqa: F401  (custom column types)


revision = 'b13b_sessions'
down_revision = 'b13d_append_only_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('started_at', workflow.store.models.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', workflow.store.models.UTCDateTime(), nullable=False),
    sa.Column('ended_at', workflow.store.models.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.CheckConstraint('(ended_at IS NULL) = (end_reason IS NULL)', name='sign_in_session_end_has_reason'),
    sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('signed_out', 'signed_out_everywhere', "
                       "'password_changed', 'idle', 'expired', 'inactive')", name='sign_in_session_end_reason'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_session_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_session_person_id'))
    op.drop_table('sign_in_session')
