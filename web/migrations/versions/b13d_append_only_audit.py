"""append-only audit log, with trust-level events

The database refuses UPDATE and DELETE on ``event`` (a trigger on SQLite and PostgreSQL), and the log holds
trust-level facts (sign-ins, tokens, staff imports, plan edits, manager changes) with no case: ``case_id``
becomes nullable and ``subject`` names what such an event is about (issue 13, item 10).

Revision ID: b13d_append_only_audit
Revises: b13a_one_open_case
Create Date: 2026-11-27 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b13d_append_only_audit'
down_revision = 'b13a_one_open_case'
branch_labels = None
depends_on = None

# Frozen copies of workflow/audit_triggers.py as of this revision.
MESSAGE = "audit events are append-only"
SQLITE_CREATE = [
    f"CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS event_no_update", "DROP TRIGGER IF EXISTS event_no_delete"]
POSTGRESQL_CREATE = [
    "CREATE OR REPLACE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused', ERRCODE = 'insufficient_privilege'; "
    "END $$",
    "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
    "FOR EACH ROW EXECUTE FUNCTION event_append_only()",
]
POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS event_append_only ON event", "DROP FUNCTION IF EXISTS event_append_only()"]


def _run(statements):
    for sql in statements:
        op.execute(sql)


def _dialect():
    return op.get_bind().dialect.name


def upgrade():
    # SQLite's batch mode copies the table into a new one, which would lose triggers: they come last.
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=80), nullable=True))
        batch_op.alter_column('case_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_event_subject'), ['subject'], unique=False)
        batch_op.create_check_constraint('event_names_what', 'case_id IS NOT NULL OR subject IS NOT NULL')
    _run(SQLITE_CREATE if _dialect() == "sqlite" else POSTGRESQL_CREATE)


def downgrade():
    # Trust-level events have no case: going back refuses (NOT NULL) while any exist, rather than lose them.
    _run(SQLITE_DROP if _dialect() == "sqlite" else POSTGRESQL_DROP)
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint('event_names_what', type_='check')
        batch_op.drop_index(batch_op.f('ix_event_subject'))
        batch_op.alter_column('case_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('subject')
