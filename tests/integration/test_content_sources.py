"""Content rules of the dental (001 26, the nine-section form) and Agenda for Change (004 minimum standards)
policies, and Agenda for Change whole-time equivalents on 37.5 hours (issue 16 item 18)."""
from __future__ import annotations

import pytest

from tests.conftest import actor
from tests.integration.scenario import afc_plan_content, fire, plan_content, state
from workflow.errors import ConditionFailed
from workflow.service import plans
from workflow.store.models import OrgUnit, Person


def test_empty_dental_plan_cannot_be_signed_001_26(svc, trust):
    plan = svc.create_job_plan(actor(trust.clinical_director), trust.dentist.id, {})
    case = svc.start_case(actor(trust.clinical_director), "sign_off", trust.dentist.id, job_plan_id=plan.id)
    fire(svc, trust.clinical_director, case.id, "share_draft", {"plan_version": 1})
    fire(svc, trust.clinical_director, case.id, "record_discussion", {"meeting_date": "2027-03-01"})
    with pytest.raises(ConditionFailed) as exc:
        fire(svc, trust.dentist, case.id, "sign")
    found = {(f["rule"], f["section"], f["clause"]) for f in exc.value.details["findings"]}
    assert {("sections_present", "schedule", "26.1, 26.2"), ("sections_present", "objectives", "26.1, 26.2"),
            ("sections_justified", "equipment", "26.3-26.7"),
            ("private_practice_declared", "private_practice", "26.8")} <= found
    assert state(svc, case.id) == "awaiting_signatures"
    # the form filled in (every section, or a reason it is empty) can be signed
    svc.edit_job_plan(actor(trust.clinical_director), plan.id, plan_content(spa=1.0))
    fire(svc, trust.dentist, case.id, "sign")
    fire(svc, trust.clinical_director, case.id, "sign")
    assert state(svc, case.id) != "awaiting_signatures"


def test_empty_afc_plan_cannot_be_signed_004_minimum_standards(svc, trust):
    plan = svc.create_job_plan(actor(trust.line_manager), trust.nurse.id, {})
    case = svc.start_case(actor(trust.line_manager), "sign_off", trust.nurse.id, job_plan_id=plan.id)
    fire(svc, trust.line_manager, case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    with pytest.raises(ConditionFailed) as exc:
        fire(svc, trust.nurse, case.id, "sign")
    found = {(f["rule"], f["section"]) for f in exc.value.details["findings"]}
    assert {("post_recorded", "post"), ("sections_present", "schedule"), ("sections_present", "objectives"),
            ("sections_present", "supporting_resources"), ("contracted_time_accounted", "schedule")} <= found
    assert "the band is not recorded" in str(exc.value)
    # the medical plan without a band still fails; with band and service line it passes
    svc.edit_job_plan(actor(trust.line_manager), plan.id, plan_content(spa=1.0))
    with pytest.raises(ConditionFailed, match="band is not recorded"):
        fire(svc, trust.nurse, case.id, "sign")
    svc.edit_job_plan(actor(trust.line_manager), plan.id, afc_plan_content(spa=1.0))
    fire(svc, trust.nurse, case.id, "sign")
    fire(svc, trust.line_manager, case.id, "sign")
    assert state(svc, case.id) == "second_level_review"


def test_afc_whole_time_equivalents_use_37_5_hours_004_minimum_standards(svc, trust):
    """Three nurses on 37.5, 37.5 and 30 hours are 2.8 WTE (not 2.625, which 40-hour weeks would give)."""
    team = OrgUnit(kind="team", name="Community Nursing", parent=trust.care_group)
    svc.session.add(team)
    svc.session.flush()
    nurses = [Person(name=f"Nurse {i}", email=f"cn{i}@example.org", staff_group="nurse", team=team,
                     manager=trust.line_manager, contracted_hours=h, active=True)
              for i, h in enumerate((37.5, 37.5, 30.0))]
    svc.session.add_all(nurses)
    svc.session.commit()
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    for n in nurses[:2]:
        rows = [{"day": d, "start": "08:00", "end": "16:00", "location": "Clinic", "activity": "Visits" if d != "Friday"
                 else "CPD", "category": "DCC" if d != "Friday" else "SPA", "hours": 7.5} for d in days]
        svc.create_job_plan(actor(trust.line_manager), n.id, {"post": {"contracted_hours": 37.5}, "schedule": rows})
    cap = plans.team_capacity(svc, actor(trust.amd), team.id)  # the third nurse has no plan yet
    assert cap.staff == 3 and cap.wte == pytest.approx(2.8)
    assert cap.wte_by_category["SPA"] == pytest.approx(0.4) and cap.without_plan == [pytest.approx(0.8)]
