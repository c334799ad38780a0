"""The edges of the dispute process (issue 16 items 1-7, 17): seats capped and replaced, seat roles, dates of
what happened, waits that end, withdrawal, the route to grievance, who may extend. Each test names the
clause it proves (002 = 002_bfbf4f63a3f89374.txt, 004 = 004_8c428c764b3bed70.txt, 001 = dental)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.integration import test_policy_cpft_medical as cpft
from tests.integration import test_policy_dental as dental
from tests.integration import test_policy_non_medical as afc
from tests.integration.scenario import fire, full_panel, open_deadline, recipients, state, sweep_deadline
from workflow.errors import ConditionFailed, InvalidPayload, PermissionDenied
from workflow.service import deadlines as deadline_service
from workflow.store.models import CaseParticipant

UTC = timezone.utc


def seats(svc, case_id):
    svc.session.expire_all()
    return [(p.role, p.person_id, p.status) for p in svc.session.scalars(
        select(CaseParticipant).where(CaseParticipant.case_id == case_id).order_by(CaseParticipant.id))]


def extra(svc, trust, name, role):
    """Someone new, uninvolved in the dispute, holding ``role`` trust-wide."""
    from workflow.store.models import Person, RoleAssignment

    p = Person(name=name, email=f"{name.lower().replace(' ', '.')}@example.org", active=True, wants_digest=False)
    svc.session.add(p)
    svc.session.flush()
    svc.session.add(RoleAssignment(person_id=p.id, role=role, org_unit_id=trust.trust.id))
    svc.session.commit()
    return p


# ---- 1. seats are capped ---------------------------------------------------------------------------------

def test_7_8_10_panel_has_one_chair_one_nominee_one_list_member_002_7_8_10(svc, trust, clock):
    plan, sign_off, dis, appeal = cpft.lodged(svc, trust, clock)
    full_panel(svc, trust, appeal)
    with pytest.raises(ConditionFailed, match="already filled by Panel Chair"):
        fire(svc, trust.ceo, appeal, "nominate_chair", {"person": trust.panel_list[2].id})
    with pytest.raises(ConditionFailed, match="already filled by Appellant Nominee"):
        fire(svc, trust.doctor, appeal, "nominate_panel_member", {"person": trust.outsider.id})
    with pytest.raises(ConditionFailed, match="already allocated"):
        fire(svc, trust.ceo, appeal, "allocate_list_member")
    assert [r for r, _, s in seats(svc, appeal) if s == "active"] == ["panel_chair", "panel_appellant_nominee",
                                                                      "panel_list_member"]
    offered = {t.trigger for t in svc.available_triggers(actor(trust.ceo), appeal)}
    assert "nominate_chair" not in offered and "replace_panel_member" in offered  # a filled seat is replaced


def test_one_mediator_002_7_8_4(svc, trust, clock):
    plan, sign_off, dis = cpft.failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", cpft.FORMAL)
    fire(svc, trust.md, dis, "appoint_mediator", {"person": trust.other_amd.id})
    with pytest.raises(ConditionFailed, match="already filled by AMD Community"):
        fire(svc, trust.md, dis, "appoint_mediator", {"person": trust.outsider.id})


def test_stage_2_one_hr_mediator_004_stage_2(svc, trust, clock):
    plan, case_id, dis = afc.mediation_requested(svc, trust)
    with pytest.raises(ConditionFailed, match="already filled"):
        fire(svc, trust.hr, dis, "assign_hr_mediator", {"person": extra(svc, trust, "Second HR", "hr").id})


def test_stage_3_panel_has_one_of_each_004_stage_3(svc, trust, clock):
    plan, case_id, dis, appeal = afc.with_panel(svc, trust, clock)
    fire(svc, trust.job_planning_team, appeal, "nominate_staff_side_member", {"person": trust.staff_side.id})
    other = extra(svc, trust, "Second Staff Side", "staff_side")
    with pytest.raises(ConditionFailed, match="already filled by Staff Side Rep"):
        fire(svc, trust.job_planning_team, appeal, "nominate_staff_side_member", {"person": other.id})
    with pytest.raises(InvalidPayload, match="reason"):  # never without saying why
        fire(svc, trust.job_planning_team, appeal, "replace_panel_member", {"seat": "staff_side_member", "person": other.id})
    r = fire(svc, trust.job_planning_team, appeal, "replace_panel_member",
             {"seat": "staff_side_member", "person": other.id}, reason="Rep on annual leave for the hearing")
    assert trust.nurse.id in recipients(svc, f"event:{r.event_id}")


# ---- 2. an unavailable member is replaced, with a reason, the other side told ------------------------------

def test_unavailable_panel_member_replaced_with_reason_other_side_told_002_7_8_10(svc, trust, clock):
    plan, sign_off, dis, appeal = cpft.lodged(svc, trust, clock)
    full_panel(svc, trust, appeal)
    new_chair = trust.panel_list[2]
    payload = {"seat": "panel_chair", "person": new_chair.id}
    with pytest.raises(InvalidPayload, match="reason"):
        fire(svc, trust.ceo, appeal, "replace_panel_member", payload)
    with pytest.raises(InvalidPayload, match="alone may replace"):  # the practitioner names only their nominee
        fire(svc, trust.doctor, appeal, "replace_panel_member", payload, reason="I prefer another")
    r = fire(svc, trust.ceo, appeal, "replace_panel_member", payload, reason="The chair is on long-term sick leave")
    rows = seats(svc, appeal)
    assert ("panel_chair", trust.chair.id, "replaced") in rows and ("panel_chair", new_chair.id, "active") in rows
    assert {trust.doctor.id, trust.manager.id} <= recipients(svc, f"event:{r.event_id}")
    fire(svc, trust.doctor, appeal, "replace_panel_member", {"seat": "panel_appellant_nominee",
                                                             "person": trust.outsider.id}, reason="Nominee ill")
    at = datetime(2027, 4, 1, 9, tzinfo=UTC)
    clock.set(at)
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-01"})  # the panel is whole again


def test_mediator_replaced_with_reason_both_told_002_7_8_4(svc, trust, clock):
    plan, sign_off, dis = cpft.failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", cpft.FORMAL)
    with pytest.raises(ConditionFailed, match="nobody holds"):
        fire(svc, trust.md, dis, "replace_mediator", {"person": trust.outsider.id}, reason="x")
    fire(svc, trust.md, dis, "appoint_mediator", {"person": trust.other_amd.id})
    with pytest.raises(InvalidPayload, match="reason"):  # never without saying why
        fire(svc, trust.md, dis, "replace_mediator", {"person": trust.outsider.id})
    r = fire(svc, trust.md, dis, "replace_mediator", {"person": trust.outsider.id}, reason="Mediator unavailable")
    assert ("mediator", trust.outsider.id, "active") in seats(svc, dis)
    assert {trust.doctor.id, trust.manager.id} <= recipients(svc, f"event:{r.event_id}")


# ---- 3. seat roles checked (004) ---------------------------------------------------------------------------

def test_staff_side_and_director_level_chair_must_hold_those_roles_004_stage_3(svc, trust, clock):
    plan, case_id, dis, appeal = afc.with_panel(svc, trust, clock)
    with pytest.raises(InvalidPayload, match="staff side"):
        fire(svc, trust.job_planning_team, appeal, "nominate_staff_side_member", {"person": trust.ceo.id})
    with pytest.raises(InvalidPayload, match="director level"):
        fire(svc, trust.job_planning_team, appeal, "nominate_consistency_panel_chair",
             {"person": trust.professional_lead.id})
    fire(svc, trust.job_planning_team, appeal, "nominate_consistency_panel_chair", {"person": trust.consistency_chair.id})


def test_hr_mediator_must_be_hr_004_stage_2(svc, trust, clock):
    plan, case_id, dis = afc.in_dispute(svc, trust)
    fire(svc, trust.nurse, dis, "request_mediation", {"reasons": "We cannot agree"})
    with pytest.raises(InvalidPayload, match="HR"):
        fire(svc, trust.hr, dis, "assign_hr_mediator", {"person": trust.jpt_member.id})


# ---- 4. dates of what happened ----------------------------------------------------------------------------

def test_meeting_date_in_the_future_refused_28_days_not_moved_002_7_5(svc, trust, clock):
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, cpft.MANAGER_PLAN)
    case = svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id, job_plan_id=plan.id)
    with pytest.raises(InvalidPayload, match="cannot be later than today") as exc:
        fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": "2029-03-01"})
    assert "meeting_date" in exc.value.details["fields"]
    assert state(svc, case.id) == "draft"


def test_hearing_held_in_the_future_or_before_the_appeal_refused_002_7_8_8_7_8_9(svc, trust, clock):
    plan, sign_off, dis, appeal = cpft.lodged(svc, trust, clock)  # lodged on 20 March 2027
    full_panel(svc, trust, appeal)
    with pytest.raises(InvalidPayload, match="later than today"):
        fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-04-30"})
    with pytest.raises(InvalidPayload, match="cannot be before 20 March 2027"):
        fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-03-10"})
    assert state(svc, appeal) == "lodged" and open_deadline(svc, appeal, "panel_meets").status == "open"
    clock.set(datetime(2027, 3, 25, 9, tzinfo=UTC))
    fire(svc, trust.ceo, appeal, "hold_hearing", {"held_on": "2027-03-24"})
    # the recommendation clock starts from the checked hearing date: 24 March + 2 weeks
    assert open_deadline(svc, appeal, "recommendation").due_at == datetime(2027, 4, 7, 23, 0, tzinfo=UTC)


def test_local_agreement_dated_before_the_failure_to_agree_refused_002_7_8_2(svc, trust, clock):
    plan, sign_off, dis = cpft.failure_to_agree(svc, trust)  # recorded on 1 March 2027
    with pytest.raises(InvalidPayload, match="cannot be before 01 March 2027"):
        fire(svc, trust.amd, dis, "record_local_resolution", {"agreed_on": "2027-02-20", "summary": "SPA 2"})


# ---- 5. waits end: a closed appeal window lets the decision take effect -------------------------------------

def test_closed_appeal_window_makes_the_decision_take_effect_002_7_8_5_7_8_8(svc, trust, clock):
    plan, sign_off, dis, appeal = cpft.to_decision(svc, trust, clock)
    out = sweep_deadline(svc, appeal, "lodge_appeal")
    assert out["expired"]
    assert (state(svc, appeal), state(svc, dis), state(svc, sign_off)) == ("not_appealed", "decided", "agreed")


# ---- 6. withdrawal ----------------------------------------------------------------------------------------

def test_practitioner_withdraws_formal_disagreement_002_7_8_3(svc, trust, clock):
    plan, sign_off, dis = cpft.failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", cpft.FORMAL)
    with pytest.raises(PermissionDenied):
        fire(svc, trust.manager, dis, "withdraw_disagreement", reason="I withdraw for them")
    with pytest.raises(InvalidPayload, match="reason"):
        fire(svc, trust.doctor, dis, "withdraw_disagreement")
    r = fire(svc, trust.doctor, dis, "withdraw_disagreement", reason="We talked it through")
    assert state(svc, dis) == "withdrawn" and state(svc, sign_off) == "draft"
    assert trust.md.id in recipients(svc, f"event:{r.event_id}")


def test_practitioner_withdraws_appeal_and_the_decision_stands_002_7_8_8(svc, trust, clock):
    plan, sign_off, dis, appeal = cpft.lodged(svc, trust, clock)
    full_panel(svc, trust, appeal)
    fire(svc, trust.doctor, appeal, "withdraw_appeal", reason="I accept the decision")
    assert (state(svc, appeal), state(svc, dis), state(svc, sign_off)) == ("withdrawn", "decided", "agreed")


def test_dentist_withdraws_appeal_001_20(svc, trust, clock):
    plan, case_id, dis, appeal = dental.lodged(svc, trust, clock)
    fire(svc, trust.dentist, appeal, "withdraw_appeal", reason="Accept the outcome")
    assert state(svc, appeal) == "withdrawn" and state(svc, dis) == "decided"


def test_staff_member_declines_or_withdraws_the_stage_3_request_004_stage_3(svc, trust, clock):
    plan, case_id, dis = afc.mediation_requested(svc, trust)
    clock.set(datetime(2027, 3, 20, 9, tzinfo=UTC))
    fire(svc, trust.hr_adviser, dis, "hold_mediation_meeting", {"held_on": "2027-03-20"})
    appeal = fire(svc, trust.hr_adviser, dis, "record_mediation_unsuccessful",
                  {"summary": "No agreement"}).started_case_ids[0]
    with pytest.raises(PermissionDenied):
        fire(svc, trust.hr, appeal, "withdraw_appeal_request", reason="x")
    fire(svc, trust.nurse, appeal, "withdraw_appeal_request", reason="I do not want to go to the panel")
    assert (state(svc, appeal), state(svc, dis), state(svc, case_id)) == ("withdrawn", "appeal_not_pursued", "draft")


# ---- 7. the route to grievance is not closed by the line manager alone -------------------------------------

def test_line_manager_alone_cannot_close_the_route_to_grievance_004_stage_3(svc, trust, clock):
    plan, case_id, dis, appeal = afc.recommended(svc, trust, clock, version=2)
    with pytest.raises(PermissionDenied):
        fire(svc, trust.line_manager, appeal, "implement_recommendations")
    with pytest.raises(PermissionDenied):
        fire(svc, trust.line_manager, appeal, "accept_recommendations")
    assert state(svc, appeal) == "recommended"
    fire(svc, trust.line_manager, appeal, "escalate_to_grievance", {"grounds": "The service cannot staff it"})
    assert state(svc, appeal) == "handed_to_grievance"  # either side may take it to grievance


def test_recommendations_take_effect_when_the_4_weeks_pass_unanswered_004_stage_3(svc, trust, clock):
    plan, case_id, dis, appeal = afc.recommended(svc, trust, clock, version=2)
    out = sweep_deadline(svc, appeal, "respond_to_recommendations")
    assert out["expired"]
    assert (state(svc, appeal), state(svc, dis), state(svc, case_id)) == ("implemented", "decided", "agreed")


# ---- 17. who may extend -----------------------------------------------------------------------------------

def test_28_days_not_extended_by_the_clinical_manager_nor_at_all_002_7_5(svc, trust, clock):
    plan, case_id = cpft.meeting_held(svc, trust)
    d = open_deadline(svc, case_id, "sign_off")
    with pytest.raises(PermissionDenied):
        deadline_service.extend(svc, actor(trust.manager), d.id, days=7, reason="busy")
    with pytest.raises(ConditionFailed, match="cannot be extended"):
        deadline_service.extend(svc, actor(trust.amd), d.id, days=7, reason="busy")


def test_panel_in_4_weeks_not_extended_002_7_8_8(svc, trust, clock):
    plan, sign_off, dis, appeal = cpft.lodged(svc, trust, clock)
    d = open_deadline(svc, appeal, "panel_meets")
    with pytest.raises((PermissionDenied, ConditionFailed)):
        deadline_service.extend(svc, actor(trust.ceo), d.id, days=7, reason="Chair away")


def test_normally_within_4_weeks_extends_with_a_reason_002_7_8_4(svc, trust, clock):
    plan, sign_off, dis = cpft.failure_to_agree(svc, trust)
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", cpft.FORMAL)
    d = open_deadline(svc, dis, "mediation_meeting")
    with pytest.raises(InvalidPayload, match="reason"):
        deadline_service.extend(svc, actor(trust.md), d.id, days=7, reason="")
    d = deadline_service.extend(svc, actor(trust.md), d.id, days=7, reason="Practitioner on leave")
    assert d.extensions == 1


def test_a_party_holding_an_extending_role_still_cannot_extend_alone_004(svc, trust, clock):
    """The line manager who is also a senior manager still cannot change their own plan's timetable."""
    from workflow.store.models import RoleAssignment

    plan, case_id = afc.meeting_held(svc, trust)
    svc.session.add(RoleAssignment(person_id=trust.line_manager.id, role="senior_manager",
                                   org_unit_id=trust.ward.parent_id))
    svc.session.commit()
    d = open_deadline(svc, case_id, "sign_off")
    with pytest.raises(PermissionDenied, match="party"):
        deadline_service.extend(svc, actor(trust.line_manager), d.id, days=7, reason="busy")
    assert deadline_service.extend(svc, actor(trust.senior_manager), d.id, days=7, reason="Ward closure").extensions == 1



