"""Every path through non-medical-afc-2022 (004, NHS England toolkit 2022), one scenario per section."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.conftest import actor
from tests.integration.scenario import afc_plan_content as plan_content
from tests.integration.scenario import fire, open_deadline, state, sweep_deadline
from workflow.errors import ConditionFailed, InvalidPayload, NotFound, PermissionDenied, TriggerNotAllowedInState
from workflow.service.plans import plan_in_force

LM_PLAN = plan_content(spa=1.0)
NURSE_PLAN = plan_content(spa=2.0)
CHECKLIST = {k: True for k in (
    "start_date_correct", "working_hours_correct", "all_time_accounted", "categorised_correctly",
    "dcc_spa_proportion", "anr_ed_agreed", "objectives_linked", "resources_listed", "sessions_allocated",
    "contributes_to_service_plan", "consistent_with_similar_roles")}
REQUEST = {"name": "Staff Nurse", "role": "Band 5 staff nurse", "key_responsibilities": "Ward care",
           "individual_concerns": "No SPA for mentoring", "line_manager_concerns": "Ward cover",
           "summary_so_far": "Stage 1 and 2 unsuccessful"}
UTC = timezone.utc


def at(clock, y, m, d):
    clock.set(datetime(y, m, d, 9, 0, tzinfo=UTC))


def meeting_held(svc, trust, day="2027-03-01"):
    plan = svc.create_job_plan(actor(trust.line_manager), trust.nurse.id, LM_PLAN)
    case = svc.start_case(actor(trust.line_manager), "sign_off", trust.nurse.id, job_plan_id=plan.id)
    fire(svc, trust.line_manager, case.id, "record_meeting", {"meeting_date": day})
    return plan, case.id


def signed_first_level(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.nurse, case_id, "sign")
    fire(svc, trust.line_manager, case_id, "sign")
    return plan, case_id


def in_dispute(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    svc.edit_job_plan(actor(trust.nurse), plan.id, NURSE_PLAN, note="my proposal")
    dis = fire(svc, trust.nurse, case_id, "record_failure_to_agree",
               {"points_not_agreed": "SPA for mentoring"}).started_case_ids[0]
    return plan, case_id, dis


def mediation_requested(svc, trust):
    plan, case_id, dis = in_dispute(svc, trust)
    fire(svc, trust.nurse, dis, "request_mediation", {"reasons": "We cannot agree the SPA"})
    fire(svc, trust.hr, dis, "assign_hr_mediator", {"person": trust.hr_adviser.id})
    fire(svc, trust.job_planning_team, dis, "assign_job_planning_mediator", {"person": trust.jpt_member.id})
    return plan, case_id, dis


def with_panel(svc, trust, clock):
    plan, case_id, dis = mediation_requested(svc, trust)
    at(clock, 2027, 3, 20)
    fire(svc, trust.hr_adviser, dis, "hold_mediation_meeting", {"held_on": "2027-03-20"})
    appeal = fire(svc, trust.hr_adviser, dis, "record_mediation_unsuccessful",
                  {"summary": "No agreement"}).started_case_ids[0]
    fire(svc, trust.hr, appeal, "submit_appeal_request", REQUEST)
    return plan, case_id, dis, appeal


def recommended(svc, trust, clock, version):
    plan, case_id, dis, appeal = with_panel(svc, trust, clock)
    fire(svc, trust.job_planning_team, appeal, "nominate_consistency_panel_chair", {"person": trust.consistency_chair.id})
    fire(svc, trust.job_planning_team, appeal, "nominate_professional_lead", {"person": trust.professional_lead.id})
    fire(svc, trust.job_planning_team, appeal, "nominate_staff_side_member", {"person": trust.staff_side.id})
    fire(svc, trust.consistency_chair, appeal, "make_recommendations",
         {"recommendations": "Adopt the plan", "plan_version": version, "considered": "RCN guidance"})
    return plan, case_id, dis, appeal


def test_two_level_sign_off_line_manager_then_senior_manager_004_sign_off_hierarchy(svc, trust):
    plan, case_id = signed_first_level(svc, trust)
    assert state(svc, case_id) == "second_level_review"
    with pytest.raises(PermissionDenied):
        fire(svc, trust.line_manager, case_id, "approve_second_level", CHECKLIST)
    fire(svc, trust.senior_manager, case_id, "approve_second_level", CHECKLIST)
    assert state(svc, case_id) == "agreed"
    assert plan_in_force(svc, actor(trust.nurse), trust.nurse.id).content == LM_PLAN


def test_second_level_review_is_the_managers_checklist_004_managers_checklist(svc, trust):
    plan, case_id = signed_first_level(svc, trust)
    with pytest.raises(InvalidPayload):
        fire(svc, trust.senior_manager, case_id, "approve_second_level", {"start_date_correct": True})
    with pytest.raises(ConditionFailed, match="All contracted time is accounted for"):
        fire(svc, trust.senior_manager, case_id, "approve_second_level", {**CHECKLIST, "all_time_accounted": False})
    with pytest.raises(InvalidPayload):
        fire(svc, trust.senior_manager, case_id, "return_to_signatories", {"checklist_items_failed": "time"})
    fire(svc, trust.senior_manager, case_id, "return_to_signatories",
         {"checklist_items_failed": "All contracted time accounted for"}, reason="3.75 hours unplanned")
    assert state(svc, case_id) == "awaiting_signatures"


def test_senior_manager_of_another_care_group_cannot_see_the_plan_004_sign_off_hierarchy(svc, trust):
    from workflow.store.models import RoleAssignment

    svc.session.add(RoleAssignment(person_id=trust.other_manager.id, role="senior_manager",
                                   org_unit_id=trust.other_care_group.id))
    svc.session.commit()
    plan, case_id = signed_first_level(svc, trust)
    with pytest.raises(NotFound):
        fire(svc, trust.other_manager, case_id, "approve_second_level", CHECKLIST)


def test_edit_after_signature_revokes_it_004_sign_off_hierarchy(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    fire(svc, trust.nurse, case_id, "sign")
    svc.edit_job_plan(actor(trust.line_manager), plan.id, plan_content(spa=1.5))
    fire(svc, trust.line_manager, case_id, "sign")
    assert state(svc, case_id) == "awaiting_signatures"
    fire(svc, trust.nurse, case_id, "sign")
    assert state(svc, case_id) == "second_level_review"
    # an edit at the second level sends the plan back to both (issue 16 item 12)
    svc.edit_job_plan(actor(trust.nurse), plan.id, plan_content(spa=2.0))
    assert state(svc, case_id) == "awaiting_signatures"
    with pytest.raises(TriggerNotAllowedInState):
        fire(svc, trust.senior_manager, case_id, "approve_second_level", CHECKLIST)


def test_sign_off_and_second_level_deadlines_reminded_breached_escalated_004_sign_off_hierarchy(svc, trust):
    plan, case_id = meeting_held(svc, trust)
    out = sweep_deadline(svc, case_id, "sign_off")
    assert out["reminders"] == [0, 1] and out["breached"]
    assert out["escalated_to"] == [{trust.line_manager.id, trust.nurse.id}, {trust.senior_manager.id},
                                   {trust.job_planning_team.id, trust.jpt_member.id}]
    fire(svc, trust.nurse, case_id, "sign")
    fire(svc, trust.line_manager, case_id, "sign")
    out = sweep_deadline(svc, case_id, "second_level_review")
    assert out["reminded"][0] == {trust.senior_manager.id} and out["breached"]
    assert out["escalated_to"] == [{trust.senior_manager.id}, {trust.job_planning_team.id, trust.jpt_member.id}]


def test_active_plan_reviewed_within_12_months_reminded_breached_escalated_004_dashboards(svc, trust, clock):
    plan, case_id = signed_first_level(svc, trust)
    fire(svc, trust.senior_manager, case_id, "approve_second_level", CHECKLIST)
    out = sweep_deadline(svc, case_id, "annual_review")
    assert out["due_at"] == datetime(2028, 3, 2, 0, 0, tzinfo=UTC)  # approved 1 March 2027: active to 1 March 2028
    assert out["reminders"] == [0, 1] and out["breached"]
    assert out["escalated_to"] == [{trust.line_manager.id, trust.nurse.id}, {trust.senior_manager.id}]


def test_stage_1_local_resolution_agreed_004_stage_1(svc, trust, clock):
    plan, case_id, dis = in_dispute(svc, trust)
    assert state(svc, case_id) == "disputed"
    at(clock, 2027, 3, 5)
    fire(svc, trust.hr, dis, "record_local_agreement", {"agreed_on": "2027-03-05", "summary": "5 SPA hours"})
    assert state(svc, dis) == "resolved" and state(svc, case_id) == "awaiting_signatures"


def test_stage_1_either_side_may_request_mediation_and_it_is_timed_004_stage_1(svc, trust):
    plan, case_id, dis = in_dispute(svc, trust)
    out = sweep_deadline(svc, dis, "local_resolution")
    assert out["due_at"] == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # 4 weeks (local choice) from 1 March, BST
    assert out["breached"] and out["escalated_to"] == [
        {trust.line_manager.id, trust.hr.id, trust.hr_adviser.id},
        {trust.senior_manager.id, trust.job_planning_team.id, trust.jpt_member.id}]
    fire(svc, trust.line_manager, dis, "request_mediation", {"reasons": "No agreement"})
    assert state(svc, dis) == "mediation_requested"


def test_stage_2_mediators_from_hr_and_job_planning_with_no_prior_involvement_004_stage_2(svc, trust, clock):
    plan, case_id, dis = in_dispute(svc, trust)
    fire(svc, trust.nurse, dis, "request_mediation", {"reasons": "No agreement"})
    with pytest.raises(ConditionFailed, match="involved"):
        fire(svc, trust.hr, dis, "assign_hr_mediator", {"person": trust.line_manager.id})
    fire(svc, trust.hr, dis, "assign_hr_mediator", {"person": trust.hr_adviser.id})
    at(clock, 2027, 3, 10)
    with pytest.raises(ConditionFailed, match="Job planning team mediator"):
        fire(svc, trust.hr_adviser, dis, "hold_mediation_meeting", {"held_on": "2027-03-10"})
    with pytest.raises(ConditionFailed, match="involved"):  # the HR lead assigned the mediator: involved
        fire(svc, trust.job_planning_team, dis, "assign_job_planning_mediator", {"person": trust.hr.id})
    fire(svc, trust.job_planning_team, dis, "assign_job_planning_mediator", {"person": trust.jpt_member.id})
    at(clock, 2027, 3, 10)
    fire(svc, trust.jpt_member, dis, "hold_mediation_meeting", {"held_on": "2027-03-10"})
    assert state(svc, dis) == "mediation_held"


def test_stage_2_agreed_at_mediation_004_stage_2(svc, trust, clock):
    plan, case_id, dis = mediation_requested(svc, trust)
    at(clock, 2027, 3, 15)
    fire(svc, trust.hr_adviser, dis, "hold_mediation_meeting", {"held_on": "2027-03-15"})
    fire(svc, trust.jpt_member, dis, "record_mediation_agreement", {"summary": "5 SPA hours"})
    assert state(svc, case_id) == "awaiting_signatures"
    assert open_deadline(svc, case_id, "sign_off").due_at == datetime(2027, 4, 12, 23, 0, tzinfo=UTC)


def test_stage_2_mediation_within_4_weeks_reminded_breached_escalated_004_stage_2(svc, trust):
    plan, case_id, dis = in_dispute(svc, trust)
    fire(svc, trust.nurse, dis, "request_mediation", {"reasons": "No agreement"})
    out = sweep_deadline(svc, dis, "mediation_meeting")
    assert out["due_at"] == datetime(2027, 3, 29, 23, 0, tzinfo=UTC)  # 4 weeks (local choice) from the request
    assert out["breached"] and out["escalated_to"][1] == {trust.senior_manager.id}


def test_stage_3_request_content_and_submission_deadline_004_stage_3(svc, trust, clock):
    plan, case_id, dis = mediation_requested(svc, trust)
    at(clock, 2027, 3, 15)
    fire(svc, trust.hr_adviser, dis, "hold_mediation_meeting", {"held_on": "2027-03-15"})
    appeal = fire(svc, trust.hr_adviser, dis, "record_mediation_unsuccessful",
                  {"summary": "No agreement"}).started_case_ids[0]
    with pytest.raises(InvalidPayload) as exc:
        fire(svc, trust.hr, appeal, "submit_appeal_request", {"name": "Staff Nurse"})
    assert {"role", "key_responsibilities", "individual_concerns", "line_manager_concerns",
            "summary_so_far"} <= set(exc.value.details["fields"])
    out = sweep_deadline(svc, appeal, "submit_request")
    assert out["breached"] and out["escalated_to"] == [{trust.hr.id, trust.hr_adviser.id},
                                                       {trust.job_planning_team.id, trust.jpt_member.id}]


def test_stage_3_panel_none_with_previous_involvement_004_stage_3(svc, trust, clock):
    plan, case_id, dis, appeal = with_panel(svc, trust, clock)
    with pytest.raises(ConditionFailed, match="involved"):  # mediated at stage 2
        fire(svc, trust.job_planning_team, appeal, "nominate_staff_side_member", {"person": trust.hr_adviser.id})
    with pytest.raises(ConditionFailed, match="involved"):
        fire(svc, trust.job_planning_team, appeal, "nominate_professional_lead", {"person": trust.line_manager.id})
    fire(svc, trust.job_planning_team, appeal, "nominate_consistency_panel_chair", {"person": trust.consistency_chair.id})
    with pytest.raises(ConditionFailed, match="Professional lead for the dispute"):
        fire(svc, trust.consistency_chair, appeal, "make_recommendations",
             {"recommendations": "x", "plan_version": 1, "considered": "y"})


def test_stage_3_written_recommendations_within_8_weeks_reminded_breached_escalated_004_stage_3(svc, trust, clock):
    plan, case_id, dis, appeal = with_panel(svc, trust, clock)
    fire(svc, trust.job_planning_team, appeal, "nominate_consistency_panel_chair", {"person": trust.consistency_chair.id})
    out = sweep_deadline(svc, appeal, "recommendations")
    assert out["due_at"] == datetime(2027, 5, 15, 23, 0, tzinfo=UTC)  # 20 March + 8 weeks
    assert out["reminders"] == [0, 1] and out["breached"]
    assert out["escalated_to"] == [{trust.consistency_chair.id, trust.job_planning_team.id, trust.jpt_member.id},
                                   {trust.hr.id, trust.hr_adviser.id, trust.senior_manager.id}]


def test_stage_3_recommendations_put_into_effect_004_stage_3(svc, trust, clock):
    plan, case_id, dis, appeal = recommended(svc, trust, clock, version=2)
    assert plan_in_force(svc, actor(trust.nurse), trust.nurse.id) is None
    fire(svc, trust.nurse, appeal, "accept_recommendations")  # the staff member accepts (issue 16 item 7)
    assert state(svc, appeal) == "implemented" and state(svc, dis) == "decided" and state(svc, case_id) == "agreed"
    assert plan_in_force(svc, actor(trust.nurse), trust.nurse.id).content == NURSE_PLAN


def test_stage_3_unsatisfied_hand_off_to_trust_grievance_procedure_ends_004_stage_3(svc, trust, clock):
    plan, first = signed_first_level(svc, trust)
    fire(svc, trust.senior_manager, first, "approve_second_level", CHECKLIST)  # version 1 in force
    at(clock, 2028, 2, 1)
    review = fire(svc, trust.line_manager, first, "begin_review", {"review_type": "annual"}).started_case_ids[0]
    fire(svc, trust.line_manager, review, "record_meeting", {"meeting_date": "2028-02-01"})
    dis = fire(svc, trust.nurse, review, "record_failure_to_agree", {"points_not_agreed": "SPA"}).started_case_ids[0]
    fire(svc, trust.nurse, dis, "request_mediation", {"reasons": "No agreement"})
    fire(svc, trust.hr, dis, "assign_hr_mediator", {"person": trust.hr_adviser.id})
    fire(svc, trust.job_planning_team, dis, "assign_job_planning_mediator", {"person": trust.jpt_member.id})
    at(clock, 2028, 2, 10)
    fire(svc, trust.hr_adviser, dis, "hold_mediation_meeting", {"held_on": "2028-02-10"})
    appeal = fire(svc, trust.hr_adviser, dis, "record_mediation_unsuccessful", {"summary": "x"}).started_case_ids[0]
    fire(svc, trust.nurse, appeal, "submit_appeal_request", REQUEST)
    for trig, who in (("nominate_consistency_panel_chair", trust.consistency_chair),
                      ("nominate_professional_lead", trust.professional_lead),
                      ("nominate_staff_side_member", trust.staff_side)):
        fire(svc, trust.job_planning_team, appeal, trig, {"person": who.id})
    fire(svc, trust.consistency_chair, appeal, "make_recommendations",
         {"recommendations": "Keep the plan", "plan_version": 2, "considered": "templates"})
    fire(svc, trust.nurse, appeal, "escalate_to_grievance", {"grounds": "Not satisfied"})
    assert state(svc, appeal) == "handed_to_grievance"
    assert state(svc, dis) == "grievance" and state(svc, review) == "outside_process"
    in_force = plan_in_force(svc, actor(trust.nurse), trust.nurse.id)
    assert in_force.version == 1 and not in_force.disputed  # the last agreed plan stays in force
