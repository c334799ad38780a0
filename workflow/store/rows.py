"""The one writer of the rows a step writes: the case, its clocks, its audit events and its outgoing mail, as
Core statements built once, on the session's connection and in the caller's unit of work.

The ORM reads these rows; it never writes them (``_one_writer`` refuses a flush that would). Where a caller
works on a loaded object (a case's state, a deadline's counters), it changes the object's attributes and
hands it here: ``save_case`` and ``save_deadline`` write exactly those changes in one UPDATE and then mark the
object as holding the stored values, so the session has nothing left to flush for it; a bulk UPDATE
(``close_deadlines``) expires the objects it may have changed. New rows are INSERTed here too: a case comes
back as the session's object (``insert_case``), new clocks as plain records of what was written
(``workflow.timing.deadlines.OpenedDeadline``). A step costs a handful of statements, each compiled once per
process: ``bench/engine_overhead.py`` measures it against the same rows written by hand."""
from __future__ import annotations

from sqlalchemy import bindparam, case, event, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from workflow.errors import StaleVersion
from workflow.store.models import DEADLINE_OPEN_STATUSES as OPEN_STATUSES
from workflow.store.models import Case, Deadline, Event, OutboxMessage
from workflow.store.deadline_rules import DeadlineStatus

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
    .values(status=case(
        # Met only if the step came before the deadline fell due (the end of its last local day) — or, for a
        # paused clock, if it was paused in time; else late, whether or not a sweep marked the breach already.
        (_deadline.c.status == DeadlineStatus.OPEN.value, case((_deadline.c.due_at > bindparam("at"), DeadlineStatus.MET.value), else_=DeadlineStatus.BREACHED.value)),
        (_deadline.c.status == DeadlineStatus.PAUSED.value, case((_deadline.c.due_at > _deadline.c.paused_at, DeadlineStatus.MET.value), else_=DeadlineStatus.BREACHED.value)),
        else_=_deadline.c.status),
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
_INSERT_CASE = insert(_case).returning(_case.c.id)
_SAVE_DEADLINE = update(_deadline).where(_deadline.c.id == bindparam("_id"))
# The case's earliest clock still running, kept on the case so lists order by an index (``Case.next_due_at``).
_NEXT_DUE = (select(func.min(_deadline.c.due_at))
             .where(_deadline.c.case_id == bindparam("_case"), _deadline.c.status.in_(OPEN_STATUSES)).scalar_subquery())
_REFRESH_NEXT_DUE = (update(_case).where(_case.c.id == bindparam("_case")).values(next_due_at=_NEXT_DUE)
                     .returning(_case.c.next_due_at))
_DEADLINE_COLUMNS = frozenset(c.key for c in Deadline.__mapper__.column_attrs)


class SecondWriter(RuntimeError):
    """Code changed a case, deadline or event through the ORM: those rows are written by ``workflow.store.rows``
    only, so the two could not disagree about a version or a status."""


def insert_case(session: Session, **values) -> Case:
    """INSERT a new case at version 1; the object returned is the session's, as if it had been loaded (no
    SELECT after the INSERT)."""
    values["version"] = 1
    case_id = session.connection().execute(_INSERT_CASE, values).scalar_one()
    stale = session.identity_map.get(session.identity_key(Case, (case_id,)))
    if stale is not None:  # a case inserted in a savepoint that rolled back (a refused step) left its object behind
        session.expunge(stale)
    obj = Case(id=case_id, **values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def save_case(session: Session, case: Case, conn: Connection | None = None, **changes) -> None:
    """Write ``changes`` (and whatever else was changed on the case object) in one UPDATE … WHERE version = the
    version loaded, bumping it (the optimistic lock of ``Case.version``); then the object holds the stored values
    as committed ones, so the session has nothing left to flush for it.

    The same UPDATE the ORM's flush would issue, without its unit-of-work bookkeeping, which measured as the
    largest single cost of a step. A case is INSERTed by ``insert_case``; a change of a many-to-one relationship
    (which would make the ORM write the row) is refused at the next flush (``_one_writer``)."""
    st = inspect(case)
    if not st.persistent:
        raise SecondWriter("a new case is written by insert_case")
    pending = _CASE_COLUMNS.intersection(st.committed_state)
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


def save_deadline(session: Session, d: Deadline) -> None:
    """Write what was changed on a loaded deadline (the sweep's counters, an extension's new date) in one
    UPDATE; the object then holds the stored values. Its case is locked by the caller, so no version is
    needed: nobody else changes the case's clocks meanwhile."""
    st = inspect(d)
    values = {key: getattr(d, key) for key in st.committed_state if key in _DEADLINE_COLUMNS}
    if not values:
        return
    conn = session.connection()
    conn.execute(_SAVE_DEADLINE, {"_id": d.id, **values})
    for key, value in values.items():
        set_committed_value(d, key, value)
    if "status" in values or "due_at" in values:
        refresh_next_due(conn, d.case_id, session)


def refresh_next_due(conn: Connection, case_id: int, session: Session | None = None) -> None:
    """Set the case's ``next_due_at`` from its clocks as they now stand (one UPDATE, not a version of the case:
    it is derived, and the caller holds the case's lock). Called by every writer of a deadline here; a step
    that closes one state's clocks and opens the next's calls it once, after both. A loaded case object is
    given the stored value, so the session has nothing to flush."""
    value = conn.execute(_REFRESH_NEXT_DUE, {"_case": case_id}).scalar()
    obj = session.identity_map.get(inspect(Case).identity_key_from_primary_key((case_id,))) if session else None
    if obj is not None:
        set_committed_value(obj, "next_due_at", value)


def append_event(conn: Connection, case_id: int, **values) -> tuple[int, int]:
    """Append one event to the case's log; its (id, seq)."""
    row = conn.execute(_APPEND_EVENT, {"for_case": case_id, "case_id": case_id, **values}).one()
    return row.id, row.seq


def insert_deadlines(conn: Connection, rows: list[dict], *, refresh: bool = True) -> None:
    """Open clocks; then their cases' ``next_due_at`` (``refresh=False``: the caller refreshes once, later)."""
    conn.execute(_INSERT_DEADLINE, rows[0] if len(rows) == 1 else rows)
    if refresh:
        for case_id in sorted({r["case_id"] for r in rows}):
            refresh_next_due(conn, case_id)


def close_deadlines(conn: Connection, case_id: int, state: str, at, *, refresh: bool = True) -> None:
    """Close a state's clocks: one closed before it fell due is met; one closed at or after (the sweep may not have
    run since) is breached, like one the sweep already marked, and stays so, closed. Then the case's
    ``next_due_at`` (``refresh=False``: the caller refreshes once, later)."""
    conn.execute(_CLOSE_DEADLINES, {"for_case": case_id, "for_state": state, "at": at})
    if refresh:
        refresh_next_due(conn, case_id)


def message_row(*, dedupe_key: str, to_address: str, subject: str, body_text: str, created_at, case_id=None,
                recipient_id=None, body_html=None, attachments=None) -> dict:
    """A new outbox row, pending and due at once: what ``queue_message`` writes."""
    return dict(dedupe_key=dedupe_key, case_id=case_id, recipient_id=recipient_id, to_address=to_address,
                subject=subject, body_text=body_text, body_html=body_html, attachments=attachments or [],
                created_at=created_at, status="pending", attempts=0, next_attempt_at=created_at)


def queue_message(conn: Connection, row: dict) -> bool:
    """Queue one email; False when one with the same ``dedupe_key`` is already there."""
    return conn.execute(_QUEUE_MESSAGE, row).rowcount == 1


_MESSAGE = update(_outbox).where(_outbox.c.id == bindparam("_id"))
_MESSAGE_SENT = _MESSAGE.values(status="sent", sent_at=bindparam("at"), last_error=None,
                                attempts=_outbox.c.attempts + 1)
_MESSAGE_FAILED = _MESSAGE.values(status="failed", last_error=bindparam("error"), attempts=_outbox.c.attempts + 1)
_MESSAGE_DEFERRED = _MESSAGE.values(next_attempt_at=bindparam("next_at"), last_error=bindparam("error"),
                                    attempts=_outbox.c.attempts + 1)
_MESSAGES_DIGESTED = (update(_outbox).where(_outbox.c.id.in_(bindparam("ids", expanding=True)))
                      .values(status="digested", last_error=None))


def message_sent(conn: Connection, message_id: int, at) -> None:
    """The server accepted the message: it is sent, once."""
    conn.execute(_MESSAGE_SENT, {"_id": message_id, "at": at})


def message_failed(conn: Connection, message_id: int, error: str) -> None:
    """The server refused it for good."""
    conn.execute(_MESSAGE_FAILED, {"_id": message_id, "error": error[:2000]})


def message_deferred(conn: Connection, message_id: int, next_at, error: str) -> None:
    """Try again at ``next_at``."""
    conn.execute(_MESSAGE_DEFERRED, {"_id": message_id, "next_at": next_at, "error": error[:2000]})


def messages_digested(conn: Connection, message_ids: list[int]) -> None:
    """Folded into a daily digest, which is sent instead."""
    if message_ids:
        conn.execute(_MESSAGES_DIGESTED, {"ids": list(message_ids)})


@event.listens_for(Session, "before_flush")
def _one_writer(session, flush_context, instances):
    """Keep the ORM from writing a case, a deadline or an event (see the module's docstring): the fast path and
    the ORM would otherwise both write the same rows. A deadline changed on its object and not yet saved (the
    sweep counts reminders on it between queries, which autoflush) is saved here, by ``save_deadline``; a new
    row, or a case changed and not saved with its version check, is refused."""
    for obj in session.new:
        if isinstance(obj, (Case, Deadline, Event, OutboxMessage)):
            raise SecondWriter(f"a new {type(obj).__name__} is written by workflow.store.rows, not added to the session")
    for obj in list(session.dirty):
        if isinstance(obj, Deadline):
            save_deadline(session, obj)
        elif isinstance(obj, OutboxMessage) and session.is_modified(obj, include_collections=False):
            raise SecondWriter(f"outbox message {obj.id} was changed on its object; it is written by "
                               "workflow.store.rows (message_sent, message_failed, message_deferred)")
        elif isinstance(obj, (Case, Event)) and session.is_modified(obj, include_collections=False):
            raise SecondWriter(f"{type(obj).__name__} {obj.id} was changed on its object; it is written by "
                               "workflow.store.rows.save_case, with its version check")
