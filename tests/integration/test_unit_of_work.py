"""Issue 14 item 1: one unit of work per entry point. Operations join the open unit of work and only flush,
so one may call another without losing work; opening a unit of work inside one is an error."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from workflow.store.models import OrgUnit
from workflow.store.uow import UnitOfWorkAlreadyOpen, operation, unit_of_work


def _add(session, name):
    session.add(OrgUnit(name=name, kind="team"))
    session.flush()


def _names(svc):
    svc.session.rollback()
    return sorted(svc.session.scalars(select(OrgUnit.name).where(OrgUnit.name.in_(("outer", "inner")))))


def test_nested_operations_keep_both_writes_issue_14_item_1(svc):
    with operation(svc.session):
        _add(svc.session, "outer")
        with operation(svc.session):
            _add(svc.session, "inner")
    assert _names(svc) == ["inner", "outer"]


def test_an_error_in_the_inner_operation_rolls_back_both_issue_14_item_1(svc):
    with pytest.raises(RuntimeError, match="inner failed"):
        with operation(svc.session):
            _add(svc.session, "outer")
            with operation(svc.session):
                _add(svc.session, "inner")
                raise RuntimeError("inner failed")
    assert _names(svc) == []


def test_an_operation_that_fails_inside_a_unit_of_work_leaves_nothing_issue_14_item_1(svc):
    """A page that catches a refusal and shows it still commits the rest, never the refused half."""
    with unit_of_work(svc.session):
        _add(svc.session, "outer")
        with pytest.raises(RuntimeError):
            with operation(svc.session):
                _add(svc.session, "inner")
                raise RuntimeError("refused halfway")
    assert _names(svc) == ["outer"]


def test_operations_in_a_unit_of_work_commit_once_at_its_end_issue_14_item_1(svc):
    with pytest.raises(RuntimeError):
        with unit_of_work(svc.session):
            with operation(svc.session):
                _add(svc.session, "outer")
            with operation(svc.session):
                _add(svc.session, "inner")
            raise RuntimeError("the request failed after both")
    assert _names(svc) == []


def test_opening_a_unit_of_work_inside_one_is_an_error_issue_14_item_1(svc):
    with pytest.raises(UnitOfWorkAlreadyOpen):
        with unit_of_work(svc.session):
            _add(svc.session, "outer")
            with unit_of_work(svc.session):
                pass
    assert _names(svc) == []


def test_work_held_before_an_operation_is_kept_not_rolled_back_issue_14_item_1(svc):
    _add(svc.session, "outer")  # written outside any unit of work: the next one joins it
    with operation(svc.session):
        _add(svc.session, "inner")
    assert _names(svc) == ["inner", "outer"]


def test_a_unit_of_work_that_only_reads_does_not_take_the_sqlite_write_lock_issue_14_item_1(svc):
    """A page that only reads opens no write transaction (WAL readers run beside a writer); the first
    operation starts one with BEGIN IMMEDIATE, so its reads and writes happen under the lock."""
    if svc.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    from sqlalchemy import event

    begins = []
    engine = svc.session.get_bind()
    record = lambda conn, cursor, statement, *a: begins.append(statement) if statement.startswith("BEGIN") else None  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        with unit_of_work(svc.session):
            svc.session.scalars(select(OrgUnit)).all()
            assert begins == ["BEGIN"]
            with operation(svc.session):
                _add(svc.session, "outer")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert _names(svc) == ["outer"]
