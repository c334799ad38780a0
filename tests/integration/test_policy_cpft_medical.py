"""Every path through cpft-medical-2017 (002 POL/004/042), one scenario per clause."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.integration.scenario import (fire, full_panel, open_deadline, plan_content, recipients, spa_of, state,
                                        sweep_deadline)
from workflow.errors import ConditionFailed, InvalidPayload, NotFound, PermissionDenied, TriggerNotAllowedInState
from workflow.store.models import Case, CaseParticipant, JobPlan, JobPlanVersion, OutboxMessage
from workflow.rules.panel import panel_sittings
from workflow.service.plans import plan_in_force

MANAGER_PLAN = plan_content(spa=1.5)
DOCTOR_PLAN = plan_content(spa=2.5)
FORMAL = {
    "nature": "The plan moves 1.0 SPA into direct clinical care.",
    "reasons": "Revalidation needs at least 1.5 SPA (7.2.1).",
    "evidence_summary": "Six weeks of work diaries.",
    "consequences": "Without the SPA I cannot keep up CPD.",
    "proposed_solution": "Keep 2.5 SPA and drop half a clinic.",
}
UTC = timezone.utc


def at(clock, y, m, d, h=9):
    clock.set(datetime(y, m, d, h, 0, tzinfo=UTC))


def meeting_held(svc, trust, day="2027-03-01"):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, MANAGER_PLAN)
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": day})
    return plan, case.id


def sign_and_approve(svc, trust, case_id):
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    fire(svc, trust.amd, case_id, "approve_second_level")
    fire(svc, trust.directorate, case_id, "accept_governance_check")


def failure_to_agree(svc, trust):
    """The manager's plan is version 1, the practitioner's counter-proposal version 2; they do not agree."""
    plan, case_id = meeting_held(svc, trust)
    svc.edit_job_plan(actor(trust.doctor), plan.id, DOCTOR_PLAN, note="my proposal")
    r = fire(svc, trust.doctor, case_id, "record_failure_to_agree", {"points_not_agreed": "SPA allocation"})
    return plan, case_id, r.started_case_ids[0]


def to_decision(svc, trust, clock):
    """Through formal disagreement and mediation to the Medical Director's decision (version 1)."""
    plan, sign_off, dis = failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    at(clock, 2027, 3, 15)
    fire(svc, trust.md, dis, "hold_mediation_meeting", {"held_on": "2027-03-15"})
    r = fire(svc, trust.md, dis, "record_decision", {"decision": "The manager's plan stands.", "decided_version": 1})
    return plan, sign_off, dis, r.started_case_ids[0]


def lodged(svc, trust, clock):
    ids = to_decision(svc, trust, clock)
    at(clock, 2027, 3, 20)
    fire(svc, trust.doctor, ids[3], "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "Revalidation"})
    return ids


def heard_and_recommended(svc, trust, clock, recommendation):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    full_panel(svc, trust, appeal)
    at(clock, 2027, 4, 10)
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-10"})
    fire(svc, trust.chair, appeal, "record_recommendation", {"recommendation": recommendation, "summary": "..."})
    return plan, sign_off, dis, appeal


def version_content(svc, plan_id, number):
    return svc.session.scalar(select(JobPlanVersion.content).where(JobPlanVersion.job_plan_id == plan_id,
                                                                   JobPlanVersion.number == number))


# ---- sign-off (7.5, 7.6, 7.7) ---------------------------------------------------------------------------

def test_agreed_first_time_signed_approved_and_checked_002_7_5_7_6_5(svc, trust, clock):
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.doctor, case_id, "sign")
    assert state(svc, case_id) == "awaiting_signatures"
    fire(svc, trust.manager, case_id, "sign")
    assert state(svc, case_id) == "second_level_review"
    with pytest.raises(NotFound):
        fire(svc, trust.other_amd, case_id, "approve_second_level")  # the AMD of another care group
    fire(svc, trust.amd, case_id, "approve_second_level")
    assert state(svc, case_id) == "governance_check"
    fire(svc, trust.directorate, case_id, "accept_governance_check")
    assert state(svc, case_id) == "agreed"
    svc.session.expire_all()
    assert svc.session.get(JobPlan, plan.id).agreed_version == 1
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.version == 1 and in_force.content == MANAGER_PLAN and not in_force.disputed


