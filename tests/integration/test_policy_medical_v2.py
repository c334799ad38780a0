"""cpft-medical-2017 version 2 (issue 16 items 13, 16 and the policy version): the SAS referral of 000 2a, the
board's varied plan (002 7.8.9), and cases started on version 1 keeping version 1's rules."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import actor
from tests.integration.scenario import fire, state
from tests.integration.test_policy_cpft_medical import FORMAL, MANAGER_PLAN, DOCTOR_PLAN
from web.services import service
from workflow.errors import ConditionFailed, NotFound, PermissionDenied
from workflow.policy import PolicyRegistry, load_policy_file
from workflow.store.models import Case, Event, OutboxMessage, Person

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def sas_doctor(svc, trust, group="specialty_doctor", name="Dr Specialty"):
    p = Person(staff_number=f"SAS-{group}-{name[-3:]}", name=name, email=f"{group}.{name[-3:]}@example.org",
               staff_group=group, team=trust.team, manager=trust.manager, contracted_pas=10, active=True,
               wants_digest=False)
    svc.session.add(p)
    svc.session.flush()
    return p


def not_agreed(svc, trust, doctor):
    """The sign-off of ``doctor``'s plan ends in a recorded failure to agree; returns (sign-off, disagreement)."""
    plan = svc.create_job_plan(actor(trust.manager), doctor.id, MANAGER_PLAN)
    case = svc.start_case(actor(trust.manager), "sign_off", doctor.id, job_plan_id=plan.id)
    fire(svc, trust.manager, case.id, "record_meeting", {"meeting_date": "2027-03-01"})
    svc.edit_job_plan(actor(doctor), plan.id, DOCTOR_PLAN, note="my proposal")
    r = fire(svc, trust.manager, case.id, "record_failure_to_agree", {"points_not_agreed": "SPA allocation"})
    return case.id, r.started_case_ids[0]


def told_of(svc, case_id, trigger) -> set[int]:
    ev = svc.session.scalars(select(Event).where(Event.case_id == case_id, Event.trigger == trigger)
                             .order_by(Event.id.desc())).first()
    return set(svc.session.scalars(select(OutboxMessage.recipient_id)
                                   .where(OutboxMessage.dedupe_key.like(f"event:{ev.id}:%"))))


# ---- 000 2a: Schedule 5, the doctor or the clinical manager may refer ------------------------------------

@pytest.mark.parametrize("group", ["specialty_doctor", "associate_specialist"])
def test_000_2a_sas_clinical_manager_may_refer_to_mediation(svc, trust, clock, group):
    doctor = sas_doctor(svc, trust, group)
    sign_off, dis = not_agreed(svc, trust, doctor)
    fire(svc, trust.manager, dis, "raise_formal_disagreement", FORMAL)
    assert state(svc, dis) == "referred"
    assert told_of(svc, dis, "raise_formal_disagreement") == {trust.md.id, doctor.id}  # the MD and the doctor
    assert svc.session.get(Case, dis).policy_version == 2


def test_000_2a_sas_doctor_may_refer_to_mediation(svc, trust, clock):
    doctor = sas_doctor(svc, trust)
    sign_off, dis = not_agreed(svc, trust, doctor)
    fire(svc, doctor, dis, "raise_formal_disagreement", FORMAL)
    assert state(svc, dis) == "referred"
    assert told_of(svc, dis, "raise_formal_disagreement") == {trust.md.id, trust.manager.id}


def test_000_2a_only_the_consultant_refers_a_consultants_plan_002_7_8_3(svc, trust, clock):
    sign_off, dis = not_agreed(svc, trust, trust.doctor)
    with pytest.raises(ConditionFailed) as exc:
        fire(svc, trust.manager, dis, "raise_formal_disagreement", FORMAL)
    assert "only an SAS doctor's plan (000 2a" in exc.value.message
    assert state(svc, dis) == "failure_recorded"
    offered = {t.trigger: t for t in svc.available_triggers(actor(trust.manager), dis)}
    assert "000 2a" in offered["raise_formal_disagreement"].unavailable  # shown as refused, with why
    fire(svc, trust.doctor, dis, "raise_formal_disagreement", FORMAL)
    assert state(svc, dis) == "referred"


def test_000_2a_another_teams_manager_may_not_refer_an_sas_plan(svc, trust, clock):
    doctor = sas_doctor(svc, trust)
    sign_off, dis = not_agreed(svc, trust, doctor)
    with pytest.raises(NotFound):  # not their case: not even its existence is told
        fire(svc, trust.other_manager, dis, "raise_formal_disagreement", FORMAL)
    assert state(svc, dis) == "failure_recorded"


def test_000_2a_the_clinical_managers_referral_closes_with_the_2_week_window_002_7_8_3(svc, trust, clock):
    from tests.integration.test_policy_cpft_medical import at

    doctor = sas_doctor(svc, trust)
    sign_off, dis = not_agreed(svc, trust, doctor)
    at(clock, 2027, 12, 1)
    with pytest.raises(ConditionFailed) as exc:
        fire(svc, trust.manager, dis, "raise_formal_disagreement", FORMAL)
    assert "closed at the end of Monday 15 March 2027" in exc.value.message
    assert state(svc, dis) == "failure_recorded"


# ---- a change of rules is a new version; a case keeps the version it started on --------------------------

