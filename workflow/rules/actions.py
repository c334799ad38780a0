"""Named effects a transition may have beyond its change of state, run inside the same transaction."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from workflow.errors import ConditionFailed, InvalidPayload
from workflow.rules.follow_ups import FireParent, FireSelf, StartChild, StartCycle
from workflow.store.models import CaseParticipant, JobPlanVersion, Person, Signature
from workflow.store.plan_versions import add_version, end_sitting, sitting_ends_at, sitting_open
from workflow.timing.wording import format_moment

from workflow.policy.vocabulary import ACTIONS  # noqa: E402  (the table this module fills)


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
    """Sign the current version in the acting role (002 7.5). Signing twice is refused, and so is signing a
    version someone else is still editing (an open sitting, issue 18 item 5); a signature ends the sitting,
    so a later edit is a new version."""
    plan = ctx.case.job_plan
    if plan is None:
        raise ConditionFailed("this case has no job plan attached")
    # Locked: an edit amending this version in its sitting waits for the signature, or the signature for it.
    version = ctx.session.scalar(select(JobPlanVersion).where(JobPlanVersion.job_plan_id == plan.id,
                                                              JobPlanVersion.number == plan.current_version)
                                 .with_for_update())
    if sitting_open(plan, ctx.now) and plan.sitting_by_id != ctx.actor.person_id:
        editor = ctx.session.get(Person, plan.sitting_by_id)
        raise ConditionFailed(f"{editor.name if editor else 'Someone'} is still editing version {version.number} "
                              "of the plan, so it cannot be signed yet; sign it once they press Finish editing, or "
                              f"from {format_moment(ctx.policy, sitting_ends_at(plan))} if they make no more changes")
    end_sitting(plan)
    if any(s.role == ctx.role for s in version.signatures):
        raise ConditionFailed(f"version {version.number} is already signed as {ctx.policy.roles[ctx.role].title}")
    sig = Signature(version_id=version.id, person_id=ctx.actor.person_id, role=ctx.role, signed_at=ctx.now)
    ctx.session.add(sig)
    version.signatures.append(sig)


@action
def auto_fire(ctx, trigger: str, when: str) -> None:
    """After this step, fire ``trigger`` as the system if condition ``when`` now holds."""
    from workflow.rules.conditions import CONDITIONS

    try:
        CONDITIONS[when](ctx)
    except ConditionFailed:
        return
    ctx.after.append(FireSelf(trigger))


@action
def start_case(ctx, workflow: str, linked: bool = True) -> None:
    """Open a linked case (a disagreement from a failed sign-off, an appeal from a mediation outcome), or
    with ``linked: false`` a new cycle standing on its own (a review's sign-off, on the newest policy)."""
    ctx.after.append(StartChild(workflow) if linked else StartCycle(workflow))


@action
def fire_parent(ctx, trigger: str, payload: dict | None = None, optional: bool = False) -> None:
    """Fire ``trigger`` on the parent case as the system. ``payload`` maps the parent's field names to
    facts recorded on this case (``{meeting_date: held_on}``); ``optional`` skips a case with no parent."""
    if ctx.case.parent_id is None:
        if optional:
            return
        raise ConditionFailed("this case has no parent case to return to")
    facts = ctx.case.data or {}
    values = {target: facts.get(source) for target, source in (payload or {}).items()}
    ctx.after.append(FireParent(trigger, values or None))


@action
def add_participant(ctx, role: str, field: str = "person") -> None:
    """Name the person in ``field`` to the seat ``role``, if they may sit there (``workflow.rules.seats``)."""
    from workflow.rules.seats import eligible_for_seat, refuse_filled_seat, seat_holder

    holder = seat_holder(ctx.facts.participants(), role)
    if holder is not None:  # one holder a seat, whatever the policy's conditions (issue 16 item 1)
        refuse_filled_seat(ctx.policy, role, holder)
    person = eligible_for_seat(ctx.session, ctx.case, ctx.policy, role, ctx.values.get(field), field)
    ctx.session.add(CaseParticipant(case_id=ctx.case.id, person_id=person.id, role=role, status="active",
                                    name=person.name, data={}, added_at=ctx.now))


def add_plan_version(ctx, content: dict, note: str) -> JobPlanVersion:
    """A new version of the case's plan; signatures given to older versions do not carry over (002 7.5)."""
    plan = ctx.case.job_plan
    if plan is None:
        raise ConditionFailed("this case has no job plan attached")
    return add_version(ctx.session, plan, content, at=ctx.now, by_id=ctx.actor.person_id, note=note)


def plan_version(ctx, number) -> JobPlanVersion:
    plan = ctx.case.job_plan
    if plan is None:
        raise ConditionFailed("this case has no job plan attached")
    version = ctx.session.scalar(select(JobPlanVersion).where(JobPlanVersion.job_plan_id == plan.id,
                                                              JobPlanVersion.number == number))
    if version is None:
        raise InvalidPayload(f"job plan {plan.id} has no version {number}",
                             fields={"plan_version": [f"no version {number}"]})
    return version


@action
def new_plan_version(ctx, note: str = "review", drop_additional_pas: bool = False) -> None:
    """A review starts from a copy of the plan in force as a new version, which follows the whole approval
    route again (002 7.7.4; 001 17, 19). With ``drop_additional_pas`` the copy does not carry the additional
    PAs: they were agreed "for up to 12 months or until the next job planning meeting" (002 7.2.2), and a
    new agreement, if any, is made afresh with the AMD."""
    base = plan_version(ctx, ctx.case.job_plan.agreed_version or ctx.case.job_plan.current_version)
    kind = ctx.values.get("review_type") or note
    content = dict(base.content)
    if drop_additional_pas and content.get("additional_pas"):
        content["additional_pas"] = []
        content["justifications"] = {**(content.get("justifications") or {}), "additional_pas": (
            "The additional PAs of the earlier plan ended at this job planning review (002 7.2.2); "
            "any new ones are agreed afresh with the Associate Medical Director.")}
    add_plan_version(ctx, content, f"{kind} review of version {base.number} (case {ctx.case.id})")


@action
def adopt_decided_version(ctx, field: str = "plan_version", by: str = "decision") -> None:
    """The plan takes the decided form: the content of the version named by ``field`` (in this step's
    payload, or recorded earlier on the case; default the current one) becomes a new version, which the
    settling step then marks agreed (002 7.8.5, 7.8.9)."""
    number = ctx.values.get(field) or (ctx.case.data or {}).get(field) or ctx.case.job_plan.current_version
    base = plan_version(ctx, number)
    version = add_plan_version(ctx, base.content, f"{by} (case {ctx.case.id}): version {base.number} adopted")
    ctx.case.data = {**(ctx.case.data or {}), "adopted_version": version.number}


@action
def mark_plan_agreed(ctx) -> None:
    """The plan's current version becomes the agreed one, in force until the next agreement (002 7.7)."""
    plan = ctx.case.job_plan
    if plan is not None:
        plan.agreed_version = plan.current_version
        plan.agreed_at = ctx.now