def test_governance_check_returns_plan_with_reasons_002_7_6_5(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    fire(svc, trust.amd, case_id, "approve_second_level")
    with pytest.raises(InvalidPayload):
        fire(svc, trust.directorate, case_id, "return_to_signatories", {"return_reason": "wrong_template"})
    fire(svc, trust.directorate, case_id, "return_to_signatories",
         {"return_reason": "section_missing_without_justification"}, reason="On-call section empty")
    assert state(svc, case_id) == "awaiting_signatures"
    ev = svc.case_events(actor(trust.manager), case_id)[-1]
    assert ev.trigger == "return_to_signatories" and ev.reason == "On-call section empty"
    assert ev.payload["return_reason"] == "section_missing_without_justification"


def test_edit_after_signature_revokes_it_002_7_5(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.doctor, case_id, "sign")
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0), note="changed after signing")
    fire(svc, trust.manager, case_id, "sign")
    # the practitioner's signature was on version 1; version 2 has only the manager's
    assert state(svc, case_id) == "awaiting_signatures"
    with pytest.raises(PermissionDenied):
        fire(svc, trust.doctor, case_id, "complete_signatures")  # only the system completes, when both signed
    fire(svc, trust.doctor, case_id, "sign")
    assert state(svc, case_id) == "second_level_review"
    # an edit after both signed sends the case back to both: the AMD is never asked to approve version 3,
    # which nobody signed (issue 16 item 12, as SARD does)
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=1.75))
    assert state(svc, case_id) == "awaiting_signatures"
    ev = svc.case_events(actor(trust.manager), case_id)[-1]
    assert ev.trigger == "revoke_signatures" and ev.actor_role == "system" and "version 3" in ev.reason
    with pytest.raises(TriggerNotAllowedInState):
        fire(svc, trust.amd, case_id, "approve_second_level")
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    fire(svc, trust.amd, case_id, "approve_second_level")
    # and again at the governance check
    svc.edit_job_plan(actor(trust.doctor), plan.id, plan_content(spa=1.5))
    assert state(svc, case_id) == "awaiting_signatures"
    with pytest.raises(TriggerNotAllowedInState):
        fire(svc, trust.directorate, case_id, "accept_governance_check")


def test_edit_after_signature_tells_both_and_the_amd_and_keeps_the_28_days_002_7_5(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    due = open_deadline(svc, case_id, "sign_off").due_at
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    svc.edit_job_plan(actor(trust.doctor), plan.id, plan_content(spa=2.0))
    ev = svc.case_events(actor(trust.manager), case_id)[-1]
    assert recipients(svc, f"event:{ev.id}") == {trust.doctor.id, trust.manager.id, trust.amd.id}
    assert open_deadline(svc, case_id, "sign_off").due_at == due  # still 28 days from the meeting


def test_the_amd_cannot_approve_an_unsigned_version_002_7_5_5_3(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    # a version nobody signed, written behind the service's back (as a migration or a repair might)
    from workflow.store.plan_versions import add_version

    p = svc.session.get(JobPlan, plan.id)
    add_version(svc.session, p, plan_content(spa=2.0), at=svc.clock.now(), by_id=trust.manager.id, note="repair")
    svc.session.commit()
    with pytest.raises(ConditionFailed, match="still needs the signature"):
        fire(svc, trust.amd, case_id, "approve_second_level")


def test_returned_plan_with_no_edit_is_not_offered_for_signing_again_002_7_6_5(svc, trust):
    """Issue 16 item 11: the signatures stand on the returned version, so "sign" is not offered to either; the
    return asks for a change, and the change (a new version) is what both sign."""
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    fire(svc, trust.amd, case_id, "approve_second_level")
    fire(svc, trust.directorate, case_id, "return_to_signatories",
         {"return_reason": "section_missing_without_justification"}, reason="On-call section empty")
    for who in (trust.doctor, trust.manager):
        assert "sign" not in {t.trigger for t in svc.available_triggers(actor(who), case_id)}  # not offered
        with pytest.raises(ConditionFailed, match="your signature stands"):
            fire(svc, who, case_id, "sign")
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=1.5), note="on-call justified")
    assert all(t.unavailable is None for t in svc.available_triggers(actor(trust.doctor), case_id)
               if t.trigger == "sign")
    fire(svc, trust.doctor, case_id, "sign")
    fire(svc, trust.manager, case_id, "sign")
    assert state(svc, case_id) == "second_level_review"


def test_sign_off_due_28_days_after_the_meeting_002_7_5(svc, trust):
    plan, case_id = meeting_held(svc, trust, day="2027-03-01")
    # 1 March + 28 days = 29 March, the last permitted day; it ends at local midnight (BST from 28 March)
    assert open_deadline(svc, case_id, "sign_off").due_at == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)
    plan2 = svc.create_job_plan(actor(trust.manager), trust.colleague.id, MANAGER_PLAN)
    case2 = svc.start_case(actor(trust.manager), "sign_off", trust.colleague.id, job_plan_id=plan2.id)
    fire(svc, trust.manager, case2.id, "record_meeting", {"meeting_date": "2027-01-10"})
    assert open_deadline(svc, case2.id, "sign_off").due_at == datetime(2027, 2, 8, 0, 0, tzinfo=UTC)  # GMT