def test_in_flight_case_keeps_version_1_rules_000_2a(app, trust, clock):
    """Version 1 let only the practitioner refer (002 7.8.3). A case started on version 1, and the disagreement
    it opens, keep that rule after version 2 is loaded; a case started afterwards has version 2's (000 2a)."""
    v1 = load_policy_file(POLICIES / "archive" / "cpft-medical-2017-v1.yaml")
    registry = PolicyRegistry([v1])
    app.extensions["jobplan"]["policies"] = registry
    svc = service()
    first = sas_doctor(svc, trust, name="Dr Old")
    old_sign_off, old_dis = not_agreed(svc, trust, first)
    assert {svc.session.get(Case, c).policy_version for c in (old_sign_off, old_dis)} == {1}

    registry.add(load_policy_file(POLICIES / "cpft-medical-2017.yaml"))  # version 2 is installed
    second = sas_doctor(svc, trust, name="Dr New")
    new_sign_off, new_dis = not_agreed(svc, trust, second)
    assert svc.session.get(Case, new_dis).policy_version == 2

    with pytest.raises(PermissionDenied):  # version 1: the clinical manager has no referral step
        fire(svc, trust.manager, old_dis, "raise_formal_disagreement", FORMAL)
    assert state(svc, old_dis) == "failure_recorded"
    fire(svc, trust.manager, new_dis, "raise_formal_disagreement", FORMAL)
    assert state(svc, new_dis) == "referred"
    fire(svc, first, old_dis, "raise_formal_disagreement", FORMAL)  # version 1's own route still runs
    assert state(svc, old_dis) == "referred"


def test_both_versions_of_the_medical_policy_ship_and_load():
    registry = PolicyRegistry.from_directory(POLICIES)
    assert registry.latest("cpft-medical-2017").version == 2
    v1 = registry.get("cpft-medical-2017", 1)
    assert v1.workflow("disagreement").transition("raise_formal_disagreement", "failure_recorded").roles == \
        ("practitioner",)


# ---- 002 7.8.9: the board's "vary the plan" writes the varied plan as a new version ------------------------

def varied() -> dict:
    """The plan as the board varied it: 2.0 SPA, where the Medical Director decided 1.5 and the doctor asked 2.5."""
    from tests.integration.scenario import plan_content

    return plan_content(spa=2.0)


def test_board_varies_the_plan_a_new_version_is_written_and_adopted_002_7_8_9(svc, trust, clock):
    from tests.integration.scenario import spa_of
    from tests.integration.test_policy_cpft_medical import heard_and_recommended
    from workflow.service.plans import plan_in_force
    from workflow.store.models import JobPlanVersion

    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "vary_plan")
    board_plan = varied()
    fire(svc, trust.ceo, appeal, "record_board_decision",
         {"board_decision": "vary_plan", "summary": "2.0 SPA: a middle way", "plan_version": 1,
          "varied_plan": board_plan})
    assert state(svc, appeal) == "concluded" and state(svc, sign_off) == "agreed"
    in_force = plan_in_force(svc, actor(trust.doctor), trust.doctor.id)
    assert in_force.version == 3 and spa_of(in_force.content) == 2.0  # neither party's version: the board's
    assert in_force.content == board_plan
    note = svc.session.scalar(select(JobPlanVersion.note).where(JobPlanVersion.job_plan_id == plan.id,
                                                                JobPlanVersion.number == 3))
    assert "vary_plan" in note and "version 1 as the board varied it" in note
    letter = svc.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.recipient_id == trust.doctor.id,
                                                                       OutboxMessage.case_id == appeal)).all()
    assert any("The board's decision: Vary plan" in b for b in letter)


def test_board_vary_needs_the_varied_plan_and_a_real_variation_002_7_8_9(svc, trust, clock):
    from tests.integration.test_policy_cpft_medical import heard_and_recommended
    from workflow.errors import InvalidPayload

    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "vary_plan")
    base = {"board_decision": "vary_plan", "summary": "varied", "plan_version": 1}
    with pytest.raises(InvalidPayload) as exc:  # the disputed version, adopted unchanged, is not a variation
        fire(svc, trust.ceo, appeal, "record_board_decision", base)
    assert "varied_plan" in exc.value.details["fields"]
    with pytest.raises(InvalidPayload, match="the same as version 1"):
        fire(svc, trust.ceo, appeal, "record_board_decision", {**base, "varied_plan": MANAGER_PLAN})
    with pytest.raises(InvalidPayload) as exc:  # malformed content: the place in the plan is named
        fire(svc, trust.ceo, appeal, "record_board_decision",
             {**base, "varied_plan": {**MANAGER_PLAN, "schedule": [{"day": "Funday"}]}})
    assert "varied_plan" in exc.value.details["fields"]
    with pytest.raises(InvalidPayload, match="only a decision to vary"):  # another decision carries no plan
        fire(svc, trust.ceo, appeal, "record_board_decision",
             {**base, "board_decision": "dismiss_appeal", "varied_plan": varied()},
             reason="the SPA cannot be funded")
    assert state(svc, appeal) == "recommended" and state(svc, sign_off) == "disputed"
    assert svc.session.get(Case, appeal).job_plan.current_version == 2  # no version was written


def test_in_flight_board_decision_on_version_1_adopts_the_named_version_002_7_8_9(app, trust, clock):
    """Version 1 had no varied plan: its cases keep adopting the named version as the board names it."""
    from tests.integration.test_policy_cpft_medical import heard_and_recommended

    registry = PolicyRegistry([load_policy_file(POLICIES / "archive" / "cpft-medical-2017-v1.yaml")])
    app.extensions["jobplan"]["policies"] = registry
    svc = service()
    plan, sign_off, dis, appeal = heard_and_recommended(svc, trust, clock, "vary_plan")
    registry.add(load_policy_file(POLICIES / "cpft-medical-2017.yaml"))
    fire(svc, trust.ceo, appeal, "record_board_decision",
         {"board_decision": "vary_plan", "summary": "as version 2", "plan_version": 2})
    assert state(svc, sign_off) == "agreed" and svc.session.get(Case, appeal).policy_version == 1
