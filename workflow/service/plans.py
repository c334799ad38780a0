"""Reading job plans and their versions, with the same visibility rules as everything else."""
from __future__ import annotations

import difflib
import json

from sqlalchemy import select

from .. import access
from ..actors import Actor
from ..errors import NotFound
from ..models import JobPlan, JobPlanVersion, Person


def get_plan(svc, actor: Actor, plan_id: int) -> JobPlan:
    plan = svc.session.get(JobPlan, plan_id)
    if plan is None or plan.person is None or not access.can_see_person(svc.session, actor, plan.person):
        raise NotFound(f"job plan {plan_id} was not found")
    return plan


def plans_of(svc, actor: Actor, person_id: int) -> list[JobPlan]:
    person = svc.session.get(Person, person_id)
    if person is None or not access.can_see_person(svc.session, actor, person):
        raise NotFound(f"person {person_id} was not found")
    return list(svc.session.scalars(select(JobPlan).where(JobPlan.person_id == person_id).order_by(JobPlan.id.desc())))


def version(plan: JobPlan, number: int) -> JobPlanVersion:
    for v in plan.versions:
        if v.number == number:
            return v
    raise NotFound(f"job plan {plan.id} has no version {number}")


def in_force(plan: JobPlan) -> JobPlanVersion | None:
    """The version in force: the last agreed one. While a new version is being agreed or disputed,
    the last agreed plan stays in force (002 7.7, 7.8)."""
    return version(plan, plan.agreed_version) if plan.agreed_version else None


def diff_lines(plan: JobPlan, a: int, b: int) -> list[str]:
    """A line diff of two versions' content, section by section (as readable JSON)."""
    def lines(v):
        return json.dumps(v.content, indent=2, sort_keys=True, ensure_ascii=False).splitlines()

    return list(difflib.unified_diff(lines(version(plan, a)), lines(version(plan, b)),
                                     fromfile=f"version {a}", tofile=f"version {b}", lineterm=""))
