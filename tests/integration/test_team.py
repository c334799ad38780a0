"""A clinical manager's team and starting this year's sign-off in one step (002 5.4, 7.5, 7.7)."""
import pytest
from sqlalchemy import func, select

from tests.conftest import actor
from workflow.errors import ConditionFailed, PermissionDenied
from workflow.models import Case, JobPlan
from workflow.service.team import start_sign_off, team_of


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


def test_a_refused_start_leaves_no_plan_behind(svc, trust):
    plans = svc.session.scalar(select(func.count(JobPlan.id)))
    with pytest.raises(PermissionDenied):
        start_sign_off(svc, actor(trust.outsider), trust.doctor.id)
    svc.session.rollback()
    assert svc.session.scalar(select(func.count(JobPlan.id))) == plans
    assert svc.session.scalar(select(func.count(Case.id))) == 0
