"""The transaction boundary: one unit of work per entry point, operations that only flush.

An **entry point** (a web request, a CLI command, one batch of the scheduler's sweep or mail relay) opens
``unit_of_work(session)``. It commits once when the block ends, or rolls back everything when it raises:
state change, audit event, deadlines and outbox alike (Indico's ``RH.process``; Cosmic Python's unit of
work). Opening one while one is open is an error (``UnitOfWorkAlreadyOpen``), never a silent rollback.

A **service operation** wraps its writes in ``operation(session)``. Inside an open unit of work it joins it
and only flushes, so any operation may call another; a joining operation runs in a SAVEPOINT, so one that
fails leaves nothing behind even if its caller carries on (a page that shows the error and returns). Called
with no unit of work open (tests, scripts, the benchmark), the outermost operation is its own unit of work
and commits; the operations it calls join it.

Writing and the SQLite lock: the unit of work starts no transaction itself, so a request that only reads
never takes SQLite's single write lock (reads autobegin a plain ``BEGIN`` and WAL lets them run beside a
writer). The first operation starts writing: on SQLite, a transaction that has only read so far is ended
(it holds no work: nothing flushed, nothing pending) and a new one begun with ``BEGIN IMMEDIATE``, so the
operation reads what it decides on under the write lock, and two writers queue rather than one failing
with SQLITE_BUSY halfway. On PostgreSQL the transaction goes on (rows are locked FOR UPDATE where it
matters) and the objects read before are expired, so they are read again inside the write."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

WRITE_OPTION = "jobplan_write"
_STATE = "jobplan_unit_of_work"   # session.info key: the open unit of work
_FLUSHED = "jobplan_flushed"      # session.info key: this transaction has flushed (holds writes)


class UnitOfWorkAlreadyOpen(RuntimeError):
    """An entry point opened a unit of work inside another: a programming error (one boundary per entry
    point), reported rather than resolved by rolling either back."""


@dataclass
class _UnitOfWork:
    writing: bool = False  # a write transaction has been started (BEGIN IMMEDIATE on SQLite)


def in_unit_of_work(session: Session) -> bool:
    return _STATE in session.info


@contextmanager
def unit_of_work(session: Session, *, write: bool = False):
    """The one commit of an entry point. Work the session already holds (read, or written outside any unit
    of work) is joined, not discarded; the block's end commits it all, an exception rolls it all back.
    ``write``: start writing at once (a sweep or relay batch, which claims rows with its first SELECT);
    otherwise the first operation does."""
    if _STATE in session.info:
        raise UnitOfWorkAlreadyOpen("a unit of work is already open on this session; an operation joins it "
                                    "with operation(session), only an entry point opens one")
    uow = session.info[_STATE] = _UnitOfWork()
    try:
        if write:
            _start_writing(session, uow)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_STATE, None)


@contextmanager
def operation(session: Session):
    """A service operation's writes: joins the open unit of work and flushes at the end (a SAVEPOINT keeps
    a failed one from leaving partial rows); with none open, it is the unit of work and commits."""
    uow = session.info.get(_STATE)
    if uow is not None:
        _start_writing(session, uow)
        with session.begin_nested():
            yield session
        return
    # unit_of_work(session, write=True), written out: this is every step's path when called directly
    uow = session.info[_STATE] = _UnitOfWork()
    try:
        _start_writing(session, uow)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_STATE, None)


@contextmanager
def savepoint(session: Session):
    """A part of a unit of work that may fail on its own (one row of the sweep): its writes are undone,
    the rest of the unit of work goes on."""
    with session.begin_nested():
        yield session


def _start_writing(session: Session, uow: _UnitOfWork) -> None:
    if uow.writing:
        return
    uow.writing = True
    if not session.in_transaction():
        session.connection(execution_options={WRITE_OPTION: True})
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.get(_FLUSHED):
        return  # it has written already: on SQLite it holds the write lock since that first write
    if session.get_bind().dialect.name == "sqlite":
        session.rollback()  # only reads so far: nothing is lost; restart under the write lock
        session.connection(execution_options={WRITE_OPTION: True})
    else:
        session.expire_all()


@event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context):
    session.info[_FLUSHED] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_flush(session, transaction):
    if transaction.parent is None:
        session.info.pop(_FLUSHED, None)


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for writes (SQLAlchemy's documented
    recipe of taking BEGIN away from pysqlite). PostgreSQL: JIT compilation off for the service's sessions (issue
    15: a list's plan over a million cases is costed high enough to JIT-compile hundreds of functions, which
    took seconds for a query that reads a few rows; the statements here are short OLTP ones)."""
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _no_jit(dbapi_conn, record):
            cur = dbapi_conn.cursor()
            cur.execute("SET jit = off")
            cur.close()
            dbapi_conn.commit()
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


class NoUnitOfWork(RuntimeError):
    """A part of an operation (lock a case, record an event, run a step) called with no unit of work open:
    its lock or its rows would outlive nothing, or be committed by nobody."""


def require_unit_of_work(session: Session) -> None:
    if _STATE not in session.info:
        raise NoUnitOfWork("this is part of an operation: call it inside operation(session) or unit_of_work(session)")
