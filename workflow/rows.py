"""The rows a step writes, as Core statements built once: the audit event, the clocks, the outgoing mail.

These three are only ever added to (and clocks closed in bulk), never edited through objects, so they are
written straight to their tables, on the session's connection and in the step's transaction, rather than
through the ORM's unit of work; so is the case's own UPDATE (``save_case``). A step costs a handful of
statements, each compiled once per process: ``bench/engine_overhead.py`` measures it against the same rows
written by hand."""
from __future__ import annotations

from sqlalchemy import bindparam, case, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .errors import StaleVersion
from .models import DEADLINE_OPEN_STATUSES as OPEN_STATUSES
from .models import Case, Deadline, Event, OutboxMessage
from .deadline_rules import DeadlineStatus

OPEN, PAUSED, MET = DeadlineStatus.OPEN.value, DeadlineStatus.PAUSED.value, DeadlineStatus.MET.value


_event, _deadline, _outbox = Event.__table__, Deadline.__table__, OutboxMessage.__table__

# The next seq of the case's log: the case row is locked by the step, so no one else takes it meanwhile.
_APPEND_EVENT = insert(_event).values(
    seq=select(func.coalesce(func.max(_event.c.seq), 0) + 1)
    .where(_event.c.case_id == bindparam("for_case")).scalar_subquery()).returning(_event.c.id, _event.c.seq)

_CLOSE_DEADLINES = (
    update(_deadline)
    .where(_deadline.c.case_id == bindparam("for_case"), _deadline.c.state == bindparam("for_state"),
           _deadline.c.status.in_(OPEN_STATUSES))
    .values(status=case((_deadline.c.status.in_((OPEN, PAUSED)), MET), else_=_deadline.c.status),
            closed_at=bindparam("at"), next_check_at=None))

_INSERT_DEADLINE = insert(_deadline)
DEADLINE_COLUMNS = ("case_id", "name", "state", "kind", "starts_at", "due_at", "status", "next_check_at",
                    "reminders_sent", "escalation_step", "extensions", "paused_at", "closed_at")

OUTBOX_COLUMNS = ("dedupe_key", "case_id", "recipient_id", "to_address", "subject", "body_text", "body_html",
                  "attachments", "created_at", "status", "attempts", "next_attempt_at")

# ON CONFLICT … DO NOTHING is the same words on SQLite and PostgreSQL. Written as text (with the columns' own
# types, so JSON and UTC datetimes bind as everywhere else) because SQLAlchemy's dialect ``on_conflict_do_nothing``
# construct cannot be cached and is compiled again on every call.
_QUEUE_MESSAGE = text(
    f"INSERT INTO outbox ({', '.join(OUTBOX_COLUMNS)}) VALUES ({', '.join(':' + c for c in OUTBOX_COLUMNS)}) "
    "ON CONFLICT (dedupe_key) DO NOTHING").bindparams(*[bindparam(c, type_=_outbox.c[c].type) for c in OUTBOX_COLUMNS])


_case = Case.__table__
_SAVE_CASE = update(_case).where(_case.c.id == bindparam("_id"), _case.c.version == bindparam("_loaded_version"))
_CASE_COLUMNS = frozenset(c.key for c in Case.__mapper__.column_attrs)


def save_case(session: Session, case: Case, conn: Connection | None = None, **changes) -> None:
    """Write ``changes`` (and whatever else was changed on the case object) in one UPDATE … WHERE version = the
    version loaded, bumping it (the optimistic lock of ``Case.version``); then the object holds the stored values
    as committed ones, so the session has nothing left to flush for it.

    The same UPDATE the ORM's flush would issue, without its unit-of-work bookkeeping, which measured as the
    largest single cost of a step. A change the statement cannot express (a relationship, an unsaved case)
    goes through the ORM's own flush first."""
    st = inspect(case)
    pending = set(st.committed_state)
    if not st.persistent or pending - _CASE_COLUMNS:
        session.flush()
        pending = set()
    if not changes and not pending:
        return
    loaded = case.version
    values = {key: getattr(case, key) for key in pending if key != "version"}
    values.update(changes)
    values["version"] = loaded + 1
    updated = (conn or session.connection()).execute(_SAVE_CASE, {"_id": case.id, "_loaded_version": loaded, **values})
    if updated.rowcount != 1:
        raise StaleVersion(f"case {case.id} was changed by someone else meanwhile; reload it and try again")
    for key, value in values.items():
        set_committed_value(case, key, value)


def append_event(conn: Connection, case_id: int, **values) -> tuple[int, int]:
    """Append one event to the case's log; its (id, seq)."""
    row = conn.execute(_APPEND_EVENT, {"for_case": case_id, "case_id": case_id, **values}).one()
    return row.id, row.seq


def insert_deadlines(conn: Connection, rows: list[dict]) -> None:
    conn.execute(_INSERT_DEADLINE, rows[0] if len(rows) == 1 else rows)


def close_deadlines(conn: Connection, case_id: int, state: str, at) -> None:
    """Close a state's clocks: a running or paused one is met; a breached one stays breached, closed."""
    conn.execute(_CLOSE_DEADLINES, {"for_case": case_id, "for_state": state, "at": at})


def queue_message(conn: Connection, row: dict) -> bool:
    """Queue one email; False when one with the same ``dedupe_key`` is already there."""
    return conn.execute(_QUEUE_MESSAGE, row).rowcount == 1
