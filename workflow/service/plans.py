"""Reading job plans and their versions, and what changed between two versions. Who may see a plan:
whoever holds a role over the person (practitioner, manager, AMD of the care group, the offices), and
whoever may see a case the plan is attached to (a panel member on that plan's appeal)."""
from __future__ import annotations

import jsonpatch
from sqlalchemy import select

from .. import access
from ..actors import Actor
from ..errors import NotFound
from ..models import Case, JobPlan, JobPlanVersion


def latest_policies(svc):
    return [svc.policies.latest(pid) for pid in svc.policies.ids()]


def can_see_plan(svc, actor: Actor, plan: JobPlan) -> bool:
    if actor.is_system:
        return True
    if plan.person is not None and access.roles_over_person(svc.session, actor, plan.person, latest_policies(svc)):
        return True
    cases = svc.session.scalars(select(Case).where(Case.job_plan_id == plan.id))
    return any(access.can_see_case(svc.session, actor, c, svc.policy_of(c)) for c in cases)


def get_plan(svc, actor: Actor, plan_id: int) -> JobPlan:
    plan = svc.session.get(JobPlan, plan_id)
    if plan is None or not can_see_plan(svc, actor, plan):
        raise NotFound(f"job plan {plan_id} was not found")
    return plan


def list_plans(svc, actor: Actor, person_id: int | None = None) -> list[JobPlan]:
    q = select(JobPlan).order_by(JobPlan.id)
    if person_id:
        q = q.where(JobPlan.person_id == person_id)
    return [p for p in svc.session.scalars(q) if can_see_plan(svc, actor, p)]


def get_version(svc, actor: Actor, plan_id: int, number: int) -> JobPlanVersion:
    plan = get_plan(svc, actor, plan_id)
    for v in plan.versions:
        if v.number == number:
            return v
    raise NotFound(f"job plan {plan_id} has no version {number}")


def diff_versions(svc, actor: Actor, plan_id: int, from_number: int, to_number: int) -> list[dict]:
    """The changes from one version's content to another's, as a JSON Patch (RFC 6902)."""
    old = get_version(svc, actor, plan_id, from_number)
    new = get_version(svc, actor, plan_id, to_number)
    return jsonpatch.make_patch(old.content or {}, new.content or {}).patch


def _editor_roles(svc) -> set[str]:
    """The roles that draft and edit a plan: the practitioner and their clinical manager (002 7.5)."""
    return {name for p in latest_policies(svc) for name, r in p.roles.items() if r.scope in ("subject", "manager")}


def _require_editor(svc, actor: Actor, person) -> None:
    from ..errors import PermissionDenied

    held = access.roles_over_person(svc.session, actor, person, latest_policies(svc))
    if not held & _editor_roles(svc):
        raise PermissionDenied("only the practitioner and their clinical manager may draft or edit the job plan (002 7.5)")


def create_plan(svc, actor: Actor, person_id: int, content: dict, *, policy_id=None, interim=False) -> JobPlan:
    """Draft a plan; the roles an API token is limited to count (a manager's HR-only token may not)."""
    from ..models import Person

    person = svc.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} was not found")
    _require_editor(svc, actor, person)
    return svc.create_job_plan(actor, person_id, content, policy_id=policy_id, interim=interim)


def edit_plan(svc, actor: Actor, plan_id: int, content: dict, *, expected_version: int, note=None) -> JobPlanVersion:
    """A new version of a plan the caller may see (else NotFound) and may edit (else PermissionDenied)."""
    plan = get_plan(svc, actor, plan_id)
    if plan.person is None:
        raise NotFound(f"job plan {plan_id} was not found")
    _require_editor(svc, actor, plan.person)
    return svc.edit_job_plan(actor, plan_id, content, expected_version=expected_version, note=note)
