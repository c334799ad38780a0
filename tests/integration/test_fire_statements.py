"""What one step sends to the database (issue 9): its rows are written by a handful of statements, and the
case's UPDATE still refuses a row that changed since it was loaded (the optimistic lock on Case.version)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from tests.conftest import actor
from workflow.store import rows
from workflow.errors import StaleVersion
from workflow.store.models import Case


def _statements(svc, step) -> list[str]:
    sent = []

    def record(conn, cursor, statement, *args):
        sent.append(statement.split(None, 1)[0].upper())

    engine = svc.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        step()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def test_a_step_writes_its_rows_with_one_statement_each_issue_9(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {})
    case_id = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id
    manager = actor(trust.manager)
    svc.session.close()  # as at the start of a request: nothing loaded
    sent = _statements(svc, lambda: svc.fire(manager, case_id, "record_meeting", {"meeting_date": "2027-02-25"}))
    sent = [s for s in sent if s != "BEGIN"]  # SQLite's BEGIN IMMEDIATE is sent as a statement
    # Lock the case with its practitioner and manager; update it, with its next_due_at (issue 15: what the lists
    # order by) worked out from the clock the step opens; append the event; open the 28-day clock (002 7.5);
    # queue the practitioner's email. Nothing else: no role lookups for a manager's step, no duplicate check
    # before the outbox insert, no read of the clocks just opened, no second UPDATE for next_due_at.
    assert sent == ["SELECT", "UPDATE", "INSERT", "INSERT", "INSERT"]


def test_the_case_update_refuses_a_row_changed_since_it_was_loaded_issue_9(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {})
    case_id = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id
    svc.session.close()
    case = svc.session.get(Case, case_id)
    loaded = case.version
    # The row moves on after the object was loaded (as a change committed meanwhile would, on PostgreSQL).
    svc.session.connection().execute(text("UPDATE workflow_case SET version = version + 1 WHERE id = :id"),
                                     {"id": case_id})
    with pytest.raises(StaleVersion, match="changed by someone else"):
        rows.save_case(svc.session, case, state="awaiting_signatures")
    assert case.state == "draft"  # the object is not changed by a refused UPDATE
    svc.session.rollback()
    fresh = svc.session.get(Case, case_id)
    assert (fresh.state, fresh.version) == ("draft", loaded)