def test_sign_off_within_28_days_reminded_breached_escalated_002_7_5(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    out = sweep_deadline(svc, case_id, "sign_off")
    assert out["reminders"] == [0, 1] and out["breached"] and out["escalations"] == [0, 1, 2]
    assert out["reminded"][0] == {trust.doctor.id, trust.manager.id}
    assert out["escalated_to"] == [{trust.manager.id, trust.doctor.id}, {trust.amd.id}, {trust.md.id}]


def test_annual_review_due_12_months_after_agreement_reminded_breached_escalated_002_7_7_1(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    sign_and_approve(svc, trust, case_id)
    d = open_deadline(svc, case_id, "annual_review")
    assert d.due_at == datetime(2028, 3, 2, 0, 0, tzinfo=UTC)  # 1 March 2028 ends at midnight GMT
    out = sweep_deadline(svc, case_id, "annual_review")
    assert out["reminders"] == [0, 1] and out["breached"] and out["escalations"] == [0, 1]
    assert out["escalated_to"] == [{trust.manager.id, trust.doctor.id}, {trust.amd.id}]


def test_interim_review_makes_a_new_version_through_the_same_route_002_7_7_4(svc, trust, clock):
    plan, case_id = meeting_held(svc, trust)
    sign_and_approve(svc, trust, case_id)
    at(clock, 2027, 9, 1)
    r = fire(svc, trust.manager, case_id, "begin_review", {"review_type": "interim", "changes": "New ward"})
    assert state(svc, case_id) == "superseded"
    (review,) = r.started_case_ids
    svc.session.expire_all()
    new = svc.session.get(Case, review)
    assert new.workflow == "sign_off" and new.state == "draft" and new.parent_id is None
    p = svc.session.get(JobPlan, plan.id)
    assert p.current_version == 2 and p.agreed_version == 1  # the old plan stays in force meanwhile
    fire(svc, trust.manager, review, "record_meeting", {"meeting_date": "2027-09-01"})
    sign_and_approve(svc, trust, review)  # version 2 signed afresh: version 1's signatures do not count
    svc.session.expire_all()
    assert svc.session.get(JobPlan, plan.id).agreed_version == 2


def test_new_practitioner_interim_plan_within_first_month_002_7_4_3(svc, trust, clock):
    trust.colleague.start_date = date(2027, 2, 20)
    svc.session.commit()
    plan = svc.create_job_plan(actor(trust.manager), trust.colleague.id, MANAGER_PLAN, interim=True)
    starter = svc.start_case(actor(trust.manager), "new_starter", trust.colleague.id, job_plan_id=plan.id)
    d = open_deadline(svc, starter.id, "interim_plan")
    # the first month of joining is 20 February to 19 March: the start date is day one (issue 16 item 14)
    assert d.due_at == datetime(2027, 3, 20, 0, 0, tzinfo=UTC)
    r = fire(svc, trust.manager, starter.id, "start_interim_sign_off")
    (sign_off,) = r.started_case_ids
    assert open_deadline(svc, starter.id, "interim_plan").id == d.id  # the clock runs on until agreement
    with pytest.raises(ConditionFailed, match="still open"):
        fire(svc, trust.manager, starter.id, "start_interim_sign_off")
    at(clock, 2027, 3, 2)
    fire(svc, trust.manager, sign_off, "record_meeting", {"meeting_date": "2027-03-02"})
    fire(svc, trust.colleague, sign_off, "sign")
    fire(svc, trust.manager, sign_off, "sign")
    # both have signed: the month's clock stops, met, though the second level and governance follow
    assert state(svc, starter.id) == "interim_signed"
    met = svc.session.get(type(d), d.id)
    svc.session.refresh(met)
    assert met.status == "met" and met.closed_at is not None
    fire(svc, trust.amd, sign_off, "approve_second_level")
    fire(svc, trust.directorate, sign_off, "accept_governance_check")
    assert state(svc, starter.id) == "interim_agreed"
    assert plan_in_force(svc, actor(trust.manager), trust.colleague.id).interim is True


def test_new_practitioner_interim_plan_reminded_breached_escalated_002_7_4_3(svc, trust):
    trust.colleague.start_date = date(2027, 2, 20)
    svc.session.commit()
    plan = svc.create_job_plan(actor(trust.manager), trust.colleague.id, MANAGER_PLAN, interim=True)
    starter = svc.start_case(actor(trust.manager), "new_starter", trust.colleague.id, job_plan_id=plan.id)
    out = sweep_deadline(svc, starter.id, "interim_plan")
    assert out["breached"] and out["escalations"] == [0, 1]
    assert out["escalated_to"] == [{trust.manager.id, trust.amd.id}, {trust.md.id}]


# ---- disagreement and mediation (7.8.1-7.8.6) -------------------------------------------------------------

def test_agreed_locally_with_the_amd_restarts_the_28_days_002_7_8_2(svc, trust, clock):
    plan, sign_off, dis = failure_to_agree(svc, trust)
    assert state(svc, sign_off) == "disputed"
    at(clock, 2027, 3, 8)
    fire(svc, trust.amd, dis, "record_local_resolution", {"agreed_on": "2027-03-08", "summary": "2.0 SPA"})
    assert state(svc, dis) == "resolved" and state(svc, sign_off) == "awaiting_signatures"
    assert open_deadline(svc, sign_off, "sign_off").due_at == datetime(2027, 4, 5, 23, 0, tzinfo=UTC)


def test_failure_to_agree_recorded_at_the_review_meeting_not_before_002_7_8_1(svc, trust):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, MANAGER_PLAN)
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    with pytest.raises(TriggerNotAllowedInState):
        fire(svc, trust.doctor, case.id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    r = fire(svc, trust.doctor, case.id, "record_failure_to_agree", {"points_not_agreed": "SPA"})
    ev = svc.case_events(actor(trust.doctor), case.id)[-1]
    assert ev.payload == {"points_not_agreed": "SPA"} and len(r.started_case_ids) == 1  # 7.5: the form records it


def test_formal_disagreement_states_its_structured_content_002_7_8_3(svc, trust):
    plan, sign_off, dis = failure_to_agree(svc, trust)
    with pytest.raises(InvalidPayload) as exc:
        fire(svc, trust.doctor, dis, "raise_formal_disagreement", {"nature": "SPA"})
    assert {"reasons", "evidence_summary", "consequences", "proposed_solution"} <= set(exc.value.details["fields"])
    with pytest.raises(ConditionFailed, match="000 2a"):  # a consultant refers; their manager does not (7.8.3)
        fire(svc, trust.manager, dis, "raise_formal_disagreement", FORMAL)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    assert state(svc, dis) == "referred"


def test_formal_disagreement_after_2_weeks_refused_and_window_closed_002_7_8_3(svc, trust, clock):
    plan, sign_off, dis = failure_to_agree(svc, trust)
    out = sweep_deadline(svc, dis, "lodge_disagreement")
    assert out["due_at"] == datetime(2027, 3, 16, 0, 0, tzinfo=UTC)  # 2 weeks from 1 March: the end of 15 March
    assert out["reminders"] == [0, 1] and out["expired"]
    assert out["reminded"][0] == {trust.doctor.id}
    assert state(svc, dis) == "lapsed" and state(svc, sign_off) == "disputed"  # local resolution may conclude
    with pytest.raises(TriggerNotAllowedInState):
        fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)


def test_formal_disagreement_refused_after_2_weeks_even_before_the_sweep_002_7_8_3(svc, trust, clock):
    plan, sign_off, dis = failure_to_agree(svc, trust)
    at(clock, 2027, 3, 16)  # 1 March + 14 days = 15 March, the last permitted day
    with pytest.raises(ConditionFailed, match="15 March 2027"):
        fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)