# ---- 8. a lapsed lodging window does not loop silently ------------------------------------------------------

def test_lapsed_window_tells_the_amd_and_local_agreement_recorded_after_day_14_002_7_8_2_7_8_3(svc, trust, clock):
    plan, sign_off, dis = cpft.failure_to_agree(svc, trust)  # 1 March 2027: the 2 weeks end with 15 March
    clock.set(datetime(2027, 3, 16, 9, tzinfo=UTC))  # day 15, before any sweep
    with pytest.raises(ConditionFailed, match="15 March 2027"):
        fire(svc, trust.doctor, dis, "raise_formal_disagreement", cpft.FORMAL)
    svc.sweep()
    assert state(svc, dis) == "lapsed" and state(svc, sign_off) == "disputed"
    closing = [e for e in svc.case_events(actor(trust.md), dis) if e.trigger == "close_disagreement_window"][0]
    assert trust.amd.id in recipients(svc, f"event:{closing.id}")
    clock.set(datetime(2027, 3, 20, 9, tzinfo=UTC))
    fire(svc, trust.amd, dis, "record_local_resolution", {"agreed_on": "2027-03-12", "summary": "SPA 2.0"})
    assert state(svc, dis) == "resolved" and state(svc, sign_off) == "awaiting_signatures"


def test_local_resolution_that_ends_sends_the_plan_back_with_the_md_told_002_7_8_2_7_8_3(svc, trust, clock):
    plan, sign_off, dis = cpft.failure_to_agree(svc, trust)
    sweep_deadline(svc, dis, "lodge_disagreement")
    out = sweep_deadline(svc, dis, "local_resolution")
    assert out["expired"]
    assert state(svc, dis) == "unresolved" and state(svc, sign_off) == "draft"
    ending = [e for e in svc.case_events(actor(trust.md), dis) if e.trigger == "end_local_resolution"][0]
    assert {trust.md.id, trust.amd.id, trust.doctor.id} <= recipients(svc, f"event:{ending.id}")
