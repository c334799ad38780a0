"""Issue 15: a case's ``next_due_at`` is its earliest clock still running (open, breached or paused), kept by
the deadlines' one writer (``workflow.store.rows``) in the step's own transaction, so lists order by an index."""
from datetime import datetime, timezone

from sqlalchemy import select

from tests.conftest import actor
from workflow.service import deadlines as deadline_service
from workflow.store.models import Case, Deadline

UTC = timezone.utc


def _stored(svc, case_id):
    svc.session.expire_all()
    return svc.session.scalar(select(Case.next_due_at).where(Case.id == case_id))


def _earliest_running(svc, case_id):
    return svc.session.scalar(select(Deadline.due_at).where(
        Deadline.case_id == case_id, Deadline.status.in_(("open", "breached", "paused")))
        .order_by(Deadline.due_at).limit(1))


def test_next_due_follows_the_clocks_through_steps_extension_and_close_issue_15(svc, trust, clock):
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    assert _stored(svc, case.id) == _earliest_running(svc, case.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    due = _stored(svc, case.id)
    assert due is not None and due == _earliest_running(svc, case.id)  # the 28-day sign-off clock (002 7.5)
    result = svc.fire(actor(trust.doctor), case.id, "record_failure_to_agree", {"points_not_agreed": "on-call"})
    assert _stored(svc, case.id) is None  # the sign-off case left its state: no clock of its runs now
    child = svc.session.get(Case, result.started_case_ids[0])
    window = svc.session.scalar(select(Deadline).where(Deadline.case_id == child.id))
    first_due = window.due_at
    assert _stored(svc, child.id) == first_due  # the new case's lodging window
    clock.set(datetime(2027, 3, 5, 12, 0, tzinfo=UTC))
    ext = deadline_service.extend(svc, actor(trust.md), window.id, days=14, reason="Annual leave")
    svc.session.commit()
    assert _stored(svc, child.id) == ext.due_at > first_due  # an extension moves it
    svc.sweep(datetime(2027, 5, 1, tzinfo=UTC))  # the window expires: the case lapses into local resolution (7.8.2)
    svc.session.commit()
    lapsed = _stored(svc, child.id)
    assert lapsed is not None and lapsed == _earliest_running(svc, child.id) and lapsed > ext.due_at


def test_next_due_stays_while_paused_and_moves_on_resume_issue_15(svc, trust, clock):
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    result = svc.fire(actor(trust.doctor), case.id, "record_failure_to_agree", {"points_not_agreed": "on-call"})
    child = svc.session.get(Case, result.started_case_ids[0])
    svc.fire(actor(trust.doctor), child.id, "raise_formal_disagreement", {
        "nature": "n", "reasons": "r", "evidence_summary": "e", "consequences": "c", "proposed_solution": "p"})
    svc.session.commit()
    meeting = svc.session.scalar(select(Deadline).where(Deadline.case_id == child.id,
                                                        Deadline.name == "mediation_meeting"))
    before, paused_due = _stored(svc, child.id), meeting.due_at
    assert before == _earliest_running(svc, child.id)
    clock.set(datetime(2027, 3, 3, 9, 0, tzinfo=UTC))
    deadline_service.pause(svc, actor(trust.md), meeting.id, reason="Mediator unwell")
    svc.session.commit()
    assert _stored(svc, child.id) == before  # a paused clock still counts: it has not closed
    clock.set(datetime(2027, 3, 8, 9, 0, tzinfo=UTC))
    resumed = deadline_service.resume(svc, actor(trust.md), meeting.id, reason="Back")
    svc.session.commit()
    assert _stored(svc, child.id) == _earliest_running(svc, child.id)
    assert resumed.due_at > paused_due  # five days stood still: the clock's date moved on