def test_mediator_with_prior_involvement_refused_002_7_8_4(svc, trust, clock):
    plan, sign_off, dis = failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    with pytest.raises(ConditionFailed, match="involved"):
        fire(svc, trust.md, dis, "appoint_mediator", {"person": trust.manager.id})
    fire(svc, trust.md, dis, "appoint_mediator", {"person": trust.other_amd.id})
    at(clock, 2027, 3, 20)
    fire(svc, trust.other_amd, dis, "hold_mediation_meeting", {"held_on": "2027-03-20"})
    assert state(svc, dis) == "mediation_held"


def test_mediation_meeting_within_4_weeks_reminded_breached_escalated_002_7_8_4(svc, trust):
    plan, sign_off, dis = failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    out = sweep_deadline(svc, dis, "mediation_meeting")
    assert out["due_at"] == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # 4 weeks from receipt on 1 March (BST)
    assert out["reminders"] == [0] and out["reminded"][0] == {trust.md.id}
    assert out["breached"] and out["escalated_to"] == [{trust.md.id}, {trust.ceo.id}]


def test_agreed_at_mediation_back_to_sign_off_002_7_8_6(svc, trust, clock):
    plan, sign_off, dis = failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    at(clock, 2027, 3, 20)
    fire(svc, trust.md, dis, "hold_mediation_meeting", {"held_on": "2027-03-20"})
    fire(svc, trust.md, dis, "record_mediation_agreement", {"summary": "2.0 SPA"})
    assert state(svc, dis) == "resolved" and state(svc, sign_off) == "awaiting_signatures"
    # the 28 days run again from the mediation meeting (7.8.6 -> 7.5)
    assert open_deadline(svc, sign_off, "sign_off").due_at == datetime(2027, 4, 17, 23, 0, tzinfo=UTC)
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0), note="as agreed at mediation")
    sign_and_approve(svc, trust, sign_off)
    assert state(svc, sign_off) == "agreed"
    assert plan_in_force(svc, actor(trust.doctor), trust.doctor.id).content == plan_content(spa=2.0)


def test_medical_director_decides_and_no_appeal_002_7_8_5(svc, trust, clock):
    plan, sign_off, dis, appeal = to_decision(svc, trust, clock)
    assert state(svc, dis) == "awaiting_appeal" and state(svc, appeal) == "window_open"
    fire(svc, trust.doctor, appeal, "decline_appeal")
    assert state(svc, appeal) == "not_appealed" and state(svc, dis) == "decided" and state(svc, sign_off) == "agreed"
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.version == 3 and in_force.content == MANAGER_PLAN and not in_force.disputed


def test_decision_told_to_both_in_writing_with_the_last_day_to_appeal_002_7_8_5(svc, trust, clock):
    plan, sign_off, dis, appeal = to_decision(svc, trust, clock)  # decided on Monday 15 March 2027
    ev = next(e for e in svc.case_events(actor(trust.md), dis) if e.trigger == "record_decision")
    msgs = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"event:{ev.id}:%"))).all()
    assert {m.recipient_id for m in msgs} == {trust.doctor.id, trust.manager.id}
    for m in msgs:
        assert m.body_text.count("The manager's plan stands.") == 1  # the decision, said once
        assert "the last day to appeal is 29 March 2027" in m.body_text
    assert "appeal by 29 March 2027" in next(m.subject for m in msgs if m.recipient_id == trust.doctor.id)
    window = open_deadline(svc, appeal, "lodge_appeal")
    assert window.due_at == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # the same day the message gives (BST)


