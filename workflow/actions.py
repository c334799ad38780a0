"""Named effects a transition may have beyond its change of state, run inside the same transaction."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from .errors import ConditionFailed, InvalidPayload
from .models import CaseParticipant, JobPlanVersion, Person, Signature

ACTIONS: dict[str, Callable] = {}


def action(fn: Callable) -> Callable:
    ACTIONS[fn.__name__] = fn
    return fn


def current_version(ctx) -> JobPlanVersion:
    plan = ctx.case.job_plan
    if plan is None:
        raise ConditionFailed("this case has no job plan attached")
    return ctx.session.scalar(select(JobPlanVersion).where(JobPlanVersion.job_plan_id == plan.id,
                                                           JobPlanVersion.number == plan.current_version))


@action
def record_signature(ctx) -> None:
    """Sign the current version in the acting role (002 7.5). Signing twice is refused."""
    version = current_version(ctx)
    if any(s.role == ctx.role for s in version.signatures):
        raise ConditionFailed(f"version {version.number} is already signed as {ctx.policy.roles[ctx.role].title}")
    sig = Signature(version_id=version.id, person_id=ctx.actor.person_id, role=ctx.role, signed_at=ctx.now)
    ctx.session.add(sig)
    version.signatures.append(sig)


@action
def auto_fire(ctx, trigger: str, when: str) -> None:
    """After this step, fire ``trigger`` as the system if condition ``when`` now holds."""
    from .conditions import CONDITIONS

    try:
        CONDITIONS[when](ctx)
    except ConditionFailed:
        return
    ctx.after.append(("self", trigger))


@action
def start_case(ctx, workflow: str) -> None:
    """Open a linked case (a disagreement from a failed sign-off, an appeal from a mediation outcome)."""
    ctx.after.append(("start", workflow))


@action
def fire_parent(ctx, trigger: str) -> None:
    if ctx.case.parent_id is None:
        raise ConditionFailed("this case has no parent case to return to")
    ctx.after.append(("parent", trigger))


@action
def add_participant(ctx, role: str, field: str = "person") -> None:
    person_id = ctx.values.get(field)
    person = ctx.session.get(Person, person_id) if person_id else None
    if person is None:
        raise InvalidPayload(f"no person with id {person_id}", fields={field: ["unknown person"]})
    ctx.session.add(CaseParticipant(case_id=ctx.case.id, person_id=person.id, role=role, status="active",
                                    name=person.name, data={}, added_at=ctx.now))


@action
def mark_plan_agreed(ctx) -> None:
    """The plan's current version becomes the agreed one, in force until the next agreement (002 7.7)."""
    plan = ctx.case.job_plan
    if plan is not None:
        plan.agreed_version = plan.current_version
        plan.agreed_at = ctx.now
