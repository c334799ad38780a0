"""The database is never the only copy of a decision that left by email, and no email leaves for a
step the log does not hold: each message queued by a transition or the sweep has its event on the
same case, written in the same transaction (BRIEF: mail leaves after commit, from the outbox)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.integration.scenario import plan_content
from tests.factories import complete_plan
from tests.conftest import actor
from tests.integration.scenario import full_panel
from tests.invariants import all_problems, notified_problems, outbox_problems
from workflow.store.models import Event, OutboxMessage


def _at(clock, svc, *args):
    clock.set(datetime(*args, tzinfo=timezone.utc))
    return svc.sweep()


def test_every_email_of_a_whole_dispute_has_its_event_002_7_5_to_7_8_9(svc, trust, clock):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    _at(clock, svc, 2027, 3, 23, 0, 0)   # first reminder of the 28-day sign-off (002 7.5)
    _at(clock, svc, 2027, 3, 30, 9, 0)   # breached: first escalation step
    r = svc.fire(actor(trust.doctor), case.id, "record_failure_to_agree", {"points_not_agreed": "SPA time"})
    disagreement = r.started_case_ids[0]
    svc.fire(actor(trust.doctor), disagreement, "raise_formal_disagreement", {
        "nature": "SPA", "reasons": "Revalidation", "evidence_summary": "Diary", "consequences": "No CPD",
        "proposed_solution": "Keep 1.5 SPA"})
    svc.fire(actor(trust.md), disagreement, "hold_mediation_meeting", {"held_on": "2027-03-30"})
    r = svc.fire(actor(trust.md), disagreement, "record_decision", {"decision": "1 SPA"})
    appeal = r.started_case_ids[0]
    _at(clock, svc, 2027, 4, 9, 9, 0)    # 7 days before the end of the 2-week appeal window (002 7.8.8)
    svc.fire(actor(trust.doctor), appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "Revalidation"})
    full_panel(svc, trust, appeal)
    svc.fire(actor(trust.ceo), appeal, "hold_hearing", {"held_on": "2027-04-09"})
    svc.fire(actor(trust.ceo), appeal, "record_recommendation", {"recommendation": "vary_plan", "summary": "1.25"})
    svc.fire(actor(trust.ceo), appeal, "record_board_decision", {"board_decision": "vary_plan", "summary": "1.25",
                                                                  "plan_version": plan.current_version,
                                                                  "varied_plan": plan_content(spa=1.25)})  # 7.8.9

    s = svc.session
    assert svc.get_case(actor(trust.manager), case.id).state == "agreed"
    keys = s.scalars(select(OutboxMessage.dedupe_key)).all()
    kinds = {k.split(":")[0] + (":" + k.split(":")[4] if k.startswith("deadline") else "") for k in keys}
    assert kinds == {"event", "deadline:reminder", "deadline:escalation"}
    assert s.scalar(select(func.count(Event.id)).where(Event.kind == "transition")) >= 10
    assert outbox_problems(s, svc.policies) == []
    assert notified_problems(s, svc.policies) == []
    assert all_problems(s, svc.policies) == []


def test_a_step_that_fails_after_queueing_its_email_leaves_neither_email_nor_event_002_7_5(svc, trust, monkeypatch):
    """Recording the failure to agree queues emails to both parties, then opens the disagreement case;
    if opening it fails, the emails go with the rest of the transaction."""
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    outbox_before = svc.session.scalar(select(func.count(OutboxMessage.id)))
    events_before = svc.session.scalar(select(func.count(Event.id)))

    def broken_open_case(*args, **kwargs):
        assert svc.session.scalar(select(func.count(OutboxMessage.id))) > outbox_before  # the emails were queued
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(svc, "_open_case", broken_open_case)
    with pytest.raises(RuntimeError):
        svc.fire(actor(trust.doctor), case.id, "record_failure_to_agree", {"points_not_agreed": "SPA time"})
    assert svc.session.scalar(select(func.count(OutboxMessage.id))) == outbox_before
    assert svc.session.scalar(select(func.count(Event.id))) == events_before
    assert svc.get_case(actor(trust.doctor), case.id).state == "awaiting_signatures"


def test_emails_list_only_the_deadlines_still_running_002_7_5(svc, trust, clock):
    """A breached sign-off clock is closed when the case leaves the state; later emails must not tell
    people it is still due."""
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan())
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    svc.fire(actor(trust.manager), case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    _at(clock, svc, 2027, 3, 30, 9, 0)
    svc.fire(actor(trust.doctor), case.id, "record_failure_to_agree", {"points_not_agreed": "SPA time"})
    msg = svc.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == trust.manager.id,
                                                         OutboxMessage.dedupe_key.like("event:%"))
                             .order_by(OutboxMessage.id.desc()))
    assert "Record that agreement has not been reached" in msg.body_text
    assert "Due: sign off" not in msg.body_text