def test_last_agreed_plan_stays_in_force_during_the_dispute_002_7_7_002_7_8(svc, trust, clock):
    plan, case_id = meeting_held(svc, trust)
    sign_and_approve(svc, trust, case_id)  # version 1 agreed
    at(clock, 2028, 2, 1)
    review = fire(svc, trust.manager, case_id, "begin_review", {"review_type": "annual"}).started_case_ids[0]
    fire(svc, trust.manager, review, "record_meeting", {"meeting_date": "2028-02-01"})
    svc.edit_job_plan(actor(trust.manager), plan.id, plan_content(spa=2.0))  # version 3, disputed
    dis = fire(svc, trust.doctor, review, "record_failure_to_agree",
               {"points_not_agreed": "SPA"}).started_case_ids[0]
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.version == 1 and in_force.content == MANAGER_PLAN
    assert in_force.disputed and in_force.open_dispute_case_ids == (dis,) and in_force.latest_version == 3
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    at(clock, 2028, 2, 10)
    fire(svc, trust.md, dis, "hold_mediation_meeting", {"held_on": "2028-02-10"})
    appeal = fire(svc, trust.md, dis, "record_decision", {"decision": "SPA 1.0"}).started_case_ids[0]
    assert plan_in_force(svc, actor(trust.doctor), trust.doctor.id).version == 1  # not while the appeal is open
    fire(svc, trust.doctor, appeal, "decline_appeal")
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.version == 4 and spa_of(in_force.content) == 2.0 and not in_force.disputed
    with pytest.raises(NotFound):
        plan_in_force(svc, actor(trust.outsider), trust.doctor.id)


# ---- appeal (7.8.7-7.8.13) ---------------------------------------------------------------------------------

def test_appeal_window_closes_and_the_decision_stands_002_7_8_8(svc, trust, clock):
    plan, sign_off, dis, appeal = to_decision(svc, trust, clock)
    out = sweep_deadline(svc, appeal, "lodge_appeal")
    assert out["due_at"] == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # 2 weeks from the outcome on 15 March (BST)
    assert out["reminders"] == [0, 1] and out["expired"] and out["reminded"][0] == {trust.doctor.id}
    # the decision takes effect when the window closes: nobody has to confirm it (issue 16 item 5)
    assert state(svc, appeal) == "not_appealed" and state(svc, dis) == "decided"
    assert state(svc, sign_off) == "agreed"


def test_appeal_lodged_late_is_refused_002_7_8_8(svc, trust, clock):
    plan, sign_off, dis, appeal = to_decision(svc, trust, clock)  # outcome on 15 March
    at(clock, 2027, 3, 30)  # the window closed at the end of 29 March; the sweep has not run yet
    with pytest.raises(ConditionFailed, match="29 March 2027"):
        fire(svc, trust.doctor, appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "late"})
    svc.sweep()
    with pytest.raises(TriggerNotAllowedInState):
        fire(svc, trust.doctor, appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "late"})
    assert state(svc, appeal) == "not_appealed"


def test_late_appeal_accepted_with_a_reason_002_7_8_8(svc, trust, clock):
    """A late appeal: the CE's office extends the window, with a reason, before it closes (issue 16 item 5:
    a window that closes unused lets the decision take effect)."""
    from workflow.service import deadlines as deadline_service

    plan, sign_off, dis, appeal = to_decision(svc, trust, clock)
    at(clock, 2027, 3, 29)
    d = open_deadline(svc, appeal, "lodge_appeal")
    with pytest.raises(PermissionDenied):
        deadline_service.extend(svc, actor(trust.doctor), d.id, days=7, reason="I was on leave")
    with pytest.raises(InvalidPayload, match="reason"):
        deadline_service.extend(svc, actor(trust.ceo), d.id, days=7, reason=" ")
    deadline_service.extend(svc, actor(trust.ceo), d.id, days=7, reason="Practitioner was in hospital")
    at(clock, 2027, 4, 2)
    svc.sweep()
    fire(svc, trust.doctor, appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "Revalidation"})
    assert state(svc, appeal) == "lodged"


def test_panel_meets_within_4_weeks_reminded_breached_escalated_002_7_8_8(svc, trust, clock):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    out = sweep_deadline(svc, appeal, "panel_meets")
    assert out["due_at"] == datetime(2027, 4, 17, 23, 0, tzinfo=UTC)  # 4 weeks from receipt on 20 March (BST)
    assert out["reminders"] == [0, 1] and out["reminded"][0] == {trust.ceo.id}
    assert out["breached"] and out["escalated_to"] == [{trust.ceo.id}, {trust.ceo.id, trust.md.id}]


def test_hearing_refused_until_the_panel_is_complete_002_7_8_10(svc, trust, clock):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    fire(svc, trust.ceo, appeal, "nominate_chair", {"person": trust.chair.id})
    fire(svc, trust.doctor, appeal, "nominate_panel_member", {"person": trust.nominee.id})
    at(clock, 2027, 4, 1)
    with pytest.raises(ConditionFailed, match="Appeal panel member from the approved list"):
        fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-01"})
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-01"})
    assert state(svc, appeal) == "heard"


def test_panel_member_with_prior_involvement_refused_002_7_8_10(svc, trust, clock):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    with pytest.raises(ConditionFailed, match="involved"):
        fire(svc, trust.ceo, appeal, "nominate_chair", {"person": trust.md.id})  # decided the mediation
    with pytest.raises(ConditionFailed, match="involved"):
        fire(svc, trust.doctor, appeal, "nominate_panel_member", {"person": trust.manager.id})
    fire(svc, trust.ceo, appeal, "nominate_chair", {"person": trust.chair.id})
    with pytest.raises(ConditionFailed, match="already has a seat"):
        fire(svc, trust.doctor, appeal, "nominate_panel_member", {"person": trust.chair.id})


