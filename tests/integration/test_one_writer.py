"""Issue 14 item 5: ``workflow.store.rows`` is the one writer of case, deadline and event rows; the ORM reads them.
A change made on a loaded object is written by rows (with the case's version check), never by a flush."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.conftest import actor
from workflow.store import rows
from workflow.store.models import Case, Deadline, Event
from workflow.store.rows import SecondWriter


def _case(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {})
    return svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id).id


def test_a_case_changed_on_its_object_is_not_flushed_by_the_orm_issue_14_item_5(svc, trust):
    case_id = _case(svc, trust)
    case = svc.session.get(Case, case_id)
    case.state = "agreed"  # no save_case: no version check, so no write
    with pytest.raises(SecondWriter, match="save_case"):
        svc.session.flush()
    svc.session.rollback()
    assert svc.session.get(Case, case_id).state == "draft"


def test_an_event_added_to_the_session_is_refused_issue_14_item_5(svc, trust):
    case_id = _case(svc, trust)
    svc.session.add(Event(case_id=case_id, seq=99, at=datetime(2027, 3, 1, tzinfo=timezone.utc), kind="note",
                          actor_role="system", payload={}))
    with pytest.raises(SecondWriter, match="workflow.store.rows"):
        svc.session.flush()
    svc.session.rollback()


def test_a_deadline_changed_on_its_object_is_written_by_rows_issue_14_item_5(svc, trust):
    """The sweep counts reminders on the loaded deadline; rows writes the change (one UPDATE by id) and the
    object then holds it as stored, so the ORM has nothing of its own to write."""
    case_id = _case(svc, trust)
    svc.fire(actor(trust.manager), case_id, "record_meeting", {"meeting_date": "2027-02-25"})
    d = svc.session.scalars(select(Deadline).where(Deadline.case_id == case_id)).one()
    d.reminders_sent += 1
    rows.save_deadline(svc.session, d)
    assert not svc.session.is_modified(d)
    svc.session.commit()
    assert svc.session.scalar(select(Deadline.reminders_sent).where(Deadline.id == d.id)) == d.reminders_sent


def test_a_new_case_is_inserted_by_rows_at_version_1_issue_14_item_5(svc, trust):
    case = svc.session.get(Case, _case(svc, trust))
    assert case.version == 1 and case.state == "draft"


def test_an_outbox_message_added_or_changed_through_the_orm_is_refused_issue_14_item_5(svc, trust):
    """The outbox has one writer too: the step queues through rows.queue_message, the relay marks through
    rows.message_sent / message_failed / message_deferred (before, the relay wrote its rows through the ORM)."""
    from workflow.store.models import OutboxMessage

    now = datetime(2027, 3, 1, tzinfo=timezone.utc)
    svc.session.add(OutboxMessage(dedupe_key="orm", to_address="a@example.org", subject="s", body_text="b",
                                  created_at=now))
    with pytest.raises(SecondWriter, match="workflow.store.rows"):
        svc.session.flush()
    svc.session.rollback()
    assert rows.queue_message(svc.session.connection(), rows.message_row(
        dedupe_key="rows", to_address="a@example.org", subject="s", body_text="b", created_at=now))
    svc.session.commit()
    msg = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == "rows")).one()
    msg.status = "sent"
    with pytest.raises(SecondWriter, match="message_sent"):
        svc.session.flush()
    svc.session.rollback()
    rows.message_sent(svc.session.connection(), msg.id, now)
    svc.session.commit()
    svc.session.expire_all()
    sent = svc.session.get(OutboxMessage, msg.id)
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 1, now)
