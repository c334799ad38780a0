"""The database itself refuses to edit or delete an audit event: a trigger on the ``event`` table, on SQLite and
PostgreSQL, so a raw ``UPDATE event SET reason = ...`` fails as surely as one through the ORM.

Row triggers only: PostgreSQL's TRUNCATE (what the tests use to empty a database) is a statement of its own that
row triggers do not see; in production, take TRUNCATE (and table ownership) away from the application's role.
The same statements are in the migration ``b13d_append_only_audit``; here they are attached to the table so
``create_all`` (the tests) builds them too."""
from __future__ import annotations

from sqlalchemy import DDL, Table, event

MESSAGE = "audit events are append-only"

SQLITE = [
    f"CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused', ERRCODE = 'insufficient_privilege'; "
    "END $$",
    "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
    "FOR EACH ROW EXECUTE FUNCTION event_append_only()",
]


def attach(table: Table) -> None:
    for sql in SQLITE:
        event.listen(table, "after_create", DDL(sql).execute_if(dialect="sqlite"))
    for sql in POSTGRESQL:
        event.listen(table, "after_create", DDL(sql).execute_if(dialect="postgresql"))