def test_list_member_allocated_least_used_never_involved_002_7_8_10_7_8_11(svc, trust, clock):
    first, second, third = trust.panel_list
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    # earlier panels: the first list member sat twice, the second once
    for person, n in ((first, 2), (second, 1)):
        for _ in range(n):
            svc.session.add(CaseParticipant(case_id=sign_off, person_id=person.id, role="panel_list_member",
                                            status="sat", name=person.name, data={}, added_at=clock.now()))
    svc.session.commit()
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    active = svc.session.scalars(select(CaseParticipant).where(CaseParticipant.case_id == appeal,
                                                               CaseParticipant.status == "active")).all()
    assert [p.person_id for p in active] == [third.id]
    with pytest.raises(ConditionFailed, match="already allocated"):
        fire(svc, trust.ceo, appeal, "allocate_list_member")


def test_list_member_involved_in_the_dispute_is_never_allocated_002_7_8_10(svc, trust, clock):
    from workflow.store.models import RoleAssignment

    svc.session.add(RoleAssignment(person_id=trust.amd.id, role="appeal_panel_list", org_unit_id=trust.trust.id))
    svc.session.commit()
    plan, sign_off, dis = failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    fire(svc, trust.md, dis, "appoint_mediator", {"person": trust.amd.id})  # the AMD mediates: now involved
    at(clock, 2027, 3, 10)
    fire(svc, trust.amd, dis, "hold_mediation_meeting", {"held_on": "2027-03-10"})
    appeal = fire(svc, trust.md, dis, "record_decision", {"decision": "stands"}).started_case_ids[0]
    fire(svc, trust.doctor, appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "r"})
    # the AMD has never sat (the least used, lowest id) but mediated this dispute
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    fire(svc, trust.doctor, appeal, "object_to_list_member", {"objection": "x"})
    allocated = svc.session.scalars(select(CaseParticipant.person_id).where(
        CaseParticipant.case_id == appeal, CaseParticipant.role == "panel_list_member")
        .order_by(CaseParticipant.id)).all()
    assert allocated == [trust.panel_list[0].id, trust.panel_list[1].id]


def test_objection_to_first_list_member_allocates_one_alternative_002_7_8_12(svc, trust, clock):
    first, second, _ = trust.panel_list
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    with pytest.raises(InvalidPayload):
        fire(svc, trust.doctor, appeal, "object_to_list_member", {})
    fire(svc, trust.doctor, appeal, "object_to_list_member", {"objection": "Worked with my manager"})
    rows = svc.session.scalars(select(CaseParticipant).where(CaseParticipant.case_id == appeal)
                               .order_by(CaseParticipant.id)).all()
    assert [(p.person_id, p.status) for p in rows] == [(first.id, "objected"), (second.id, "active")]
    assert rows[0].data["objected_by_role"] == "practitioner"
    appeal_case = svc.session.get(Case, appeal)
    assert "panel_list_member" not in svc.roles_on(actor(first), appeal_case)
    assert "panel_list_member" in svc.roles_on(actor(second), appeal_case)


def test_second_objection_refused_002_7_8_12(svc, trust, clock):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    fire(svc, trust.ceo, appeal, "object_to_list_member", {"objection": "Conflict of interest"})
    for who in (trust.doctor, trust.ceo):  # neither side may object to the alternative
        with pytest.raises(ConditionFailed, match="only one alternative"):
            fire(svc, who, appeal, "object_to_list_member", {"objection": "again"})
    assert svc.session.scalar(select(CaseParticipant.person_id).where(
        CaseParticipant.case_id == appeal, CaseParticipant.status == "active")) == trust.panel_list[1].id


def test_objection_before_any_allocation_refused_002_7_8_12(svc, trust, clock):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    with pytest.raises(ConditionFailed, match="no member"):
        fire(svc, trust.doctor, appeal, "object_to_list_member", {"objection": "x"})


def test_sittings_report_per_list_member_002_7_8_11(svc, trust, clock):
    first, second, third = trust.panel_list
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    fire(svc, trust.ceo, appeal, "allocate_list_member")
    fire(svc, trust.doctor, appeal, "object_to_list_member", {"objection": "x"})
    report = {s.person_id: s for s in panel_sittings(svc, actor(trust.ceo))}
    assert set(report) == {first.id, second.id, third.id}
    assert (report[first.id].sittings, report[first.id].objected_to) == (0, 1)
    assert (report[second.id].sittings, report[second.id].objected_to) == (1, 0)
    assert (report[third.id].sittings, report[third.id].objected_to) == (0, 0)
    with pytest.raises(PermissionDenied):
        panel_sittings(svc, actor(trust.doctor))


def test_legal_representative_refused_002_7_8_13(svc, trust, clock):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    with pytest.raises(ConditionFailed, match="legal"):
        fire(svc, trust.doctor, appeal, "name_representative",
             {"representative_name": "A Solicitor", "representative_type": "legal"})
    fire(svc, trust.doctor, appeal, "name_representative",
         {"representative_name": "BMA rep", "representative_type": "trade_union"})
    assert svc.case_events(actor(trust.doctor), appeal)[-1].payload["representative_type"] == "trade_union"


