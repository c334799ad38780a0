from datetime import datetime, timezone

from sqlalchemy import select

from tests.conftest import actor
from workflow.store.models import Deadline, Event, OutboxMessage


def _meeting(svc, trust, day="2027-03-01"):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": day})
    return case


def test_sign_off_28_days_reminded_breached_and_escalated_002_7_5(svc, trust):
    case = _meeting(svc, trust)
    d = svc.session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.name == "sign_off"))
    # 1 March + 28 days = 29 March, due at the end of that day (BST from 28 March: 23:00 UTC)
    assert d.due_at == datetime(2027, 3, 29, 23, 0, tzinfo=timezone.utc)
    r = svc.sweep(datetime(2027, 3, 23, 0, 0, tzinfo=timezone.utc))
    assert [i for _, i in r.reminders] == [0]
    r = svc.sweep(datetime(2027, 3, 23, 0, 5, tzinfo=timezone.utc))
    assert r.reminders == []  # a second sweep sends nothing again
    r = svc.sweep(datetime(2027, 3, 28, 0, 0, tzinfo=timezone.utc))
    assert [i for _, i in r.reminders] == [1]
    r = svc.sweep(datetime(2027, 3, 30, 0, 0, tzinfo=timezone.utc))
    assert r.breaches == [d.id] and [k for _, k in r.escalations] == [0]
    r = svc.sweep(datetime(2027, 4, 20, 0, 0, tzinfo=timezone.utc))
    assert [k for _, k in r.escalations] == [1, 2]
    kinds = [e.kind for e in svc.session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq))]
    assert kinds.count("reminder") == 2 and kinds.count("breach") == 1 and kinds.count("escalation") == 3
    to_amd = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == trust.amd.id,
                                                             OutboxMessage.dedupe_key.like("deadline:%"))).all()
    assert len(to_amd) == 1 and "Overdue" in to_amd[0].subject
