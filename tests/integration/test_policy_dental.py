"""Every path through salaried-dental-2007 (001, NHS Employers 2007), one scenario per paragraph."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from tests.conftest import actor
from tests.integration.scenario import fire, full_panel, open_deadline, plan_content, recipients, state, sweep_deadline
from workflow.errors import ConditionFailed, PermissionDenied, TriggerNotAllowedInState
from workflow.store.models import JobPlan
from workflow.service.plans import plan_in_force

CD_PLAN = plan_content(spa=1.0)
DENTIST_PLAN = plan_content(spa=2.0)
UTC = timezone.utc


def at(clock, y, m, d):
    clock.set(datetime(y, m, d, 9, 0, tzinfo=UTC))


def discussed(svc, trust, day="2027-03-01"):
    """001 1: both prepare a draft (the clinical director's is version 1, the dentist's version 2), then discuss."""
    plan = svc.create_job_plan(actor(trust.clinical_director), trust.dentist.id, CD_PLAN)
    case = svc.start_case(actor(trust.clinical_director), "sign_off", trust.dentist.id, job_plan_id=plan.id)
    fire(svc, trust.clinical_director, case.id, "share_draft", {"plan_version": 1})
    svc.edit_job_plan(actor(trust.dentist), plan.id, DENTIST_PLAN, note="my draft")
    fire(svc, trust.dentist, case.id, "share_draft", {"plan_version": 2})
    fire(svc, trust.clinical_director, case.id, "record_discussion", {"meeting_date": day})
    return plan, case.id


def agreed(svc, trust):
    plan, case_id = discussed(svc, trust)
    fire(svc, trust.dentist, case_id, "sign")
    fire(svc, trust.clinical_director, case_id, "sign")
    fire(svc, trust.clinical_director, case_id, "report_outcome", {"summary": "Agreed: 26 clinical hours"})
    return plan, case_id


def not_resolved(svc, trust, clock):
    plan, case_id = discussed(svc, trust)
    dis = fire(svc, trust.dentist, case_id, "record_failure_to_agree",
               {"points_not_agreed": "Clinical hours"}).started_case_ids[0]
    fire(svc, trust.dentist, dis, "refer_to_medical_director", {"nature": "Hours", "reasons": "Workload"})
    at(clock, 2027, 3, 10)
    fire(svc, trust.md, dis, "hold_mediation_meeting", {"held_on": "2027-03-10"})
    appeal = fire(svc, trust.md, dis, "record_not_resolved",
                  {"summary": "No agreement", "decided_version": 1}).started_case_ids[0]
    return plan, case_id, dis, appeal


def lodged(svc, trust, clock):
    ids = not_resolved(svc, trust, clock)
    fire(svc, trust.dentist, ids[3], "lodge_appeal", {"points_in_dispute": "Hours", "reasons": "Workload"})
    return ids


def test_both_prepare_drafts_discuss_and_both_sign_001_1_26_9(svc, trust):
    plan, case_id = discussed(svc, trust)
    shared = [e for e in svc.case_events(actor(trust.dentist), case_id) if e.trigger == "share_draft"]
    assert [(e.actor_role, e.payload["plan_version"]) for e in shared] == [("clinical_manager", 1), ("practitioner", 2)]
    fire(svc, trust.dentist, case_id, "sign")
    assert state(svc, case_id) == "awaiting_signatures"
    fire(svc, trust.clinical_director, case_id, "sign")
    assert state(svc, case_id) == "outcome_to_report"
    assert plan_in_force(svc, actor(trust.dentist), trust.dentist.id).content == DENTIST_PLAN


def test_edit_after_signature_revokes_it_001_26_9(svc, trust):
    plan, case_id = discussed(svc, trust)
    fire(svc, trust.dentist, case_id, "sign")
    svc.edit_job_plan(actor(trust.clinical_director), plan.id, CD_PLAN)
    fire(svc, trust.clinical_director, case_id, "sign")
    assert state(svc, case_id) == "awaiting_signatures"
    fire(svc, trust.dentist, case_id, "sign")
    assert state(svc, case_id) == "outcome_to_report"


def test_outcome_reported_to_medical_director_copied_to_dentist_001_18(svc, trust):
    plan, case_id = agreed(svc, trust)
    assert state(svc, case_id) == "agreed"
    ev = svc.case_events(actor(trust.dentist), case_id)[-1]
    assert ev.trigger == "report_outcome"
    assert recipients(svc, f"event:{ev.id}") == {trust.md.id, trust.dentist.id}


def test_dentist_may_ask_to_meet_the_medical_director_001_18(svc, trust, clock):
    plan, case_id = agreed(svc, trust)
    with pytest.raises(PermissionDenied):
        fire(svc, trust.clinical_director, case_id, "request_medical_director_meeting", {"concerns": "x"})
    r = fire(svc, trust.dentist, case_id, "request_medical_director_meeting", {"concerns": "Too few admin hours"})
    assert trust.md.id in recipients(svc, f"event:{r.event_id}")
    at(clock, 2027, 3, 20)
    fire(svc, trust.md, case_id, "record_medical_director_meeting", {"held_on": "2027-03-20", "notes": "Discussed"})
    assert state(svc, case_id) == "agreed"
    assert open_deadline(svc, case_id, "annual_review")  # the annual review clock is untouched


def test_annual_review_reminded_breached_escalated_001_15(svc, trust):
    plan, case_id = agreed(svc, trust)
    out = sweep_deadline(svc, case_id, "annual_review")
    assert out["due_at"] == datetime(2028, 3, 2, 0, 0, tzinfo=UTC)  # 12 months: the end of 1 March 2028 (GMT)
    assert out["reminders"] == [0, 1] and out["breached"]
    assert out["escalated_to"] == [{trust.clinical_director.id, trust.dentist.id}, {trust.md.id}]


def test_interim_review_when_duties_change_makes_a_new_version_001_17_19(svc, trust, clock):
    plan, case_id = agreed(svc, trust)
    at(clock, 2027, 8, 1)
    review = fire(svc, trust.dentist, case_id, "begin_review",
                  {"review_type": "interim", "changes": "New sedation list"}).started_case_ids[0]
    assert state(svc, case_id) == "superseded" and state(svc, review) == "drafting"
    svc.session.expire_all()
    p = svc.session.get(JobPlan, plan.id)
    assert p.current_version == 3 and p.agreed_version == 2


def test_sign_off_and_outcome_report_deadlines_are_local_choices_reminded_breached_escalated_001_18_26_9(svc, trust):
    plan, case_id = discussed(svc, trust)
    out = sweep_deadline(svc, case_id, "sign_off")
    assert out["due_at"] == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # 28 days from the discussion on 1 March (BST)
    assert out["reminders"] == [0, 1] and out["breached"]
    assert out["escalated_to"] == [{trust.clinical_director.id, trust.dentist.id}, {trust.md.id}]
    fire(svc, trust.dentist, case_id, "sign")
    fire(svc, trust.clinical_director, case_id, "sign")
    out = sweep_deadline(svc, case_id, "report_outcome")
    assert out["due_at"] == datetime(2027, 3, 16, 0, 0, tzinfo=UTC)  # 2 weeks from signing on 1 March
    assert out["reminders"] == [0] and out["reminded"][0] == {trust.clinical_director.id}
    assert out["breached"] and out["escalated_to"] == [{trust.clinical_director.id}, {trust.md.id}]


def test_disagreement_referred_to_medical_director_and_resolved_at_mediation_001_20(svc, trust, clock):
    plan, case_id = discussed(svc, trust)
    dis = fire(svc, trust.clinical_director, case_id, "record_failure_to_agree",
               {"points_not_agreed": "Hours"}).started_case_ids[0]
    fire(svc, trust.clinical_director, dis, "refer_to_medical_director", {"nature": "Hours", "reasons": "Cover"})
    at(clock, 2027, 3, 12)
    fire(svc, trust.md, dis, "hold_mediation_meeting", {"held_on": "2027-03-12"})
    fire(svc, trust.md, dis, "record_mediation_agreement", {"summary": "28 hours"})
    assert state(svc, dis) == "resolved" and state(svc, case_id) == "awaiting_signatures"
    assert open_deadline(svc, case_id, "sign_off").due_at == datetime(2027, 4, 9, 23, 0, tzinfo=UTC)


def test_referral_window_reminded_and_closed_001_20(svc, trust):
    plan, case_id = discussed(svc, trust)
    dis = fire(svc, trust.dentist, case_id, "record_failure_to_agree",
               {"points_not_agreed": "Hours"}).started_case_ids[0]
    out = sweep_deadline(svc, dis, "refer_disagreement")
    assert out["due_at"] == datetime(2027, 3, 16, 0, 0, tzinfo=UTC)  # 2 weeks from 1 March: the end of 15 March
    assert out["reminders"] == [0, 1] and out["expired"]
    assert state(svc, dis) == "lapsed" and state(svc, case_id) == "drafting"


def test_mediation_within_4_weeks_reminded_breached_escalated_001_20(svc, trust):
    plan, case_id = discussed(svc, trust)
    dis = fire(svc, trust.dentist, case_id, "record_failure_to_agree",
               {"points_not_agreed": "Hours"}).started_case_ids[0]
    fire(svc, trust.dentist, dis, "refer_to_medical_director", {"nature": "Hours", "reasons": "Workload"})
    out = sweep_deadline(svc, dis, "mediation_meeting")
    assert out["due_at"] == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # 4 weeks from the referral on 1 March (BST)
    assert out["reminded"][0] == {trust.md.id} and out["breached"]
    assert out["escalated_to"] == [{trust.md.id}, {trust.ceo.id}]


def test_not_resolved_and_no_appeal_the_clinical_directors_plan_stands_001_3_20(svc, trust, clock):
    plan, case_id, dis, appeal = not_resolved(svc, trust, clock)
    assert plan_in_force(svc, actor(trust.dentist), trust.dentist.id) is None
    fire(svc, trust.dentist, appeal, "decline_appeal")
    assert state(svc, dis) == "decided" and state(svc, case_id) == "outcome_to_report"
    in_force = plan_in_force(svc, actor(trust.dentist), trust.dentist.id)
    assert in_force.content == CD_PLAN and in_force.version == 3


def test_appeal_upheld_001_20(svc, trust, clock):
    plan, case_id, dis, appeal = lodged(svc, trust, clock)
    full_panel(svc, trust, appeal, trust.dentist)
    at(clock, 2027, 4, 1)
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-01"})
    fire(svc, trust.ceo, appeal, "record_appeal_decision",
         {"board_decision": "uphold_appeal", "summary": "Dentist's plan", "plan_version": 2})
    assert state(svc, case_id) == "outcome_to_report"
    assert plan_in_force(svc, actor(trust.dentist), trust.dentist.id).content == DENTIST_PLAN


def test_appeal_dismissed_001_20(svc, trust, clock):
    plan, case_id, dis, appeal = lodged(svc, trust, clock)
    full_panel(svc, trust, appeal, trust.dentist)
    at(clock, 2027, 4, 1)
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-01"})
    fire(svc, trust.ceo, appeal, "record_appeal_decision",
         {"board_decision": "dismiss_appeal", "summary": "CD's plan", "plan_version": 1})
    assert plan_in_force(svc, actor(trust.dentist), trust.dentist.id).content == CD_PLAN


def test_appeal_lodged_late_refused_and_the_outcome_takes_effect_when_the_window_closes_001_20(svc, trust, clock):
    plan, case_id, dis, appeal = not_resolved(svc, trust, clock)
    out = sweep_deadline(svc, appeal, "lodge_appeal")
    assert out["expired"] and state(svc, appeal) == "not_appealed"  # issue 16 item 5: nothing waits on anyone
    assert state(svc, dis) == "decided" and state(svc, case_id) == "outcome_to_report"
    with pytest.raises(TriggerNotAllowedInState):
        fire(svc, trust.dentist, appeal, "lodge_appeal", {"points_in_dispute": "x", "reasons": "y"})


def test_panel_objection_once_prior_involvement_and_legal_representative_refused_001_20(svc, trust, clock):
    plan, case_id, dis, appeal = lodged(svc, trust, clock)
    with pytest.raises(ConditionFailed, match="involved"):
        fire(svc, trust.ceo, appeal, "nominate_chair", {"person": trust.md.id})
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    fire(svc, trust.ceo, appeal, "object_to_list_member", {"objection": "Knows the dentist"})
    with pytest.raises(ConditionFailed, match="only one alternative"):
        fire(svc, trust.dentist, appeal, "object_to_list_member", {"objection": "again"})
    with pytest.raises(ConditionFailed, match="legal"):
        fire(svc, trust.dentist, appeal, "name_representative",
             {"representative_name": "Solicitor", "representative_type": "legal"})


def test_appeal_panel_within_4_weeks_reminded_breached_escalated_001_20(svc, trust, clock):
    plan, case_id, dis, appeal = lodged(svc, trust, clock)
    out = sweep_deadline(svc, appeal, "panel_meets")
    assert out["due_at"] == datetime(2027, 4, 7, 23, 0, tzinfo=UTC)  # 4 weeks from the appeal lodged on 10 March
    assert out["reminders"] == [0, 1] and out["reminded"][0] == {trust.ceo.id} and out["breached"]
    assert out["escalated_to"] == [{trust.ceo.id}, {trust.ceo.id, trust.md.id}]


def test_appeal_decision_within_2_weeks_of_hearing_reminded_breached_escalated_001_20(svc, trust, clock):
    plan, case_id, dis, appeal = lodged(svc, trust, clock)
    full_panel(svc, trust, appeal, trust.dentist)
    at(clock, 2027, 4, 1)
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-01"})
    out = sweep_deadline(svc, appeal, "decision")
    assert out["due_at"] == datetime(2027, 4, 15, 23, 0, tzinfo=UTC)  # 2 weeks from the hearing on 1 April (BST)
    assert out["reminders"] == [0] and out["breached"]
    assert out["escalated_to"] == [{trust.chair.id, trust.ceo.id}]


def test_appeal_varies_the_plan_as_a_new_version_001_20(svc, trust, clock):
    from workflow.errors import InvalidPayload

    plan, case_id, dis, appeal = lodged(svc, trust, clock)
    full_panel(svc, trust, appeal, trust.dentist)
    at(clock, 2027, 4, 1)
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-01"})
    base = {"board_decision": "vary_plan", "summary": "A middle way", "plan_version": 1}
    with pytest.raises(InvalidPayload) as exc:  # the version named, unchanged, is no variation
        fire(svc, trust.ceo, appeal, "record_appeal_decision", base)
    assert "varied_plan" in exc.value.details["fields"]
    varied = plan_content(spa=1.5)
    fire(svc, trust.ceo, appeal, "record_appeal_decision", {**base, "varied_plan": varied})
    assert state(svc, case_id) == "outcome_to_report"
    in_force = plan_in_force(svc, actor(trust.dentist), trust.dentist.id)
    assert in_force.content == varied and in_force.content not in (CD_PLAN, DENTIST_PLAN) and in_force.version == 3