def test_recommendation_within_2_weeks_of_hearing_reminded_breached_escalated_002_7_8_9(svc, trust, clock):
    plan, sign_off, dis, appeal = lodged(svc, trust, clock)
    full_panel(svc, trust, appeal)
    at(clock, 2027, 4, 10)
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-08"})
    out = sweep_deadline(svc, appeal, "recommendation")
    assert out["due_at"] == datetime(2027, 4, 22, 23, 0, tzinfo=UTC)  # 2 weeks from the hearing date
    assert out["reminders"] == [0] and out["reminded"][0] == {trust.chair.id}
    assert out["breached"] and out["escalated_to"] == [{trust.chair.id, trust.ceo.id}]


def test_appeal_upheld_the_plan_takes_the_decided_form_002_7_8_9(svc, trust, clock):
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "uphold_appeal")
    assert plan_in_force(svc, actor(trust.doctor), trust.doctor.id) is None  # nothing agreed yet
    fire(svc, trust.ceo, appeal, "record_board_decision",
         {"board_decision": "uphold_appeal", "summary": "The practitioner's plan", "plan_version": 2})
    assert state(svc, appeal) == "concluded" and state(svc, dis) == "decided" and state(svc, sign_off) == "agreed"
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.version == 3 and in_force.content == DOCTOR_PLAN and not in_force.disputed
    note = svc.session.scalar(select(JobPlanVersion.note).where(JobPlanVersion.job_plan_id == plan.id,
                                                                JobPlanVersion.number == 3))
    assert "trust board" in note and "version 2" in note


def test_appeal_dismissed_the_medical_directors_decision_stands_002_7_8_9(svc, trust, clock):
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "dismiss_appeal")
    fire(svc, trust.ceo, appeal, "record_board_decision",
         {"board_decision": "dismiss_appeal", "summary": "The decision stands", "plan_version": 1})
    assert state(svc, sign_off) == "agreed"
    assert plan_in_force(svc, actor(trust.manager), trust.doctor.id).content == MANAGER_PLAN


def test_board_departing_from_the_recommendation_records_why_002_7_8_9(svc, trust, clock):
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "uphold_appeal")
    payload = {"board_decision": "dismiss_appeal", "summary": "Service pressures", "plan_version": 1}
    with pytest.raises(InvalidPayload, match="normally accepts"):
        fire(svc, trust.ceo, appeal, "record_board_decision", payload)
    assert state(svc, appeal) == "recommended"
    fire(svc, trust.ceo, appeal, "record_board_decision", payload, reason="Service cannot fund the SPA")
    assert state(svc, sign_off) == "agreed"


def test_board_decision_names_an_existing_version_002_7_8_9(svc, trust, clock):
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "uphold_appeal")
    with pytest.raises(InvalidPayload, match="no version 9"):
        fire(svc, trust.ceo, appeal, "record_board_decision",
             {"board_decision": "uphold_appeal", "summary": "x", "plan_version": 9})
    assert state(svc, appeal) == "recommended" and state(svc, sign_off) == "disputed"


def test_hr_checks_the_agreed_plan_against_contract_and_pay_002_7_6_13(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    with pytest.raises((TriggerNotAllowedInState, NotFound)):  # not before the plan is agreed
        fire(svc, trust.hr, case_id, "validate_against_contract_and_pay", {"matches_contract": True, "matches_pay": True})
    sign_and_approve(svc, trust, case_id)
    with pytest.raises((PermissionDenied, NotFound)):
        fire(svc, trust.manager, case_id, "validate_against_contract_and_pay",
             {"matches_contract": True, "matches_pay": True})
    fire(svc, trust.hr, case_id, "validate_against_contract_and_pay",
         {"matches_contract": True, "matches_pay": False, "discrepancy": "ESR still shows 9 PAs; HR will correct it"})
    assert state(svc, case_id) == "agreed"
    ev = svc.case_events(actor(trust.manager), case_id)[-1]
    msgs = svc.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"event:{ev.id}:%"))).all()
    assert {m.recipient_id for m in msgs} == {trust.manager.id, trust.doctor.id, trust.directorate.id}
    assert all("The plan matches the pay records: no" in m.body_text and "ESR still shows 9 PAs" in m.body_text
               for m in msgs)
    open_deadline(svc, case_id, "annual_review")  # the review clock runs on, untouched


def test_a_review_does_not_carry_additional_pas_forward_002_7_2_2(svc, trust, clock):
    from tests.factories import complete_plan

    extra = [{"pas": 1, "reason": "Waiting list", "start": "2027-04-01", "end": "2028-03-31", "agreed_by_amd": True}]
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan(11, 2.5, additional_pas=extra))
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    sign_and_approve(svc, trust, case.id)
    assert version_content(svc, plan.id, 1)["additional_pas"][0]["pas"] == 1
    at(clock, 2027, 9, 1)
    fire(svc, trust.manager, case.id, "begin_review", {"review_type": "interim", "changes": "New ward"})
    review = version_content(svc, plan.id, 2)
    assert review["additional_pas"] == []  # they ended at this meeting: "until the next job planning meeting"
    assert "ended at this job planning review (002 7.2.2)" in review["justifications"]["additional_pas"]
    assert len(version_content(svc, plan.id, 1)["additional_pas"]) == 1  # the agreed plan in force is unchanged


