"""A clinical manager's team, starting this year's sign-off in one step (002 5.4, 7.5, 7.7) and a new starter's
interim plan (7.4.3)."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.conftest import actor
from workflow.errors import ConditionFailed, PermissionDenied
from workflow.store.models import Case, Deadline, JobPlan
from workflow.service.team import start_interim_plan, start_sign_off, team_of


def test_manager_sees_the_people_they_manage(svc, trust):
    names = [m.person.name for m in team_of(svc, actor(trust.manager))]
    assert trust.doctor.name in names and trust.colleague.name in names and trust.outsider.name not in names


def test_starting_a_sign_off_makes_a_plan_and_its_case_together_002_7_5(svc, trust):
    case = start_sign_off(svc, actor(trust.manager), trust.doctor.id)
    assert (case.workflow, case.state, case.subject_id) == ("sign_off", "draft", trust.doctor.id)
    plan = svc.session.get(JobPlan, case.job_plan_id)
    assert plan.person_id == trust.doctor.id and plan.current_version == 1
    member = next(m for m in team_of(svc, actor(trust.manager)) if m.person.id == trust.doctor.id)
    assert member.open_sign_off.id == case.id
    with pytest.raises(ConditionFailed, match="already has a sign-off under way"):
        start_sign_off(svc, actor(trust.manager), trust.doctor.id)


def test_starting_a_case_directly_keeps_the_same_sign_off_under_way_rule_issue_13_item_1(svc, trust):
    running = start_sign_off(svc, actor(trust.manager), trust.doctor.id)
    with pytest.raises(ConditionFailed, match=f"already has a sign-off under way \\(case {running.id}\\)"):
        svc.start_case(actor(trust.manager), "sign_off", trust.doctor.id)
    svc.session.rollback()
    direct = svc.start_case(actor(trust.manager), "sign_off", trust.colleague.id)
    assert direct.manager_id == trust.manager.id  # the trust's record, not the caller's word
    with pytest.raises(ConditionFailed, match="already has a sign-off under way"):
        start_sign_off(svc, actor(trust.manager), trust.colleague.id)


def test_a_refused_start_leaves_no_plan_behind(svc, trust):
    plans = svc.session.scalar(select(func.count(JobPlan.id)))
    with pytest.raises(PermissionDenied):
        start_sign_off(svc, actor(trust.outsider), trust.doctor.id)
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(JobPlan.id))) == plans
    assert svc.session.scalar(select(func.count(Case.id))) == 0


def _member(svc, trust, person):
    return next(m for m in team_of(svc, actor(trust.manager)) if m.person.id == person.id)


def test_a_new_starter_gets_an_interim_plan_agreed_within_a_month_of_starting_002_7_4_3(svc, trust):
    trust.colleague.start_date = date(2027, 2, 20)
    svc.session.commit()
    assert _member(svc, trust, trust.colleague).can_start_interim
    assert not _member(svc, trust, trust.doctor).can_start_interim  # no start date recorded
    case = start_interim_plan(svc, actor(trust.manager), trust.colleague.id)
    assert (case.workflow, case.state) == ("new_starter", "interim_plan_due")
    plan = svc.session.get(JobPlan, case.job_plan_id)
    assert plan.interim is True and plan.person_id == trust.colleague.id
    clock = svc.session.scalars(select(Deadline).where(Deadline.case_id == case.id)).one()
    assert clock.due_at == datetime(2027, 3, 20, tzinfo=timezone.utc)  # 20 February is day one: the last day is 19 March
    member = _member(svc, trust, trust.colleague)
    assert member.new_starter.id == case.id and not member.can_start_interim
    with pytest.raises(ConditionFailed, match="already started"):
        start_interim_plan(svc, actor(trust.manager), trust.colleague.id)


def test_an_interim_plan_needs_the_start_date_and_leaves_nothing_when_refused_002_7_4_3(svc, trust):
    plans = svc.session.scalar(select(func.count(JobPlan.id)))
    with pytest.raises(ConditionFailed, match="no start date recorded"):
        start_interim_plan(svc, actor(trust.manager), trust.doctor.id)
    trust.doctor.start_date = date(2027, 2, 20)
    svc.session.commit()
    with pytest.raises(PermissionDenied):
        start_interim_plan(svc, actor(trust.outsider), trust.doctor.id)
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(JobPlan.id))) == plans
    assert svc.session.scalar(select(func.count(Case.id))) == 0


def test_issue_14_item_3_a_trust_naming_its_sign_off_otherwise_still_gets_the_team_page(svc, trust):
    """The code finds the sign-off by the policy's tag, so a policy whose sign-off workflow is called
    something else starts it, shows it and refuses a second one, as the shipped policy does."""
    from pathlib import Path

    import yaml

    from workflow.policy import PolicyRegistry, load_policy_text
    from workflow.service import JobPlanning

    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "policies" / "cpft-medical-2017.yaml").read_text())
    doc["workflows"] = {("yearly_review" if k == "sign_off" else k): v for k, v in doc["workflows"].items()}
    for wf in doc["workflows"].values():
        for t in wf["transitions"]:
            for a in t.get("actions", []):
                if isinstance(a, dict) and "start_case" in a and a["start_case"]["workflow"] == "sign_off":
                    a["start_case"]["workflow"] = "yearly_review"
    doc["tags"]["annual_sign_off"] = "yearly_review"
    renamed = load_policy_text(yaml.safe_dump(doc, sort_keys=False), name="renamed.yaml")
    others = [p for p in svc.policies.all() if p.id != renamed.id]
    local = JobPlanning(svc.session, PolicyRegistry([renamed, *others]), svc.clock, svc.engine, svc.settings)

    case = start_sign_off(local, actor(trust.manager), trust.doctor.id)
    assert (case.workflow, case.state) == ("yearly_review", "draft")
    member = next(m for m in team_of(local, actor(trust.manager)) if m.person.id == trust.doctor.id)
    assert member.open_sign_off.id == case.id
    with pytest.raises(ConditionFailed, match="already has a sign-off under way"):
        start_sign_off(local, actor(trust.manager), trust.doctor.id)


def test_12_the_team_page_shows_the_plan_in_forces_pas_against_the_contract_002_7_6_7(svc, trust, clock):
    from tests.integration.test_policy_cpft_medical import at, meeting_held, sign_and_approve
    from workflow.service.team import team_of

    at(clock, 2027, 3, 1)
    _, case_id = meeting_held(svc, trust)
    sign_and_approve(svc, trust, case_id)
    [me] = [m for m in team_of(svc, actor(trust.manager)) if m.person.id == trust.doctor.id]
    assert me.pas == "10 PAs (contract 10)"
