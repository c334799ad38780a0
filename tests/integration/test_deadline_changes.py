"""Deadline boundaries at service level, and extension, pause and resume (RULES "Reading deadlines")."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.conftest import actor
from workflow.errors import ConditionFailed, InvalidPayload, PermissionDenied
from workflow.store.models import Case, Deadline, Event, OutboxMessage
from workflow.service import deadlines as deadline_service

UTC = timezone.utc


def _disagreement(svc, trust, clock, at):
    """A sign-off case whose parties failed to agree at ``at``: the disagreement case is in failure_recorded."""
    clock.set(at)
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": at.date().isoformat()})
    result = svc.fire(actor(trust.doctor), case.id, "record_failure_to_agree", {"points_not_agreed": "on-call"})
    child = svc.session.get(Case, result.started_case_ids[0])
    return child, _deadline(svc, child, "lodge_disagreement")


def _deadline(svc, case, name):
    return svc.session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.name == name))


def _refer(svc, trust, child):
    svc.fire(actor(trust.doctor), child.id, "raise_formal_disagreement", {
        "nature": "n", "reasons": "r", "evidence_summary": "e", "consequences": "c", "proposed_solution": "p"})
    return _deadline(svc, child, "mediation_meeting")


def _appeal_window(svc, trust, clock, at):
    child, _ = _disagreement(svc, trust, clock, at)
    _refer(svc, trust, child)
    svc.fire(actor(trust.md), child.id, "hold_mediation_meeting", {"held_on": at.date().isoformat()})
    result = svc.fire(actor(trust.md), child.id, "record_decision", {"decision": "The plan stands."})
    appeal = svc.session.get(Case, result.started_case_ids[0])
    return appeal, _deadline(svc, appeal, "lodge_appeal")


def test_disagreement_window_closes_at_local_midnight_when_the_clocks_go_forward_002_7_8_3(svc, trust, clock):
    # Failure to agree on Sunday 14 March 2027 (GMT): the 2 weeks end with Sunday 28 March, the day BST starts.
    child, d = _disagreement(svc, trust, clock, datetime(2027, 3, 14, 10, 0, tzinfo=UTC))
    assert d.due_at == datetime(2027, 3, 28, 23, 0, tzinfo=UTC)
    report = svc.sweep(datetime(2027, 3, 28, 22, 59, 59, tzinfo=UTC))  # 23:59:59 BST: still open
    assert report.expiries == [] and svc.session.get(Case, child.id).state == "failure_recorded"
    report = svc.sweep(datetime(2027, 3, 28, 23, 0, tzinfo=UTC))  # 00:00 BST on the 29th: closed
    assert report.expiries == [d.id]
    svc.session.expire_all()
    assert svc.session.get(Case, child.id).state == "lapsed"
    closing = svc.session.scalar(select(Event).where(Event.case_id == child.id, Event.trigger == "close_disagreement_window"))
    assert closing.at == datetime(2027, 3, 28, 23, 0, tzinfo=UTC)  # stamped with the sweep's moment


def test_medical_director_extends_the_disagreement_window_and_its_reminders_follow_002_7_8_3(svc, trust, clock):
    child, d = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    assert d.due_at == datetime(2027, 3, 16, 0, 0, tzinfo=UTC)  # end of Monday 15 March (GMT)
    assert len(svc.sweep(datetime(2027, 3, 9, 0, 0, tzinfo=UTC)).reminders) == 1  # 7 days before the old date
    clock.set(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
    ext = deadline_service.extend(svc, actor(trust.md), d.id, days=14, reason="Practitioner on annual leave")
    assert ext.due_at == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # end of 29 March, now in BST
    assert ext.status == "open" and ext.extensions == 1 and ext.reminders_sent == 0
    # 7 local days before the new date: local midnight starting 23 March (GMT), though the due date is in BST.
    assert ext.next_check_at == datetime(2027, 3, 23, 0, 0, tzinfo=UTC)
    ev = svc.session.scalar(select(Event).where(Event.case_id == child.id, Event.kind == "deadline_extended"))
    assert ev.actor_id == trust.md.id and ev.actor_role == "medical_director"
    assert ev.reason == "Practitioner on annual leave" and ev.payload["from_due_at"].startswith("2027-03-16")
    # Nothing happens at the old due date; the reminders come again for the new one, once each.
    assert svc.sweep(datetime(2027, 3, 16, 1, 0, tzinfo=UTC)).expiries == []
    r = svc.sweep(datetime(2027, 3, 23, 0, 0, tzinfo=UTC))
    assert [i for _, i in r.reminders] == [0]
    r = svc.sweep(datetime(2027, 3, 28, 0, 0, tzinfo=UTC))
    assert [i for _, i in r.reminders] == [1]
    assert svc.sweep(datetime(2027, 3, 29, 22, 59, tzinfo=UTC)).expiries == []
    assert svc.sweep(datetime(2027, 3, 29, 23, 0, tzinfo=UTC)).expiries == [d.id]
    to_doctor = svc.session.scalars(select(OutboxMessage.subject).where(
        OutboxMessage.recipient_id == trust.doctor.id, OutboxMessage.dedupe_key.like(f"deadline:{d.id}:%"))).all()
    assert len(to_doctor) == 3  # one reminder before the extension, two after


def test_only_the_policys_extend_roles_may_extend_and_only_with_a_reason_002_7_8_3(svc, trust, clock):
    child, d = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    for who in (trust.manager, trust.doctor, trust.amd):
        with pytest.raises(PermissionDenied, match="Medical Director"):
            deadline_service.extend(svc, actor(who), d.id, days=7, reason="please")
    with pytest.raises(InvalidPayload, match="reason"):
        deadline_service.extend(svc, actor(trust.md), d.id, days=7, reason="  ")
    with pytest.raises(InvalidPayload, match="later"):
        deadline_service.extend(svc, actor(trust.md), d.id, until=date(2027, 3, 10), reason="shorter")
    with pytest.raises(ConditionFailed, match="cannot be paused"):
        deadline_service.pause(svc, actor(trust.md), d.id, reason="not pausable")
    svc.session.expire_all()
    assert _deadline(svc, child, "lodge_disagreement").due_at == datetime(2027, 3, 16, 0, 0, tzinfo=UTC)


def test_extending_a_missed_mediation_meeting_reopens_it_and_restarts_the_escalation_002_7_8_4(svc, trust, clock):
    child, _ = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    d = _refer(svc, trust, child)
    r = svc.sweep(datetime(2027, 4, 1, 0, 0, tzinfo=UTC))  # after the 4 weeks: breached, step 0 to the MD
    assert r.breaches == [d.id] and [k for _, k in r.escalations] == [0]
    clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=UTC))
    d = deadline_service.extend(svc, actor(trust.md), d.id, until=date(2027, 4, 20), reason="Mediator ill")
    assert d.status == "open" and d.escalation_step == 0
    assert d.due_at == datetime(2027, 4, 20, 23, 0, tzinfo=UTC)
    assert svc.sweep(datetime(2027, 4, 9, 0, 0, tzinfo=UTC)).escalations == []  # the old step 1 date passes
    r = svc.sweep(datetime(2027, 4, 21, 0, 0, tzinfo=UTC))
    assert r.breaches == [d.id] and [k for _, k in r.escalations] == [0]


def test_pause_stops_the_clock_and_resume_moves_the_due_date_by_the_days_it_stood_002_7_8_4(svc, trust, clock):
    child, _ = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    d = _refer(svc, trust, child)
    assert d.due_at == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)
    clock.set(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    d = deadline_service.pause(svc, actor(trust.md), d.id, reason="Practitioner on sick leave")
    assert d.status == "paused" and d.next_check_at is None
    r = svc.sweep(datetime(2027, 4, 2, 0, 0, tzinfo=UTC))
    assert r.examined == 0  # paused rows are never read by the sweep
    clock.set(datetime(2027, 4, 3, 9, 0, tzinfo=UTC))
    d = deadline_service.resume(svc, actor(trust.md), d.id, reason="Back at work")
    assert d.status == "open" and d.due_at == datetime(2027, 4, 12, 23, 0, tzinfo=UTC)  # 14 days later
    kinds = [e.kind for e in svc.session.scalars(select(Event).where(Event.case_id == child.id).order_by(Event.seq))]
    assert kinds[-2:] == ["deadline_paused", "deadline_resumed"]
    with pytest.raises(PermissionDenied):
        deadline_service.pause(svc, actor(trust.manager), d.id, reason="x")


def test_extending_a_paused_clock_moves_its_date_and_it_stays_paused_002_7_8_4(svc, trust, clock):
    child, _ = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    d = _refer(svc, trust, child)
    clock.set(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    deadline_service.pause(svc, actor(trust.md), d.id, reason="Sick leave")
    d = deadline_service.extend(svc, actor(trust.md), d.id, days=7, reason="Mediator unavailable too")
    assert d.status == "paused" and d.next_check_at is None and d.due_at == datetime(2027, 4, 5, 23, 0, tzinfo=UTC)
    clock.set(datetime(2027, 3, 12, 9, 0, tzinfo=UTC))
    d = deadline_service.resume(svc, actor(trust.md), d.id, reason="Back")
    assert d.status == "open" and d.due_at == datetime(2027, 4, 7, 23, 0, tzinfo=UTC)


def test_appeal_window_extended_before_it_closes_by_the_chief_executives_office_with_a_reason_002_7_8_8(
        svc, trust, clock):
    """A late appeal needs the window extended, with a reason, before it closes; once it has closed unused
    the decision has taken effect and the window stays closed (issue 16 item 5)."""
    appeal, d = _appeal_window(svc, trust, clock, datetime(2027, 5, 3, 9, 0, tzinfo=UTC))
    clock.set(datetime(2027, 5, 14, 9, 0, tzinfo=UTC))
    with pytest.raises(PermissionDenied):
        deadline_service.extend(svc, actor(trust.doctor), d.id, days=7, reason="I was away")
    d = deadline_service.extend(svc, actor(trust.ceo), d.id, days=7, reason="Letter sent to the wrong address")
    assert d.status == "open" and d.due_at == datetime(2027, 5, 24, 23, 0, tzinfo=UTC)
    svc.sweep(datetime(2027, 5, 18, 0, 0, tzinfo=UTC))  # the old last day has passed: still open
    svc.fire(actor(trust.doctor), appeal.id, "lodge_appeal", {"points_in_dispute": "p", "reasons": "r"})
    assert svc.session.get(Case, appeal.id).state == "lodged"


def test_closed_appeal_window_cannot_be_reopened_the_decision_has_taken_effect_002_7_8_8(svc, trust, clock):
    appeal, d = _appeal_window(svc, trust, clock, datetime(2027, 5, 3, 9, 0, tzinfo=UTC))
    svc.sweep(datetime(2027, 5, 18, 0, 0, tzinfo=UTC))
    svc.session.expire_all()
    assert svc.session.get(Case, appeal.id).state == "not_appealed"
    clock.set(datetime(2027, 5, 19, 9, 0, tzinfo=UTC))
    with pytest.raises(ConditionFailed, match="moved on"):
        deadline_service.extend(svc, actor(trust.ceo), d.id, days=7, reason="Letter sent to the wrong address")


def test_a_lapsed_disagreement_cannot_be_reopened_once_sign_off_resumed_002_7_8_3(svc, trust, clock):
    child, d = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    svc.sweep(datetime(2027, 3, 16, 0, 0, tzinfo=UTC))  # lapsed: local resolution may still conclude (7.8.2)
    svc.sweep(datetime(2027, 4, 15, 0, 0, tzinfo=UTC))  # its 4 weeks passed: sign-off resumed
    clock.set(datetime(2027, 4, 15, 9, 0, tzinfo=UTC))
    with pytest.raises(ConditionFailed, match="moved on"):
        deadline_service.extend(svc, actor(trust.md), d.id, until=date(2027, 4, 30), reason="late")


def test_an_appeal_lodged_in_the_last_second_is_accepted_and_at_midnight_refused_before_any_sweep_002_7_8_8(
        svc, trust, clock):
    appeal, d = _appeal_window(svc, trust, clock, datetime(2027, 10, 17, 9, 0, tzinfo=UTC))
    # Decided on Sunday 17 October (BST); the 2 weeks end with 31 October, the day the clocks go back.
    assert d.due_at == datetime(2027, 11, 1, 0, 0, tzinfo=UTC)
    clock.set(datetime(2027, 11, 1, 0, 0, tzinfo=UTC))
    with pytest.raises(ConditionFailed, match="closed at the end of Sunday 31 October 2027"):
        svc.fire(actor(trust.doctor), appeal.id, "lodge_appeal", {"points_in_dispute": "p", "reasons": "r"})
    clock.set(datetime(2027, 10, 31, 23, 59, 59, tzinfo=UTC))
    svc.fire(actor(trust.doctor), appeal.id, "lodge_appeal", {"points_in_dispute": "p", "reasons": "r"})
    assert svc.session.get(Case, appeal.id).state == "lodged"


def test_the_change_is_offered_only_to_the_policys_extend_roles_002_7_8_4(svc, trust, clock):
    child, _ = _disagreement(svc, trust, clock, datetime(2027, 3, 1, 9, tzinfo=timezone.utc))
    mediation = _refer(svc, trust, child)
    case = svc.session.get(Case, child.id)
    assert deadline_service.changeable(svc, actor(trust.md), case) == {mediation.id}
    assert deadline_service.changeable(svc, actor(trust.doctor), case) == set()
    assert deadline_service.changeable(svc, actor(trust.manager), case) == set()