def test_additional_pas_stop_in_the_plan_in_force_at_the_next_job_planning_meeting_002_7_2_2(svc, trust, clock):
    """"For up to 12 months or until the next job planning meeting": agreed until March 2028, they still run
    while the review is only begun, and stop counting in the plan in force from the day the next meeting is held,
    months before their end date, though the agreed version itself is unchanged until the review is agreed."""
    from tests.factories import complete_plan

    extra = [{"pas": 1, "reason": "Waiting list", "start": "2027-04-01", "end": "2028-03-31", "agreed_by_amd": True}]
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, complete_plan(11, 2.5, additional_pas=extra))
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    sign_and_approve(svc, trust, case.id)
    at(clock, 2027, 3, 20)
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.additional_pas == () and in_force.additional_pas_ended_on is None  # not started yet (1 April)
    at(clock, 2027, 9, 1)
    assert [a["pas"] for a in plan_in_force(svc, actor(trust.doctor), trust.doctor.id).additional_pas] == [1]
    fire(svc, trust.manager, case.id, "begin_review", {"review_type": "annual"})
    review = svc.session.scalar(select(Case.id).where(Case.subject_id == trust.doctor.id, Case.workflow == "sign_off",
                                                      Case.closed_at.is_(None)))
    at(clock, 2027, 9, 14)
    assert len(plan_in_force(svc, actor(trust.doctor), trust.doctor.id).additional_pas) == 1  # no meeting yet
    at(clock, 2027, 9, 15)
    fire(svc, trust.manager, review, "record_meeting", {"meeting_date": "2027-09-15"})
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.additional_pas == () and in_force.additional_pas_ended_on == date(2027, 9, 15)
    assert in_force.version == 1 and in_force.content["additional_pas"][0]["end"] == "2028-03-31"


def test_team_member_disputes_their_part_through_their_own_route_002_7_4(svc, trust, clock):
    """"The process for appeals in team job planning is the same as for individual job planning" (7.4): with the
    team plan agreed, one member's part still goes through failure to agree, mediation and appeal on their own plan,
    to a version the board decides; the team plan and a colleague's plan are untouched, and the team plan itself
    is not a case anyone can be taken through alone."""
    from workflow.service import plans

    team_plan = plans.create_team_plan(svc, actor(trust.manager), trust.team.id, MANAGER_PLAN,
                                       policy_id="cpft-medical-2017")
    plans.agree_team_plan(svc, actor(trust.amd), team_plan.id)
    with pytest.raises(NotFound, match=f"job plan {team_plan.id} of Dr Practitioner was not found"):
        svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=team_plan.id)
    colleague = svc.create_job_plan(actor(trust.manager), trust.colleague.id, MANAGER_PLAN)
    other = svc.start_case(actor(trust.manager), "sign_off", trust.colleague.id, job_plan_id=colleague.id).id
    fire(svc, trust.manager, other, "record_meeting", {"meeting_date": "2027-03-01"})

    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "uphold_appeal")  # the doctor's part
    assert {svc.session.get(Case, c).workflow for c in (sign_off, dis, appeal)} == {"sign_off", "disagreement",
                                                                                     "appeal"}
    fire(svc, trust.ceo, appeal, "record_board_decision",
         {"board_decision": "uphold_appeal", "summary": "The practitioner's part", "plan_version": 2})
    assert state(svc, sign_off) == "agreed"
    assert plan_in_force(svc, actor(trust.doctor), trust.doctor.id).content == DOCTOR_PLAN
    svc.session.expire_all()
    team_now = svc.session.get(JobPlan, team_plan.id)
    assert (team_now.agreed_version, team_now.current_version) == (1, 1)  # the team plan stands as agreed
    assert state(svc, other) == "awaiting_signatures"  # the colleague's own sign-off is not drawn in
    assert svc.session.get(Case, other).job_plan_id == colleague.id


def test_appeal_in_writing_states_the_points_in_dispute_and_reasons_002_7_8_8(svc, trust, clock):
    plan, sign_off, dis, appeal = to_decision(svc, trust, clock)
    at(clock, 2027, 3, 20)
    with pytest.raises(InvalidPayload) as exc:
        fire(svc, trust.doctor, appeal, "lodge_appeal", {"points_in_dispute": "SPA"})
    assert set(exc.value.details["fields"]) == {"reasons"}
    with pytest.raises(InvalidPayload) as exc:
        fire(svc, trust.doctor, appeal, "lodge_appeal", {"points_in_dispute": "", "reasons": "Revalidation"})
    assert set(exc.value.details["fields"]) == {"points_in_dispute"}
    with pytest.raises(PermissionDenied):  # the practitioner's appeal: not the clinical manager's (7.8.8)
        fire(svc, trust.manager, appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "x"})
    assert state(svc, appeal) == "window_open"
    fire(svc, trust.doctor, appeal, "lodge_appeal", {"points_in_dispute": "SPA", "reasons": "Revalidation"})
    ev = svc.case_events(actor(trust.ceo), appeal)[-1]
    assert ev.payload["points_in_dispute"] == "SPA" and ev.payload["reasons"] == "Revalidation"
