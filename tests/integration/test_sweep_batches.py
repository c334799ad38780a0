"""The sweep works in batches of ``BATCH`` rows per transaction; every due deadline is handled in one
pass however many batches that takes (found by bench/sweep_scaling.py: only the first batch was)."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from tests.factories import complete_plan, practitioners
from tests.conftest import actor
from workflow.service import sweep as sweep_mod
from workflow.store.models import Deadline


def test_one_sweep_handles_every_due_deadline_across_batches_002_7_5(svc, trust, monkeypatch):
    monkeypatch.setattr(sweep_mod, "BATCH", 2)
    for doctor in practitioners(svc.session, trust, 5):
        plan = svc.create_job_plan(actor(trust.manager), doctor.id, complete_plan())
        case = svc.start_case(actor(trust.manager), "sign_off", doctor.id, job_plan_id=plan.id)
        svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    # 7 days before the sign-off deadline of 29 March (002 7.5): the first reminder of all five is due
    report = svc.sweep(datetime(2027, 3, 23, 0, 0, tzinfo=timezone.utc))
    assert len(report.reminders) == 5 and report.examined == 5
    assert svc.session.scalar(select(func.count(Deadline.id)).where(Deadline.reminders_sent == 1)) == 5
